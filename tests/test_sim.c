/*
 * Tests of whole simulated runs: faults and their durability, determinism,
 * the fixed field cases, and the policy comparison over many seeds.
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

#include "../scenarios/scen_file.h"
#include "../sim/world.h"

#define TEST_SWEEP_SEEDS 10000
#define TEST_DETERMINISM_SEEDS 1000

static sim_world_t *world;

static int test_world_setup(void **state)
{
    (void)state;
    world = malloc(sizeof(*world));
    return world == NULL || sim_world_create(world) != 0;
}

static int test_world_teardown(void **state)
{
    (void)state;
    sim_world_destroy(world);
    free(world);
    return 0;
}

/* Load a field case from scenarios/cases; tests run from the repository root. */
static void test_load_case(const char *name, scen_t *scen)
{
    char path[256];
    char error[1024];
    int rc;

    snprintf(path, sizeof(path), "scenarios/cases/%s.yaml", name);
    rc = scen_file_load(path, scen, error, sizeof(error));
    if (rc != 0) {
        print_error("%s\n", error);
    }
    assert_int_equal(rc, 0);
}

static const core_policy_t *test_policy(const char *name)
{
    const core_policy_t *policy = core_policy_find(name);

    assert_non_null(policy);
    return policy;
}

/* Run one seed and return its text trace (caller frees). */
static char *test_run_traced(const scen_t *scen, const char *policy, uint64_t seed,
                             sim_result_t *result)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    assert_non_null(out);
    sim_world_run(world, scen, test_policy(policy), seed, 0, out, result);
    fclose(out);
    return text;
}

/* The virtual time of the first trace line containing all of the needles
 * after position from; -1 when none. */
static int64_t test_find_event(const char *trace, const char *needle_a,
                               const char *needle_b, const char **from)
{
    const char *line = *from;

    while (line != NULL && *line != '\0') {
        const char *end = strchr(line, '\n');
        size_t length = end == NULL ? strlen(line) : (size_t)(end - line);
        char buf[512];

        snprintf(buf, sizeof(buf), "%.*s", (int)length, line);
        if (strstr(buf, needle_a) != NULL && strstr(buf, needle_b) != NULL) {
            const char *t = strstr(buf, "t_us=");

            *from = end == NULL ? line + length : end + 1;
            return t == NULL ? -1 : strtoll(t + 5, NULL, 10);
        }
        line = end == NULL ? NULL : end + 1;
    }
    (void)trace;
    return -1;
}

/* N=2, W=2 in-body, 1 ms hops: worker 0 runs b0 (1 s), worker 1 runs b1. */
static void test_fixed_scenario(scen_t *scen, fault_kind_t kind, fault_point_t point,
                                int64_t detect_delay_us)
{
    test_load_case("C3", scen);
    snprintf(scen->name, sizeof(scen->name), "test");
    scen->work_us[1] = 1200000;
    scen->fixed_plan.detect_delay_us = detect_delay_us;
    scen->fixed_plan.entries[0] = (fault_entry_t){1, STMT_DEC, point, 1, kind, 0};
    scen->expect_count = 0;
}

static void test_sim_zombie_holds_lock_until_detected(void **state)
{
    const char *cursor;
    sim_result_t result;
    scen_t scen;
    char *trace;
    int64_t struck_us;
    int64_t rollback_us;
    int64_t next_dec_us;

    (void)state;
    test_fixed_scenario(&scen, FAULT_F3, FAULT_AT_STATEMENT, 2000000);
    trace = test_run_traced(&scen, "phase-split", 1, &result);

    cursor = trace;
    struck_us = test_find_event(trace, "event=fault", "fault=F3", &cursor);
    rollback_us = test_find_event(trace, "event=txn_abort", "reason=dead_peer_noticed",
                                  &cursor);
    cursor = trace;
    test_find_event(trace, "event=fault", "fault=F3", &cursor);
    next_dec_us = test_find_event(trace, "event=server_exec", "stmt=Q-DEC rows=1", &cursor);

    assert_true(struck_us > 0);
    assert_int_equal(rollback_us, struck_us + 2000000);
    assert_true(next_dec_us >= rollback_us);
    assert_non_null(strstr(trace, "event=lock_wait"));
    assert_int_equal(result.outcome, SCEN_OUTCOME_COMPLETE);
    assert_int_equal(result.violated_mask, 0);
    free(trace);
}

static void test_sim_reply_lost_after_execute_rolls_back(void **state)
{
    sim_result_t result;
    scen_t scen;
    char *trace;

    (void)state;
    test_fixed_scenario(&scen, FAULT_F3, FAULT_AT_STATEMENT, 0);
    trace = test_run_traced(&scen, "phase-split", 1, &result);

    assert_non_null(strstr(trace, "reason=dead_peer_noticed"));
    assert_int_equal(result.decrement_count, 2);
    assert_int_equal(result.fire_count, 1);
    assert_int_equal(result.outcome, SCEN_OUTCOME_COMPLETE);
    assert_int_equal(result.violated_mask, 0);
    free(trace);
}

static void test_sim_commit_ack_lost_is_durable(void **state)
{
    sim_result_t result;
    scen_t scen;
    char *trace;
    const char *cursor;

    (void)state;
    test_fixed_scenario(&scen, FAULT_F5, FAULT_AT_COMMIT, 0);
    trace = test_run_traced(&scen, "phase-split", 1, &result);

    cursor = trace;
    assert_true(test_find_event(trace, "event=txn_commit", "durable=1", &cursor) >= 0);
    cursor = trace;
    assert_true(test_find_event(trace, "event=fault", "fault=F5", &cursor) >= 0);
    assert_true(test_find_event(trace, "event=reply", "seen=dead connection", &cursor) >= 0);
    /* b0's decrement committed although its client saw a dead connection. */
    assert_int_equal(result.min_remaining, 1);
    assert_true(result.decrement_count >= 1);
    assert_int_equal(result.outcome, SCEN_OUTCOME_ERROR);
    assert_int_equal(result.violated_mask, 0);
    free(trace);
}

static void test_sim_commit_lost_before_server_aborts(void **state)
{
    sim_result_t result;
    scen_t scen;
    char *trace;

    (void)state;
    test_fixed_scenario(&scen, FAULT_F4, FAULT_AT_COMMIT, 0);
    trace = test_run_traced(&scen, "blind", 1, &result);

    /* F4 rolls back, so even the blind retry applies b0 once. */
    assert_non_null(strstr(trace, "reason=dead_peer_noticed"));
    assert_int_equal(result.decrement_count, 2);
    assert_int_equal(result.outcome, SCEN_OUTCOME_COMPLETE);
    assert_true((result.violated_mask & (1u << SIM_PROP_S4)) == 0);
    assert_true((result.violated_mask & (1u << SIM_PROP_S8)) == 0);
    assert_true((result.violated_mask & (1u << SIM_PROP_S10)) != 0);
    free(trace);
}

static void test_sim_idle_reap_needs_idle_time(void **state)
{
    sim_result_t result;
    scen_t c1;
    char *trace;

    (void)state;
    test_load_case("C1", &c1);
    trace = test_run_traced(&c1, "phase-split", 1, &result);
    assert_non_null(strstr(trace, "event=reaped"));
    assert_int_equal(result.outcome, SCEN_OUTCOME_COMPLETE);
    free(trace);
}

static void test_sim_cases_match_expectations(void **state)
{
    static const char *const cases[] = {"C1", "C3"};
    scen_t case_scen;
    size_t c;
    int e;

    (void)state;
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        const scen_t *scen = &case_scen;

        test_load_case(cases[c], &case_scen);
        assert_true(scen->expect_count > 0);

        for (e = 0; e < scen->expect_count; e++) {
            const scen_expect_t *expect = &scen->expect[e];
            uint32_t mask = expect->violated_mask;
            sim_result_t result;

            assert_true(expect->has_outcome);
            assert_true(expect->has_violated);
            sim_world_run(world, scen, test_policy(expect->policy), 1, 0, NULL, &result);
            print_message("%s %s: outcome=%s mask=%x\n", scen->name, expect->policy,
                          scen_outcome_name(result.outcome), result.violated_mask);
            assert_int_equal(result.outcome, expect->outcome);
            assert_int_equal(result.violated_mask, mask);
        }
    }
}

static void test_sim_c3_resend_drives_counter_negative(void **state)
{
    sim_result_t result;
    scen_t c3;

    (void)state;
    test_load_case("C3", &c3);
    sim_world_run(world, &c3, test_policy("blind"), 1, 0, NULL, &result);
    assert_int_equal(result.min_remaining, -1);
    assert_int_equal(result.fire_count, 1);
}

static void test_sim_seeds_replay_to_same_hash(void **state)
{
    const char *policies[] = {"phase-split", "blind"};
    uint64_t *hashes = calloc(TEST_DETERMINISM_SEEDS, sizeof(*hashes));
    scen_t scen;
    size_t p;
    uint64_t seed;

    (void)state;
    assert_non_null(hashes);
    scen_default(&scen, 8, 4);
    for (p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
        for (seed = 0; seed < TEST_DETERMINISM_SEEDS; seed++) {
            sim_result_t result;

            sim_world_run(world, &scen, test_policy(policies[p]), seed + 1, 0, NULL,
                          &result);
            hashes[seed] = result.trace_hash;
        }
        /* Second pass in reverse order, so no state leaks from run to run. */
        for (seed = TEST_DETERMINISM_SEEDS; seed > 0; seed--) {
            sim_result_t result;

            sim_world_run(world, &scen, test_policy(policies[p]), seed, 0, NULL, &result);
            assert_int_equal(result.trace_hash, hashes[seed - 1]);
        }
    }
    free(hashes);
}

/* Every policy on the scenario with every fault kind, seeds in both
 * orders: state one run leaves behind shows up as a hash that depends on
 * the seed run before. (Stack garbage read by a run may match in both
 * orders; test_core_failed_call_leaves_no_rows covers the case found.) */
static void test_sim_all_faults_order_free(void **state)
{
    enum { seeds = 15 };
    uint64_t hashes[seeds];
    char error[1024];
    scen_t scen;
    int p;
    int seed;

    (void)state;
    assert_int_equal(scen_file_load("scenarios/sweeps/all-faults.yaml", &scen, error,
                                    sizeof(error)),
                     0);
    for (p = 0; p < core_policy_count(); p++) {
        const core_policy_t *policy = core_policy_at(p);
        sim_result_t result;

        for (seed = 1; seed <= seeds; seed++) {
            sim_world_run(world, &scen, policy, (uint64_t)seed, 0, NULL, &result);
            hashes[seed - 1] = result.trace_hash;
        }
        for (seed = seeds; seed >= 1; seed--) {
            sim_world_run(world, &scen, policy, (uint64_t)seed, 0, NULL, &result);
            if (result.trace_hash != hashes[seed - 1]) {
                print_error("%s seed %d: %016" PRIx64 " after a later seed, %016" PRIx64
                            " after an earlier one\n",
                            policy->name, seed, result.trace_hash, hashes[seed - 1]);
            }
            assert_int_equal(result.trace_hash, hashes[seed - 1]);
        }
    }
}

static void test_sim_fresh_world_gives_same_hash(void **state)
{
    sim_world_t *other = malloc(sizeof(*other));
    sim_result_t first;
    sim_result_t second;
    scen_t scen;

    (void)state;
    assert_non_null(other);
    assert_int_equal(sim_world_create(other), 0);
    scen_default(&scen, 8, 4);
    sim_world_run(world, &scen, test_policy("blind"), 77, 0, NULL, &first);
    sim_world_run(other, &scen, test_policy("blind"), 77, 0, NULL, &second);
    assert_int_equal(first.trace_hash, second.trace_hash);
    sim_world_destroy(other);
    free(other);
}

static void test_sim_different_seeds_differ(void **state)
{
    sim_result_t first;
    sim_result_t second;
    scen_t scen;

    (void)state;
    scen_default(&scen, 8, 4);
    sim_world_run(world, &scen, test_policy("phase-split"), 1, 0, NULL, &first);
    sim_world_run(world, &scen, test_policy("phase-split"), 2, 0, NULL, &second);
    assert_int_not_equal(first.trace_hash, second.trace_hash);
}

/* The comparison the harness exists for, on the default scenario. */
static void test_sim_policy_comparison(void **state)
{
    const uint32_t safety = (1u << SIM_PROP_S1) | (1u << SIM_PROP_S2) |
                            (1u << SIM_PROP_S3) | (1u << SIM_PROP_S4) |
                            (1u << SIM_PROP_S5) | (1u << SIM_PROP_S8) |
                            (1u << SIM_PROP_S10) | (1u << SIM_PROP_S11);
    const char *names[] = {"phase-split", "blind", "reused-guard", "no-retry",
                           "phase-split-late"};
    uint32_t seen[5] = {0};
    scen_t scen;
    uint64_t seed;
    size_t p;

    (void)state;
    scen_default(&scen, 8, 4);
    for (p = 0; p < 5; p++) {
        const core_policy_t *policy = test_policy(names[p]);

        for (seed = 1; seed <= TEST_SWEEP_SEEDS; seed++) {
            sim_result_t result;

            sim_world_run(world, &scen, policy, seed, 0, NULL, &result);
            seen[p] |= result.violated_mask;
        }
        print_message("%s: violated mask %x\n", names[p], seen[p]);
    }

    assert_int_equal(seen[0] & safety, 0);
    assert_true((seen[0] & (1u << SIM_PROP_L3)) == 0);
    assert_true((seen[1] & (1u << SIM_PROP_S4)) != 0);
    assert_true((seen[2] & (1u << SIM_PROP_S4)) != 0);
    assert_true((seen[3] & (1u << SIM_PROP_L1)) != 0);
    assert_int_equal(seen[3] & safety, 0);
    assert_true((seen[4] & (1u << SIM_PROP_S11)) != 0);
    assert_int_equal(seen[4] & safety & ~(1u << SIM_PROP_S11), 0);
}

/* Planted bugs in the simulated system: the checker must fire. */
static void test_sim_planted_skip_append_fires_s5(void **state)
{
    sim_result_t result;
    scen_t scen;

    (void)state;
    scen_default(&scen, 8, 4);
    sim_world_run(world, &scen, test_policy("phase-split"), 3, SIM_BUG_DEC_SKIPS_APPEND,
                  NULL, &result);
    assert_true((result.violated_mask & (1u << SIM_PROP_S5)) != 0);
}

static void test_sim_planted_double_fire_fires_s1(void **state)
{
    sim_result_t result;
    scen_t c1;

    (void)state;
    test_load_case("C1", &c1);
    sim_world_run(world, &c1, test_policy("phase-split"), 1, SIM_BUG_FIRE_TWICE, NULL,
                  &result);
    assert_true((result.violated_mask & (1u << SIM_PROP_S1)) != 0);
}

static void test_sim_step_limit_fires_l3(void **state)
{
    sim_result_t result;
    scen_t scen;

    (void)state;
    scen_default(&scen, 8, 4);
    scen.step_max = 50;
    sim_world_run(world, &scen, test_policy("phase-split"), 1, 0, NULL, &result);
    assert_true((result.violated_mask & (1u << SIM_PROP_L3)) != 0);
}

/* The default scenario with one reaper, a 60 s stuck timeout and a 10 min
 * marker retention. */
static void test_reaper_scenario(scen_t *scen)
{
    scen_default(scen, 8, 4);
    scen->reaper_count = 1;
    scen->stuck_timeout_us = 60000000;
    scen->dedup_retention_us = 600000000;
}

static void test_sim_reaper_recovers_strands(void **state)
{
    uint32_t seen = 0;
    int stranded = 0;
    scen_t scen;
    uint64_t seed;

    (void)state;
    test_reaper_scenario(&scen);
    for (seed = 1; seed <= 300; seed++) {
        sim_result_t result;

        sim_world_run(world, &scen, test_policy("phase-split"), seed, 0, NULL, &result);
        seen |= result.violated_mask;
        stranded += result.outcome == SCEN_OUTCOME_STRANDED;
    }
    assert_int_equal(stranded, 0);
    assert_true((seen & (1u << SIM_PROP_L3)) == 0);
    assert_true((seen & (1u << SIM_PROP_L7)) == 0);
    assert_true((seen & (1u << SIM_PROP_R1)) == 0);
}

/* C3 under phase-split aborts keeping the markers, so only the reaper's
 * retention sweep reclaims them. */
static void test_sim_planted_no_retention_fires_l7(void **state)
{
    sim_result_t healthy;
    sim_result_t planted;
    scen_t scen;

    (void)state;
    test_load_case("C3", &scen);
    scen.reaper_count = 1;
    scen.stuck_timeout_us = 60000000;
    scen.dedup_retention_us = 600000000;
    sim_world_run(world, &scen, test_policy("phase-split"), 1, 0, NULL, &healthy);
    sim_world_run(world, &scen, test_policy("phase-split"), 1, SIM_BUG_NO_RETENTION,
                  NULL, &planted);
    assert_true((healthy.violated_mask & (1u << SIM_PROP_L7)) == 0);
    assert_true((planted.violated_mask & (1u << SIM_PROP_L7)) != 0);
}

static void test_sim_resolved_completes_c3(void **state)
{
    sim_result_t result;
    scen_t scen;

    (void)state;
    test_load_case("C3", &scen);
    sim_world_run(world, &scen, test_policy("resolved"), 1, 0, NULL, &result);
    assert_int_equal(result.outcome, SCEN_OUTCOME_COMPLETE);
    assert_int_equal(result.fire_count, 1);
    assert_int_equal(result.decrement_count, 2);
    assert_int_equal(result.violated_mask, 0);
}

/* C6's variant: the status query fails once. The resolver of policy k queries
 * again; the naive one takes the failure for "aborted" and applies b1
 * twice. */
static void test_sim_naive_resolver_double_applies(void **state)
{
    sim_result_t resolved;
    sim_result_t naive;
    scen_t scen;

    (void)state;
    test_load_case("C3", &scen);
    scen.fixed_plan.entries[1] =
        (fault_entry_t){1, STMT_XACT_STATUS, FAULT_AT_STATEMENT, 1, FAULT_F2, 0};
    scen.fixed_plan.entry_count = 2;
    sim_world_run(world, &scen, test_policy("resolved"), 1, 0, NULL, &resolved);
    sim_world_run(world, &scen, test_policy("resolve-naive"), 1, 0, NULL, &naive);
    assert_int_equal(resolved.outcome, SCEN_OUTCOME_COMPLETE);
    assert_true((resolved.violated_mask & (1u << SIM_PROP_S4)) == 0);
    assert_true((naive.violated_mask & (1u << SIM_PROP_S4)) != 0);
    assert_true((naive.violated_mask & (1u << SIM_PROP_S8)) != 0);
}

/* Sweep seeds of a default scenario whose only fault is a redelivered
 * orchestrator (F19) and return the union of the violated properties. */
static uint32_t test_sweep_duplicate_orchestration(const char *policy, bool api)
{
    uint32_t seen = 0;
    scen_t scen;
    uint64_t seed;

    scen_default(&scen, 8, 4);
    scen.swarm_range.kinds_mask = 1u << FAULT_F19;
    scen.api_orchestrator = api;
    for (seed = 1; seed <= 300; seed++) {
        sim_result_t result;

        sim_world_run(world, &scen, test_policy(policy), seed, 0, NULL, &result);
        seen |= result.violated_mask;
    }
    return seen;
}

static void test_sim_unclaimed_rearm_breaks_s14(void **state)
{
    (void)state;
    assert_true((test_sweep_duplicate_orchestration("phase-split", true) &
                 (1u << SIM_PROP_S14)) != 0);
}

static void test_sim_orchestration_claim_keeps_s14(void **state)
{
    (void)state;
    assert_int_equal(test_sweep_duplicate_orchestration("phase-split", false), 0);
}

static void test_sim_generation_guard_keeps_s14(void **state)
{
    (void)state;
    assert_int_equal(test_sweep_duplicate_orchestration("generation-guard", true), 0);
}

/* The default classifier counts a statement timeout as a dead connection, so
 * same-handle retries on the live handle. The server rejects the retry's
 * BEGIN inside the aborted transaction, and the call gives up. */
static void test_sim_aborted_txn_rejects_retry(void **state)
{
    const char *cursor;
    sim_result_t result;
    scen_t scen;
    char *trace;

    (void)state;
    test_fixed_scenario(&scen, FAULT_F6, FAULT_AT_STATEMENT, 0);
    trace = test_run_traced(&scen, "same-handle", 1, &result);

    cursor = trace;
    assert_true(test_find_event(trace, "event=fault", "fault=F6", &cursor) > 0);
    assert_true(test_find_event(trace, "log=retry", "stmt=Q-DEC", &cursor) > 0);
    assert_true(test_find_event(trace, "stmt=BEGIN", "seen=logical error", &cursor) > 0);
    assert_true(test_find_event(trace, "log=give_up", "stmt=Q-DEC", &cursor) > 0);
    assert_int_equal(result.outcome, SCEN_OUTCOME_ERROR);
    free(trace);
}

/* The decrement finds a transaction its caller left open (F10) and fails.
 * The status API is down, so the error path leaves that transaction on the
 * connection. The redelivered claim's batched string then commits it. */
static void test_sim_batched_commit_ends_caller_txn(void **state)
{
    const char *cursor;
    sim_result_t result;
    scen_t scen;
    char *trace;

    (void)state;
    test_load_case("C3", &scen);
    scen.fixed_plan.entries[0] = (fault_entry_t){1, STMT_BEGIN, FAULT_AT_CALL, 1,
                                                 FAULT_F10, 0};
    scen.fixed_plan.entries[1] = (fault_entry_t){1, STMT_BEGIN, FAULT_AT_API, 3,
                                                 FAULT_F15, FAULT_F15_FAILED};
    scen.fixed_plan.entry_count = 2;
    scen.expect_count = 0;
    trace = test_run_traced(&scen, "batched-commit", 1, &result);

    cursor = trace;
    assert_true(test_find_event(trace, "event=fault", "fault=F10", &cursor) > 0);
    assert_true(test_find_event(trace, "op=mark_error", "result=failed", &cursor) > 0);
    assert_true(test_find_event(trace, "event=task_begin", "delivery=2", &cursor) > 0);
    assert_true(test_find_event(trace, "event=reply", "stmt=Q-CLAIM seen=ok", &cursor) > 0);
    assert_int_equal(result.outcome, SCEN_OUTCOME_STRANDED);
    assert_int_equal(result.violated_mask, 0);
    free(trace);
}

/* C3 with worker 0 crashing at its first arrival at point. Expect the
 * queue event (both needles) at the crash, b0's second delivery at least one
 * lease later, and a clean completion. */
static void test_crash_redelivers_after_lease(fault_point_t point, const char *needle_a,
                                              const char *needle_b)
{
    const char *cursor;
    sim_result_t result;
    scen_t scen;
    char *trace;
    int64_t crash_us;
    int64_t redelivered_us;

    test_load_case("C3", &scen);
    scen.fixed_plan.entries[0] = (fault_entry_t){1, STMT_BEGIN, point, 1, FAULT_F11, 0};
    scen.expect_count = 0;
    trace = test_run_traced(&scen, "phase-split", 1, &result);

    cursor = trace;
    crash_us = test_find_event(trace, "event=fault", "fault=F11", &cursor);
    assert_int_equal(test_find_event(trace, needle_a, needle_b, &cursor), crash_us);
    redelivered_us = test_find_event(trace, "event=task_begin", "batch=0 delivery=2",
                                     &cursor);
    assert_true(crash_us > 0);
    assert_true(redelivered_us >= crash_us + scen.lease_us);
    assert_int_equal(result.outcome, SCEN_OUTCOME_COMPLETE);
    assert_int_equal(result.violated_mask, 0);
    free(trace);
}

/* A worker crashes while acknowledging its finished batch. The message
 * comes back one lease after the crash, not as soon as the worker restarts,
 * and the waiting workers learn of it. */
static void test_sim_crash_in_ack_keeps_lease(void **state)
{
    (void)state;
    test_crash_redelivers_after_lease(FAULT_AT_ACK, "actor=w0", "op=ack_lost msg=0");
}

/* A worker crashes just after taking its first message. The message is
 * released with the crash and delivered again one lease later. */
static void test_sim_crash_in_take_releases(void **state)
{
    (void)state;
    test_crash_redelivers_after_lease(FAULT_AT_TAKE, "event=queue", "op=release msg=0");
}

/* A reaper ticking every 500 ms until the barrier's 6 h expiry begins more
 * transactions than the simulated server's table has room for. The run
 * stops as not terminating (L3) instead of overflowing the table. */
static void test_sim_full_table_stops_run(void **state)
{
    sim_result_t result;
    scen_t scen;

    (void)state;
    test_load_case("C3", &scen);
    scen.fixed_plan.entries[0] = (fault_entry_t){1, STMT_BEGIN, FAULT_AT_RESULT, 1,
                                                 FAULT_F11, 0};
    scen.expect_count = 0;
    scen.reaper_count = 1;
    scen.reaper_tick_us = 500000;
    scen.stuck_timeout_us = 100000 * INT64_C(1000000);
    scen.step_max = 10000000;
    sim_world_run(world, &scen, test_policy("phase-split"), 1, 0, NULL, &result);

    assert_true((result.violated_mask & (1u << SIM_PROP_L3)) != 0);
    assert_true(result.steps < scen.step_max);
}

/* At the batch limit, re-sent decrements append more results than there are
 * batches. The row has room for them, so the checker sees the duplicates
 * (S3) instead of the simulator stopping on a full array. */
static void test_sim_duplicates_past_batch_limit(void **state)
{
    uint32_t seen = 0;
    scen_t scen;
    uint64_t seed;

    (void)state;
    scen_default(&scen, SCEN_BATCH_MAX, 16);
    scen.swarm_range.kinds_mask = (1u << FAULT_F3) | (1u << FAULT_F5);
    for (seed = 1; seed <= 50; seed++) {
        sim_result_t result;

        sim_world_run(world, &scen, test_policy("blind"), seed, 0, NULL, &result);
        seen |= result.violated_mask;
    }
    assert_true((seen & (1u << SIM_PROP_S3)) != 0);
}

/* Every policy survives a swarm that may draw any simulated fault kind: an
 * internal assertion would abort the test, and each run reaches an outcome
 * within the step limit (L3 clear). */
static void test_sweep_all_faults(int reaper_count, uint64_t seed_count)
{
    scen_t scen;
    int kind;
    int p;

    scen_default(&scen, 8, 4);
    scen.reaper_count = reaper_count;
    scen.swarm_range.kinds_mask = 0;
    for (kind = FAULT_F1; kind < FAULT_KIND_COUNT; kind++) {
        if (fault_kind_simulated((fault_kind_t)kind)) {
            scen.swarm_range.kinds_mask |= 1u << kind;
        }
    }

    for (p = 0; p < core_policy_count(); p++) {
        uint64_t seed;

        for (seed = 1; seed <= seed_count; seed++) {
            sim_result_t result;

            sim_world_run(world, &scen, core_policy_at(p), seed, 0, NULL, &result);
            assert_true(result.outcome < SCEN_OUTCOME_COUNT);
            assert_true((result.violated_mask & (1u << SIM_PROP_L3)) == 0);
        }
    }
}

static void test_sim_all_faults_sweep_runs(void **state)
{
    (void)state;
    test_sweep_all_faults(0, 2000);
}

/* The same with a reaper, whose runs last until the default 9000 s stuck
 * timeout and are slower to simulate. */
static void test_sim_all_faults_reaper_runs(void **state)
{
    (void)state;
    test_sweep_all_faults(1, 100);
}

static void test_sim_no_fault_run_completes(void **state)
{
    sim_result_t result;
    scen_t scen;

    (void)state;
    scen_default(&scen, 8, 4);
    scen.swarm_range.kinds_mask = 0;
    sim_world_run(world, &scen, test_policy("no-retry"), 5, 0, NULL, &result);
    assert_int_equal(result.outcome, SCEN_OUTCOME_COMPLETE);
    assert_int_equal(result.fire_count, 1);
    assert_int_equal(result.decrement_count, 8);
    assert_int_equal(result.violated_mask, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_zombie_holds_lock_until_detected),
        cmocka_unit_test(test_sim_reply_lost_after_execute_rolls_back),
        cmocka_unit_test(test_sim_commit_ack_lost_is_durable),
        cmocka_unit_test(test_sim_commit_lost_before_server_aborts),
        cmocka_unit_test(test_sim_idle_reap_needs_idle_time),
        cmocka_unit_test(test_sim_cases_match_expectations),
        cmocka_unit_test(test_sim_c3_resend_drives_counter_negative),
        cmocka_unit_test(test_sim_seeds_replay_to_same_hash),
        cmocka_unit_test(test_sim_fresh_world_gives_same_hash),
        cmocka_unit_test(test_sim_all_faults_order_free),
        cmocka_unit_test(test_sim_different_seeds_differ),
        cmocka_unit_test(test_sim_policy_comparison),
        cmocka_unit_test(test_sim_planted_skip_append_fires_s5),
        cmocka_unit_test(test_sim_planted_double_fire_fires_s1),
        cmocka_unit_test(test_sim_step_limit_fires_l3),
        cmocka_unit_test(test_sim_no_fault_run_completes),
        cmocka_unit_test(test_sim_unclaimed_rearm_breaks_s14),
        cmocka_unit_test(test_sim_orchestration_claim_keeps_s14),
        cmocka_unit_test(test_sim_generation_guard_keeps_s14),
        cmocka_unit_test(test_sim_resolved_completes_c3),
        cmocka_unit_test(test_sim_reaper_recovers_strands),
        cmocka_unit_test(test_sim_planted_no_retention_fires_l7),
        cmocka_unit_test(test_sim_naive_resolver_double_applies),
        cmocka_unit_test(test_sim_aborted_txn_rejects_retry),
        cmocka_unit_test(test_sim_batched_commit_ends_caller_txn),
        cmocka_unit_test(test_sim_crash_in_ack_keeps_lease),
        cmocka_unit_test(test_sim_crash_in_take_releases),
        cmocka_unit_test(test_sim_full_table_stops_run),
        cmocka_unit_test(test_sim_duplicates_past_batch_limit),
        cmocka_unit_test(test_sim_all_faults_sweep_runs),
        cmocka_unit_test(test_sim_all_faults_reaper_runs),
    };

    return cmocka_run_group_tests_name("sim", tests, test_world_setup,
                                       test_world_teardown);
}
