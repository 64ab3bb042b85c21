/* compare — the comparison report's data: add runs, merge shards, count
 * confirmations, and format names and commands for the writers. */
#include "compare.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "../scenarios/scen_write.h"

static void report_cell_merge(report_cell_t *into, const report_cell_t *from);
static void report_example_free(report_example_t *example);
static void report_example_copy(report_example_t *into, const report_example_t *from);
static int report_merge_check(const report_compare_t *shards, const char *const *names,
                              int shard_count, char *error, size_t error_size);
static bool report_confirmations_equal(const report_compare_t *a,
                                       const report_compare_t *b);
static void report_quote(const char *text, char *buf, size_t buf_size);

int report_compare_init(report_compare_t *report, int scenario_count,
                        const core_policy_t *const *policies, int policy_count)
{
    int i;

    assert(scenario_count >= 0);
    assert(scenario_count <= REPORT_SCENARIO_MAX);
    assert(policy_count >= 0);
    assert(policy_count <= REPORT_POLICY_MAX);
    memset(report, 0, sizeof(*report));
    report->complete = true;
    report->scenario_count = scenario_count;
    report->policy_count = policy_count;
    for (i = 0; i < policy_count; i++) {
        report->policies[i] = policies[i];
    }

    /* calloc(0) may return NULL; one element keeps the check simple. */
    report->scenarios = calloc((size_t)scenario_count + 1, sizeof(report->scenarios[0]));
    report->cells = calloc((size_t)scenario_count * (size_t)policy_count + 1,
                           sizeof(report->cells[0]));
    if (report->scenarios == NULL || report->cells == NULL) {
        report_compare_free(report);
        return -1;
    }
    return 0;
}

void report_compare_free(report_compare_t *report)
{
    int i;
    int prop;

    if (report->cells != NULL) {
        for (i = 0; i < report->scenario_count * report->policy_count; i++) {
            for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
                report_example_free(&report->cells[i].examples[prop]);
            }
        }
    }
    free(report->cells);
    free(report->scenarios);
    report->cells = NULL;
    report->scenarios = NULL;
}

int report_compare_scenario(report_compare_t *report, int index, const scen_t *scen,
                            const char *file, uint64_t seed_first, uint64_t seed_last,
                            char *error, size_t error_size)
{
    report_scenario_t *s = &report->scenarios[index];

    assert(index >= 0);
    assert(index < report->scenario_count);
    if (report_scenario_fingerprint(scen, s->fingerprint, error, error_size) != 0) {
        return -1;
    }
    snprintf(s->name, sizeof(s->name), "%s", scen->name);
    snprintf(s->file, sizeof(s->file), "%s", file);
    snprintf(s->summary, sizeof(s->summary), "%s", scen->summary);
    s->batch_count = scen->batch_count;
    s->worker_count = scen->worker_count;
    s->reaper_count = scen->reaper_count;
    s->seed_first = seed_first;
    s->seed_last = seed_last;
    s->seeds_done = 0;
    return 0;
}

int report_scenario_fingerprint(const scen_t *scen, char fingerprint[17], char *error,
                                size_t error_size)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    char write_error[256];
    int rc;

    if (out == NULL) {
        snprintf(error, error_size, "out of memory describing scenario %s", scen->name);
        return -1;
    }

    /* The fingerprint covers everything a run reads, as the file writer
     * spells it, so merge and --resume detect a changed scenario file. */
    rc = scen_write(out, scen, NULL, write_error, sizeof(write_error));
    fclose(out);
    if (rc != 0) {
        snprintf(error, error_size, "could not describe scenario %s: %s", scen->name,
                 write_error);
        free(text);
        return -1;
    }
    snprintf(fingerprint, 17, "%016" PRIx64, (uint64_t)XXH3_64bits(text, size));
    free(text);
    return 0;
}

bool report_compare_owns(const report_compare_t *report, int scenario, uint64_t seed)
{
    const report_scenario_t *s = &report->scenarios[scenario];

    if (report->shard_count == 0) {
        return true;
    }
    return (seed - s->seed_first) % (uint64_t)report->shard_count ==
           (uint64_t)(report->shard_index - 1);
}

uint64_t report_compare_shard_seeds(const report_compare_t *report, int scenario)
{
    const report_scenario_t *s = &report->scenarios[scenario];
    uint64_t span = s->seed_last - s->seed_first; /* seeds - 1, never overflows */
    uint64_t count;
    uint64_t offset;

    if (report->shard_count == 0) {
        return span + 1;
    }

    /* Offsets 0..span; shard K takes those congruent to K - 1. */
    count = (uint64_t)report->shard_count;
    offset = (uint64_t)(report->shard_index - 1);
    return offset > span ? 0 : (span - offset) / count + 1;
}

void report_cell_add(report_cell_t *cell, const sim_result_t *result)
{
    report_outcome_t outcome;
    int prop;

    cell->runs++;
    switch (result->outcome) {
    case SCEN_OUTCOME_COMPLETE:
        outcome = REPORT_OUTCOME_COMPLETED;
        break;
    case SCEN_OUTCOME_ERROR:
        outcome = result->reaper_marked ? REPORT_OUTCOME_REAPER : REPORT_OUTCOME_ERROR;
        break;
    case SCEN_OUTCOME_STRANDED:
        outcome = REPORT_OUTCOME_STRANDED;
        break;
    default:
        outcome = REPORT_OUTCOME_LOST;
        break;
    }
    cell->outcomes[outcome]++;

    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        if ((result->violated_mask & (1u << prop)) == 0) {
            continue;
        }
        cell->violations[prop]++;
        if (!cell->has_first[prop] || result->seed < cell->first_seed[prop]) {
            cell->has_first[prop] = true;
            cell->first_seed[prop] = result->seed;
        }
    }

    if (result->terminal_us >= 0) {
        report_histo_add(&cell->metrics[REPORT_METRIC_TERMINAL],
                         (uint64_t)result->terminal_us);
    }
    report_histo_add(&cell->metrics[REPORT_METRIC_RETRIES],
                     (uint64_t)result->cost.retry_count);
    report_histo_add(&cell->metrics[REPORT_METRIC_RECONNECTS],
                     (uint64_t)result->cost.reconnect_count);
    report_histo_add(&cell->metrics[REPORT_METRIC_EXTRA_ROUND_TRIPS],
                     (uint64_t)result->cost.extra_round_trip_count);
}

void report_cell_set_example(report_cell_t *cell, int prop, report_example_t *example)
{
    report_example_free(&cell->examples[prop]);
    cell->examples[prop] = *example;
    memset(example, 0, sizeof(*example));
}

int report_compare_confirm(report_compare_t *report, const json_t *doc,
                           const char *path, char *error, size_t error_size)
{
    const char *scenario = "default";
    json_t *runs = json_object_get(doc, "runs");
    json_t *run;
    size_t index;
    int s;
    int p;

    if (report->confirm_file_count == REPORT_CONFIRM_FILE_MAX) {
        snprintf(error, error_size, "too many confirmation files (at most %d)",
                 REPORT_CONFIRM_FILE_MAX);
        return -1;
    }
    if (!json_is_object(doc) || json_integer_value(json_object_get(doc, "schema")) != 1 ||
        !json_is_array(runs)) {
        snprintf(error, error_size, "%s: not the JSON of confirm --json (schema 1 with "
                 "\"runs\"); write it with barriersim confirm --json PATH", path);
        return -1;
    }
    /* confirm writes the scenario's name; older files lack it and were of
     * the built-in default scenario. */
    if (json_is_string(json_object_get(doc, "scenario"))) {
        scenario = json_string_value(json_object_get(doc, "scenario"));
    }

    json_array_foreach(runs, index, run) {
        const char *policy = json_string_value(json_object_get(run, "policy"));
        const char *verdict = json_string_value(json_object_get(run, "verdict"));
        int v;

        for (v = 0; verdict != NULL && v < REPORT_VERDICT_COUNT; v++) {
            if (strcmp(verdict, confirm_verdict_name((confirm_verdict_t)v)) == 0) {
                break;
            }
        }
        if (policy == NULL || verdict == NULL || v == REPORT_VERDICT_COUNT) {
            snprintf(error, error_size, "%s: run %zu has no policy or an unknown verdict "
                     "\"%s\"", path, index + 1, verdict != NULL ? verdict : "");
            return -1;
        }
        for (s = 0; s < report->scenario_count; s++) {
            for (p = 0; p < report->policy_count; p++) {
                if (strcmp(report->scenarios[s].name, scenario) == 0 &&
                    strcmp(report->policies[p]->name, policy) == 0) {
                    report_compare_cell(report, s, p)->verdicts[v]++;
                    break;
                }
            }
            if (p < report->policy_count) {
                break;
            }
        }
        report->confirm_unmatched += s == report->scenario_count;
    }
    snprintf(report->confirm_files[report->confirm_file_count++], PATH_MAX, "%s", path);
    return 0;
}

void report_compare_confirm_clear(report_compare_t *report)
{
    int i;

    for (i = 0; i < report->scenario_count * report->policy_count; i++) {
        memset(report->cells[i].verdicts, 0, sizeof(report->cells[i].verdicts));
    }
    report->confirm_file_count = 0;
    report->confirm_unmatched = 0;
}

int report_compare_merge(report_compare_t *out, const report_compare_t *shards,
                         const char *const *names, int shard_count, char *error,
                         size_t error_size)
{
    const report_compare_t *first = &shards[0];
    int cell_count = first->scenario_count * first->policy_count;
    int i;
    int c;

    if (report_merge_check(shards, names, shard_count, error, error_size) != 0) {
        return -1;
    }
    if (report_compare_init(out, first->scenario_count, first->policies,
                            first->policy_count) != 0) {
        snprintf(error, error_size, "out of memory merging the shards");
        return -1;
    }
    memcpy(out->scenarios, first->scenarios,
           (size_t)first->scenario_count * sizeof(out->scenarios[0]));
    out->shrink_budget = first->shrink_budget;
    out->confirm_file_count = first->confirm_file_count;
    memcpy(out->confirm_files, first->confirm_files, sizeof(out->confirm_files));
    out->confirm_unmatched = first->confirm_unmatched;

    for (i = 0; i < shard_count; i++) {
        for (c = 0; c < cell_count; c++) {
            report_cell_merge(&out->cells[c], &shards[i].cells[c]);
        }
    }

    /* Confirmations were checked equal: count them once. */
    for (c = 0; c < cell_count; c++) {
        memcpy(out->cells[c].verdicts, first->cells[c].verdicts,
               sizeof(out->cells[c].verdicts));
    }
    return 0;
}

bool report_compare_same_sweep(const report_compare_t *a, const report_compare_t *b,
                               char *error, size_t error_size)
{
    int i;

    if (a->scenario_count != b->scenario_count) {
        snprintf(error, error_size, "it has %d scenario(s), not %d", b->scenario_count,
                 a->scenario_count);
        return false;
    }
    for (i = 0; i < a->scenario_count; i++) {
        const report_scenario_t *x = &a->scenarios[i];
        const report_scenario_t *y = &b->scenarios[i];

        if (strcmp(x->name, y->name) != 0 || strcmp(x->file, y->file) != 0 ||
            strcmp(x->fingerprint, y->fingerprint) != 0) {
            snprintf(error, error_size, "scenario %d is %s (file \"%s\", fingerprint %s), "
                     "not %s (file \"%s\", fingerprint %s)", i + 1, y->name, y->file,
                     y->fingerprint, x->name, x->file, x->fingerprint);
            return false;
        }
        if (x->seed_first != y->seed_first || x->seed_last != y->seed_last) {
            snprintf(error, error_size, "scenario %s covers seeds %" PRIu64 "..%" PRIu64
                     ", not %" PRIu64 "..%" PRIu64, y->name, y->seed_first, y->seed_last,
                     x->seed_first, x->seed_last);
            return false;
        }
    }
    if (a->policy_count != b->policy_count) {
        snprintf(error, error_size, "it compares %d policies, not %d", b->policy_count,
                 a->policy_count);
        return false;
    }
    for (i = 0; i < a->policy_count; i++) {
        if (a->policies[i] != b->policies[i]) {
            snprintf(error, error_size, "policy %d is %s, not %s", i + 1,
                     b->policies[i]->name, a->policies[i]->name);
            return false;
        }
    }
    if (a->shard_count != b->shard_count || a->shrink_budget != b->shrink_budget) {
        snprintf(error, error_size, "it is shard %d/%d with shrink budget %d, not of %d "
                 "shards with budget %d", b->shard_index, b->shard_count,
                 b->shrink_budget, a->shard_count, a->shrink_budget);
        return false;
    }
    return true;
}

const char *report_outcome_key(report_outcome_t outcome)
{
    static const char *const keys[] = {
#define REPORT_OUTCOME_KEY(id, key, label, text) key,
        REPORT_OUTCOME_MAP(REPORT_OUTCOME_KEY)
#undef REPORT_OUTCOME_KEY
    };

    assert(outcome >= 0);
    assert(outcome < REPORT_OUTCOME_COUNT);
    return keys[outcome];
}

const char *report_outcome_label(report_outcome_t outcome)
{
    static const char *const labels[] = {
#define REPORT_OUTCOME_LABEL(id, key, label, text) label,
        REPORT_OUTCOME_MAP(REPORT_OUTCOME_LABEL)
#undef REPORT_OUTCOME_LABEL
    };

    assert(outcome >= 0);
    assert(outcome < REPORT_OUTCOME_COUNT);
    return labels[outcome];
}

const char *report_outcome_text(report_outcome_t outcome)
{
    static const char *const texts[] = {
#define REPORT_OUTCOME_TEXT(id, key, label, text) text,
        REPORT_OUTCOME_MAP(REPORT_OUTCOME_TEXT)
#undef REPORT_OUTCOME_TEXT
    };

    assert(outcome >= 0);
    assert(outcome < REPORT_OUTCOME_COUNT);
    return texts[outcome];
}

const char *report_metric_key(report_metric_t metric)
{
    static const char *const keys[] = {
#define REPORT_METRIC_KEY(id, key, unit) key,
        REPORT_METRIC_MAP(REPORT_METRIC_KEY)
#undef REPORT_METRIC_KEY
    };

    assert(metric >= 0);
    assert(metric < REPORT_METRIC_COUNT);
    return keys[metric];
}

void report_compare_replay(const report_compare_t *report, int scenario,
                           const core_policy_t *policy, uint64_t seed, char *buf,
                           size_t buf_size)
{
    const char *file = report->scenarios[scenario].file;
    char quoted[PATH_MAX + 64];

    report_quote(file, quoted, sizeof(quoted));
    snprintf(buf, buf_size, "%s replay --policy %s --seed %" PRIu64 "%s%s", REPORT_PROGRAM,
             policy->name, seed, file[0] != '\0' ? " --scenario " : "",
             file[0] != '\0' ? quoted : "");
}

void report_compare_shrink_command(const report_compare_t *report, int scenario,
                                   const core_policy_t *policy, uint64_t seed, int prop,
                                   char *buf, size_t buf_size)
{
    const char *file = report->scenarios[scenario].file;
    char quoted[PATH_MAX + 64];

    report_quote(file, quoted, sizeof(quoted));
    snprintf(buf, buf_size, "%s shrink --policy %s --seed %" PRIu64 " --property %s%s%s",
             REPORT_PROGRAM, policy->name, seed, sim_prop_name((sim_prop_t)prop),
             file[0] != '\0' ? " --scenario " : "", file[0] != '\0' ? quoted : "");
}

double report_cell_rate(const report_cell_t *cell, int prop)
{
    if (cell->runs == 0) {
        return 0.0;
    }
    return (double)cell->violations[prop] * 10000.0 / (double)cell->runs;
}

bool report_format_p50_p99(const report_histo_t *histo, bool duration, char *buf,
                           size_t buf_size)
{
    char p50[32];
    char p99[32];

    if (histo->count == 0) {
        return false;
    }
    if (duration) {
        report_format_us(report_histo_percentile(histo, 50), p50, sizeof(p50));
        report_format_us(report_histo_percentile(histo, 99), p99, sizeof(p99));
    } else {
        snprintf(p50, sizeof(p50), "%" PRIu64, report_histo_percentile(histo, 50));
        snprintf(p99, sizeof(p99), "%" PRIu64, report_histo_percentile(histo, 99));
    }
    snprintf(buf, buf_size, "%s / %s", p50, p99);
    return true;
}

void report_format_us(uint64_t duration_us, char *buf, size_t buf_size)
{
    double seconds = (double)duration_us / 1e6;

    if (duration_us < 1000) {
        snprintf(buf, buf_size, "%" PRIu64 " us", duration_us);
    } else if (duration_us < 100000) {
        snprintf(buf, buf_size, "%.1f ms", (double)duration_us / 1e3);
    } else if (seconds < 10.0) {
        snprintf(buf, buf_size, "%.2f s", seconds);
    } else if (seconds < 100.0) {
        snprintf(buf, buf_size, "%.1f s", seconds);
    } else {
        snprintf(buf, buf_size, "%.0f s", seconds);
    }
}

void report_format_rate(double rate, char *buf, size_t buf_size)
{
    if (rate == 0.0) {
        snprintf(buf, buf_size, "0");
    } else if (rate < 1.0) {
        snprintf(buf, buf_size, "%.2f", rate);
    } else if (rate < 10.0) {
        snprintf(buf, buf_size, "%.1f", rate);
    } else {
        snprintf(buf, buf_size, "%.0f", rate);
    }
}

uint32_t report_scenario_violated_mask(const report_compare_t *report, int scenario)
{
    uint32_t mask = 0;
    int p;
    int prop;

    for (p = 0; p < report->policy_count; p++) {
        const report_cell_t *cell = report_compare_cell(report, scenario, p);

        for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
            mask |= cell->violations[prop] > 0 ? 1u << prop : 0;
        }
    }
    return mask;
}

void report_compare_progress(const report_compare_t *report, uint64_t *done_out,
                             uint64_t *total_out)
{
    int s;

    *done_out = 0;
    *total_out = 0;
    for (s = 0; s < report->scenario_count; s++) {
        *done_out += report->scenarios[s].seeds_done;
        *total_out += report_compare_shard_seeds(report, s);
    }
}

/* Every shard complete, of one sweep, shards 1..N once each, with equal
 * confirmations. */
static int report_merge_check(const report_compare_t *shards, const char *const *names,
                              int shard_count, char *error, size_t error_size)
{
    const report_compare_t *first = &shards[0];
    bool seen[REPORT_SHARD_MAX + 1] = {false};
    char why[REPORT_ERROR_MAX / 2];
    int i;

    if (first->shard_count == 0) {
        snprintf(error, error_size, "%s is not a shard: it was written without --shard "
                 "K/N, so there is nothing to merge it with", names[0]);
        return -1;
    }
    for (i = 0; i < shard_count; i++) {
        const report_compare_t *shard = &shards[i];

        if (!shard->complete) {
            snprintf(error, error_size, "%s is a partial report (interrupted); finish it "
                     "with barriersim compare --resume DIR first", names[i]);
            return -1;
        }
        if (i > 0 && !report_compare_same_sweep(first, shard, why, sizeof(why))) {
            snprintf(error, error_size, "%s is not a shard of the same sweep as %s: %s",
                     names[i], names[0], why);
            return -1;
        }
        if (i > 0 && !report_confirmations_equal(first, shard)) {
            snprintf(error, error_size, "%s and %s carry different confirmations; give "
                     "every shard the same --confirm-json files, or none and give them "
                     "to merge", names[i], names[0]);
            return -1;
        }
        if (seen[shard->shard_index]) {
            snprintf(error, error_size, "%s is shard %d/%d, which an earlier file already "
                     "gave: shards overlap", names[i], shard->shard_index,
                     shard->shard_count);
            return -1;
        }
        seen[shard->shard_index] = true;
    }
    for (i = 1; i <= first->shard_count; i++) {
        if (!seen[i]) {
            snprintf(error, error_size, "shard %d/%d is missing: give all %d shard files",
                     i, first->shard_count, first->shard_count);
            return -1;
        }
    }
    return 0;
}

static bool report_confirmations_equal(const report_compare_t *a,
                                       const report_compare_t *b)
{
    int i;

    if (a->confirm_file_count != b->confirm_file_count ||
        a->confirm_unmatched != b->confirm_unmatched) {
        return false;
    }
    for (i = 0; i < a->confirm_file_count; i++) {
        if (strcmp(a->confirm_files[i], b->confirm_files[i]) != 0) {
            return false;
        }
    }
    for (i = 0; i < a->scenario_count * a->policy_count; i++) {
        if (memcmp(a->cells[i].verdicts, b->cells[i].verdicts,
                   sizeof(a->cells[i].verdicts)) != 0) {
            return false;
        }
    }
    return true;
}

static void report_cell_merge(report_cell_t *into, const report_cell_t *from)
{
    int prop;
    int i;

    into->runs += from->runs;
    for (i = 0; i < REPORT_OUTCOME_COUNT; i++) {
        into->outcomes[i] += from->outcomes[i];
    }
    for (i = 0; i < REPORT_METRIC_COUNT; i++) {
        report_histo_merge(&into->metrics[i], &from->metrics[i]);
    }
    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        into->violations[prop] += from->violations[prop];
        if (!from->has_first[prop] ||
            (into->has_first[prop] && into->first_seed[prop] <= from->first_seed[prop])) {
            continue;
        }

        /* The smaller first seed wins, with its counterexample. */
        into->has_first[prop] = true;
        into->first_seed[prop] = from->first_seed[prop];
        report_example_free(&into->examples[prop]);
        report_example_copy(&into->examples[prop], &from->examples[prop]);
    }
}

static void report_example_free(report_example_t *example)
{
    free(example->error);
    free(example->transcript);
    memset(example, 0, sizeof(*example));
}

static void report_example_copy(report_example_t *into, const report_example_t *from)
{
    *into = *from;
    into->error = from->error != NULL ? strdup(from->error) : NULL;
    into->transcript = from->transcript != NULL ? strdup(from->transcript) : NULL;
}

/* Quote a path for a POSIX shell unless it holds only safe characters. */
static void report_quote(const char *text, char *buf, size_t buf_size)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789/._-+,:=@%";
    size_t used = 0;
    size_t i;

    if (strspn(text, safe) == strlen(text)) {
        snprintf(buf, buf_size, "%s", text);
        return;
    }
    buf[used++] = '\'';
    for (i = 0; text[i] != '\0' && used + 6 < buf_size; i++) {
        if (text[i] == '\'') {
            memcpy(buf + used, "'\\''", 4);
            used += 4;
        } else {
            buf[used++] = text[i];
        }
    }
    buf[used++] = '\'';
    buf[used] = '\0';
}
