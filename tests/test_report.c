/*
 * Tests of the policy comparison report: the mergeable histogram, the
 * report's merge of shards and its checks, JSON round trips, confirmation
 * counts, the writers, and the per-run costs the simulator counts for it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reports/compare.h"
#include "../scenarios/scen_file.h"
#include "../sim/world.h"

#define TEST_SEED_LAST 90
#define TEST_SHARD_COUNT 3

static sim_world_t *world;
static scen_t test_scen;

static int test_setup(void **state)
{
    (void)state;
    scen_default(&test_scen, 8, 4);
    world = malloc(sizeof(*world));
    return world == NULL || sim_world_create(world) != 0;
}

static int test_teardown(void **state)
{
    (void)state;
    sim_world_destroy(world);
    free(world);
    return 0;
}

static const core_policy_t *test_policy(const char *name)
{
    const core_policy_t *policy = core_policy_find(name);

    assert_non_null(policy);
    return policy;
}

/* A report over the default scenario, seeds 1..TEST_SEED_LAST, under
 * no-retry and blind; shard_index 0 for the whole range. First seeds get a
 * made-up counterexample that names its seed, as compare's would. */
static void test_build(report_compare_t *report, int shard_index, int shard_count)
{
    const core_policy_t *policies[2] = {test_policy("no-retry"), test_policy("blind")};
    char error[256];
    uint64_t seed;
    int p;
    int prop;

    assert_int_equal(report_compare_init(report, 1, policies, 2), 0);
    report->shard_index = shard_index;
    report->shard_count = shard_count;
    report->shrink_budget = 10;
    assert_int_equal(report_compare_scenario(report, 0, &test_scen, "", 1, TEST_SEED_LAST,
                                             error, sizeof(error)),
                     0);
    for (seed = 1; seed <= TEST_SEED_LAST; seed++) {
        if (!report_compare_owns(report, 0, seed)) {
            continue;
        }
        for (p = 0; p < 2; p++) {
            sim_result_t result;

            sim_world_run(world, &test_scen, policies[p], seed, 0, NULL, &result);
            report_cell_add(report_compare_cell(report, 0, p), &result);
        }
    }
    for (p = 0; p < 2; p++) {
        report_cell_t *cell = report_compare_cell(report, 0, p);

        for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
            report_example_t example = {0};
            char text[64];

            if (!cell->has_first[prop]) {
                continue;
            }
            snprintf(text, sizeof(text), "transcript of seed %" PRIu64 "\n",
                     cell->first_seed[prop]);
            example.present = true;
            example.seed = cell->first_seed[prop];
            example.events = 1;
            example.events_before = 3;
            example.batch_count = 2;
            example.worker_count = 1;
            example.runs = 7;
            example.trace_hash = cell->first_seed[prop] * 31;
            example.transcript = strdup(text);
            report_cell_set_example(cell, prop, &example);
        }
    }
}

static char *test_dump(const report_compare_t *report)
{
    json_t *root = report_compare_to_json(report);
    char *text = json_dumps(root, REPORT_JSON_FLAGS);

    json_decref(root);
    assert_non_null(text);
    return text;
}

/* The three shards of the test sweep, as separate reports. */
static void test_build_shards(report_compare_t shards[TEST_SHARD_COUNT])
{
    int k;

    for (k = 0; k < TEST_SHARD_COUNT; k++) {
        test_build(&shards[k], k + 1, TEST_SHARD_COUNT);
    }
}

static void test_free_shards(report_compare_t *shards, int count)
{
    int k;

    for (k = 0; k < count; k++) {
        report_compare_free(&shards[k]);
    }
}

static void test_report_histo_small_values_exact(void **state)
{
    report_histo_t histo;
    uint64_t v;

    (void)state;
    report_histo_init(&histo);
    for (v = 1; v <= 100; v++) {
        report_histo_add(&histo, v);
    }
    assert_int_equal(report_histo_percentile(&histo, 50), 50);
    assert_int_equal(report_histo_percentile(&histo, 99), 99);
    assert_int_equal(report_histo_percentile(&histo, 100), 100);
    assert_int_equal(histo.min, 1);
    assert_int_equal(histo.max, 100);
    assert_int_equal(histo.sum, 5050);
}

static void test_report_histo_buckets_within_one_64th(void **state)
{
    uint64_t v;
    int previous = -1;

    (void)state;
    for (v = 0; v < 5000000; v += 1 + v / 97) {
        int bucket = report_histo_bucket(v);
        uint64_t low = report_histo_bucket_low(bucket);

        assert_true(bucket >= previous);
        assert_true(low <= v);
        assert_true((v - low) * 64 <= v);
        previous = bucket;
    }
    assert_int_equal(report_histo_bucket(REPORT_HISTO_VALUE_MAX),
                     REPORT_HISTO_BUCKET_COUNT - 1);
    assert_int_equal(report_histo_bucket(UINT64_MAX), REPORT_HISTO_BUCKET_COUNT - 1);
}

static void test_report_histo_merge_equals_single(void **state)
{
    report_histo_t single;
    report_histo_t parts[3];
    report_histo_t merged;
    uint64_t value = 12345;
    int i;

    (void)state;
    report_histo_init(&single);
    report_histo_init(&merged);
    for (i = 0; i < 3; i++) {
        report_histo_init(&parts[i]);
    }
    for (i = 0; i < 3000; i++) {
        value = value * 6364136223846793005ULL + 1442695040888963407ULL;
        report_histo_add(&single, (value >> 40) % 90000000);
        report_histo_add(&parts[i % 3], (value >> 40) % 90000000);
    }
    for (i = 2; i >= 0; i--) {
        report_histo_merge(&merged, &parts[i]);
    }
    assert_true(report_histo_equal(&single, &merged));
    assert_int_equal(report_histo_percentile(&single, 50),
                     report_histo_percentile(&merged, 50));
    assert_int_equal(report_histo_percentile(&single, 99),
                     report_histo_percentile(&merged, 99));
}

static void test_report_shards_partition_seeds(void **state)
{
    report_compare_t shards[TEST_SHARD_COUNT];
    uint64_t total = 0;
    uint64_t seed;
    int k;

    (void)state;
    test_build_shards(shards);
    for (k = 0; k < TEST_SHARD_COUNT; k++) {
        total += report_compare_shard_seeds(&shards[k], 0);
    }
    assert_int_equal(total, TEST_SEED_LAST);
    for (seed = 1; seed <= TEST_SEED_LAST; seed++) {
        int owners = 0;

        for (k = 0; k < TEST_SHARD_COUNT; k++) {
            owners += report_compare_owns(&shards[k], 0, seed);
        }
        assert_int_equal(owners, 1);
    }
    assert_true(report_compare_owns(&shards[1], 0, 2));
    test_free_shards(shards, TEST_SHARD_COUNT);
}

static void test_report_merge_equals_single(void **state)
{
    report_compare_t single;
    report_compare_t shards[TEST_SHARD_COUNT];
    report_compare_t merged;
    const char *names[TEST_SHARD_COUNT] = {"a", "b", "c"};
    char error[REPORT_ERROR_MAX];
    char *single_text;
    char *merged_text;

    (void)state;
    test_build(&single, 0, 0);
    test_build_shards(shards);
    assert_int_equal(report_compare_merge(&merged, shards, names, TEST_SHARD_COUNT, error,
                                          sizeof(error)),
                     0);
    single_text = test_dump(&single);
    merged_text = test_dump(&merged);
    assert_string_equal(single_text, merged_text);
    assert_non_null(strstr(single_text, "\"counterexample\""));

    free(single_text);
    free(merged_text);
    report_compare_free(&single);
    report_compare_free(&merged);
    test_free_shards(shards, TEST_SHARD_COUNT);
}

static void test_report_merge_rejects_missing_shard(void **state)
{
    report_compare_t shards[TEST_SHARD_COUNT];
    report_compare_t merged;
    const char *names[TEST_SHARD_COUNT] = {"a", "b", "c"};
    char error[REPORT_ERROR_MAX];

    (void)state;
    test_build_shards(shards);
    assert_int_equal(report_compare_merge(&merged, shards, names, 2, error, sizeof(error)),
                     -1);
    assert_non_null(strstr(error, "shard 3/3 is missing"));
    test_free_shards(shards, TEST_SHARD_COUNT);
}

static void test_report_merge_rejects_overlap(void **state)
{
    report_compare_t shards[TEST_SHARD_COUNT];
    report_compare_t merged;
    const char *names[TEST_SHARD_COUNT] = {"a", "b", "c"};
    char error[REPORT_ERROR_MAX];

    (void)state;
    test_build_shards(shards);
    shards[2].shard_index = 1;
    assert_int_equal(report_compare_merge(&merged, shards, names, TEST_SHARD_COUNT, error,
                                          sizeof(error)),
                     -1);
    assert_non_null(strstr(error, "c is shard 1/3"));
    assert_non_null(strstr(error, "overlap"));
    test_free_shards(shards, TEST_SHARD_COUNT);
}

static void test_report_merge_rejects_other_sweep(void **state)
{
    report_compare_t shards[TEST_SHARD_COUNT];
    report_compare_t merged;
    const char *names[TEST_SHARD_COUNT] = {"a", "b", "c"};
    char error[REPORT_ERROR_MAX];

    (void)state;
    test_build_shards(shards);
    shards[1].scenarios[0].seed_last++;
    assert_int_equal(report_compare_merge(&merged, shards, names, TEST_SHARD_COUNT, error,
                                          sizeof(error)),
                     -1);
    assert_non_null(strstr(error, "b is not a shard of the same sweep as a"));
    assert_non_null(strstr(error, "seeds 1..91, not 1..90"));

    shards[1].scenarios[0].seed_last--;
    shards[1].policies[1] = test_policy("phase-split");
    assert_int_equal(report_compare_merge(&merged, shards, names, TEST_SHARD_COUNT, error,
                                          sizeof(error)),
                     -1);
    assert_non_null(strstr(error, "policy 2 is phase-split, not blind"));
    test_free_shards(shards, TEST_SHARD_COUNT);
}

static void test_report_merge_rejects_partial_and_whole(void **state)
{
    report_compare_t shards[TEST_SHARD_COUNT];
    report_compare_t whole;
    report_compare_t merged;
    const char *names[TEST_SHARD_COUNT] = {"a", "b", "c"};
    char error[REPORT_ERROR_MAX];

    (void)state;
    test_build_shards(shards);
    shards[0].complete = false;
    assert_int_equal(report_compare_merge(&merged, shards, names, TEST_SHARD_COUNT, error,
                                          sizeof(error)),
                     -1);
    assert_non_null(strstr(error, "a is a partial report"));
    test_free_shards(shards, TEST_SHARD_COUNT);

    test_build(&whole, 0, 0);
    assert_int_equal(report_compare_merge(&merged, &whole, names, 1, error, sizeof(error)),
                     -1);
    assert_non_null(strstr(error, "a is not a shard"));
    report_compare_free(&whole);
}

static void test_report_json_round_trip(void **state)
{
    report_compare_t report;
    report_compare_t read;
    char error[REPORT_ERROR_MAX];
    json_t *root;
    char *first;
    char *second;

    (void)state;
    test_build(&report, 2, 3);
    report.complete = false;
    report.scenarios[0].seeds_done = 17;
    first = test_dump(&report);
    root = json_loads(first, 0, NULL);
    assert_non_null(root);
    assert_int_equal(report_compare_from_json(root, &read, error, sizeof(error)), 0);
    second = test_dump(&read);
    assert_string_equal(first, second);
    assert_int_equal(read.scenarios[0].seeds_done, 17);
    assert_int_equal(read.shard_index, 2);

    json_decref(root);
    free(first);
    free(second);
    report_compare_free(&report);
    report_compare_free(&read);
}

/* The reader's checks fire: a histogram whose buckets do not add up, a
 * bucket that is not a bucket's lowest value, another schema. */
static void test_report_json_rejects_tampering(void **state)
{
    report_compare_t report;
    report_compare_t read;
    char error[REPORT_ERROR_MAX];
    json_t *root;
    json_t *histo;
    char *text;

    (void)state;
    test_build(&report, 0, 0);
    text = test_dump(&report);
    root = json_loads(text, 0, NULL);
    histo = json_object_get(json_object_get(json_object_get(json_object_get(
                                json_array_get(json_object_get(root, "scenarios"), 0),
                                "policies"), "blind"), "metrics"), "retries");
    json_object_set_new(histo, "count", json_integer(json_integer_value(
                                            json_object_get(histo, "count")) + 1));
    assert_int_equal(report_compare_from_json(root, &read, error, sizeof(error)), -1);
    assert_non_null(strstr(error, "policy blind"));
    assert_non_null(strstr(error, "add up"));
    json_decref(root);

    root = json_loads(text, 0, NULL);
    json_object_set_new(root, "schema", json_integer(99));
    assert_int_equal(report_compare_from_json(root, &read, error, sizeof(error)), -1);
    assert_non_null(strstr(error, "schema 1"));
    json_decref(root);

    root = json_loads(text, 0, NULL);
    histo = json_object_get(json_object_get(json_object_get(json_object_get(
                                json_array_get(json_object_get(root, "scenarios"), 0),
                                "policies"), "no-retry"), "metrics"), "time_to_terminal_us");
    json_object_set_new(json_object_get(histo, "buckets"), "129", json_integer(1));
    assert_int_equal(report_compare_from_json(root, &read, error, sizeof(error)), -1);
    assert_non_null(strstr(error, "lowest value of a bucket"));
    json_decref(root);

    free(text);
    report_compare_free(&report);
}

static void test_report_confirm_counts_verdicts(void **state)
{
    report_compare_t report;
    char error[REPORT_ERROR_MAX];
    json_t *doc;
    char *text;

    (void)state;
    test_build(&report, 0, 0);
    doc = json_loads("{\"schema\":1,\"scenario\":\"default\",\"runs\":["
                     "{\"policy\":\"blind\",\"seed\":1,\"verdict\":\"agree\"},"
                     "{\"policy\":\"blind\",\"seed\":2,\"verdict\":\"lock-race\"},"
                     "{\"policy\":\"blind\",\"seed\":3,\"verdict\":\"agree\"},"
                     "{\"policy\":\"phase-split\",\"seed\":3,\"verdict\":\"agree\"}]}",
                     0, NULL);
    assert_non_null(doc);
    assert_int_equal(report_compare_confirm(&report, doc, "c.json", error, sizeof(error)), 0);
    assert_int_equal(report_compare_cell(&report, 0, 1)->verdicts[CONFIRM_AGREE], 2);
    assert_int_equal(report_compare_cell(&report, 0, 1)->verdicts[CONFIRM_LOCK_RACE], 1);
    assert_int_equal(report_compare_cell(&report, 0, 0)->verdicts[CONFIRM_AGREE], 0);
    assert_int_equal(report.confirm_unmatched, 1);
    text = test_dump(&report);
    assert_non_null(strstr(text, "\"agreement\": 1.0"));
    free(text);
    json_decref(doc);

    doc = json_loads("{\"schema\":1,\"runs\":[{\"policy\":\"blind\",\"verdict\":\"maybe\"}]}",
                     0, NULL);
    assert_int_equal(report_compare_confirm(&report, doc, "d.json", error, sizeof(error)), -1);
    assert_non_null(strstr(error, "d.json: run 1"));
    assert_non_null(strstr(error, "\"maybe\""));
    json_decref(doc);
    report_compare_free(&report);
}

static char *test_render(const report_compare_t *report, bool html)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    assert_non_null(out);
    if (html) {
        report_compare_write_html(out, report);
    } else {
        report_compare_write_md(out, report);
    }
    fclose(out);
    return text;
}

/* The page needs nothing from outside: no script, no link, no image or
 * font fetched; the only URL is the SVG namespace. */
static void test_report_html_self_contained(void **state)
{
    report_compare_t report;
    char *html;
    const char *at;
    int urls = 0;
    int svgs = 0;

    (void)state;
    test_build(&report, 0, 0);
    html = test_render(&report, true);
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<link"));
    assert_null(strstr(html, "<img"));
    assert_null(strstr(html, "url("));
    for (at = html; (at = strstr(at, "http")) != NULL; at++) {
        urls++;
    }
    for (at = html; (at = strstr(at, "<svg ")) != NULL; at++) {
        svgs++;
    }
    assert_int_equal(urls, svgs);
    assert_int_equal(svgs, 3);
    assert_non_null(strstr(html, "transcript of seed 5"));
    free(html);
    report_compare_free(&report);
}

static void test_report_md_tables(void **state)
{
    report_compare_t report;
    char *md;

    (void)state;
    test_build(&report, 0, 0);
    md = test_render(&report, false);
    assert_non_null(strstr(md, "## Scenario default"));
    assert_non_null(strstr(md, "| policy | runs | completed | error | stranded until reaper"));
    assert_non_null(strstr(md, "| blind | S4 | 5 | `barriersim replay --policy blind "
                               "--seed 5` |"));
    assert_null(strstr(md, "transcript of seed"));
    free(md);
    report_compare_free(&report);
}

/* C1: a pooler reaps idle connections during a long batch. phase-split
 * retries the decrement once on a new connection. The queue client retries
 * an acknowledgement whose connection was reaped under every policy, so
 * no-retry counts that retry alone. */
static void test_report_cost_counts_c1(void **state)
{
    sim_result_t retried;
    sim_result_t plain;
    char error[1024];
    scen_t *c1 = malloc(sizeof(*c1));

    (void)state;
    assert_non_null(c1);
    assert_int_equal(scen_file_load("scenarios/cases/C1.yaml", c1, error, sizeof(error)), 0);
    sim_world_run(world, c1, test_policy("phase-split"), 1, 0, NULL, &retried);
    sim_world_run(world, c1, test_policy("no-retry"), 1, 0, NULL, &plain);

    assert_int_equal(retried.outcome, SCEN_OUTCOME_COMPLETE);
    assert_int_equal(retried.cost.retry_count, 2);
    assert_true(retried.cost.reconnect_count >= 1);
    assert_true(retried.cost.extra_round_trip_count >= 3);
    assert_true(retried.terminal_us > 0);
    assert_true(retried.terminal_us <= retried.end_us);
    assert_false(retried.reaper_marked);

    assert_int_equal(plain.outcome, SCEN_OUTCOME_ERROR);
    assert_int_equal(plain.cost.retry_count, 1);
    assert_true(plain.cost.extra_round_trip_count < retried.cost.extra_round_trip_count);
    free(c1);
}

/* A run of the policies sweep that a reaper recovered is counted as
 * stranded until the reaper, not as an ordinary ERROR. */
static void test_report_reaper_outcome(void **state)
{
    report_cell_t *cell = calloc(1, sizeof(*cell));
    char error[1024];
    scen_t *swarm = malloc(sizeof(*swarm));
    uint64_t seed;

    (void)state;
    assert_non_null(cell);
    assert_non_null(swarm);
    assert_int_equal(scen_file_load("scenarios/sweeps/policies.yaml", swarm, error,
                                    sizeof(error)),
                     0);
    for (seed = 1; seed <= 40; seed++) {
        sim_result_t result;

        sim_world_run(world, swarm, test_policy("no-retry"), seed, 0, NULL, &result);
        report_cell_add(cell, &result);
        if (result.reaper_marked) {
            assert_int_equal(result.outcome, SCEN_OUTCOME_ERROR);
        }
    }
    assert_true(cell->outcomes[REPORT_OUTCOME_REAPER] > 0);
    assert_int_equal(cell->outcomes[REPORT_OUTCOME_STRANDED], 0);
    assert_int_equal(cell->runs, 40);
    free(swarm);
    free(cell);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_histo_small_values_exact),
        cmocka_unit_test(test_report_histo_buckets_within_one_64th),
        cmocka_unit_test(test_report_histo_merge_equals_single),
        cmocka_unit_test(test_report_shards_partition_seeds),
        cmocka_unit_test(test_report_merge_equals_single),
        cmocka_unit_test(test_report_merge_rejects_missing_shard),
        cmocka_unit_test(test_report_merge_rejects_overlap),
        cmocka_unit_test(test_report_merge_rejects_other_sweep),
        cmocka_unit_test(test_report_merge_rejects_partial_and_whole),
        cmocka_unit_test(test_report_json_round_trip),
        cmocka_unit_test(test_report_json_rejects_tampering),
        cmocka_unit_test(test_report_confirm_counts_verdicts),
        cmocka_unit_test(test_report_html_self_contained),
        cmocka_unit_test(test_report_md_tables),
        cmocka_unit_test(test_report_cost_counts_c1),
        cmocka_unit_test(test_report_reaper_outcome),
    };

    return cmocka_run_group_tests_name("report", tests, test_setup, test_teardown);
}
