/*
 * Tests of the libpq backend and the barrier core on a real PostgreSQL server.
 *
 * The server comes from BARRIERSIM_PG_CONNINFO, a libpq conninfo of a
 * database with scripts/schema.sql loaded. The test command starts a
 * throwaway cluster with scripts/pg_cluster.sh and sets it; without it every
 * test fails. Each test empties the barrier tables through a separate admin
 * connection, which also plays the operator who terminates a backend.
 * Backoffs really sleep here, so a retry costs CORE_RETRY_BACKOFF_US.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#ifdef BARRIERSIM_COVERAGE
#include <gcov.h> /* __gcov_dump; make coverage defines BARRIERSIM_COVERAGE */
#endif

#include "../core/barrier.h"
#include "../core/conn_pq.h"
#include "../core/reaper.h"
#include "pq_fixture.h"

#define TEST_EXEC_ID "exec-pq"
#define TEST_ORG_ID "org-pq"
#define TEST_CTX_MAX 2
#define TEST_EVENT_MAX 64
#define TEST_POLL_MAX 500
#define TEST_POLL_INTERVAL_US 10000 /* polls give up after 5 s */
#define TEST_INT32_MIN "-2147483648"
#define TEST_STDERR_SIZE 512

/* The core's environment, recording what the core did. */
typedef struct {
    core_log_t events[TEST_EVENT_MAX];
    int event_count;
    int64_t slept_us;
    int fire_count;
    conn_element_t fired[CONN_ELEMENTS_MAX];
    int fired_count;
    int mark_count;
    core_status_t status; /* what status_read reports */
    int status_read_count;
} test_env_t;

/* One test's connections; the teardown closes whatever a failed test left. */
typedef struct {
    conn_pq_backend_t backend;
    PGconn *admin;
    core_ctx_t ctxs[TEST_CTX_MAX];
    test_env_t envs[TEST_CTX_MAX];
    int ctx_count;
    conn_t conn;
} test_fixture_t;

/* A worker thread's decrement. */
typedef struct {
    core_ctx_t *ctx;
    core_batch_t batch;
    conn_element_t result;
    core_rc_t rc;
    core_dec_t dec;
} test_worker_t;

static test_fixture_t fixture;

/* conn_pq_ops with an exec that terminates the backend right after a
 * statement (test_kill_after_stmt) has returned its row, before the next
 * statement is sent, test_kill_after_count times. */
static conn_ops_t test_kill_after_ops;
static stmt_id_t test_kill_after_stmt;
static int test_kill_after_count;

static void test_sleep_us(void *env, int64_t duration_us)
{
    ((test_env_t *)env)->slept_us += duration_us;
    pq_fixture_nap_us(duration_us);
}

static void test_log(void *env, const core_log_t *event)
{
    test_env_t *test_env = env;

    if (test_env->event_count < TEST_EVENT_MAX) {
        test_env->events[test_env->event_count] = *event;
    }
    test_env->event_count++;
}

static core_rc_t test_fire(void *env, const char *exec_id,
                           const conn_element_t *results, int result_count,
                           int64_t *callback_id_out)
{
    test_env_t *test_env = env;

    (void)exec_id;
    test_env->fire_count++;
    test_env->fired_count = result_count;
    memcpy(test_env->fired, results, (size_t)result_count * sizeof(results[0]));
    *callback_id_out = test_env->fire_count;
    return CORE_OK;
}

static core_rc_t test_mark_error(void *env, const char *exec_id,
                                 const char *org_id, bool *confirmed_out)
{
    (void)exec_id;
    (void)org_id;
    ((test_env_t *)env)->mark_count++;
    *confirmed_out = true;
    return CORE_OK;
}

static core_rc_t test_status_read(void *env, const char *exec_id, const char *org_id,
                                  core_status_t *status_out)
{
    test_env_t *test_env = env;

    (void)exec_id;
    (void)org_id;
    test_env->status_read_count++;
    *status_out = test_env->status;
    return CORE_OK;
}

static const core_env_ops_t test_env_ops = {
    .sleep_us = test_sleep_us,
    .log = test_log,
    .fire = test_fire,
    .mark_error = test_mark_error,
};

/* With the status API, as the reaper's environment has it. */
static const core_env_ops_t test_env_ops_status = {
    .sleep_us = test_sleep_us,
    .log = test_log,
    .fire = test_fire,
    .mark_error = test_mark_error,
    .status_read = test_status_read,
};

static int test_setup(void **state)
{
    (void)state;
    memset(&fixture, 0, sizeof(fixture));
    fixture.backend.conninfo = getenv(PQ_FIXTURE_CONNINFO_ENV);
    return 0;
}

static int test_teardown(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < fixture.ctx_count; i++) {
        core_ctx_forget_conn(&fixture.ctxs[i]);
    }
    if (fixture.conn.ops != NULL) {
        conn_close(&fixture.conn);
    }
    PQfinish(fixture.admin);
    return 0;
}

static void test_admin_exec(const char *sql)
{
    pq_fixture_exec(fixture.admin, sql);
}

/* Open the admin connection and empty the tables. Runs in the test body, not
 * in the setup, so that a missing server counts as one failure per test. */
static void test_start(void)
{
    pq_fixture_connect(fixture.backend.conninfo, &fixture.admin);
    test_admin_exec("TRUNCATE barriersim.pg_barrier_state, barriersim.pg_batch_dedup, "
                    "barriersim.pg_orchestration_claim, barriersim.pg_batch_dedup_gen, "
                    "barriersim.pg_dec_applied, barriersim.pg_queue_message");
    test_admin_exec("UPDATE barriersim.pg_orchestrator_lock SET leader = ''");
}

/* Return one integer from a query with the execution id as $1. */
static int64_t test_admin_query_integer(const char *sql)
{
    const char *values[1] = {TEST_EXEC_ID};
    PGresult *res = PQexecParams(fixture.admin, sql, 1, NULL, values, NULL, NULL, 0);
    int64_t number;

    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        fail_msg("admin query failed: %s: %s", sql, PQerrorMessage(fixture.admin));
    }
    number = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return number;
}

static int64_t test_admin_remaining(void)
{
    return test_admin_query_integer("SELECT remaining FROM barriersim.pg_barrier_state "
                                    "WHERE execution_id = $1");
}

static int64_t test_admin_barrier_rows(void)
{
    return test_admin_query_integer("SELECT count(*) FROM barriersim.pg_barrier_state "
                                    "WHERE execution_id = $1");
}

static int64_t test_admin_marker_rows(void)
{
    return test_admin_query_integer("SELECT count(*) FROM barriersim.pg_batch_dedup "
                                    "WHERE execution_id = $1");
}

static int64_t test_admin_result_count(void)
{
    return test_admin_query_integer("SELECT jsonb_array_length(results) FROM "
                                    "barriersim.pg_barrier_state WHERE execution_id = $1");
}

/* Count the backends among pids that match condition; pids is "{1,2}". */
static int64_t test_admin_count_backends(const char *pids, const char *condition)
{
    char sql[256];
    const char *values[1] = {pids};
    PGresult *res;
    int64_t count;

    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY ($1::int[]) %s",
             condition);
    res = PQexecParams(fixture.admin, sql, 1, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fail_msg("admin query failed: %s: %s", sql, PQerrorMessage(fixture.admin));
    }
    count = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return count;
}

/* Poll until count backends of pids match condition; fail after 5 s. */
static void test_admin_wait_backends(const char *pids, const char *condition,
                                     int64_t count)
{
    int poll;

    for (poll = 0; poll < TEST_POLL_MAX; poll++) {
        if (test_admin_count_backends(pids, condition) == count) {
            return;
        }
        pq_fixture_nap_us(TEST_POLL_INTERVAL_US);
    }
    fail_msg("backends %s: expected %lld matching \"%s\" within 5 s", pids,
             (long long)count, condition);
}

/* Terminate a backend as an operator or a pooler's idle reap would, and wait
 * until it has left pg_stat_activity, so the victim's next statement fails. */
static void test_admin_terminate(int pid)
{
    char sql[64];
    char pids[32];
    PGresult *res;

    assert_true(pid > 0);
    snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", pid);
    res = PQexec(fixture.admin, sql);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(res, 0, 0), "t");
    PQclear(res);

    snprintf(pids, sizeof(pids), "{%d}", pid);
    test_admin_wait_backends(pids, "", 0);
}

static core_ctx_t *test_ctx_new_with(const conn_ops_t *ops, const char *policy_name,
                                     const core_env_ops_t *env_ops)
{
    const core_policy_t *policy = core_policy_find(policy_name);
    int index = fixture.ctx_count;

    assert_non_null(policy);
    assert_true(index < TEST_CTX_MAX);
    core_ctx_init(&fixture.ctxs[index], ops, &fixture.backend, policy, env_ops,
                  &fixture.envs[index]);
    fixture.ctx_count++;
    return &fixture.ctxs[index];
}

static core_ctx_t *test_ctx_new_on(const conn_ops_t *ops, const char *policy_name)
{
    return test_ctx_new_with(ops, policy_name, &test_env_ops);
}

static core_ctx_t *test_ctx_new(const char *policy_name)
{
    return test_ctx_new_on(&conn_pq_ops, policy_name);
}

static test_env_t *test_env_of(const core_ctx_t *ctx)
{
    return ctx->env;
}

static int test_count_events(const core_ctx_t *ctx, core_log_kind_t kind)
{
    const test_env_t *env = test_env_of(ctx);
    int count = 0;
    int i;

    assert_true(env->event_count <= TEST_EVENT_MAX);
    for (i = 0; i < env->event_count; i++) {
        count += env->events[i].kind == kind;
    }
    return count;
}

static core_batch_t test_batch(int32_t batch_index)
{
    core_batch_t batch;

    memset(&batch, 0, sizeof(batch));
    batch.exec_id = TEST_EXEC_ID;
    batch.org_id = TEST_ORG_ID;
    batch.batch_index = batch_index;
    return batch;
}

static conn_params_t test_params(int64_t batch_index, int32_t value)
{
    conn_params_t params;

    memset(&params, 0, sizeof(params));
    params.exec_id = TEST_EXEC_ID;
    params.org_id = TEST_ORG_ID;
    params.batch_index = batch_index;
    params.result.batch_index = (int32_t)batch_index;
    params.result.value = value;
    return params;
}

/* Arm with a context that keeps its connection cached afterwards. */
static core_ctx_t *test_arm(const char *policy_name, int64_t count)
{
    core_ctx_t *ctx = test_ctx_new(policy_name);

    assert_int_equal(core_arm(ctx, TEST_EXEC_ID, TEST_ORG_ID, count), CORE_OK);
    assert_true(conn_is_open(&ctx->conn));
    return ctx;
}

/* Open fixture.conn for tests that drive conn_*() without the core. */
static void test_conn_open(void)
{
    conn_init(&fixture.conn, &conn_pq_ops, &fixture.backend);
    assert_int_equal(conn_connect(&fixture.conn), CONN_OK);
}

static core_rc_t test_decrement(core_ctx_t *ctx, int32_t batch_index, int32_t value,
                                core_dec_t *out)
{
    core_batch_t batch = test_batch(batch_index);
    conn_element_t result = {batch_index, value, 0};

    return core_decrement(ctx, &batch, &result, out);
}

static void test_kill_after_exec(void *handle, const stmt_t *stmt,
                                 const conn_params_t *params, conn_raw_t *raw_out)
{
    conn_pq_ops.exec(handle, stmt, params, raw_out);
    if (stmt->id == test_kill_after_stmt && test_kill_after_count > 0) {
        test_kill_after_count--;
        test_admin_terminate(conn_pq_backend_pid(handle));
    }
}

/* A context whose connections die after the first stmt_id they run. */
static core_ctx_t *test_ctx_killed_after(stmt_id_t stmt_id, const char *policy_name)
{
    test_kill_after_ops = conn_pq_ops;
    test_kill_after_ops.exec = test_kill_after_exec;
    test_kill_after_stmt = stmt_id;
    test_kill_after_count = 1;
    return test_ctx_new_on(&test_kill_after_ops, policy_name);
}

static void *test_worker_run(void *arg)
{
    test_worker_t *worker = arg;

    worker->rc = core_decrement(worker->ctx, &worker->batch, &worker->result,
                                &worker->dec);
    return NULL;
}

/* Arm a barrier of 2 and decrement it for batch_index on fixture.conn
 * without BEGIN. The admin connection reads the counter as 1 at once. */
static void test_bare_decrement(int64_t batch_index, conn_result_t *result_out)
{
    conn_params_t params = test_params(batch_index, 42);

    test_start();
    test_arm("phase-split", 2);
    test_conn_open();

    conn_exec(&fixture.conn, stmt_get(STMT_DEC), &params, result_out);
    assert_int_equal(result_out->status, CONN_OK);
    assert_int_equal(result_out->value, 1);
    assert_int_equal(test_admin_remaining(), 1);
}

/* Without BEGIN libpq commits at once: this is why the core sends it. */
static void test_pq_bare_statement_autocommits(void **state)
{
    conn_result_t result;

    (void)state;
    test_bare_decrement(0, &result);
    assert_int_equal(conn_txn_status(&fixture.conn), CONN_TXN_IDLE);
}

/* The last decrement returns 0 and the results it fires with. */
static void test_pq_begin_defers_until_commit(void **state)
{
    conn_params_t params = test_params(3, 42);
    conn_result_t result;

    (void)state;
    test_start();
    test_arm("phase-split", 1);
    test_conn_open();

    assert_int_equal(conn_begin(&fixture.conn), CONN_OK);
    conn_exec(&fixture.conn, stmt_get(STMT_DEC), &params, &result);
    assert_int_equal(result.status, CONN_OK);
    assert_int_equal(result.row_count, 1);
    assert_int_equal(result.value, 0);
    assert_int_equal(result.element_count, 1);
    assert_int_equal(result.elements[0].batch_index, 3);
    assert_int_equal(result.elements[0].value, 42);
    assert_int_equal(conn_txn_status(&fixture.conn), CONN_TXN_INTRANS);
    assert_int_equal(test_admin_remaining(), 1);

    assert_int_equal(conn_commit(&fixture.conn, &result), CONN_OK);
    assert_int_equal(conn_txn_status(&fixture.conn), CONN_TXN_IDLE);
    assert_int_equal(test_admin_remaining(), 0);
}

/* A reply that does not come within the wait leaves the connection dead,
 * so the core discards it: here the decrement waits on a row lock that
 * another transaction holds past the deadline. */
static void test_pq_wait_deadline_kills_connection(void **state)
{
    conn_params_t params = test_params(0, 1);
    conn_result_t result;
    PGconn *holder;

    (void)state;
    test_start();
    test_arm("phase-split", 2);
    test_conn_open();
    holder = PQconnectdb(fixture.backend.conninfo);
    assert_int_equal(PQstatus(holder), CONNECTION_OK);
    PQclear(PQexec(holder, "BEGIN"));
    PQclear(PQexec(holder, "SELECT 1 FROM barriersim.pg_barrier_state FOR UPDATE"));

    assert_int_equal(conn_begin(&fixture.conn), CONN_OK);
    conn_pq_set_wait_ms(300);
    conn_exec(&fixture.conn, stmt_get(STMT_DEC), &params, &result);
    conn_pq_set_wait_ms(CONN_PQ_WAIT_MS_DEFAULT);
    PQclear(PQexec(holder, "ROLLBACK"));
    PQfinish(holder);

    assert_int_equal(result.status, CONN_DEAD);
    assert_true(conn_is_closed(&fixture.conn));
}

/* A decrement that leaves the counter above 0 returns no results: only a
 * fire reads them, and parsing them each time slowed the backend. */
static void test_pq_pending_decrement_skips_results(void **state)
{
    conn_result_t result;

    (void)state;
    test_bare_decrement(3, &result);
    assert_int_equal(result.element_count, 0);
}

static void test_pq_decrement_pending(void **state)
{
    core_ctx_t *ctx;
    core_dec_t dec;

    (void)state;
    test_start();
    ctx = test_arm("phase-split", 2);

    assert_int_equal(test_decrement(ctx, 0, 42, &dec), CORE_OK);
    assert_int_equal(dec.status, CORE_DEC_PENDING);
    assert_int_equal(dec.remaining, 1);
    assert_int_equal(test_env_of(ctx)->fire_count, 0);
    assert_int_equal(test_count_events(ctx, CORE_LOG_RETRY), 0);
    assert_int_equal(test_admin_remaining(), 1);
    assert_int_equal(test_admin_result_count(), 1);
    assert_int_equal(test_admin_query_integer(
                         "SELECT (results->0->>'batch')::int FROM "
                         "barriersim.pg_barrier_state WHERE execution_id = $1"),
                     0);
    assert_int_equal(test_admin_query_integer(
                         "SELECT (results->0->>'value')::int FROM "
                         "barriersim.pg_barrier_state WHERE execution_id = $1"),
                     42);
}

static void test_pq_idle_reap_heals(void **state)
{
    core_batch_t batch = test_batch(0);
    core_ctx_t *ctx;
    core_dec_t dec;
    bool won = false;
    int victim_pid;

    (void)state;
    test_start();
    ctx = test_arm("phase-split", 2);
    assert_int_equal(core_claim_batch(ctx, &batch, &won), CORE_OK);
    assert_true(won);
    victim_pid = conn_pq_backend_pid(ctx->conn.handle);
    test_admin_terminate(victim_pid);

    /* The client has not noticed: the handle still looks reusable. */
    assert_false(conn_is_closed(&ctx->conn));
    assert_int_equal(test_decrement(ctx, 0, 42, &dec), CORE_OK);
    assert_int_equal(dec.status, CORE_DEC_PENDING);
    assert_int_equal(dec.remaining, 1);
    assert_int_equal(test_count_events(ctx, CORE_LOG_RETRY), 1);
    assert_int_equal(test_env_of(ctx)->slept_us, CORE_RETRY_BACKOFF_US);
    assert_int_not_equal(conn_pq_backend_pid(ctx->conn.handle), victim_pid);
    assert_int_equal(test_admin_remaining(), 1);
    assert_int_equal(test_admin_result_count(), 1);
}

static void test_pq_reap_before_final_decrement(void **state)
{
    core_ctx_t *victim;
    core_ctx_t *sibling;
    core_dec_t dec;
    test_env_t *env;

    (void)state;
    test_start();
    victim = test_arm("phase-split", 2);
    sibling = test_ctx_new("phase-split");
    assert_int_equal(test_decrement(sibling, 0, 10, &dec), CORE_OK);
    assert_int_equal(dec.remaining, 1);
    test_admin_terminate(conn_pq_backend_pid(victim->conn.handle));

    /* A double count would leave -1, delete the row and fire nothing. */
    assert_int_equal(test_decrement(victim, 1, 11, &dec), CORE_OK);
    assert_int_equal(dec.status, CORE_DEC_COMPLETE);
    assert_int_equal(dec.remaining, 0);
    assert_int_equal(dec.aggregated_count, 2);
    assert_int_equal(test_count_events(victim, CORE_LOG_RETRY), 1);

    env = test_env_of(victim);
    assert_int_equal(env->fire_count, 1);
    assert_int_equal(test_env_of(sibling)->fire_count, 0);
    assert_int_equal(env->fired_count, 2);
    assert_int_equal(env->fired[0].batch_index, 0);
    assert_int_equal(env->fired[0].value, 10);
    assert_int_equal(env->fired[1].batch_index, 1);
    assert_int_equal(env->fired[1].value, 11);
    assert_int_equal(test_admin_barrier_rows(), 0);
}

static void test_pq_kill_before_commit_rolls_back(void **state)
{
    core_ctx_t *ctx;
    core_dec_t dec;

    (void)state;
    test_start();
    test_arm("phase-split", 2);
    ctx = test_ctx_killed_after(STMT_DEC, "phase-split");

    /* Only the explicit BEGIN keeps the executed UPDATE from autocommitting;
     * the server then rolls it back when the backend dies. */
    assert_int_equal(test_decrement(ctx, 0, 42, &dec), CORE_E_DEAD);
    assert_int_equal(test_kill_after_count, 0);
    assert_int_equal(ctx->error.phase, CORE_PHASE_COMMIT);
    assert_int_equal(test_count_events(ctx, CORE_LOG_COMMIT_FAILED), 1);
    assert_int_equal(test_count_events(ctx, CORE_LOG_RETRY), 0);
    assert_int_equal(test_admin_remaining(), 2);
    assert_int_equal(test_admin_result_count(), 0);
}

static void test_pq_reap_without_retry_fails(void **state)
{
    core_ctx_t *ctx;
    core_dec_t dec;

    (void)state;
    test_start();
    ctx = test_arm("no-retry", 2);
    test_admin_terminate(conn_pq_backend_pid(ctx->conn.handle));

    assert_int_equal(test_decrement(ctx, 0, 42, &dec), CORE_E_DEAD);
    assert_int_equal(ctx->error.phase, CORE_PHASE_EXECUTE);
    /* Dead by CONNECTION_BAD alone: libpq passed on no SQLSTATE. */
    assert_string_equal(ctx->error.sqlstate, "");
    assert_int_equal(test_count_events(ctx, CORE_LOG_RETRY), 0);
    assert_int_equal(test_count_events(ctx, CORE_LOG_CONN_DISCARDED), 1);
    assert_false(conn_is_open(&ctx->conn));
    assert_int_equal(test_admin_remaining(), 2);
    assert_int_equal(test_admin_result_count(), 0);
}

static void test_pq_data_error_keeps_conn(void **state)
{
    core_batch_t batch = test_batch(0);
    core_ctx_t *ctx;
    core_dec_t dec;
    bool won = false;
    int pid;

    (void)state;
    test_start();
    ctx = test_arm("phase-split", 2);
    pid = conn_pq_backend_pid(ctx->conn.handle);

    /* remaining - 1 then overflows integer: SQLSTATE 22003, a data exception. */
    test_admin_exec("UPDATE barriersim.pg_barrier_state SET remaining = " TEST_INT32_MIN);
    assert_int_equal(test_decrement(ctx, 0, 42, &dec), CORE_E_DATA);
    assert_string_equal(ctx->error.sqlstate, "22003");
    assert_int_equal(test_count_events(ctx, CORE_LOG_RETRY), 0);
    assert_int_equal(test_count_events(ctx, CORE_LOG_CONN_DISCARDED), 0);

    /* The teardown delete ran on the same, still usable connection. */
    assert_true(conn_is_open(&ctx->conn));
    assert_int_equal(conn_pq_backend_pid(ctx->conn.handle), pid);
    assert_int_equal(test_admin_barrier_rows(), 0);
    assert_int_equal(core_claim_batch(ctx, &batch, &won), CORE_OK);
    assert_true(won);
    assert_int_equal(conn_pq_backend_pid(ctx->conn.handle), pid);
}

static void test_pq_check_violation_is_logical(void **state)
{
    conn_params_t bad = test_params(-1, 0);
    conn_params_t good = test_params(0, 0);
    conn_result_t result;

    (void)state;
    test_start();
    test_conn_open();

    assert_int_equal(conn_begin(&fixture.conn), CONN_OK);
    conn_exec(&fixture.conn, stmt_get(STMT_CLAIM), &bad, &result);
    assert_int_equal(result.status, CONN_LOGICAL);
    assert_string_equal(result.sqlstate, "23514");
    assert_int_equal(conn_txn_status(&fixture.conn), CONN_TXN_INERROR);
    assert_int_equal(conn_rollback(&fixture.conn), CONN_OK);
    assert_int_equal(conn_txn_status(&fixture.conn), CONN_TXN_IDLE);

    assert_int_equal(conn_begin(&fixture.conn), CONN_OK);
    conn_exec(&fixture.conn, stmt_get(STMT_CLAIM), &good, &result);
    assert_int_equal(result.status, CONN_OK);
    assert_int_equal(result.row_count, 1);
    assert_int_equal(result.value, 0);
    assert_int_equal(conn_commit(&fixture.conn, &result), CONN_OK);
    assert_int_equal(test_admin_marker_rows(), 1);
}

/* Start both workers while the admin holds the row lock, so that both
 * decrements are queued on it before either can run. */
static void test_run_queued_workers(test_worker_t *workers)
{
    pthread_t threads[TEST_CTX_MAX];
    char pids[64];
    int i;

    snprintf(pids, sizeof(pids), "{%d,%d}",
             conn_pq_backend_pid(workers[0].ctx->conn.handle),
             conn_pq_backend_pid(workers[1].ctx->conn.handle));
    test_admin_exec("BEGIN");
    test_admin_exec("SELECT 1 FROM barriersim.pg_barrier_state FOR UPDATE");
    for (i = 0; i < TEST_CTX_MAX; i++) {
        assert_int_equal(pthread_create(&threads[i], NULL, test_worker_run,
                                        &workers[i]),
                         0);
    }

    test_admin_wait_backends(pids, "AND wait_event_type = 'Lock'", 2);
    test_admin_exec("COMMIT");
    for (i = 0; i < TEST_CTX_MAX; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    }
}

static void test_pq_concurrent_decrements_fire_once(void **state)
{
    test_worker_t workers[TEST_CTX_MAX];
    int complete_count = 0;
    int pending_count = 0;
    int i;

    (void)state;
    test_start();
    memset(workers, 0, sizeof(workers));
    test_arm("phase-split", 2);
    for (i = 0; i < TEST_CTX_MAX; i++) {
        bool won = false;

        /* Each worker claims its batch first, as a delivery does, which
         * leaves it a cached connection whose pid the admin can watch. */
        workers[i].ctx = i == 0 ? &fixture.ctxs[0] : test_ctx_new("phase-split");
        workers[i].batch = test_batch(i);
        workers[i].result.batch_index = i;
        workers[i].result.value = 100 + i;
        assert_int_equal(core_claim_batch(workers[i].ctx, &workers[i].batch, &won),
                         CORE_OK);
        assert_true(won);
    }

    test_run_queued_workers(workers);

    for (i = 0; i < TEST_CTX_MAX; i++) {
        assert_int_equal(workers[i].rc, CORE_OK);
        complete_count += workers[i].dec.status == CORE_DEC_COMPLETE;
        pending_count += workers[i].dec.status == CORE_DEC_PENDING;
    }
    assert_int_equal(complete_count, 1);
    assert_int_equal(pending_count, 1);
    assert_int_equal(fixture.envs[0].fire_count + fixture.envs[1].fire_count, 1);
    assert_int_equal(test_admin_barrier_rows(), 0);
}

static void test_pq_claim_single_winner(void **state)
{
    core_batch_t batch = test_batch(0);
    core_ctx_t *first;
    core_ctx_t *second;
    bool won = false;

    (void)state;
    test_start();
    first = test_ctx_new("phase-split");
    second = test_ctx_new("phase-split");

    assert_int_equal(core_claim_batch(first, &batch, &won), CORE_OK);
    assert_true(won);
    assert_int_equal(core_claim_batch(second, &batch, &won), CORE_OK);
    assert_false(won);
    assert_int_equal(test_admin_marker_rows(), 1);
}

static void test_pq_delete_counts_rows(void **state)
{
    core_ctx_t *ctx;
    conn_params_t params = test_params(0, 0);
    conn_result_t result;
    int32_t batch_index;
    bool won = false;

    (void)state;
    test_start();
    ctx = test_ctx_new("phase-split");
    for (batch_index = 0; batch_index < 3; batch_index++) {
        core_batch_t batch = test_batch(batch_index);

        assert_int_equal(core_claim_batch(ctx, &batch, &won), CORE_OK);
        assert_true(won);
    }
    test_conn_open();

    /* Q-CLEAR returns no rows; its count comes from the command tag. */
    assert_int_equal(conn_begin(&fixture.conn), CONN_OK);
    conn_exec(&fixture.conn, stmt_get(STMT_CLEAR), &params, &result);
    assert_int_equal(result.status, CONN_OK);
    assert_int_equal(result.row_count, 3);
    assert_int_equal(conn_commit(&fixture.conn, &result), CONN_OK);
    assert_int_equal(result.row_count, 0);
    assert_int_equal(test_admin_marker_rows(), 0);
}

static void test_pq_connect_failure_is_dead(void **state)
{
    conn_pq_backend_t nowhere = {"host=/nonexistent port=55999 dbname=barriersim "
                                 "connect_timeout=2"};
    conn_t conn;

    (void)state;
    conn_init(&conn, &conn_pq_ops, &nowhere);
    assert_int_equal(conn_connect(&conn), CONN_DEAD);
    assert_false(conn_is_open(&conn));
}

/* Return one integer from a query without parameters. */
static int64_t test_admin_count(const char *sql)
{
    PGresult *res = PQexec(fixture.admin, sql);
    int64_t number;

    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        fail_msg("admin query failed: %s: %s", sql, PQerrorMessage(fixture.admin));
    }
    number = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return number;
}

/* The value of the first event of a kind; fails when there is none. */
static int64_t test_event_value(const core_ctx_t *ctx, core_log_kind_t kind)
{
    const test_env_t *env = test_env_of(ctx);
    int i;

    for (i = 0; i < env->event_count && i < TEST_EVENT_MAX; i++) {
        if (env->events[i].kind == kind) {
            return env->events[i].value;
        }
    }
    fail_msg("no %s event was logged", core_log_name(kind));
    return 0;
}

/* Send a statement outside the catalogue on fixture.conn. The libpq backend
 * sends the SQL text and ignores the id. */
static void test_conn_select(const char *sql, conn_result_t *result_out)
{
    const stmt_t stmt = {STMT_BEGIN, "test-select", "", sql};

    conn_exec(&fixture.conn, &stmt, NULL, result_out);
}

static core_rc_t test_record_generation(void *arg, int32_t batch_index,
                                        int64_t generation)
{
    (void)batch_index;
    *(int64_t *)arg = generation;
    return CORE_OK;
}

/* One reaper tick recovers a stranded barrier (mark, delete, clear the
 * markers) and, in its first periodic sweep, an orphaned orchestration claim. */
static void test_pq_reaper_recovers_stranded_barrier(void **state)
{
    core_reaper_t reaper = {.leader_id = "reaper-pq", .stuck_timeout_s = 60,
                            .lease_s = 30, .retention_s = 3600};
    core_batch_t batch = test_batch(0);
    core_sweep_t sweep = CORE_SWEEP_ABORTED;
    core_ctx_t *worker;
    core_ctx_t *reaper_ctx;
    bool won = false;

    (void)state;
    test_start();
    worker = test_arm("phase-split", 2);
    assert_int_equal(core_claim_batch(worker, &batch, &won), CORE_OK);
    assert_true(won);
    test_admin_exec("UPDATE barriersim.pg_barrier_state "
                    "SET last_progress_at = now() - interval '1 hour'");
    test_admin_exec("INSERT INTO barriersim.pg_orchestration_claim VALUES "
                    "('exec-orphan', 'org-pq', now() - interval '1 hour')");
    reaper_ctx = test_ctx_new_with(&conn_pq_ops, "phase-split", &test_env_ops_status);
    test_env_of(reaper_ctx)->status = CORE_STATUS_EXECUTING;

    assert_int_equal(core_reaper_tick(reaper_ctx, &reaper, 0, &sweep), CORE_OK);
    assert_int_equal(sweep, CORE_SWEEP_RECOVERED);
    assert_true(reaper.is_leader);
    assert_int_equal(test_env_of(reaper_ctx)->status_read_count, 2);
    assert_int_equal(test_env_of(reaper_ctx)->mark_count, 2);
    assert_int_equal(test_admin_barrier_rows(), 0);
    assert_int_equal(test_admin_marker_rows(), 0);
    assert_int_equal(test_admin_count("SELECT count(*) FROM "
                                      "barriersim.pg_orchestration_claim"),
                     0);
    assert_int_equal(test_admin_count("SELECT count(*) FROM "
                                      "barriersim.pg_orchestrator_lock "
                                      "WHERE leader = 'reaper-pq'"),
                     1);

    /* The next tick renews the lease and finds nothing left to do. */
    assert_int_equal(core_reaper_tick(reaper_ctx, &reaper, 1, &sweep), CORE_OK);
    assert_int_equal(sweep, CORE_SWEEP_NOTHING);
    assert_true(reaper.is_leader);
}

/* Under the generation guard a header of an earlier arming matches no row
 * and decrements nothing; the current arming's header completes it. */
static void test_pq_generation_guard_skips_old_arming(void **state)
{
    core_batch_t batch = test_batch(0);
    conn_element_t result = {0, 42, 0};
    int64_t first_generation = 0;
    int64_t second_generation = 0;
    core_ctx_t *ctx;
    core_dec_t dec;
    bool won = false;

    (void)state;
    test_start();
    ctx = test_ctx_new("generation-guard");
    assert_int_equal(core_enqueue(ctx, TEST_EXEC_ID, TEST_ORG_ID, 1,
                                  test_record_generation, &first_generation),
                     CORE_OK);
    assert_int_equal(core_enqueue(ctx, TEST_EXEC_ID, TEST_ORG_ID, 1,
                                  test_record_generation, &second_generation),
                     CORE_OK);
    assert_true(first_generation > 0);
    assert_true(second_generation > first_generation);

    batch.generation = first_generation;
    assert_int_equal(core_decrement(ctx, &batch, &result, &dec), CORE_OK);
    assert_int_equal(dec.status, CORE_DEC_ABANDONED);
    assert_int_equal(test_admin_remaining(), 1);

    batch.generation = second_generation;
    assert_int_equal(core_claim_batch(ctx, &batch, &won), CORE_OK);
    assert_true(won);
    assert_int_equal(core_decrement(ctx, &batch, &result, &dec), CORE_OK);
    assert_int_equal(dec.status, CORE_DEC_COMPLETE);
    assert_int_equal(test_env_of(ctx)->fire_count, 1);
    assert_int_equal(test_admin_barrier_rows(), 0);
}

/* Policy k: the connection dies after the decrement's last statement and
 * before COMMIT. pg_xact_status on a new connection reports that the transaction
 * aborted, so the decrement runs again and lands exactly once. */
static void test_pq_resolved_lost_commit_retried(void **state)
{
    core_ctx_t *ctx;
    core_dec_t dec;

    (void)state;
    test_start();
    test_arm("phase-split", 2);
    ctx = test_ctx_killed_after(STMT_K_STORE, "resolved");

    assert_int_equal(test_decrement(ctx, 0, 42, &dec), CORE_OK);
    assert_int_equal(test_kill_after_count, 0);
    assert_int_equal(dec.status, CORE_DEC_PENDING);
    assert_int_equal(dec.remaining, 1);
    assert_int_equal(test_count_events(ctx, CORE_LOG_RESOLVING), 1);
    assert_int_equal(test_event_value(ctx, CORE_LOG_RESOLVED), CORE_XACT_ABORTED);
    assert_int_equal(test_count_events(ctx, CORE_LOG_RETRY), 1);
    assert_int_equal(test_admin_remaining(), 1);
    assert_int_equal(test_admin_result_count(), 1);
    assert_int_equal(test_admin_query_integer("SELECT post_remaining FROM "
                                              "barriersim.pg_dec_applied "
                                              "WHERE execution_id = $1"),
                     1);
}

/* SEND inserts a header message into the headers queue and returns its id.
 * It failed on every real server while its "CASE $1 WHEN 0" left $1
 * untyped (42883, text = integer); the simulator does not parse SQL. */
static void test_pq_queue_send_inserts_header(void **state)
{
    core_batch_t batch = test_batch(4);
    int64_t msg_id = 0;
    core_ctx_t *ctx;
    core_rc_t rc;

    (void)state;
    test_start();
    ctx = test_ctx_new("phase-split");
    rc = core_send(ctx, 0, &batch, &msg_id);
    assert_int_equal(rc, CORE_OK);
    assert_true(msg_id > 0);
    assert_int_equal(test_admin_count("SELECT count(*) FROM barriersim.pg_queue_message "
                                      "WHERE queue_name = 'headers' AND "
                                      "(message->>'batch')::int = 4 AND "
                                      "org_id = 'org-pq'"),
                     1);
}

/* ACK deletes the message; a second ACK of the same id finds nothing and
 * still succeeds, which makes an ambiguous ACK safe to repeat. */
static void test_pq_queue_ack_deletes_message(void **state)
{
    core_ctx_t *ctx;
    int64_t msg_id;

    (void)state;
    test_start();
    msg_id = test_admin_count("INSERT INTO barriersim.pg_queue_message (queue_name, "
                              "message, org_id, priority, enqueued_at, vt, read_ct, "
                              "state) VALUES ('headers', '{}', 'org-pq', 5, now(), "
                              "now(), 0, 'ready') RETURNING msg_id");
    ctx = test_ctx_new("phase-split");

    assert_int_equal(core_ack(ctx, msg_id), CORE_OK);
    assert_int_equal(test_admin_count("SELECT count(*) FROM barriersim.pg_queue_message"),
                     0);
    assert_int_equal(core_ack(ctx, msg_id), CORE_OK);
    assert_int_equal(test_count_events(ctx, CORE_LOG_RETRY), 0);
}

/* Every parameter letter of the statement descriptors reaches the server as
 * the text of its field. */
static void test_pq_params_render_each_letter(void **state)
{
    static const struct {
        const char *letter;
        const char *text;
    } cases[] = {
        {"e", "exec-p"},  {"o", "org-p"}, {"i", "3"},     {"n", "5"},
        {"t", "21600"},   {"l", "lead"},  {"s", "60"},    {"L", "30"},
        {"g", "-7"},      {"x", "9000000000"},            {"p", "-1"},
        {"R", "3600"},    {"k", "1"},     {"M", "12"},
        {"r", "{\"batch\":3,\"value\":-2147483648}"},
    };
    conn_params_t params;
    conn_result_t result;
    int i;

    (void)state;
    test_start();
    test_conn_open();
    memset(&params, 0, sizeof(params));
    params.exec_id = "exec-p";
    params.org_id = "org-p";
    params.batch_index = 3;
    params.count = 5;
    params.ttl_s = 21600;
    params.leader = "lead";
    params.stuck_s = 60;
    params.lease_s = 30;
    params.generation = -7;
    params.xid = 9000000000LL;
    params.post_remaining = -1;
    params.retention_s = 3600;
    params.msg_kind = 1;
    params.msg_id = 12;
    params.result.batch_index = 3;
    params.result.value = INT32_MIN;

    for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
        const stmt_t stmt = {STMT_BEGIN, "test-param", cases[i].letter,
                             "SELECT 0, $1::text"};

        conn_exec(&fixture.conn, &stmt, &params, &result);
        if (result.status != CONN_OK) {
            fail_msg("letter %s: status %s, SQLSTATE %s", cases[i].letter,
                     conn_status_name(result.status), result.sqlstate);
        }
        if (strcmp(result.texts[0], cases[i].text) != 0) {
            fail_msg("letter %s sent \"%s\", expected \"%s\"", cases[i].letter,
                     result.texts[0], cases[i].text);
        }
    }
}

/* A result carrying a NUL byte is rejected by jsonb (22P05), a data error
 * that tears the barrier row down. */
static void test_pq_nul_result_is_data_error(void **state)
{
    core_batch_t batch = test_batch(0);
    conn_element_t result = {0, 42, CONN_ELEMENT_NUL};
    core_ctx_t *ctx;
    core_dec_t dec;

    (void)state;
    test_start();
    ctx = test_arm("phase-split", 2);

    assert_int_equal(core_decrement(ctx, &batch, &result, &dec), CORE_E_DATA);
    assert_string_equal(ctx->error.sqlstate, "22P05");
    assert_int_equal(test_count_events(ctx, CORE_LOG_RETRY), 0);
    assert_int_equal(test_admin_barrier_rows(), 0);
}

/* batched-commit's string: BEGIN, the decrement and COMMIT in one round
 * trip. Its reply is the decrement's, and the decrement is committed. */
static void test_pq_batched_decrement_commits(void **state)
{
    conn_params_t params = test_params(1, 7);
    conn_result_t result;

    (void)state;
    test_start();
    test_arm("batched-commit", 2);
    test_conn_open();
    conn_exec_batched(&fixture.conn, stmt_get(STMT_DEC), &params, &result);
    assert_int_equal(result.status, CONN_OK);
    assert_int_equal(result.row_count, 1);
    assert_int_equal(result.value, 1);
    assert_int_equal(conn_txn_status(&fixture.conn), CONN_TXN_IDLE);
    assert_int_equal(test_admin_remaining(), 1);
}

/* A failed statement skips the rest of the string, COMMIT included: the
 * transaction its BEGIN opened stays open and aborted until ROLLBACK. */
static void test_pq_batched_failure_leaves_txn_aborted(void **state)
{
    conn_params_t params = test_params(1, 7);
    conn_result_t result;
    conn_raw_t raw;

    (void)state;
    test_start();
    test_arm("batched-commit", 2);
    test_conn_open();
    params.result.flags = CONN_ELEMENT_NUL;
    conn_exec_batched(&fixture.conn, stmt_get(STMT_DEC), &params, &result);
    assert_int_equal(result.status, CONN_LOGICAL);
    assert_string_equal(result.sqlstate, "22P05");
    assert_int_equal(conn_txn_status(&fixture.conn), CONN_TXN_INERROR);
    conn_pq_ops.rollback(fixture.conn.handle, &raw);
    assert_int_equal(conn_txn_status(&fixture.conn), CONN_TXN_IDLE);
    assert_int_equal(test_admin_remaining(), 2);
}

/* Parameters written into the text reach the server byte for byte: quotes,
 * backslashes, a NULL, and $1 inside $10. */
static void test_pq_inline_sql_keeps_values(void **state)
{
    static const char *const values[] = {"it's", "a\\b", NULL, "4", "5", "6", "7",
                                         "8",    "9",     "ten"};
    PGconn *conn;
    PGresult *res;
    char *sql;

    (void)state;
    test_start();
    test_conn_open();
    conn = fixture.conn.handle;
    sql = conn_pq_inline_sql(conn, "SELECT $1::text, $2::text, $3::text IS NULL, $10, $1, "
                                   "'$x $11'",
                             values, 10);
    assert_non_null(sql);
    res = PQexec(conn, sql);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(res, 0, 0), "it's");
    assert_string_equal(PQgetvalue(res, 0, 1), "a\\b");
    assert_string_equal(PQgetvalue(res, 0, 2), "t");
    assert_string_equal(PQgetvalue(res, 0, 3), "ten");
    assert_string_equal(PQgetvalue(res, 0, 4), "it's");
    assert_string_equal(PQgetvalue(res, 0, 5), "$x $11");
    PQclear(res);
    free(sql);
}

/* A value libpq cannot escape (an incomplete UTF-8 sequence) leaves no
 * string to send: the batched send reports that nothing was sent. */
static void test_pq_inline_sql_rejects_bad_encoding(void **state)
{
    static const char *const values[] = {"ok", "\xe2\x82"};
    conn_params_t params = test_params(1, 7);

    (void)state;
    test_start();
    test_conn_open();
    assert_null(conn_pq_inline_sql(fixture.conn.handle, "SELECT $1, $2", values, 2));
    params.exec_id = "\xe2\x82";
    assert_false(conn_pq_send_batched(fixture.conn.handle, stmt_get(STMT_DEC), &params));
}

/* Once libpq has seen the connection die, the transaction status is
 * UNKNOWN, as the core's open-transaction check expects. */
static void test_pq_dead_conn_txn_unknown(void **state)
{
    conn_params_t params = test_params(0, 0);
    conn_result_t result;

    (void)state;
    test_start();
    test_conn_open();
    assert_int_equal(conn_begin(&fixture.conn), CONN_OK);
    test_admin_terminate(conn_pq_backend_pid(fixture.conn.handle));

    conn_exec(&fixture.conn, stmt_get(STMT_CLAIM), &params, &result);
    assert_int_equal(result.status, CONN_DEAD);
    assert_true(conn_is_closed(&fixture.conn));
    assert_int_equal(conn_txn_status(&fixture.conn), CONN_TXN_UNKNOWN);
}

/* A COMMIT outside a transaction draws a WARNING notice, which the backend
 * discards instead of printing it to stderr. */
static void test_pq_notice_not_printed(void **state)
{
    char path[] = "/tmp/barriersim-notice.XXXXXX";
    conn_result_t result;
    struct stat written;
    int saved_stderr;
    int capture;

    (void)state;
    test_start();
    test_conn_open();
    capture = mkstemp(path);
    assert_true(capture >= 0);
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    assert_true(saved_stderr >= 0);
    assert_true(dup2(capture, STDERR_FILENO) >= 0);

    conn_commit(&fixture.conn, &result);

    fflush(stderr);
    assert_true(dup2(saved_stderr, STDERR_FILENO) >= 0);
    close(saved_stderr);
    assert_int_equal(fstat(capture, &written), 0);
    close(capture);
    unlink(path);
    assert_int_equal(result.status, CONN_OK);
    assert_int_equal(written.st_size, 0);
}

/* An empty query string gets PGRES_EMPTY_QUERY, which no catalogue
 * statement produces: the classifier treats the connection as dead, although
 * libpq still has it open. */
static void test_pq_empty_query_counts_dead(void **state)
{
    conn_result_t result;

    (void)state;
    test_start();
    test_conn_open();
    test_conn_select("", &result);

    assert_int_equal(result.status, CONN_DEAD);
    assert_false(conn_is_closed(&fixture.conn));
}

/* Columns 1 and 3 read as integers when they are smallint, integer or
 * bigint; columns 2 and 3 read as text. */
static void test_pq_reads_integer_and_text_columns(void **state)
{
    conn_result_t result;

    (void)state;
    test_start();
    test_conn_open();
    test_conn_select("SELECT 7::smallint, 'exec-x'::text, 9000000000::bigint", &result);

    assert_int_equal(result.status, CONN_OK);
    assert_int_equal(result.row_count, 1);
    assert_int_equal(result.value, 7);
    assert_int_equal(result.value2, 9000000000LL);
    assert_string_equal(result.texts[0], "exec-x");
    assert_string_equal(result.texts[1], "9000000000");
    assert_int_equal(result.element_count, 0);
}

/* NULL columns and a non-integer first column read as 0 and "". */
static void test_pq_reads_null_columns_empty(void **state)
{
    conn_result_t result;

    (void)state;
    test_start();
    test_conn_open();
    test_conn_select("SELECT NULL::integer, NULL::text, NULL::bigint", &result);
    assert_int_equal(result.status, CONN_OK);
    assert_int_equal(result.value, 0);
    assert_int_equal(result.value2, 0);
    assert_string_equal(result.texts[0], "");
    assert_string_equal(result.texts[1], "");

    test_conn_select("SELECT 'text'::text, NULL::jsonb", &result);
    assert_int_equal(result.status, CONN_OK);
    assert_int_equal(result.value, 0);
    assert_int_equal(result.element_count, 0);
}

/* gcov writes its counters at exit, which abort() skips, so under make
 * coverage a child that must abort writes them here. abort() then ends the
 * process with SIGABRT all the same. */
static void test_abort_handler(int signal_number)
{
    (void)signal_number;
#ifdef BARRIERSIM_COVERAGE
    __gcov_dump();
#endif
}

/* Run sql in a child process whose stderr goes to stderr_path. Returns the
 * child's wait status. */
static int test_run_child_select(const char *sql, const char *stderr_path)
{
    pid_t child;
    int status = 0;

    fflush(stdout);
    fflush(stderr);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct rlimit no_core = {0, 0};
        conn_result_t result;
        conn_t conn;
        int capture = open(stderr_path, O_WRONLY | O_TRUNC);

        if (capture < 0 || dup2(capture, STDERR_FILENO) < 0) {
            _exit(2);
        }
        setrlimit(RLIMIT_CORE, &no_core);
        signal(SIGABRT, test_abort_handler);
        conn_init(&conn, &conn_pq_ops, &fixture.backend);
        if (conn_connect(&conn) != CONN_OK) {
            _exit(3);
        }
        conn_exec(&conn, &(const stmt_t){STMT_BEGIN, "test-select", "", sql}, NULL,
                  &result);
        _exit(0);
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    return status;
}

/* A results column of another shape than Q-DEC writes stops the process with
 * a message naming the problem, rather than firing with a wrong list. */
static void test_pq_malformed_results_abort(void **state)
{
    static const struct {
        const char *sql;
        const char *message;
    } cases[] = {
        {"SELECT 0, '{}'::jsonb", "is not a JSON array"},
        {"SELECT 0, jsonb_agg(jsonb_build_object('batch', i, 'value', i)) "
         "FROM generate_series(1, 257) i",
         "holds 257 elements"},
        {"SELECT 0, '[{\"batch\": \"1\", \"value\": 1}]'::jsonb",
         "element 0 has no integer batch or value"},
        {"SELECT 0, '[{\"batch\": 1}]'::jsonb", "element 0 has no integer batch or value"},
        {"SELECT 0, '[{\"batch\": 1, \"value\": 1}, "
         "{\"batch\": 2147483648, \"value\": 1}]'::jsonb",
         "element 1 is outside the int32 range"},
        {"SELECT 0, '[{\"batch\": -2147483649, \"value\": 1}]'::jsonb",
         "element 0 is outside the int32 range"},
        {"SELECT 0, '[{\"batch\": 1, \"value\": 2147483648}]'::jsonb",
         "element 0 is outside the int32 range"},
        {"SELECT 0, '[{\"batch\": 1, \"value\": -2147483649}]'::jsonb",
         "element 0 is outside the int32 range"},
    };
    char path[] = "/tmp/barriersim-abort.XXXXXX";
    char message[TEST_STDERR_SIZE];
    FILE *capture;
    size_t length;
    int descriptor;
    int status;
    int i;

    (void)state;
    test_start();
    descriptor = mkstemp(path);
    assert_true(descriptor >= 0);
    close(descriptor);

    for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
        status = test_run_child_select(cases[i].sql, path);
        capture = fopen(path, "r");
        assert_non_null(capture);
        length = fread(message, 1, sizeof(message) - 1, capture);
        fclose(capture);
        message[length] = '\0';

        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
            unlink(path);
            fail_msg("case %d (%s): expected SIGABRT, got wait status %d; stderr: %s",
                     i, cases[i].sql, status, message);
        }
        if (strstr(message, cases[i].message) == NULL) {
            unlink(path);
            fail_msg("case %d: stderr lacks \"%s\": %s", i, cases[i].message, message);
        }
    }
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pq_bare_statement_autocommits,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_pending_decrement_skips_results, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_wait_deadline_kills_connection, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_begin_defers_until_commit,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_decrement_pending, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_idle_reap_heals, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_reap_before_final_decrement,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_kill_before_commit_rolls_back,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_reap_without_retry_fails,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_data_error_keeps_conn, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_check_violation_is_logical,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_concurrent_decrements_fire_once,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_claim_single_winner, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_delete_counts_rows, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_connect_failure_is_dead,
                                        test_setup, test_teardown),        cmocka_unit_test_setup_teardown(test_pq_reaper_recovers_stranded_barrier, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_generation_guard_skips_old_arming, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_resolved_lost_commit_retried, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_queue_send_inserts_header, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_queue_ack_deletes_message, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_params_render_each_letter, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_batched_decrement_commits, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_batched_failure_leaves_txn_aborted,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_inline_sql_keeps_values, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_inline_sql_rejects_bad_encoding, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_nul_result_is_data_error, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_dead_conn_txn_unknown, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_notice_not_printed, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_empty_query_counts_dead, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_reads_integer_and_text_columns, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_reads_null_columns_empty, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_pq_malformed_results_abort, test_setup,
                                        test_teardown),
    };

    return cmocka_run_group_tests_name("pq", tests, NULL, NULL);
}
