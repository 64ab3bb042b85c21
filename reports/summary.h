/*
 * summary — per-policy totals of a sweep, as a text table and as JSON.
 *
 * Invariants:
 *  1. first_seed[p] is the smallest seed that violated property p, because
 *     seeds are added in increasing order.
 *  2. A JSON file is written to a temporary name and renamed into place, so a
 *     failed write never leaves a half-written file behind.
 */
#ifndef BARRIERSIM_SUMMARY_H
#define BARRIERSIM_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/policy.h"
#include "../scenarios/scen.h"
#include "../sim/oracle.h"
#include "../sim/world.h"

typedef struct {
    const core_policy_t *policy;
    uint64_t runs;
    uint64_t violations[SIM_PROP_COUNT];
    bool has_first[SIM_PROP_COUNT];
    uint64_t first_seed[SIM_PROP_COUNT];
    uint64_t outcomes[SCEN_OUTCOME_COUNT];
    uint64_t decrements;
} report_policy_t;

/* How to print a replay command for a seed of this sweep. */
typedef struct {
    const char *program;      /* argv[0] */
    const char *extra_args;   /* options that select the scenario, or "" */
} report_replay_t;

void report_policy_init(report_policy_t *report, const core_policy_t *policy);
void report_policy_add(report_policy_t *report, const sim_result_t *result);

void report_print_table(FILE *out, const report_policy_t *reports, int count,
                        const report_replay_t *replay);

/* Write the sweep summary as JSON to path. Returns 0, or -1 after printing
 * an error that names the path. */
int report_write_json(const char *path, const scen_t *scen, uint64_t seed_first,
                      uint64_t seed_last, const report_policy_t *reports, int count,
                      const report_replay_t *replay);

/* Format "PROGRAM replay --policy P --seed S EXTRA" into buf. */
void report_replay_command(const report_replay_t *replay, const char *policy,
                           uint64_t seed, char *buf, size_t buf_size);

#endif
