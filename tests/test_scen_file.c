/*
 * Tests of the scenario file loader: the shipped files load with the values
 * of the cases they describe, durations and ranges parse, and every kind of
 * mistake is reported with its file, line, value and what was expected.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../scenarios/scen_file.h"
#include "../scenarios/scen_write.h"
#include "../sim/oracle.h"

#define TEST_MS 1000LL
#define TEST_S (1000 * TEST_MS)
#define TEST_ERROR_MAX 1024

static char test_dir[64];
static char test_path[128];

/* A valid fixed schedule that the error tests change one line of. */
static const char test_base[] =
    "name: T\n"                     /* line 1 */
    "summary: test scenario\n"      /* line 2 */
    "batches: 2\n"                  /* line 3 */
    "workers: 2\n"                  /* line 4 */
    "schedule:\n"                   /* line 5 */
    "  batches:\n"                  /* line 6 */
    "    - {worker: 0, work: 1s}\n" /* line 7 */
    "    - {worker: 1}\n";          /* line 8 */

static int test_setup(void **state)
{
    (void)state;
    snprintf(test_dir, sizeof(test_dir), "/tmp/test_scen_file.XXXXXX");
    if (mkdtemp(test_dir) == NULL) {
        return -1;
    }
    snprintf(test_path, sizeof(test_path), "%s/bad.yaml", test_dir);
    return 0;
}

static int test_teardown(void **state)
{
    (void)state;
    unlink(test_path);
    return rmdir(test_dir);
}

static void test_write(const char *text)
{
    FILE *out = fopen(test_path, "w");

    assert_non_null(out);
    assert_int_equal(fputs(text, out) >= 0, 1);
    assert_int_equal(fclose(out), 0);
}

/* Load text from a file and check that the error is "PATH:LINE: message". */
static void test_expect_error(const char *text, int line, const char *message)
{
    char error[TEST_ERROR_MAX];
    char expected[TEST_ERROR_MAX];
    scen_t scen;

    test_write(text);
    snprintf(expected, sizeof(expected), "%s:%d: %s", test_path, line, message);
    assert_int_equal(scen_file_load(test_path, &scen, error, sizeof(error)), -1);
    if (strncmp(error, expected, strlen(expected)) != 0) {
        print_error("expected: %s\n     got: %s\n", expected, error);
    }
    assert_int_equal(strncmp(error, expected, strlen(expected)), 0);
}

static void test_load(const char *path, scen_t *scen)
{
    char error[TEST_ERROR_MAX];
    int rc = scen_file_load(path, scen, error, sizeof(error));

    if (rc != 0) {
        print_error("%s\n", error);
    }
    assert_int_equal(rc, 0);
    assert_string_equal(error, "");
}

static const scen_expect_t *test_expect_of(const scen_t *scen, const char *policy)
{
    int i;

    for (i = 0; i < scen->expect_count; i++) {
        if (strcmp(scen->expect[i].policy, policy) == 0) {
            return &scen->expect[i];
        }
    }
    fail_msg("no expectation for %s", policy);
    return NULL;
}

static void test_scen_file_c1_loads(void **state)
{
    const scen_expect_t *expect;
    scen_t scen;

    (void)state;
    test_load("scenarios/cases/C1.yaml", &scen);
    assert_string_equal(scen.name, "C1");
    assert_string_equal(scen.summary,
                        "pooler reaps an idle client connection during a 5 s batch");
    assert_string_equal(scen.source, "PgBouncer issue 816");
    assert_int_equal(scen.batch_count, 3);
    assert_int_equal(scen.worker_count, 2);
    assert_int_equal(scen.path, SCEN_PATH_IN_BODY);
    assert_int_equal(scen.pooler, SCEN_POOLER_TRANSACTION);
    assert_int_equal(scen.latency_min_us, 1 * TEST_MS);
    assert_int_equal(scen.latency_max_us, 1 * TEST_MS);
    assert_false(scen.swarm);
    assert_true(scen.assigned);
    assert_int_equal(scen.assign_worker[0], 0);
    assert_int_equal(scen.assign_worker[1], 0);
    assert_int_equal(scen.assign_worker[2], 1);
    assert_int_equal(scen.work_us[0], 1 * TEST_S);
    assert_int_equal(scen.work_us[1], 5 * TEST_S);
    assert_int_equal(scen.work_us[2], 1500 * TEST_MS);
    assert_int_equal(scen.fixed_plan.reap_idle_us, 2 * TEST_S);
    assert_int_equal(scen.fixed_plan.entry_count, 0);
    assert_int_equal(scen.restart_rate_max, 0);
    assert_int_equal(scen.step_max, 20000);
    assert_int_equal(scen.seed_first, 1);
    assert_int_equal(scen.seed_last, 1);
    assert_int_equal(scen.policy_count, 5);
    assert_int_equal(scen.expect_count, 5);

    expect = test_expect_of(&scen, "no-retry");
    assert_true(expect->has_outcome);
    assert_int_equal(expect->outcome, SCEN_OUTCOME_ERROR);
    assert_true(expect->has_violated);
    assert_int_equal(expect->violated_mask, 1u << SIM_PROP_L1);
    expect = test_expect_of(&scen, "phase-split");
    assert_int_equal(expect->outcome, SCEN_OUTCOME_COMPLETE);
    assert_int_equal(expect->violated_mask, 0);
}

static void test_scen_file_c3_loads(void **state)
{
    const uint32_t resent = (1u << SIM_PROP_S2) | (1u << SIM_PROP_S3) |
                            (1u << SIM_PROP_S4) | (1u << SIM_PROP_S8) |
                            (1u << SIM_PROP_S10);
    const fault_entry_t *strike;
    scen_t scen;

    (void)state;
    test_load("scenarios/cases/C3.yaml", &scen);
    assert_string_equal(scen.name, "C3");
    assert_string_equal(scen.source, "Go database/sql issue 11978");
    assert_int_equal(scen.batch_count, 2);
    assert_int_equal(scen.worker_count, 2);
    assert_int_equal(scen.pooler, SCEN_POOLER_NONE);
    assert_int_equal(scen.assign_worker[0], 0);
    assert_int_equal(scen.assign_worker[1], 1);
    assert_int_equal(scen.work_us[0], 1 * TEST_S);
    assert_int_equal(scen.work_us[1], 1513500);
    assert_int_equal(scen.fixed_plan.reap_idle_us, 0);
    assert_int_equal(scen.fixed_plan.detect_delay_us, 0);
    assert_int_equal(scen.fixed_plan.entry_count, 1);

    strike = &scen.fixed_plan.entries[0];
    assert_int_equal(strike->actor_index, 1);
    assert_int_equal(strike->stmt, STMT_DEC);
    assert_int_equal(strike->point, FAULT_AT_COMMIT);
    assert_int_equal(strike->occurrence, 1);
    assert_int_equal(strike->kind, FAULT_F5);

    assert_int_equal(test_expect_of(&scen, "no-retry")->outcome, SCEN_OUTCOME_ERROR);
    assert_int_equal(test_expect_of(&scen, "no-retry")->violated_mask, 0);
    assert_int_equal(test_expect_of(&scen, "blind")->outcome, SCEN_OUTCOME_COMPLETE);
    assert_int_equal(test_expect_of(&scen, "blind")->violated_mask, resent);
    assert_int_equal(test_expect_of(&scen, "reused-guard")->violated_mask, resent);
    assert_int_equal(test_expect_of(&scen, "phase-split")->outcome, SCEN_OUTCOME_ERROR);
}

/* default.yaml describes scen_default(8, 4) field by field; only the
 * policies and expectations, which the built-in leaves empty, differ. */
static void test_scen_file_default_matches_builtin(void **state)
{
    scen_t file;
    scen_t builtin;

    (void)state;
    test_load("scenarios/default.yaml", &file);
    scen_default(&builtin, 8, 4);
    assert_string_equal(file.name, builtin.name);
    assert_string_equal(file.summary, builtin.summary);
    assert_string_equal(file.source, builtin.source);
    assert_int_equal(file.batch_count, builtin.batch_count);
    assert_int_equal(file.worker_count, builtin.worker_count);
    assert_int_equal(file.path, builtin.path);
    assert_int_equal(file.work_min_us, builtin.work_min_us);
    assert_int_equal(file.work_max_us, builtin.work_max_us);
    assert_int_equal(file.latency_min_us, builtin.latency_min_us);
    assert_int_equal(file.latency_max_us, builtin.latency_max_us);
    assert_int_equal(file.lease_us, builtin.lease_us);
    assert_int_equal(file.restart_rate_max, builtin.restart_rate_max);
    assert_int_equal(file.step_max, builtin.step_max);
    assert_int_equal(file.stuck_timeout_us, builtin.stuck_timeout_us);
    assert_int_equal(file.expiry_us, builtin.expiry_us);
    assert_int_equal(file.reaper_tick_us, builtin.reaper_tick_us);
    assert_int_equal(file.pooler, builtin.pooler);
    assert_int_equal(file.seed_first, builtin.seed_first);
    assert_int_equal(file.seed_last, builtin.seed_last);
    assert_int_equal(file.swarm, builtin.swarm);
    assert_int_equal(file.swarm_range.kinds_mask, builtin.swarm_range.kinds_mask);
    assert_int_equal(file.swarm_range.reap_idle_min_us, builtin.swarm_range.reap_idle_min_us);
    assert_int_equal(file.swarm_range.reap_idle_max_us, builtin.swarm_range.reap_idle_max_us);
    assert_int_equal(file.swarm_range.detect_delay_min_us,
                     builtin.swarm_range.detect_delay_min_us);
    assert_int_equal(file.swarm_range.detect_delay_max_us,
                     builtin.swarm_range.detect_delay_max_us);
    assert_memory_equal(&file.fixed_plan, &builtin.fixed_plan, sizeof(file.fixed_plan));
    assert_int_equal(file.assigned, builtin.assigned);
    assert_memory_equal(file.assign_worker, builtin.assign_worker,
                        sizeof(file.assign_worker));
    assert_memory_equal(file.work_us, builtin.work_us, sizeof(file.work_us));
    assert_true(file.expect_count > 0);
}

static void test_scen_file_durations_parse(void **state)
{
    static const struct {
        const char *text;
        int64_t duration_us;
    } cases[] = {
        {"0", 0},
        {"0s", 0},
        {"800us", 800},
        {"500ms", 500 * TEST_MS},
        {"1.5s", 1500 * TEST_MS},
        {"1.5155s", 1515500},
        {"2min", 120 * TEST_S},
        {"1h", 3600 * TEST_S},
        {"0.25ms", 250},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t duration_us = -1;

        assert_int_equal(scen_duration_parse(cases[i].text, &duration_us), 0);
        assert_int_equal(duration_us, cases[i].duration_us);
    }
}

static void test_scen_file_durations_reject(void **state)
{
    static const char *const cases[] = {
        "5", "-1s", "", "s", "1", "1.s", ".5s", "1sec", "1 s", "1S", "0.5us",
        "1.0000000001s", "99999999999999999999h", "100000000h", "1s..2s",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t duration_us = 0;

        if (scen_duration_parse(cases[i], &duration_us) == 0) {
            print_error("accepted \"%s\"\n", cases[i]);
        }
        assert_int_equal(scen_duration_parse(cases[i], &duration_us), -1);
    }
}

static void test_scen_file_ranges_parse(void **state)
{
    int64_t min_us = -1;
    int64_t max_us = -1;

    (void)state;
    assert_int_equal(scen_duration_range_parse("1s..5s", &min_us, &max_us), 0);
    assert_int_equal(min_us, 1 * TEST_S);
    assert_int_equal(max_us, 5 * TEST_S);
    assert_int_equal(scen_duration_range_parse("0..2s", &min_us, &max_us), 0);
    assert_int_equal(min_us, 0);
    assert_int_equal(max_us, 2 * TEST_S);
    assert_int_equal(scen_duration_range_parse("100us..1500us", &min_us, &max_us), 0);
    assert_int_equal(min_us, 100);
    assert_int_equal(max_us, 1500);
    assert_int_equal(scen_duration_range_parse("750ms", &min_us, &max_us), 0);
    assert_int_equal(min_us, 750 * TEST_MS);
    assert_int_equal(max_us, 750 * TEST_MS);
    assert_int_equal(scen_duration_range_parse("1s..1s", &min_us, &max_us), 0);
}

static void test_scen_file_ranges_reject(void **state)
{
    static const char *const cases[] = {
        "1s..0", "5s..1s", "1s..", "..1s", "1s...2s", "1s..2s..3s", "5..6", "-1s..1s",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t min_us = 0;
        int64_t max_us = 0;

        if (scen_duration_range_parse(cases[i], &min_us, &max_us) == 0) {
            print_error("accepted \"%s\"\n", cases[i]);
        }
        assert_int_equal(scen_duration_range_parse(cases[i], &min_us, &max_us), -1);
    }
}

static void test_scen_file_base_loads(void **state)
{
    scen_t scen;

    (void)state;
    test_write(test_base);
    test_load(test_path, &scen);
    assert_true(scen.assigned);
    assert_false(scen.swarm);
    assert_int_equal(scen.work_us[0], 1 * TEST_S);
    assert_int_equal(scen.work_us[1], 0);
    assert_int_equal(scen.assign_worker[1], 1);
    assert_int_equal(scen.policy_count, 0);
}

static void test_scen_file_invalid_integer_named(void **state)
{
    (void)state;
    test_expect_error("name: T\nsummary: s\nbatches: 3x\n", 3,
                      "invalid value \"3x\" for batches: expected an integer 1..64");
}

static void test_scen_file_out_of_range_named(void **state)
{
    (void)state;
    test_expect_error("name: T\nsummary: s\nworkers: 17\n", 3,
                      "invalid value \"17\" for workers: expected an integer 1..16");
    test_expect_error("name: T\nsummary: s\nrestart_rate: 2000/1024\n", 3,
                      "invalid value \"2000/1024\" for restart_rate: expected x/1024");
    test_expect_error("name: T\nsummary: s\ntimings:\n  lease: 0\n", 4,
                      "invalid value \"0\" for timings.lease: expected a duration");
}

static void test_scen_file_wrong_type_named(void **state)
{
    (void)state;
    test_expect_error("name: T\nsummary: s\nbatches: [3]\n", 3,
                      "invalid value (a list) for batches: expected an integer 1..64");
    test_expect_error("name: T\nsummary: s\ntimings: 5s\n", 3,
                      "invalid value \"5s\" for timings: expected a mapping with keys "
                      "work, latency");
    test_expect_error("- a\n- b\n", 1,
                      "invalid value (a list) for the scenario: expected a mapping");
}

static void test_scen_file_unknown_key_named(void **state)
{
    (void)state;
    test_expect_error("name: T\nsummary: s\ncolour: red\n", 3,
                      "unknown key \"colour\": expected one of name, summary");
    test_expect_error("name: T\nsummary: s\ntimings:\n  work: 1s\n  wrok: 2s\n", 5,
                      "unknown key \"wrok\" in timings: expected one of work, latency");
}

static void test_scen_file_duplicate_key_named(void **state)
{
    (void)state;
    test_expect_error("name: T\nsummary: s\nbatches: 2\nbatches: 3\n", 4,
                      "duplicate key \"batches\": first given at line 3");
}

static void test_scen_file_missing_key_named(void **state)
{
    (void)state;
    test_expect_error("name: T\nbatches: 2\n", 1, "missing key \"summary\"");
    test_expect_error("name: T\nsummary: s\nschedule: {}\n", 1,
                      "missing key \"batches\": expected the batch count");
}

static void test_scen_file_bad_duration_named(void **state)
{
    (void)state;
    test_expect_error("name: T\nsummary: s\ntimings:\n  work: 5\n", 4,
                      "invalid value \"5\" for timings.work: expected a duration or a "
                      "range A..B");
    test_expect_error("name: T\nsummary: s\ntimings:\n  work: 1s..0\n", 4,
                      "invalid value \"1s..0\" for timings.work");
}

static void test_scen_file_unknown_statement_named(void **state)
{
    char text[1024];

    (void)state;
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, statement: "
             "Q-FOO, point: commit, fault: F5}\n", test_base);
    test_expect_error(text, 10, "invalid value \"Q-FOO\" for schedule.strikes[0]."
                                "statement: expected one of Q-ARM.1, Q-ARM.2, Q-CLAIM, "
                                "Q-DEC");
}

static void test_scen_file_unknown_fault_named(void **state)
{
    char text[1024];

    (void)state;
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, statement: "
             "Q-DEC, point: commit, fault: F1}\n", test_base);
    test_expect_error(text, 10, "invalid value \"F1\" for schedule.strikes[0].fault: "
                                "an idle reap is driven by a timer, so set "
                                "pooler.client_idle_timeout");
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, statement: "
             "Q-DEC, point: commit, fault: F99}\n", test_base);
    test_expect_error(text, 10, "invalid value \"F99\" for schedule.strikes[0].fault: "
                                "expected one of F2, F3, F4, F5, F6, F7, F8, F9");
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, statement: "
             "Q-DEC, point: begin, fault: F5}\n", test_base);
    test_expect_error(text, 10, "fault F5 cannot strike at point begin: expected one "
                                "of F2 there");
    test_expect_error("name: T\nsummary: s\nfaults:\n  kinds: [F2, X9]\n", 4,
                      "invalid value \"X9\" for faults.kinds: expected one of F1, F2");
}

static void test_scen_file_unknown_policy_named(void **state)
{
    (void)state;
    test_expect_error("name: T\nsummary: s\npolicies: [blind, careful]\n", 3,
                      "invalid value \"careful\" for policies: expected one of no-retry, "
                      "blind");
    test_expect_error("name: T\nsummary: s\nexpect:\n  careful: {outcome: error}\n", 4,
                      "unknown policy \"careful\" in expect: expected one of no-retry");
    test_expect_error("name: T\nsummary: s\npolicies: [blind]\nexpect:\n"
                      "  no-retry: {outcome: error}\n", 5,
                      "expect names policy \"no-retry\", which is not in policies "
                      "(line 3)");
}

static void test_scen_file_repeated_list_item_named(void **state)
{
    (void)state;
    test_expect_error("name: T\nsummary: s\npolicies: [blind, blind]\n", 3,
                      "policy \"blind\" is listed twice in policies: remove one");
    test_expect_error("name: T\nsummary: s\nexpect:\n  blind: {violates: [S1, S1]}\n", 4,
                      "property S1 is listed twice in expect.blind.violates: remove one");
    test_expect_error("name: T\nsummary: s\nfaults:\n  kinds: [F2, F3, F2]\n", 4,
                      "fault F2 is listed twice in faults.kinds: remove one");
}

static void test_scen_file_unknown_property_named(void **state)
{
    (void)state;
    test_expect_error("name: T\nsummary: s\nexpect:\n  blind: {violates: [S4, S99]}\n", 4,
                      "invalid value \"S99\" for expect.blind.violates: expected one of "
                      "S1, S2");
    test_expect_error("name: T\nsummary: s\nexpect:\n  blind: {outcome: done}\n", 4,
                      "invalid value \"done\" for expect.blind.outcome: expected one of "
                      "complete, error, stranded, lost");
}

/* A strike at a point outside a transaction's sends: no statement, the
 * entry's stmt is STMT_BEGIN, and the variant names the kind's form. */
static void test_scen_file_point_strike_loads(void **state)
{
    static const struct {
        const char *strike;
        fault_point_t point;
        fault_kind_t kind;
        int variant;
    } cases[] = {
        {"{actor: worker 1, point: fire, fault: F13, variant: ambiguous}",
         FAULT_AT_FIRE, FAULT_F13, FAULT_F13_AMBIGUOUS},
        {"{actor: worker 1, point: fire, fault: F13}", FAULT_AT_FIRE, FAULT_F13,
         FAULT_F13_CLEAN},
        {"{actor: worker 0, point: fire, fault: F11}", FAULT_AT_FIRE, FAULT_F11, 0},
        {"{actor: worker 0, point: call, fault: F9}", FAULT_AT_CALL, FAULT_F9, 0},
        {"{actor: worker 0, point: ack, fault: F12}", FAULT_AT_ACK, FAULT_F12, 0},
        {"{actor: worker 0, point: api, fault: F15, variant: applied-unconfirmed}",
         FAULT_AT_API, FAULT_F15, FAULT_F15_APPLIED_UNCONFIRMED},
        {"{actor: worker 0, point: result, fault: F17, variant: unencodable}",
         FAULT_AT_RESULT, FAULT_F17, FAULT_F17_UNENCODABLE},
        {"{actor: orchestrator, point: dispatch, fault: F18, variant: ambiguous}",
         FAULT_AT_DISPATCH, FAULT_F18, FAULT_F18_AMBIGUOUS},
        {"{actor: worker 0, point: step, occurrence: 7, fault: F11}", FAULT_AT_STEP,
         FAULT_F11, 0},
    };
    char text[1024];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const fault_entry_t *entry;
        scen_t scen;

        snprintf(text, sizeof(text), "%s  strikes:\n    - %s\n", test_base,
                 cases[i].strike);
        test_write(text);
        test_load(test_path, &scen);
        assert_int_equal(scen.fixed_plan.entry_count, 1);
        entry = &scen.fixed_plan.entries[0];
        assert_int_equal(entry->point, cases[i].point);
        assert_int_equal(entry->stmt, STMT_BEGIN);
        assert_int_equal(entry->kind, cases[i].kind);
        assert_int_equal(entry->variant, cases[i].variant);
    }
}

static void test_scen_file_f6_variant_loads(void **state)
{
    char text[1024];
    scen_t scen;

    (void)state;
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, statement: "
             "Q-DEC, point: statement, fault: F6, variant: deadlock}\n", test_base);
    test_write(text);
    test_load(test_path, &scen);
    assert_int_equal(scen.fixed_plan.entries[0].stmt, STMT_DEC);
    assert_int_equal(scen.fixed_plan.entries[0].point, FAULT_AT_STATEMENT);
    assert_int_equal(scen.fixed_plan.entries[0].variant, FAULT_F6_DEADLOCK);
}

static void test_scen_file_point_statement_rules(void **state)
{
    char text[1024];

    (void)state;
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, statement: "
             "Q-DEC, point: fire, fault: F13}\n", test_base);
    test_expect_error(text, 10, "schedule.strikes[0].statement applies to the points "
                                "begin, statement and commit only");
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, point: commit, "
             "fault: F5}\n", test_base);
    test_expect_error(text, 10, "missing key \"statement\" in schedule.strikes[0]: "
                                "expected the main statement of the struck transaction");
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, point: now, "
             "fault: F5}\n", test_base);
    test_expect_error(text, 10, "invalid value \"now\" for schedule.strikes[0].point: "
                                "expected one of begin, statement, commit, rollback, "
                                "connect, step, call, fire, api, result, take, ack, "
                                "dispatch");
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, point: fire}\n",
             test_base);
    test_expect_error(text, 10, "missing key \"fault\" in schedule.strikes[0]");
}

static void test_scen_file_statement_form_rejected(void **state)
{
    char text[1024];

    (void)state;
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, statement: "
             "Q-DEC/k, point: commit, fault: F5}\n", test_base);
    test_expect_error(text, 10, "schedule.strikes[0].statement Q-DEC/k: the simulator "
                                "counts the sends of this form as Q-DEC, so name Q-DEC "
                                "instead");
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, statement: "
             "Q-CLAIM/n, point: statement, fault: F3}\n", test_base);
    test_expect_error(text, 10, "schedule.strikes[0].statement Q-CLAIM/n: the simulator "
                                "counts the sends of this form as Q-CLAIM");
}

static void test_scen_file_point_fault_mismatch(void **state)
{
    char text[1024];

    (void)state;
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, point: fire, "
             "fault: F5}\n", test_base);
    test_expect_error(text, 10, "fault F5 cannot strike at point fire: expected one of "
                                "F11, F13 there");
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, statement: "
             "Q-DEC, point: commit, fault: F11}\n", test_base);
    test_expect_error(text, 10, "fault F11 cannot strike at point commit: expected one "
                                "of F4, F5 there");
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, point: connect, "
             "fault: F11}\n", test_base);
    test_expect_error(text, 10, "fault F11 cannot strike at point connect: expected one "
                                "of F8 there");
}

static void test_scen_file_variant_rejected(void **state)
{
    char text[1024];

    (void)state;
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, statement: "
             "Q-DEC, point: commit, fault: F5, variant: clean}\n", test_base);
    test_expect_error(text, 10, "schedule.strikes[0].variant is set, but fault F5 has "
                                "a single form: remove the variant (only F6, F13, F15, "
                                "F17, F18 have forms)");
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, point: fire, "
             "fault: F13, variant: lost}\n", test_base);
    test_expect_error(text, 10, "invalid value \"lost\" for schedule.strikes[0].variant: "
                                "expected one of clean, ambiguous, duplicate");
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, point: result, "
             "fault: F17, variant: [nul]}\n", test_base);
    test_expect_error(text, 10, "invalid value (a list) for schedule.strikes[0].variant: "
                                "expected one of nul, unencodable");
}

static void test_scen_file_duplicate_point_strike(void **state)
{
    char text[1024];

    (void)state;
    snprintf(text, sizeof(text), "%s  strikes:\n"
             "    - {actor: worker 0, point: fire, fault: F13}\n"
             "    - {actor: worker 0, point: fire, fault: F11}\n", test_base);
    test_expect_error(text, 11, "schedule.strikes[1] repeats the actor, statement, "
                                "point and occurrence of schedule.strikes[0]");
}

static void test_scen_file_reapers_load(void **state)
{
    char text[1024];
    scen_t scen;

    (void)state;
    test_write(test_base);
    test_load(test_path, &scen);
    assert_int_equal(scen.reaper_count, 0);

    /* reapers goes first: the schedule mapping is the last key of test_base. */
    snprintf(text, sizeof(text), "reapers: 2\n%s  strikes:\n"
             "    - {actor: reaper 2, point: api, fault: F15, variant: failed}\n"
             "    - {actor: reaper 1, statement: Q-RPR.DELETE, point: commit, "
             "fault: F5}\n", test_base);
    test_write(text);
    test_load(test_path, &scen);
    assert_int_equal(scen.reaper_count, 2);
    assert_int_equal(scen.fixed_plan.entries[0].actor_index, 2 + 2);
    assert_int_equal(scen.fixed_plan.entries[0].variant, FAULT_F15_FAILED);
    assert_int_equal(scen.fixed_plan.entries[1].actor_index, 2 + 1);
    assert_int_equal(scen.fixed_plan.entries[1].stmt, STMT_RPR_DELETE);
}

static void test_scen_file_reapers_rejected(void **state)
{
    char text[1024];

    (void)state;
    test_expect_error("name: T\nsummary: s\nreapers: 3\n", 3,
                      "invalid value \"3\" for reapers: expected an integer 0..2");
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: reaper 1, point: api, "
             "fault: F15}\n", test_base);
    test_expect_error(text, 10, "invalid value \"reaper 1\" for schedule.strikes[0]."
                                "actor: expected orchestrator, or worker N with N in "
                                "0..1 (workers: 2; reaper N needs reapers: 1 or more)");
    snprintf(text, sizeof(text), "reapers: 1\n%s  strikes:\n    - {actor: reaper 0, "
             "point: api, fault: F15}\n", test_base);
    test_expect_error(text, 11, "invalid value \"reaper 0\" for schedule.strikes[0]."
                                "actor: expected orchestrator, worker N with N in 0..1, "
                                "or reaper N with N in 1..1 (workers: 2, reapers: 1)");
}

static void test_scen_file_orchestrator_loads(void **state)
{
    scen_t scen;

    (void)state;
    test_write("name: T\nsummary: s\norchestrator: api\ntimings:\n"
               "  dedup_retention: 10min\n");
    test_load(test_path, &scen);
    assert_true(scen.api_orchestrator);
    assert_int_equal(scen.dedup_retention_us, 600 * TEST_S);

    test_write("name: T\nsummary: s\norchestrator: general\n");
    test_load(test_path, &scen);
    assert_false(scen.api_orchestrator);
    assert_int_equal(scen.dedup_retention_us, 0);

    test_expect_error("name: T\nsummary: s\norchestrator: celery\n", 3,
                      "invalid value \"celery\" for orchestrator: expected one of "
                      "general, api");
}

/* A swarm may draw any simulated kind; the others are rejected. */
static void test_scen_file_swarm_kinds_load(void **state)
{
    uint32_t mask = 0;
    scen_t scen;
    int kind;

    (void)state;
    test_write("name: T\nsummary: s\nfaults:\n  kinds: [F6, F7, F8, F9, F10, F11, F12, "
               "F13, F14, F15, F16, F17, F18]\n");
    test_load(test_path, &scen);
    for (kind = FAULT_F6; kind <= FAULT_F18; kind++) {
        mask |= 1u << kind;
    }
    assert_true(scen.swarm);
    assert_int_equal(scen.swarm_range.kinds_mask, mask);
}

static void test_scen_file_faults_with_strikes_rejected(void **state)
{
    char text[1024];

    (void)state;
    snprintf(text, sizeof(text), "%s  strikes:\n    - {actor: worker 0, statement: "
             "Q-DEC, point: commit, fault: F5}\nfaults:\n  kinds: [F2]\n", test_base);
    test_expect_error(text, 9, "schedule.strikes cannot be combined with faults (line 11)");
}

static void test_scen_file_batch_count_mismatch_named(void **state)
{
    (void)state;
    test_expect_error("name: T\nsummary: s\nbatches: 3\nworkers: 2\nschedule:\n"
                      "  batches:\n    - {worker: 0}\n    - {worker: 1}\n", 7,
                      "schedule.batches has 2 entries: expected 3, one per batch");
}

static void test_scen_file_worker_out_of_range_named(void **state)
{
    (void)state;
    test_expect_error("name: T\nsummary: s\nbatches: 2\nworkers: 2\nschedule:\n"
                      "  batches:\n    - {worker: 0}\n    - {worker: 2}\n", 8,
                      "invalid value \"2\" for schedule.batches[1].worker: expected a "
                      "worker index 0..1 (workers: 2)");
    test_expect_error("name: T\nsummary: s\nbatches: 2\nworkers: 2\nschedule:\n"
                      "  strikes:\n    - {actor: worker 2, statement: Q-DEC, point: "
                      "commit, fault: F5}\n", 7,
                      "invalid value \"worker 2\" for schedule.strikes[0].actor: expected "
                      "orchestrator, or worker N with N in 0..1");
}

static void test_scen_file_swarm_rejects_fixed_timers(void **state)
{
    (void)state;
    test_expect_error("name: T\nsummary: s\npooler:\n  client_idle_timeout: 2s\n", 4,
                      "pooler.client_idle_timeout applies to a fixed schedule only");
    test_expect_error("name: T\nsummary: s\ntimings:\n  detect_delay: 1s\n", 4,
                      "timings.detect_delay applies to a fixed schedule only");
}

static void test_scen_file_invalid_yaml_named(void **state)
{
    (void)state;
    test_expect_error("name: T\nsummary: s\ntimings:\n  work: [1s\n", 5, "invalid YAML: ");
    test_expect_error("", 1, "empty scenario file");
}

static void test_scen_file_error_leaves_output(void **state)
{
    char error[TEST_ERROR_MAX];
    scen_t scen;

    (void)state;
    memset(&scen, 0x5a, sizeof(scen));
    test_write("name: T\nsummary: s\nbatches: 2\nworkers: 99\n");
    assert_int_equal(scen_file_load(test_path, &scen, error, sizeof(error)), -1);
    assert_int_equal(scen.batch_count, 0x5a5a5a5a);
    assert_int_equal((unsigned char)scen.name[0], 0x5a);
}

static void test_scen_file_missing_file_named(void **state)
{
    char error[TEST_ERROR_MAX];
    scen_t scen;

    (void)state;
    assert_int_equal(scen_file_load("/nonexistent/x.yaml", &scen, error, sizeof(error)),
                     -1);
    assert_non_null(strstr(error, "/nonexistent/x.yaml: could not open scenario file"));
}

/* A folder opens like a file. The message must name it a folder, not
 * repeat libyaml's bare "input error". */
static void test_scen_file_folder_named(void **state)
{
    char error[TEST_ERROR_MAX];
    scen_t scen;

    (void)state;
    assert_int_equal(scen_file_load("scenarios", &scen, error, sizeof(error)), -1);
    assert_non_null(strstr(error, "scenarios: could not read scenario file: it is a folder"));
}

/* The text loader reports like the file loader, under the name it is given. */
static void test_scen_file_text_named(void **state)
{
    static const char text[] = "name: T\nsummary: s\nbatches: 3x\n";
    char error[TEST_ERROR_MAX];
    scen_t scen;

    (void)state;
    assert_int_equal(scen_file_load_text("given.yaml", text, sizeof(text) - 1, &scen, error,
                                         sizeof(error)),
                     -1);
    assert_non_null(strstr(error, "given.yaml:3: invalid value \"3x\" for batches"));
    assert_int_equal(scen_file_load_text("given.yaml", test_base, sizeof(test_base) - 1,
                                         &scen, error, sizeof(error)),
                     0);
    assert_string_equal(error, "");
    assert_int_equal(scen.batch_count, 2);
}

/* Regression (found by fuzz_scen_file): a reader error of text input, such
 * as a control character, asked ferror() of a FILE that text input has not:
 * libyaml's input is a union, and its file member then held the text. */
static void test_scen_file_text_reader_error_named(void **state)
{
    static const char text[] = "name: T\nsummary: \v\n";
    char error[TEST_ERROR_MAX];
    scen_t scen;

    (void)state;
    assert_int_equal(scen_file_load_text("given.yaml", text, sizeof(text) - 1, &scen, error,
                                         sizeof(error)),
                     -1);
    /* libyaml checks characters a buffer at a time, so the line is the
     * buffer's first, not the character's. */
    assert_int_equal(strncmp(error, "given.yaml:", strlen("given.yaml:")), 0);
    assert_non_null(strstr(error, "invalid YAML: control characters are not allowed"));
}

static void test_scen_duration_format(void **state)
{
    static const struct {
        int64_t duration_us;
        const char *text;
    } cases[] = {
        {0, "0"},
        {6 * 3600 * TEST_S, "6h"},
        {9000 * TEST_S, "9000s"},
        {1513500, "1.5135s"},
        {32009 * TEST_MS, "32.009s"},
        {500 * TEST_MS, "500ms"},
        {800, "800us"},
        {1500, "1500us"},
    };
    char text[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t parsed = -1;

        scen_duration_format(cases[i].duration_us, text, sizeof(text));
        assert_string_equal(text, cases[i].text);
        assert_int_equal(scen_duration_parse(text, &parsed), 0);
        assert_int_equal(parsed, cases[i].duration_us);
    }
}

/* A written scenario loads back to the same scenario, byte for byte: every
 * field a run reads survives, for swarms, fixed schedules, strikes at every
 * kind of point, variants and reapers. */
static void test_scen_write_round_trips(void **state)
{
    static const char *const paths[] = {
        "scenarios/default.yaml",
        "scenarios/cases/C1.yaml",
        "scenarios/cases/C6.yaml",
        "scenarios/cases/C9-ambiguous.yaml",
        "scenarios/cases/C9-crash.yaml",
        "scenarios/cases/C10.yaml",
        "scenarios/schedules/sigma6.yaml",
        "scenarios/sweeps/policies.yaml",
    };
    char error[TEST_ERROR_MAX];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        scen_t *original = calloc(1, sizeof(*original));
        scen_t *again = calloc(1, sizeof(*again));
        FILE *out = fopen(test_path, "w");

        assert_non_null(original);
        assert_non_null(again);
        assert_non_null(out);
        test_load(paths[i], original);
        if (scen_write(out, original, "round trip\nof a corpus file", error,
                       sizeof(error)) != 0) {
            fail_msg("%s: %s", paths[i], error);
        }
        assert_int_equal(fclose(out), 0);
        test_load(test_path, again);
        if (memcmp(original, again, sizeof(*original)) != 0) {
            fail_msg("%s does not survive a write and a load", paths[i]);
        }
        free(original);
        free(again);
    }
}

/* An empty fixed plan still writes a schedule, which selects the fixed base. */
static void test_scen_write_empty_schedule(void **state)
{
    char error[TEST_ERROR_MAX];
    scen_t written;
    scen_t loaded;
    FILE *out;

    (void)state;
    scen_fixed_base(&written, 2, 1);
    snprintf(written.name, sizeof(written.name), "empty");
    snprintf(written.summary, sizeof(written.summary), "no faults: plain run");
    written.assigned = false;
    out = fopen(test_path, "w");
    assert_non_null(out);
    assert_int_equal(scen_write(out, &written, NULL, error, sizeof(error)), 0);
    assert_int_equal(fclose(out), 0);
    test_load(test_path, &loaded);
    assert_false(loaded.swarm);
    assert_false(loaded.assigned);
    assert_int_equal(loaded.fixed_plan.entry_count, 0);
    assert_string_equal(loaded.summary, "no faults: plain run");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scen_file_c1_loads),
        cmocka_unit_test(test_scen_file_c3_loads),
        cmocka_unit_test(test_scen_file_default_matches_builtin),
        cmocka_unit_test(test_scen_file_durations_parse),
        cmocka_unit_test(test_scen_file_durations_reject),
        cmocka_unit_test(test_scen_file_ranges_parse),
        cmocka_unit_test(test_scen_file_ranges_reject),
        cmocka_unit_test(test_scen_file_base_loads),
        cmocka_unit_test(test_scen_file_invalid_integer_named),
        cmocka_unit_test(test_scen_file_out_of_range_named),
        cmocka_unit_test(test_scen_file_wrong_type_named),
        cmocka_unit_test(test_scen_file_unknown_key_named),
        cmocka_unit_test(test_scen_file_duplicate_key_named),
        cmocka_unit_test(test_scen_file_repeated_list_item_named),
        cmocka_unit_test(test_scen_file_missing_key_named),
        cmocka_unit_test(test_scen_file_bad_duration_named),
        cmocka_unit_test(test_scen_file_unknown_statement_named),
        cmocka_unit_test(test_scen_file_unknown_fault_named),
        cmocka_unit_test(test_scen_file_unknown_policy_named),
        cmocka_unit_test(test_scen_file_unknown_property_named),
        cmocka_unit_test(test_scen_file_point_strike_loads),
        cmocka_unit_test(test_scen_file_f6_variant_loads),
        cmocka_unit_test(test_scen_file_point_statement_rules),
        cmocka_unit_test(test_scen_file_statement_form_rejected),
        cmocka_unit_test(test_scen_file_point_fault_mismatch),
        cmocka_unit_test(test_scen_file_variant_rejected),
        cmocka_unit_test(test_scen_file_duplicate_point_strike),
        cmocka_unit_test(test_scen_file_reapers_load),
        cmocka_unit_test(test_scen_file_reapers_rejected),
        cmocka_unit_test(test_scen_file_orchestrator_loads),
        cmocka_unit_test(test_scen_file_swarm_kinds_load),
        cmocka_unit_test(test_scen_file_faults_with_strikes_rejected),
        cmocka_unit_test(test_scen_file_batch_count_mismatch_named),
        cmocka_unit_test(test_scen_file_worker_out_of_range_named),
        cmocka_unit_test(test_scen_file_swarm_rejects_fixed_timers),
        cmocka_unit_test(test_scen_file_invalid_yaml_named),
        cmocka_unit_test(test_scen_file_error_leaves_output),
        cmocka_unit_test(test_scen_file_missing_file_named),
        cmocka_unit_test(test_scen_file_folder_named),
        cmocka_unit_test(test_scen_file_text_named),
        cmocka_unit_test(test_scen_file_text_reader_error_named),
        cmocka_unit_test(test_scen_duration_format),
        cmocka_unit_test(test_scen_write_round_trips),
        cmocka_unit_test(test_scen_write_empty_schedule),
    };

    return cmocka_run_group_tests_name("scen_file", tests, test_setup, test_teardown);
}
