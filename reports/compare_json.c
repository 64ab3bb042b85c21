/* compare_json — the comparison report as JSON (docs/REPORT_SCHEMA.md), and
 * back. The reader accepts exactly what the writer writes, so a shard or a
 * partial report read and written again is the same file. */
#include "compare.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Where a value is, for error messages: "scenario 2 (default), policy blind". */
typedef struct {
    char *error;
    size_t error_size;
    char where[256];
} report_reader_t;

static json_t *report_scenario_json(const report_compare_t *report, int scenario);
static json_t *report_cell_json(const report_compare_t *report, int scenario,
                                int policy);
static json_t *report_violated_json(const report_compare_t *report, int scenario,
                                    int policy, int prop);
static json_t *report_example_json(const report_compare_t *report, int scenario,
                                   int policy, int prop);
static json_t *report_histo_json(const report_histo_t *histo);
static json_t *report_confirmation_json(const report_cell_t *cell);
static int report_read_top(report_reader_t *r, const json_t *root,
                           report_compare_t *report);
static int report_read_scenario(report_reader_t *r, const json_t *obj,
                                report_compare_t *report, int index);
static int report_read_cell(report_reader_t *r, const json_t *obj, report_cell_t *cell);
static int report_read_violated(report_reader_t *r, const json_t *obj,
                                report_cell_t *cell, int prop);
static int report_read_histo(report_reader_t *r, const json_t *obj,
                             report_histo_t *histo);
static int report_read_u64(report_reader_t *r, const json_t *obj, const char *key,
                           uint64_t *out);
static int report_read_int(report_reader_t *r, const json_t *obj, const char *key,
                           int min, int max, int *out);
static int report_read_text(report_reader_t *r, const json_t *obj, const char *key,
                            char *buf, size_t buf_size);
static int report_fail(report_reader_t *r, const char *key, const char *expected);

json_t *report_compare_to_json(const report_compare_t *report)
{
    json_t *root = json_object();
    json_t *policies = json_array();
    json_t *scenarios = json_array();
    int i;

    json_object_set_new(root, "schema", json_integer(REPORT_SCHEMA_VERSION));
    json_object_set_new(root, "kind", json_string(REPORT_KIND));
    json_object_set_new(root, "complete", json_boolean(report->complete));
    if (report->shard_count > 0) {
        json_object_set_new(root, "shard", json_pack("{s:i,s:i}", "index",
                                                     report->shard_index, "count",
                                                     report->shard_count));
    }
    json_object_set_new(root, "shrink_budget", json_integer(report->shrink_budget));
    for (i = 0; i < report->policy_count; i++) {
        json_array_append_new(policies, json_string(report->policies[i]->name));
    }
    json_object_set_new(root, "policies", policies);
    for (i = 0; i < report->scenario_count; i++) {
        json_array_append_new(scenarios, report_scenario_json(report, i));
    }
    json_object_set_new(root, "scenarios", scenarios);

    if (report->confirm_file_count > 0) {
        json_t *files = json_array();

        for (i = 0; i < report->confirm_file_count; i++) {
            json_array_append_new(files, json_string(report->confirm_files[i]));
        }
        json_object_set_new(root, "confirmation",
                            json_pack("{s:o,s:I}", "files", files, "unmatched",
                                      (json_int_t)report->confirm_unmatched));
    }
    return root;
}

int report_compare_from_json(const json_t *root, report_compare_t *report, char *error,
                             size_t error_size)
{
    report_reader_t r = {error, error_size, "the report"};
    json_t *scenarios = json_object_get(root, "scenarios");
    json_t *policies = json_object_get(root, "policies");
    const core_policy_t *found[REPORT_POLICY_MAX];
    size_t count = json_array_size(policies);
    size_t i;

    if (!json_is_object(root) || json_integer_value(json_object_get(root, "schema")) !=
                                     REPORT_SCHEMA_VERSION ||
        !json_is_string(json_object_get(root, "kind")) ||
        strcmp(json_string_value(json_object_get(root, "kind")), REPORT_KIND) != 0) {
        snprintf(error, error_size, "not a report of barriersim compare with schema %d "
                 "(\"kind\": \"%s\")", REPORT_SCHEMA_VERSION, REPORT_KIND);
        return -1;
    }
    if (!json_is_array(policies) || count == 0 || count > REPORT_POLICY_MAX ||
        !json_is_array(scenarios) || json_array_size(scenarios) > REPORT_SCENARIO_MAX) {
        return report_fail(&r, "policies\" or \"scenarios",
                           "arrays of at most the sizes compare writes");
    }
    for (i = 0; i < count; i++) {
        const char *name = json_string_value(json_array_get(policies, i));

        found[i] = name != NULL ? core_policy_find(name) : NULL;
        if (found[i] == NULL) {
            snprintf(error, error_size, "the report names policy \"%s\", which this "
                     "build does not know", name != NULL ? name : "");
            return -1;
        }
    }
    if (report_compare_init(report, (int)json_array_size(scenarios), found,
                            (int)count) != 0) {
        snprintf(error, error_size, "out of memory reading the report");
        return -1;
    }
    if (report_read_top(&r, root, report) != 0) {
        report_compare_free(report);
        return -1;
    }
    for (i = 0; i < json_array_size(scenarios); i++) {
        if (report_read_scenario(&r, json_array_get(scenarios, i), report, (int)i) != 0) {
            report_compare_free(report);
            return -1;
        }
    }
    return 0;
}

static json_t *report_scenario_json(const report_compare_t *report, int scenario)
{
    const report_scenario_t *s = &report->scenarios[scenario];
    json_t *obj = json_object();
    json_t *policies = json_object();
    int p;

    json_object_set_new(obj, "name", json_string(s->name));
    json_object_set_new(obj, "file", s->file[0] != '\0' ? json_string(s->file) : json_null());
    json_object_set_new(obj, "summary", json_string(s->summary));
    json_object_set_new(obj, "fingerprint", json_string(s->fingerprint));
    json_object_set_new(obj, "batches", json_integer(s->batch_count));
    json_object_set_new(obj, "workers", json_integer(s->worker_count));
    json_object_set_new(obj, "reapers", json_integer(s->reaper_count));
    json_object_set_new(obj, "seed_first", json_integer((json_int_t)s->seed_first));
    json_object_set_new(obj, "seed_last", json_integer((json_int_t)s->seed_last));
    json_object_set_new(obj, "seeds",
                        json_integer((json_int_t)report_compare_shard_seeds(report, scenario)));
    if (!report->complete) {
        json_object_set_new(obj, "seeds_done", json_integer((json_int_t)s->seeds_done));
    }
    for (p = 0; p < report->policy_count; p++) {
        json_object_set_new(policies, report->policies[p]->name,
                            report_cell_json(report, scenario, p));
    }
    json_object_set_new(obj, "policies", policies);
    return obj;
}

static json_t *report_cell_json(const report_compare_t *report, int scenario, int policy)
{
    const report_cell_t *cell = report_compare_cell(report, scenario, policy);
    json_t *obj = json_object();
    json_t *violations = json_object();
    json_t *violated = json_object();
    json_t *outcomes = json_object();
    json_t *metrics = json_object();
    int prop;
    int i;

    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        const char *name = sim_prop_name((sim_prop_t)prop);

        json_object_set_new(violations, name, json_integer((json_int_t)cell->violations[prop]));
        if (cell->violations[prop] > 0) {
            json_object_set_new(violated, name,
                                report_violated_json(report, scenario, policy, prop));
        }
    }
    for (i = 0; i < REPORT_OUTCOME_COUNT; i++) {
        json_object_set_new(outcomes, report_outcome_key((report_outcome_t)i),
                            json_integer((json_int_t)cell->outcomes[i]));
    }
    for (i = 0; i < REPORT_METRIC_COUNT; i++) {
        json_object_set_new(metrics, report_metric_key((report_metric_t)i),
                            report_histo_json(&cell->metrics[i]));
    }

    json_object_set_new(obj, "runs", json_integer((json_int_t)cell->runs));
    json_object_set_new(obj, "violations", violations);
    json_object_set_new(obj, "violated", violated);
    json_object_set_new(obj, "outcomes", outcomes);
    json_object_set_new(obj, "metrics", metrics);
    if (report->confirm_file_count > 0) {
        json_object_set_new(obj, "confirmation", report_confirmation_json(cell));
    }
    return obj;
}

static json_t *report_violated_json(const report_compare_t *report, int scenario,
                                    int policy, int prop)
{
    const report_cell_t *cell = report_compare_cell(report, scenario, policy);
    const core_policy_t *p = report->policies[policy];
    uint64_t first = cell->first_seed[prop];
    char command[PATH_MAX + 256];
    json_t *obj = json_object();

    report_compare_replay(report, scenario, p, first, command, sizeof(command));
    json_object_set_new(obj, "count", json_integer((json_int_t)cell->violations[prop]));
    json_object_set_new(obj, "per_10k", json_real(report_cell_rate(cell, prop)));
    json_object_set_new(obj, "first_seed", json_integer((json_int_t)first));
    json_object_set_new(obj, "seeds_to_first",
                        json_integer((json_int_t)(first -
                                                  report->scenarios[scenario].seed_first + 1)));
    json_object_set_new(obj, "replay", json_string(command));
    if (cell->examples[prop].present) {
        json_object_set_new(obj, "counterexample",
                            report_example_json(report, scenario, policy, prop));
    }
    return obj;
}

static json_t *report_example_json(const report_compare_t *report, int scenario,
                                   int policy, int prop)
{
    const report_example_t *e = &report_compare_cell(report, scenario, policy)->examples[prop];
    char command[PATH_MAX + 256];
    json_t *obj = json_object();

    report_compare_shrink_command(report, scenario, report->policies[policy], e->seed,
                                  prop, command, sizeof(command));
    json_object_set_new(obj, "seed", json_integer((json_int_t)e->seed));
    json_object_set_new(obj, "shrink", json_string(command));
    if (e->error != NULL) {
        json_object_set_new(obj, "error", json_string(e->error));
        return obj;
    }
    json_object_set_new(obj, "events_before", json_integer(e->events_before));
    json_object_set_new(obj, "events", json_integer(e->events));
    json_object_set_new(obj, "batches", json_integer(e->batch_count));
    json_object_set_new(obj, "workers", json_integer(e->worker_count));
    json_object_set_new(obj, "shrink_runs", json_integer(e->runs));
    json_object_set_new(obj, "trace_hash", json_sprintf("%016" PRIx64, e->trace_hash));
    json_object_set_new(obj, "transcript", json_string(e->transcript != NULL ? e->transcript : ""));
    return obj;
}

/* Percentiles are written for readers. report_compare_from_json ignores
 * them, and every write computes them again from the buckets. */
static json_t *report_histo_json(const report_histo_t *histo)
{
    json_t *obj = json_object();
    json_t *buckets = json_object();
    int i;

    json_object_set_new(obj, "count", json_integer((json_int_t)histo->count));
    if (histo->count > 0) {
        json_object_set_new(obj, "min", json_integer((json_int_t)histo->min));
        json_object_set_new(obj, "max", json_integer((json_int_t)histo->max));
        json_object_set_new(obj, "sum", json_integer((json_int_t)histo->sum));
        json_object_set_new(obj, "p50",
                            json_integer((json_int_t)report_histo_percentile(histo, 50)));
        json_object_set_new(obj, "p99",
                            json_integer((json_int_t)report_histo_percentile(histo, 99)));
    }
    /* Keys are the buckets' lowest values, in increasing order. */
    for (i = 0; i < REPORT_HISTO_BUCKET_COUNT; i++) {
        char key[32];

        if (histo->buckets[i] > 0) {
            snprintf(key, sizeof(key), "%" PRIu64, report_histo_bucket_low(i));
            json_object_set_new(buckets, key, json_integer((json_int_t)histo->buckets[i]));
        }
    }
    json_object_set_new(obj, "buckets", buckets);
    return obj;
}

/* Agreement leaves out lock races, which prove nothing either way, and
 * runs the server could not take (environment). */
static json_t *report_confirmation_json(const report_cell_t *cell)
{
    json_t *obj = json_object();
    uint64_t runs = 0;
    uint64_t decided;
    int v;

    for (v = 0; v < REPORT_VERDICT_COUNT; v++) {
        runs += cell->verdicts[v];
        json_object_set_new(obj, confirm_verdict_name((confirm_verdict_t)v),
                            json_integer((json_int_t)cell->verdicts[v]));
    }
    decided = runs - cell->verdicts[CONFIRM_LOCK_RACE] - cell->verdicts[CONFIRM_ENVIRONMENT];
    json_object_set_new(obj, "runs", json_integer((json_int_t)runs));
    json_object_set_new(obj, "agreement",
                        decided > 0 ? json_real((double)cell->verdicts[CONFIRM_AGREE] /
                                                (double)decided)
                                    : json_null());
    return obj;
}

static int report_read_top(report_reader_t *r, const json_t *root,
                           report_compare_t *report)
{
    json_t *complete = json_object_get(root, "complete");
    json_t *shard = json_object_get(root, "shard");
    json_t *confirmation = json_object_get(root, "confirmation");

    if (!json_is_boolean(complete)) {
        return report_fail(r, "complete", "true or false");
    }
    report->complete = json_is_true(complete);
    if (report_read_int(r, root, "shrink_budget", 0, 100000000, &report->shrink_budget) != 0) {
        return -1;
    }
    if (shard != NULL) {
        if (report_read_int(r, shard, "count", 1, REPORT_SHARD_MAX, &report->shard_count) != 0 ||
            report_read_int(r, shard, "index", 1, report->shard_count,
                            &report->shard_index) != 0) {
            return -1;
        }
    }
    if (confirmation != NULL) {
        json_t *files = json_object_get(confirmation, "files");
        size_t i;

        if (!json_is_array(files) || json_array_size(files) == 0 ||
            json_array_size(files) > REPORT_CONFIRM_FILE_MAX ||
            report_read_u64(r, confirmation, "unmatched", &report->confirm_unmatched) != 0) {
            return report_fail(r, "confirmation", "files and unmatched as compare writes them");
        }
        for (i = 0; i < json_array_size(files); i++) {
            const char *file = json_string_value(json_array_get(files, i));

            if (file == NULL) {
                return report_fail(r, "confirmation", "file names");
            }
            snprintf(report->confirm_files[i], PATH_MAX, "%s", file);
        }
        report->confirm_file_count = (int)json_array_size(files);
    }
    return 0;
}

static int report_read_scenario(report_reader_t *r, const json_t *obj,
                                report_compare_t *report, int index)
{
    report_scenario_t *s = &report->scenarios[index];
    json_t *policies = json_object_get(obj, "policies");
    json_t *file = json_object_get(obj, "file");
    int p;

    snprintf(r->where, sizeof(r->where), "scenario %d", index + 1);
    if (report_read_text(r, obj, "name", s->name, sizeof(s->name)) != 0 ||
        report_read_text(r, obj, "summary", s->summary, sizeof(s->summary)) != 0 ||
        report_read_text(r, obj, "fingerprint", s->fingerprint, sizeof(s->fingerprint)) != 0 ||
        report_read_int(r, obj, "batches", 1, SCEN_BATCH_MAX, &s->batch_count) != 0 ||
        report_read_int(r, obj, "workers", 1, SCEN_WORKER_MAX, &s->worker_count) != 0 ||
        report_read_int(r, obj, "reapers", 0, SCEN_REAPER_MAX, &s->reaper_count) != 0 ||
        report_read_u64(r, obj, "seed_first", &s->seed_first) != 0 ||
        report_read_u64(r, obj, "seed_last", &s->seed_last) != 0) {
        return -1;
    }
    if (!json_is_null(file) && report_read_text(r, obj, "file", s->file, sizeof(s->file)) != 0) {
        return -1;
    }
    if (s->seed_first > s->seed_last) {
        return report_fail(r, "seed_last", "a seed no smaller than seed_first");
    }
    if (!report->complete &&
        report_read_u64(r, obj, "seeds_done", &s->seeds_done) != 0) {
        return -1;
    }
    if (!json_is_object(policies) || json_object_size(policies) != (size_t)report->policy_count) {
        return report_fail(r, "policies", "one entry per policy of the report");
    }
    for (p = 0; p < report->policy_count; p++) {
        const char *name = report->policies[p]->name;

        snprintf(r->where, sizeof(r->where), "scenario %d (%s), policy %s", index + 1,
                 s->name, name);
        if (report_read_cell(r, json_object_get(policies, name),
                             report_compare_cell(report, index, p)) != 0) {
            return -1;
        }
    }
    return 0;
}

static int report_read_cell(report_reader_t *r, const json_t *obj, report_cell_t *cell)
{
    json_t *violations = json_object_get(obj, "violations");
    json_t *violated = json_object_get(obj, "violated");
    json_t *outcomes = json_object_get(obj, "outcomes");
    json_t *metrics = json_object_get(obj, "metrics");
    json_t *confirmation = json_object_get(obj, "confirmation");
    int i;

    if (!json_is_object(obj) || !json_is_object(violations) || !json_is_object(violated) ||
        !json_is_object(outcomes) || !json_is_object(metrics) ||
        report_read_u64(r, obj, "runs", &cell->runs) != 0) {
        return report_fail(r, "runs\", \"violations\", \"violated\", \"outcomes\" or "
                           "\"metrics", "the objects compare writes");
    }
    for (i = 0; i < SIM_PROP_COUNT; i++) {
        if (report_read_u64(r, violations, sim_prop_name((sim_prop_t)i),
                            &cell->violations[i]) != 0 ||
            (cell->violations[i] > 0 &&
             report_read_violated(r, json_object_get(violated, sim_prop_name((sim_prop_t)i)),
                                  cell, i) != 0)) {
            return -1;
        }
    }
    for (i = 0; i < REPORT_OUTCOME_COUNT; i++) {
        if (report_read_u64(r, outcomes, report_outcome_key((report_outcome_t)i),
                            &cell->outcomes[i]) != 0) {
            return -1;
        }
    }
    for (i = 0; i < REPORT_METRIC_COUNT; i++) {
        if (report_read_histo(r, json_object_get(metrics, report_metric_key((report_metric_t)i)),
                              &cell->metrics[i]) != 0) {
            return -1;
        }
    }
    for (i = 0; confirmation != NULL && i < REPORT_VERDICT_COUNT; i++) {
        if (report_read_u64(r, confirmation, confirm_verdict_name((confirm_verdict_t)i),
                            &cell->verdicts[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

static int report_read_violated(report_reader_t *r, const json_t *obj,
                                report_cell_t *cell, int prop)
{
    json_t *example = json_object_get(obj, "counterexample");
    report_example_t *e = &cell->examples[prop];
    const char *text;

    if (!json_is_object(obj) ||
        report_read_u64(r, obj, "first_seed", &cell->first_seed[prop]) != 0) {
        return report_fail(r, sim_prop_name((sim_prop_t)prop),
                           "an entry under \"violated\" with its first_seed");
    }
    cell->has_first[prop] = true;
    if (example == NULL) {
        return 0;
    }

    e->present = true;
    if (report_read_u64(r, example, "seed", &e->seed) != 0) {
        return -1;
    }
    text = json_string_value(json_object_get(example, "error"));
    if (text != NULL) {
        e->error = strdup(text);
        return e->error != NULL ? 0 : report_fail(r, "error", "memory to hold it");
    }
    text = json_string_value(json_object_get(example, "transcript"));
    if (text == NULL || report_read_int(r, example, "events_before", 0, INT32_MAX, &e->events_before) != 0 ||
        report_read_int(r, example, "events", 0, INT32_MAX, &e->events) != 0 ||
        report_read_int(r, example, "batches", 1, SCEN_BATCH_MAX, &e->batch_count) != 0 ||
        report_read_int(r, example, "workers", 1, SCEN_WORKER_MAX, &e->worker_count) != 0 ||
        report_read_int(r, example, "shrink_runs", 0, INT32_MAX, &e->runs) != 0 ||
        !json_is_string(json_object_get(example, "trace_hash")) ||
        sscanf(json_string_value(json_object_get(example, "trace_hash")), "%" SCNx64,
               &e->trace_hash) != 1) {
        return report_fail(r, "counterexample", "its seed, sizes, trace_hash and transcript");
    }
    e->transcript = strdup(text);
    return e->transcript != NULL ? 0 : report_fail(r, "transcript", "memory to hold it");
}

static int report_read_histo(report_reader_t *r, const json_t *obj,
                             report_histo_t *histo)
{
    json_t *buckets = json_object_get(obj, "buckets");
    json_t *value;
    const char *key;
    uint64_t total = 0;

    if (!json_is_object(obj) || !json_is_object(buckets) ||
        report_read_u64(r, obj, "count", &histo->count) != 0) {
        return report_fail(r, "metrics", "histograms with count and buckets");
    }
    if (histo->count > 0 && (report_read_u64(r, obj, "min", &histo->min) != 0 ||
                             report_read_u64(r, obj, "max", &histo->max) != 0 ||
                             report_read_u64(r, obj, "sum", &histo->sum) != 0)) {
        return -1;
    }
    json_object_foreach(buckets, key, value) {
        char *end = NULL;
        uint64_t low = strtoull(key, &end, 10);
        json_int_t count = json_integer_value(value);
        int bucket = report_histo_bucket(low);

        if (key[0] < '0' || key[0] > '9' || *end != '\0' || !json_is_integer(value) ||
            count <= 0 || report_histo_bucket_low(bucket) != low || histo->buckets[bucket] != 0) {
            return report_fail(r, "buckets", "keys that are the lowest value of a bucket, "
                               "each once, with a count above 0");
        }
        histo->buckets[bucket] = (uint64_t)count;
        total += (uint64_t)count;
    }
    if (total != histo->count) {
        return report_fail(r, "buckets", "counts that add up to the histogram's count");
    }
    return 0;
}

static int report_read_u64(report_reader_t *r, const json_t *obj, const char *key,
                           uint64_t *out)
{
    json_t *value = json_object_get(obj, key);

    if (!json_is_integer(value) || json_integer_value(value) < 0) {
        return report_fail(r, key, "a non-negative integer");
    }
    *out = (uint64_t)json_integer_value(value);
    return 0;
}

static int report_read_int(report_reader_t *r, const json_t *obj, const char *key,
                           int min, int max, int *out)
{
    json_t *value = json_object_get(obj, key);

    if (!json_is_integer(value) || json_integer_value(value) < min ||
        json_integer_value(value) > max) {
        char expected[64];

        snprintf(expected, sizeof(expected), "an integer in %d..%d", min, max);
        return report_fail(r, key, expected);
    }
    *out = (int)json_integer_value(value);
    return 0;
}

static int report_read_text(report_reader_t *r, const json_t *obj, const char *key,
                            char *buf, size_t buf_size)
{
    const char *text = json_string_value(json_object_get(obj, key));

    if (text == NULL || strlen(text) >= buf_size) {
        char expected[64];

        snprintf(expected, sizeof(expected), "a string shorter than %zu bytes", buf_size);
        return report_fail(r, key, expected);
    }
    memcpy(buf, text, strlen(text) + 1);
    return 0;
}

static int report_fail(report_reader_t *r, const char *key, const char *expected)
{
    snprintf(r->error, r->error_size, "%s: \"%s\" is missing or invalid: expected %s",
             r->where, key, expected);
    return -1;
}
