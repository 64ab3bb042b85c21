/*
 * Planted-bug tests of each checker: feed the oracle the events a buggy
 * barrier would produce and check that exactly that property fires, and that
 * the correct sequence leaves it quiet.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../sim/oracle.h"

#define TEST_BATCHES 2

static sim_oracle_t oracle;

static int test_setup(void **state)
{
    (void)state;
    sim_oracle_reset(&oracle, TEST_BATCHES);
    sim_oracle_on_commit(&oracle, 1, STMT_ARM_UPSERT, -1, TEST_BATCHES, false);
    return 0;
}

static bool test_violated(sim_prop_t prop)
{
    return (oracle.violated_mask & (1u << prop)) != 0;
}

static void test_commit_dec(int32_t batch, int64_t remaining)
{
    sim_oracle_on_commit(&oracle, 2, STMT_DEC, batch, remaining, false);
}

static void test_work_all(void)
{
    int i;

    for (i = 0; i < TEST_BATCHES; i++) {
        sim_oracle_on_work_done(&oracle, i);
    }
}

static void test_oracle_correct_run_is_quiet(void **state)
{
    const conn_element_t results[] = {{1, 0, 0}, {0, 0, 0}};

    (void)state;
    test_work_all();
    test_commit_dec(1, 1);
    sim_oracle_check_row(&oracle, 2, true, 1, 1);
    test_commit_dec(0, 0);
    sim_oracle_check_row(&oracle, 3, true, 0, 2);
    sim_oracle_on_dec_return(&oracle, 3, 0, true);
    sim_oracle_on_fire(&oracle, 4, results, 2);
    sim_oracle_finish(&oracle, 5, true, SCEN_OUTCOME_COMPLETE, false);
    assert_int_equal(oracle.violated_mask, 0);
}

static void test_oracle_s1_two_zero_commits(void **state)
{
    (void)state;
    test_commit_dec(0, 0);
    test_commit_dec(1, 0);
    assert_true(test_violated(SIM_PROP_S1));
}

static void test_oracle_s1_two_fires(void **state)
{
    const conn_element_t results[] = {{0, 0, 0}, {1, 0, 0}};

    (void)state;
    test_work_all();
    sim_oracle_on_fire(&oracle, 4, results, 2);
    assert_false(test_violated(SIM_PROP_S1));
    sim_oracle_on_fire(&oracle, 5, results, 2);
    assert_true(test_violated(SIM_PROP_S1));
}

static void test_oracle_s2_fire_before_work_done(void **state)
{
    const conn_element_t results[] = {{0, 0, 0}, {1, 0, 0}};

    (void)state;
    sim_oracle_on_work_done(&oracle, 0);
    sim_oracle_on_fire(&oracle, 4, results, 2);
    assert_true(test_violated(SIM_PROP_S2));
}

static void test_oracle_s2_fire_after_abort(void **state)
{
    const conn_element_t results[] = {{0, 0, 0}, {1, 0, 0}};

    (void)state;
    test_work_all();
    sim_oracle_on_commit(&oracle, 3, STMT_ABORT, -1, 1, true);
    sim_oracle_on_fire(&oracle, 4, results, 2);
    assert_true(test_violated(SIM_PROP_S2));
}

static void test_oracle_s3_duplicate_result(void **state)
{
    const conn_element_t results[] = {{0, 0, 0}, {0, 0, 0}};

    (void)state;
    test_work_all();
    sim_oracle_on_fire(&oracle, 4, results, 2);
    assert_true(test_violated(SIM_PROP_S3));
    assert_false(test_violated(SIM_PROP_S2));
}

static void test_oracle_s3_missing_result(void **state)
{
    const conn_element_t results[] = {{1, 0, 0}};

    (void)state;
    test_work_all();
    sim_oracle_on_fire(&oracle, 4, results, 1);
    assert_true(test_violated(SIM_PROP_S3));
}

static void test_oracle_s4_double_apply(void **state)
{
    (void)state;
    test_commit_dec(0, 1);
    assert_false(test_violated(SIM_PROP_S4));
    test_commit_dec(0, 0);
    assert_true(test_violated(SIM_PROP_S4));
}

static void test_oracle_s4_pending_without_commit(void **state)
{
    (void)state;
    sim_oracle_on_dec_return(&oracle, 3, 1, true);
    assert_true(test_violated(SIM_PROP_S4));
}

static void test_oracle_s4_abandoned_without_commit_ok(void **state)
{
    (void)state;
    sim_oracle_on_dec_return(&oracle, 3, 1, false);
    assert_false(test_violated(SIM_PROP_S4));
}

static void test_oracle_s5_counter_drift(void **state)
{
    (void)state;
    test_commit_dec(0, 1);
    sim_oracle_check_row(&oracle, 2, true, 1, 0);
    assert_true(test_violated(SIM_PROP_S5));
}

static void test_oracle_s5_rearm_resets_counts(void **state)
{
    (void)state;
    test_commit_dec(0, 1);
    sim_oracle_on_commit(&oracle, 3, STMT_ARM_UPSERT, -1, TEST_BATCHES, false);
    sim_oracle_check_row(&oracle, 3, true, TEST_BATCHES, 0);
    assert_false(test_violated(SIM_PROP_S5));
}

static sim_call_t test_call(int attempt, bool failed_commit, bool failed_fresh)
{
    sim_call_t call;

    memset(&call, 0, sizeof(call));
    call.stmt = STMT_DEC;
    call.attempt = attempt;
    call.failure_count = attempt - 1;
    call.last_failed_commit = failed_commit;
    call.last_failed_fresh = failed_fresh;
    return call;
}

static void test_oracle_s8_retry_after_commit(void **state)
{
    sim_call_t call = test_call(2, false, false);

    (void)state;
    sim_oracle_on_attempt(&oracle, 3, &call, true);
    assert_true(test_violated(SIM_PROP_S8));
}

static void test_oracle_first_attempt_never_fires(void **state)
{
    sim_call_t call = test_call(1, true, true);

    (void)state;
    sim_oracle_on_attempt(&oracle, 3, &call, true);
    assert_int_equal(oracle.violated_mask, 0);
}

static void test_oracle_s10_retry_after_commit_failure(void **state)
{
    sim_call_t call = test_call(2, true, false);

    (void)state;
    sim_oracle_on_attempt(&oracle, 3, &call, false);
    assert_true(test_violated(SIM_PROP_S10));
    assert_false(test_violated(SIM_PROP_S8));
}

static void test_oracle_s11_retry_after_fresh_failure(void **state)
{
    sim_call_t call = test_call(2, false, true);

    (void)state;
    sim_oracle_on_attempt(&oracle, 3, &call, false);
    assert_true(test_violated(SIM_PROP_S11));
}

static void test_oracle_l1_reap_only_run_fails(void **state)
{
    (void)state;
    sim_oracle_on_strike(&oracle, FAULT_F1, STMT_DEC, FAULT_AT_BEGIN, false, 1);
    sim_oracle_finish(&oracle, 9, true, SCEN_OUTCOME_ERROR, false);
    assert_true(test_violated(SIM_PROP_L1));
}

static void test_oracle_l1_not_applied_after_other_fault(void **state)
{
    (void)state;
    sim_oracle_on_strike(&oracle, FAULT_F1, STMT_DEC, FAULT_AT_BEGIN, false, 1);
    sim_oracle_on_strike(&oracle, FAULT_F5, STMT_DEC, FAULT_AT_COMMIT, false, 1);
    sim_oracle_finish(&oracle, 9, true, SCEN_OUTCOME_ERROR, false);
    assert_false(test_violated(SIM_PROP_L1));
    assert_false(test_violated(SIM_PROP_L5));
}

static void test_oracle_l5_execute_fault_not_healed(void **state)
{
    (void)state;
    sim_oracle_on_strike(&oracle, FAULT_F3, STMT_CLAIM, FAULT_AT_STATEMENT, false, 1);
    sim_oracle_finish(&oracle, 9, true, SCEN_OUTCOME_STRANDED, false);
    assert_true(test_violated(SIM_PROP_L5));
    assert_false(test_violated(SIM_PROP_L1));
}

static void test_oracle_l5_fresh_connection_exempt(void **state)
{
    (void)state;
    sim_oracle_on_strike(&oracle, FAULT_F2, STMT_DEC, FAULT_AT_STATEMENT, true, 1);
    sim_oracle_finish(&oracle, 9, true, SCEN_OUTCOME_STRANDED, false);
    assert_false(test_violated(SIM_PROP_L5));
}

static void test_oracle_l3_step_limit(void **state)
{
    (void)state;
    sim_oracle_finish(&oracle, 9, false, SCEN_OUTCOME_STRANDED, false);
    assert_true(test_violated(SIM_PROP_L3));
}

static void test_oracle_s6_fire_after_negative(void **state)
{
    (void)state;
    sim_oracle_on_negative_fire(&oracle, 5);
    assert_true(test_violated(SIM_PROP_S6));
}

static void test_oracle_s6_negative_leaves_row(void **state)
{
    (void)state;
    sim_oracle_on_negative_cleanup(&oracle, 5, false);
    assert_false(test_violated(SIM_PROP_S6));
    sim_oracle_on_negative_cleanup(&oracle, 6, true);
    assert_true(test_violated(SIM_PROP_S6));
}

static void test_oracle_s7_decrement_after_abort(void **state)
{
    (void)state;
    sim_oracle_on_commit(&oracle, 3, STMT_ABORT, -1, 1, true);
    test_commit_dec(0, 1);
    assert_true(test_violated(SIM_PROP_S7));
}

static void test_oracle_s9_delete_without_mark(void **state)
{
    (void)state;
    sim_oracle_on_commit(&oracle, 3, STMT_DEL, -1, 1, false);
    assert_true(test_violated(SIM_PROP_S9));
}

static void test_oracle_s9_delete_after_mark_ok(void **state)
{
    (void)state;
    sim_oracle_on_mark_confirmed(&oracle);
    sim_oracle_on_commit(&oracle, 3, STMT_ABORT, -1, 1, false);
    sim_oracle_on_commit(&oracle, 4, STMT_DEL, -1, 0, false);
    assert_false(test_violated(SIM_PROP_S9));
}

static void test_oracle_s12_committed_owner_skips(void **state)
{
    sim_call_t call = test_call(2, false, false);

    (void)state;
    call.stmt = STMT_CLAIM;
    call.batch_index = 1;
    sim_oracle_on_claim_return(&oracle, 4, &call, false, true);
    assert_true(test_violated(SIM_PROP_S12));
}

static void test_oracle_s12_two_owners(void **state)
{
    sim_call_t call = test_call(1, false, false);

    (void)state;
    call.stmt = STMT_CLAIM;
    call.batch_index = 1;
    sim_oracle_on_claim_return(&oracle, 4, &call, true, true);
    assert_false(test_violated(SIM_PROP_S12));
    sim_oracle_on_claim_return(&oracle, 5, &call, true, true);
    assert_true(test_violated(SIM_PROP_S12));
}

static void test_oracle_s12_wipe_starts_new_lifetime(void **state)
{
    sim_call_t call = test_call(1, false, false);

    (void)state;
    call.stmt = STMT_CLAIM;
    call.batch_index = 1;
    sim_oracle_on_claim_return(&oracle, 4, &call, true, true);
    sim_oracle_on_commit(&oracle, 5, STMT_CLEAR, -1, 1, true);
    sim_oracle_on_claim_return(&oracle, 6, &call, true, true);
    assert_false(test_violated(SIM_PROP_S12));
}

static void test_oracle_l2_lost_execution(void **state)
{
    (void)state;
    sim_oracle_on_strike(&oracle, FAULT_F5, STMT_DEC, FAULT_AT_COMMIT, false, 1);
    sim_oracle_finish(&oracle, 9, true, SCEN_OUTCOME_LOST, false);
    assert_true(test_violated(SIM_PROP_L2));
}

static void test_oracle_l4_third_attempt(void **state)
{
    sim_call_t call = test_call(3, false, false);

    (void)state;
    sim_oracle_on_statement(&oracle, 4, &call);
    assert_true(test_violated(SIM_PROP_L4));
}

static void test_oracle_l6_error_path_leaves_row(void **state)
{
    (void)state;
    sim_oracle_on_error_path_end(&oracle, 4, true, false);
    assert_false(test_violated(SIM_PROP_L6));
    sim_oracle_on_error_path_end(&oracle, 5, true, true);
    assert_true(test_violated(SIM_PROP_L6));
}

static void test_oracle_s14_checked_by_world(void **state)
{
    (void)state;
    sim_oracle_violate(&oracle, 3, SIM_PROP_S14);
    assert_true(test_violated(SIM_PROP_S14));
}

static void test_oracle_r1_completed_marked(void **state)
{
    (void)state;
    sim_oracle_on_reaper_recheck(&oracle);
    sim_oracle_on_reaper_mark(&oracle, 5, false);
    assert_false(test_violated(SIM_PROP_R1));
    sim_oracle_on_reaper_mark(&oracle, 6, true);
    assert_true(test_violated(SIM_PROP_R1));
}

static void test_oracle_r2_decrement_after_recheck(void **state)
{
    (void)state;
    sim_oracle_on_reaper_recheck(&oracle);
    test_commit_dec(0, 1);
    sim_oracle_on_reaper_mark(&oracle, 5, false);
    assert_true(test_violated(SIM_PROP_R2));
}

static void test_oracle_l3_reaper_left_row(void **state)
{
    (void)state;
    sim_oracle_finish(&oracle, 9, true, SCEN_OUTCOME_STRANDED, false);
    assert_false(test_violated(SIM_PROP_L3));
    sim_oracle_finish(&oracle, 9, true, SCEN_OUTCOME_STRANDED, true);
    assert_true(test_violated(SIM_PROP_L3));
}

static void test_oracle_l7_markers_left(void **state)
{
    (void)state;
    sim_oracle_on_markers_left(&oracle, 9);
    assert_true(test_violated(SIM_PROP_L7));
}

static void test_oracle_s13_decrement_in_caller_txn(void **state)
{
    (void)state;
    sim_oracle_on_decrement_in_caller_txn(&oracle, 4);
    assert_true(test_violated(SIM_PROP_S13));
}

static void test_oracle_s7_callback_after_abort(void **state)
{
    (void)state;
    sim_oracle_on_callback_run(&oracle, 4);
    assert_false(test_violated(SIM_PROP_S7));
    sim_oracle_on_commit(&oracle, 5, STMT_ABORT, -1, 1, true);
    sim_oracle_on_callback_run(&oracle, 6);
    assert_true(test_violated(SIM_PROP_S7));
}

static void test_oracle_first_step_kept(void **state)
{
    (void)state;
    sim_oracle_violate(&oracle, 7, SIM_PROP_S4);
    sim_oracle_violate(&oracle, 9, SIM_PROP_S4);
    assert_int_equal(oracle.first_step[SIM_PROP_S4], 7);
}

static void test_oracle_prop_names_parse(void **state)
{
    int prop;

    (void)state;
    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        assert_int_equal(sim_prop_parse(sim_prop_name((sim_prop_t)prop)), prop);
    }
    assert_int_equal(sim_prop_parse("S99"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_oracle_correct_run_is_quiet, test_setup),
        cmocka_unit_test_setup(test_oracle_s1_two_zero_commits, test_setup),
        cmocka_unit_test_setup(test_oracle_s1_two_fires, test_setup),
        cmocka_unit_test_setup(test_oracle_s2_fire_before_work_done, test_setup),
        cmocka_unit_test_setup(test_oracle_s2_fire_after_abort, test_setup),
        cmocka_unit_test_setup(test_oracle_s3_duplicate_result, test_setup),
        cmocka_unit_test_setup(test_oracle_s3_missing_result, test_setup),
        cmocka_unit_test_setup(test_oracle_s4_double_apply, test_setup),
        cmocka_unit_test_setup(test_oracle_s4_pending_without_commit, test_setup),
        cmocka_unit_test_setup(test_oracle_s4_abandoned_without_commit_ok, test_setup),
        cmocka_unit_test_setup(test_oracle_s5_counter_drift, test_setup),
        cmocka_unit_test_setup(test_oracle_s5_rearm_resets_counts, test_setup),
        cmocka_unit_test_setup(test_oracle_s8_retry_after_commit, test_setup),
        cmocka_unit_test_setup(test_oracle_first_attempt_never_fires, test_setup),
        cmocka_unit_test_setup(test_oracle_s10_retry_after_commit_failure, test_setup),
        cmocka_unit_test_setup(test_oracle_s11_retry_after_fresh_failure, test_setup),
        cmocka_unit_test_setup(test_oracle_l1_reap_only_run_fails, test_setup),
        cmocka_unit_test_setup(test_oracle_l1_not_applied_after_other_fault, test_setup),
        cmocka_unit_test_setup(test_oracle_l5_execute_fault_not_healed, test_setup),
        cmocka_unit_test_setup(test_oracle_l5_fresh_connection_exempt, test_setup),
        cmocka_unit_test_setup(test_oracle_l3_step_limit, test_setup),
        cmocka_unit_test_setup(test_oracle_s6_fire_after_negative, test_setup),
        cmocka_unit_test_setup(test_oracle_s6_negative_leaves_row, test_setup),
        cmocka_unit_test_setup(test_oracle_s7_decrement_after_abort, test_setup),
        cmocka_unit_test_setup(test_oracle_s9_delete_without_mark, test_setup),
        cmocka_unit_test_setup(test_oracle_s9_delete_after_mark_ok, test_setup),
        cmocka_unit_test_setup(test_oracle_s12_committed_owner_skips, test_setup),
        cmocka_unit_test_setup(test_oracle_s12_two_owners, test_setup),
        cmocka_unit_test_setup(test_oracle_s12_wipe_starts_new_lifetime, test_setup),
        cmocka_unit_test_setup(test_oracle_l2_lost_execution, test_setup),
        cmocka_unit_test_setup(test_oracle_l4_third_attempt, test_setup),
        cmocka_unit_test_setup(test_oracle_l6_error_path_leaves_row, test_setup),
        cmocka_unit_test_setup(test_oracle_s14_checked_by_world, test_setup),
        cmocka_unit_test_setup(test_oracle_r1_completed_marked, test_setup),
        cmocka_unit_test_setup(test_oracle_r2_decrement_after_recheck, test_setup),
        cmocka_unit_test_setup(test_oracle_l3_reaper_left_row, test_setup),
        cmocka_unit_test_setup(test_oracle_l7_markers_left, test_setup),
        cmocka_unit_test_setup(test_oracle_s13_decrement_in_caller_txn, test_setup),
        cmocka_unit_test_setup(test_oracle_s7_callback_after_abort, test_setup),
        cmocka_unit_test_setup(test_oracle_first_step_kept, test_setup),
        cmocka_unit_test_setup(test_oracle_prop_names_parse, test_setup),
    };

    return cmocka_run_group_tests_name("oracle", tests, NULL, NULL);
}
