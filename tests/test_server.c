/* Tests of the simulated server: row locks, waits, READ COMMITTED re-runs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../sim/server.h"

static sim_server_t server;

static conn_params_t test_params(int32_t batch_index)
{
    conn_params_t params;

    memset(&params, 0, sizeof(params));
    params.exec_id = SIM_EXEC_ID;
    params.org_id = SIM_ORG_ID;
    params.count = 2;
    params.batch_index = batch_index;
    params.result.batch_index = batch_index;
    return params;
}

static sim_exec_t test_exec(int txn, stmt_id_t stmt, int32_t batch_index,
                            conn_raw_t *raw, int *wait_txn)
{
    conn_params_t params = test_params(batch_index);

    memset(raw, 0, sizeof(*raw));
    return sim_server_exec(&server, txn, stmt, &params, raw, wait_txn);
}

/* Arm the barrier with remaining 2 and commit. */
static int test_setup(void **state)
{
    conn_raw_t raw;
    int wait_txn;
    int txn;

    (void)state;
    sim_server_init(&server, 4);
    server.bugs = 0;
    txn = sim_server_begin(&server, 0, 0);
    test_exec(txn, STMT_ARM_UPSERT, 0, &raw, &wait_txn);
    sim_server_commit(&server, txn);
    return 0;
}

static void test_server_update_waits_for_row_lock(void **state)
{
    conn_raw_t raw;
    int wait_txn = 0;
    int first = sim_server_begin(&server, 1, 0);
    int second = sim_server_begin(&server, 2, 0);

    (void)state;
    assert_int_equal(test_exec(first, STMT_DEC, 0, &raw, &wait_txn), SIM_EXEC_DONE);
    assert_int_equal(raw.value, 1);
    assert_int_equal(test_exec(second, STMT_DEC, 1, &raw, &wait_txn), SIM_EXEC_WAIT);
    assert_int_equal(wait_txn, first);
    sim_server_check(&server);
}

static void test_server_waiter_sees_committed_value(void **state)
{
    conn_raw_t raw;
    int wait_txn = 0;
    int first = sim_server_begin(&server, 1, 0);
    int second = sim_server_begin(&server, 2, 0);

    (void)state;
    test_exec(first, STMT_DEC, 0, &raw, &wait_txn);
    assert_int_equal(test_exec(second, STMT_DEC, 1, &raw, &wait_txn), SIM_EXEC_WAIT);
    sim_server_commit(&server, first);

    assert_int_equal(test_exec(second, STMT_DEC, 1, &raw, &wait_txn), SIM_EXEC_DONE);
    assert_int_equal(raw.row_count, 1);
    assert_int_equal(raw.value, 0);
    assert_int_equal(raw.element_count, 2);
}

static void test_server_abort_releases_and_discards(void **state)
{
    conn_raw_t raw;
    int wait_txn = 0;
    int first = sim_server_begin(&server, 1, 0);
    int second = sim_server_begin(&server, 2, 0);

    (void)state;
    test_exec(first, STMT_DEC, 0, &raw, &wait_txn);
    sim_server_abort(&server, first);

    assert_int_equal(test_exec(second, STMT_DEC, 1, &raw, &wait_txn), SIM_EXEC_DONE);
    assert_int_equal(raw.value, 1);
    assert_int_equal(raw.element_count, 1);
    assert_int_equal(server.row.committed.remaining, 2);
}

static void test_server_deleted_row_gives_no_rows(void **state)
{
    conn_raw_t raw;
    int wait_txn = 0;
    int aborter = sim_server_begin(&server, 1, 0);
    int decrementer = sim_server_begin(&server, 2, 0);

    (void)state;
    test_exec(aborter, STMT_ABORT, 0, &raw, &wait_txn);
    assert_int_equal(raw.row_count, 1);
    assert_int_equal(test_exec(decrementer, STMT_DEC, 1, &raw, &wait_txn), SIM_EXEC_WAIT);
    sim_server_commit(&server, aborter);

    assert_int_equal(test_exec(decrementer, STMT_DEC, 1, &raw, &wait_txn), SIM_EXEC_DONE);
    assert_int_equal(raw.row_count, 0);
}

static void test_server_second_abort_loses(void **state)
{
    conn_raw_t raw;
    int wait_txn = 0;
    int first = sim_server_begin(&server, 1, 0);
    int second = sim_server_begin(&server, 2, 0);

    (void)state;
    test_exec(first, STMT_ABORT, 0, &raw, &wait_txn);
    assert_int_equal(test_exec(second, STMT_ABORT, 0, &raw, &wait_txn), SIM_EXEC_WAIT);
    sim_server_commit(&server, first);
    test_exec(second, STMT_ABORT, 0, &raw, &wait_txn);
    assert_int_equal(raw.row_count, 0);
}

static void test_server_claim_waits_for_inserter(void **state)
{
    conn_raw_t raw;
    int wait_txn = 0;
    int first = sim_server_begin(&server, 1, 0);
    int second = sim_server_begin(&server, 2, 0);

    (void)state;
    test_exec(first, STMT_CLAIM, 3, &raw, &wait_txn);
    assert_int_equal(raw.row_count, 1);
    assert_int_equal(test_exec(second, STMT_CLAIM, 3, &raw, &wait_txn), SIM_EXEC_WAIT);
    assert_int_equal(wait_txn, first);

    sim_server_commit(&server, first);
    test_exec(second, STMT_CLAIM, 3, &raw, &wait_txn);
    assert_int_equal(raw.row_count, 0);
}

static void test_server_claim_after_inserter_aborts(void **state)
{
    conn_raw_t raw;
    int wait_txn = 0;
    int first = sim_server_begin(&server, 1, 0);
    int second = sim_server_begin(&server, 2, 0);

    (void)state;
    test_exec(first, STMT_CLAIM, 3, &raw, &wait_txn);
    test_exec(second, STMT_CLAIM, 3, &raw, &wait_txn);
    sim_server_abort(&server, first);

    assert_int_equal(test_exec(second, STMT_CLAIM, 3, &raw, &wait_txn), SIM_EXEC_DONE);
    assert_int_equal(raw.row_count, 1);
}

static void test_server_rearm_wipes_markers(void **state)
{
    conn_raw_t raw;
    int wait_txn = 0;
    int claimer = sim_server_begin(&server, 1, 0);
    int armer;

    (void)state;
    test_exec(claimer, STMT_CLAIM, 2, &raw, &wait_txn);
    sim_server_commit(&server, claimer);
    armer = sim_server_begin(&server, 2, 0);
    test_exec(armer, STMT_ARM_UPSERT, 0, &raw, &wait_txn);
    test_exec(armer, STMT_ARM_WIPE, 0, &raw, &wait_txn);
    assert_int_equal(raw.row_count, 1);
    sim_server_commit(&server, armer);
    assert_false(server.markers[2].committed_exists);
}

static void test_server_planted_bug_skips_append(void **state)
{
    conn_raw_t raw;
    int wait_txn = 0;
    int txn = sim_server_begin(&server, 1, 0);

    (void)state;
    server.bugs = SIM_SERVER_BUG_DEC_SKIPS_APPEND;
    test_exec(txn, STMT_DEC, 0, &raw, &wait_txn);
    assert_int_equal(raw.value, 1);
    assert_int_equal(raw.element_count, 0);
}

/* Q-CLEAR deletes from pg_batch_dedup only: a generation-keyed claim
 * (pg_batch_dedup_gen) stays, as on a real server. */
static void test_server_clear_keeps_generation_claims(void **state)
{
    conn_raw_t raw;
    int wait_txn = 0;
    int claimer = sim_server_begin(&server, 1, 0);
    conn_params_t params = test_params(1);
    int clearer;
    int key = 1 + server.batch_count * 3;

    (void)state;
    params.generation = 3;
    sim_server_exec(&server, claimer, STMT_CLAIM_G, &params, &raw, &wait_txn);
    test_exec(claimer, STMT_CLAIM, 2, &raw, &wait_txn);
    sim_server_commit(&server, claimer);
    clearer = sim_server_begin(&server, 2, 0);
    test_exec(clearer, STMT_CLEAR, 0, &raw, &wait_txn);
    assert_int_equal(raw.row_count, 1);
    sim_server_commit(&server, clearer);
    assert_true(server.markers[key].committed_exists);
    assert_false(server.markers[2].committed_exists);
}

/* A result jsonb cannot hold is rejected (22P05) before any row is read:
 * with no row to update, and without waiting for a row another
 * transaction has locked. */
static void test_server_bad_result_fails_before_the_row(void **state)
{
    conn_raw_t raw;
    int wait_txn = 0;
    int holder = sim_server_begin(&server, 1, 0);
    int other = sim_server_begin(&server, 2, 0);
    conn_params_t params = test_params(1);

    (void)state;
    test_exec(holder, STMT_DEC, 0, &raw, &wait_txn);
    params.result.flags = CONN_ELEMENT_NUL;
    assert_int_equal(sim_server_exec(&server, other, STMT_DEC, &params, &raw, &wait_txn),
                     SIM_EXEC_DONE);
    assert_string_equal(raw.sqlstate, "22P05");
    test_exec(holder, STMT_DEL, 0, &raw, &wait_txn);
    sim_server_commit(&server, holder);
    memset(&raw, 0, sizeof(raw));
    sim_server_exec(&server, other, STMT_DEC, &params, &raw, &wait_txn);
    assert_string_equal(raw.sqlstate, "22P05");
}

/* now() is the transaction's start: a decrement in a transaction that
 * began at 5 s records 5 s as its progress time. */
static void test_server_now_is_transaction_start(void **state)
{
    conn_raw_t raw;
    int wait_txn = 0;
    int txn = sim_server_begin(&server, 1, 5000000);

    (void)state;
    test_exec(txn, STMT_DEC, 0, &raw, &wait_txn);
    sim_server_commit(&server, txn);
    assert_int_equal(server.row.committed.last_progress_us, 5000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_server_update_waits_for_row_lock, test_setup),
        cmocka_unit_test_setup(test_server_waiter_sees_committed_value, test_setup),
        cmocka_unit_test_setup(test_server_abort_releases_and_discards, test_setup),
        cmocka_unit_test_setup(test_server_deleted_row_gives_no_rows, test_setup),
        cmocka_unit_test_setup(test_server_second_abort_loses, test_setup),
        cmocka_unit_test_setup(test_server_claim_waits_for_inserter, test_setup),
        cmocka_unit_test_setup(test_server_claim_after_inserter_aborts, test_setup),
        cmocka_unit_test_setup(test_server_rearm_wipes_markers, test_setup),
        cmocka_unit_test_setup(test_server_planted_bug_skips_append, test_setup),
        cmocka_unit_test_setup(test_server_clear_keeps_generation_claims, test_setup),
        cmocka_unit_test_setup(test_server_bad_result_fails_before_the_row, test_setup),
        cmocka_unit_test_setup(test_server_now_is_transaction_start, test_setup),
    };

    return cmocka_run_group_tests_name("server", tests, NULL, NULL);
}
