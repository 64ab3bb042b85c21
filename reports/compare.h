/*
 * compare — the policy comparison report. Per scenario and policy it counts
 * how often each property broke and how runs ended, and keeps how long
 * they took and what their retries cost. It also keeps the shrunk
 * counterexample of each violated property, and the sim-vs-real agreement
 * where confirmation ran.
 *
 * The report is data first (report_compare_t), written as report.json
 * (compare_json.c, schema in docs/REPORT_SCHEMA.md), report.md
 * (compare_md.c) and report.html (compare_html.c). Everything in it is a
 * count, a smallest seed or a histogram (histo.h), so the reports of
 * disjoint seed sets merge exactly: the shards of a sweep merge to the
 * report one process writes over the same seeds, byte for byte.
 *
 * Sharding is round-robin: seed s of a scenario whose seeds start at A
 * belongs to shard ((s - A) mod N) + 1 of N.
 *
 * Invariants:
 *  1. cells[scenario * policy_count + policy] holds only runs of that
 *     scenario and policy, added in increasing seed order within a process.
 *  2. first_seed[p] is the smallest seed of the cell that violated p, so
 *     the merge keeps the smaller of two.
 *  3. A cell's counterexample for p, when present, is the shrunk run of
 *     first_seed[p].
 *  4. Nothing in the report depends on the wall clock, the host, the
 *     process or the path the program was started by.
 */
#ifndef BARRIERSIM_COMPARE_H
#define BARRIERSIM_COMPARE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "../core/policy.h"
#include "../confirm/confirm.h"
#include "../scenarios/scen.h"
#include "../sim/oracle.h"
#include "../sim/world.h"
#include "histo.h"

#define REPORT_SCHEMA_VERSION 1
#define REPORT_KIND "barriersim-compare"
#define REPORT_SCENARIO_MAX 256
#define REPORT_POLICY_MAX SCEN_POLICY_MAX
#define REPORT_CONFIRM_FILE_MAX 16
#define REPORT_SHARD_MAX 4096
#define REPORT_PROGRAM "barriersim"     /* the program named in replay commands */
#define REPORT_ERROR_MAX 1024

/* The outcome of a run as the report counts it. X(id, key, label, text) */
#define REPORT_OUTCOME_MAP(X)                                                  \
    X(COMPLETED, "completed", "completed",                                     \
      "the callback fired and the execution is COMPLETED")                     \
    X(ERROR, "error", "error", "marked ERROR by the workers or the status API") \
    X(REAPER, "stranded_until_reaper", "stranded until reaper",                \
      "stranded until a reaper marked it ERROR")                               \
    X(STRANDED, "stranded", "stranded",                                        \
      "still EXECUTING at the end; the barrier row waits")                     \
    X(LOST, "lost", "lost", "still EXECUTING with no barrier row and no callback")

typedef enum {
#define REPORT_OUTCOME_ENUM(id, key, label, text) REPORT_OUTCOME_##id,
    REPORT_OUTCOME_MAP(REPORT_OUTCOME_ENUM)
#undef REPORT_OUTCOME_ENUM
    REPORT_OUTCOME_COUNT
} report_outcome_t;

/* The per-run quantities kept as histograms. X(id, key, unit) */
#define REPORT_METRIC_MAP(X)                                                   \
    X(TERMINAL, "time_to_terminal_us", "us")                                  \
    X(RETRIES, "retries", "count")                                             \
    X(RECONNECTS, "reconnects", "count")                                       \
    X(EXTRA_ROUND_TRIPS, "extra_round_trips", "count")

typedef enum {
#define REPORT_METRIC_ENUM(id, key, unit) REPORT_METRIC_##id,
    REPORT_METRIC_MAP(REPORT_METRIC_ENUM)
#undef REPORT_METRIC_ENUM
    REPORT_METRIC_COUNT
} report_metric_t;

#define REPORT_VERDICT_COUNT (CONFIRM_ENVIRONMENT + 1)

/* The shrunk counterexample of one violated property. */
typedef struct {
    bool present;
    uint64_t seed;             /* the seed shrunk: the cell's first_seed */
    char *error;               /* why shrinking failed, or NULL */
    int events_before;         /* events of the failing run */
    int events;                /* events of the shrunk run */
    int batch_count;
    int worker_count;
    int runs;                  /* runs the shrinker made */
    uint64_t trace_hash;       /* of the shrunk run */
    char *transcript;          /* the shrunk run, one line per step */
} report_example_t;

typedef struct {
    uint64_t runs;
    uint64_t violations[SIM_PROP_COUNT];
    bool has_first[SIM_PROP_COUNT];
    uint64_t first_seed[SIM_PROP_COUNT];
    uint64_t outcomes[REPORT_OUTCOME_COUNT];
    report_histo_t metrics[REPORT_METRIC_COUNT];
    report_example_t examples[SIM_PROP_COUNT];
    uint64_t verdicts[REPORT_VERDICT_COUNT]; /* confirmed runs by verdict */
} report_cell_t;

typedef struct {
    char name[SCEN_NAME_MAX];
    char file[PATH_MAX];       /* as the user named it, "" for the built-in default */
    char summary[SCEN_TEXT_MAX];
    char fingerprint[17];      /* XXH3 of the scenario as scen_write writes it */
    int batch_count;
    int worker_count;
    int reaper_count;
    uint64_t seed_first;
    uint64_t seed_last;
    uint64_t seeds_done;       /* this shard's seeds run so far (a partial report) */
} report_scenario_t;

typedef struct {
    int shard_index;           /* 1..shard_count; 0 when not sharded */
    int shard_count;           /* 0 when not sharded */
    int shrink_budget;         /* runs per counterexample; 0 shrinks nothing */
    bool complete;             /* false: a partial report that --resume continues */
    int scenario_count;
    report_scenario_t *scenarios;
    int policy_count;
    const core_policy_t *policies[REPORT_POLICY_MAX];
    report_cell_t *cells;      /* [scenario_count][policy_count] */
    int confirm_file_count;
    char confirm_files[REPORT_CONFIRM_FILE_MAX][PATH_MAX];
    uint64_t confirm_unmatched; /* confirmed runs of no scenario and policy here */
} report_compare_t;

/* Allocate the scenarios and cells. Returns 0, or -1 when out of memory. */
int report_compare_init(report_compare_t *report, int scenario_count,
                        const core_policy_t *const *policies, int policy_count);
void report_compare_free(report_compare_t *report);

/* Describe scenario index from scen; file is "" for the built-in default.
 * Returns 0, or -1 with a message when the scenario cannot be written. */
int report_compare_scenario(report_compare_t *report, int index, const scen_t *scen,
                            const char *file, uint64_t seed_first, uint64_t seed_last,
                            char *error, size_t error_size);

/* XXH3 of the scenario as scen_write writes it, as 16 hex digits. Returns
 * 0, or -1 with a message. */
int report_scenario_fingerprint(const scen_t *scen, char fingerprint[17], char *error,
                                size_t error_size);

static inline report_cell_t *report_compare_cell(const report_compare_t *report,
                                                 int scenario, int policy)
{
    return &report->cells[scenario * report->policy_count + policy];
}

/* Whether seed belongs to this report's shard of the scenario. */
bool report_compare_owns(const report_compare_t *report, int scenario, uint64_t seed);

/* Seeds of the scenario in this report's shard. */
uint64_t report_compare_shard_seeds(const report_compare_t *report, int scenario);

/* Add one run's result. */
void report_cell_add(report_cell_t *cell, const sim_result_t *result);

/* Keep a counterexample (the cell takes the strings). */
void report_cell_set_example(report_cell_t *cell, int prop, report_example_t *example);

/* Count the confirmed runs of a `confirm --json` document under their
 * scenario and policy. Returns 0, or -1 with a message naming path. */
int report_compare_confirm(report_compare_t *report, const json_t *doc,
                           const char *path, char *error, size_t error_size);
/* Forget every confirmation. */
void report_compare_confirm_clear(report_compare_t *report);

/* Merge shard reports into out, which this initialises. Every shard must
 * be complete and have the same scenarios, policies, seeds, shard count,
 * shrink budget and confirmations. Together they must be shards 1..N, each
 * once. Returns 0, or -1 with a message naming the shard (from names) and
 * what differs. */
int report_compare_merge(report_compare_t *out, const report_compare_t *shards,
                         const char *const *names, int shard_count, char *error,
                         size_t error_size);

/* Whether a and b describe the same sweep (scenarios, policies, seeds,
 * shard count, shrink budget); when not, what differs in error. */
bool report_compare_same_sweep(const report_compare_t *a, const report_compare_t *b,
                               char *error, size_t error_size);

/* JSON (compare_json.c). The reader checks the schema and every value. */
json_t *report_compare_to_json(const report_compare_t *report);
int report_compare_from_json(const json_t *root, report_compare_t *report, char *error,
                             size_t error_size);
/* The flags every report.json is dumped with. */
#define REPORT_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(10))

/* Markdown for a CI job summary (compare_md.c) and HTML with SVG charts
 * (compare_html.c). */
void report_compare_write_md(FILE *out, const report_compare_t *report);
void report_compare_write_html(FILE *out, const report_compare_t *report);

/* Write report.json, and unless json_only report.md and report.html, into
 * dir (created if missing), each through a temporary name renamed into
 * place. Returns 0, or -1 with a message naming the file. */
int report_compare_write_dir(const report_compare_t *report, const char *dir,
                             bool json_only, char *error, size_t error_size);

/* Create dir and its missing parents, as mkdir -p does. Returns 0, or -1
 * with a message naming the folder that could not be made. */
int report_make_dir(const char *dir, char *error, size_t error_size);

/* jansson's reason a file did not load, with its line when it has one (a
 * file that cannot be opened has none). */
void report_json_error(const json_error_t *json_error, char *buf, size_t buf_size);

/* Read DIR/report.json or a file path into report. */
int report_compare_read_file(const char *path, report_compare_t *report, char *error,
                             size_t error_size);

/* Names for the writers. */
const char *report_outcome_key(report_outcome_t outcome);
const char *report_outcome_label(report_outcome_t outcome);
const char *report_outcome_text(report_outcome_t outcome);
const char *report_metric_key(report_metric_t metric);
/* "barriersim replay --policy P --seed S [--scenario FILE]" into buf. */
void report_compare_replay(const report_compare_t *report, int scenario,
                           const core_policy_t *policy, uint64_t seed, char *buf,
                           size_t buf_size);
/* "barriersim shrink --policy P --seed S --property X [--scenario FILE]". */
void report_compare_shrink_command(const report_compare_t *report, int scenario,
                                   const core_policy_t *policy, uint64_t seed, int prop,
                                   char *buf, size_t buf_size);
/* Violations of prop per 10,000 runs of the cell. */
double report_cell_rate(const report_cell_t *cell, int prop);

/* Text for people: a duration ("850 us", "12.3 ms", "4.56 s", "312 s") and
 * a rate per 10,000 with about three significant digits ("0.25", "7.5",
 * "908"). */
void report_format_us(uint64_t duration_us, char *buf, size_t buf_size);
void report_format_rate(double rate, char *buf, size_t buf_size);
/* Format a histogram's median and 99th percentile as "P50 / P99", each a
 * duration (report_format_us) when duration is true, else a count.
 * Returns false, writing nothing, for an empty histogram. */
bool report_format_p50_p99(const report_histo_t *histo, bool duration, char *buf,
                           size_t buf_size);

/* Properties that some policy of the scenario violated, as a mask. */
uint32_t report_scenario_violated_mask(const report_compare_t *report, int scenario);
/* Seeds run so far over all scenarios, and seeds in all. */
void report_compare_progress(const report_compare_t *report, uint64_t *done_out,
                             uint64_t *total_out);

#endif
