/*
 * tests/test_core.c: unit tests for core/ against a scripted connection
 * backend, with no simulator underneath.
 *
 * Each test lists the backend calls it expects (connect, a statement, a
 * rollback, a close), each with the reply the backend gives. The backend
 * fails the test at the first call that differs from the script, so the
 * script pins the exact call sequence. The tests then assert, one by one,
 * the counts that name the behaviour: Q-DEC sends, COMMITs, connects, sleeps.
 *
 * The backend keeps libpq's client-side state the way the core reads it. A
 * dead reply sets the closed flag and makes the transaction status UNKNOWN.
 * BEGIN opens a transaction, COMMIT and ROLLBACK end it, and a server error
 * inside a transaction leaves it INERROR.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/barrier.h"
#include "../core/internal.h"
#include "../core/conn.h"
#include "../core/internal.h"
#include "../core/policy.h"
#include "../core/reaper.h"
#include "../core/stmt.h"

enum {
    SCRIPT_STEP_ELEMENT_COUNT_MAX = 4,
    SCRIPT_RECORD_COUNT_MAX = 64,
    SCRIPT_HANDLE_COUNT_MAX = 8,
    SCRIPT_SLEEP_COUNT_MAX = 16,
    SCRIPT_LOG_COUNT_MAX = 64,
    SCRIPT_DESCRIPTION_SIZE = 64,
    TEST_EXEC_ID_SIZE = 32,
};

/* Upstream's retry backoff: 0.5 s. Pinned here as a number so that a change
 * of the core's constant shows up as a failing test. */
#define TEST_RETRY_BACKOFF_US 500000
#define TEST_EXEC_ID "exec-1"
#define TEST_ORG_ID "org-1"
#define TEST_BATCH_INDEX 3
#define TEST_RESULT_VALUE 42
#define TEST_CALLBACK_ID 77
#define TEST_ARM_COUNT 5

#define TEST_COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

typedef enum {
    SCRIPT_CALL_CONNECT,
    SCRIPT_CALL_EXEC,
    SCRIPT_CALL_BATCHED, /* BEGIN; statement; COMMIT as one query string */
    SCRIPT_CALL_ROLLBACK,
    SCRIPT_CALL_CLOSE,
} script_call_kind_t;

typedef enum {
    SCRIPT_REPLY_ROWS,  /* the connect, statement or rollback succeeds */
    SCRIPT_REPLY_ERROR, /* the server replies with an error SQLSTATE */
    SCRIPT_REPLY_DEAD,  /* no reply, and the client marks the connection bad */
} script_reply_kind_t;

/* One expected backend call and the reply to give it. */
typedef struct {
    script_call_kind_t call;
    stmt_id_t stmt;          /* SCRIPT_CALL_EXEC and SCRIPT_CALL_BATCHED only */
    int conn_number;         /* 1-based in connect order, 0 for a failed connect */
    script_reply_kind_t reply;
    const char *sqlstate;    /* SCRIPT_REPLY_ERROR only */
    int row_count;
    int64_t value;           /* first integer column, e.g. remaining */
    int element_count;
    conn_element_t elements[SCRIPT_STEP_ELEMENT_COUNT_MAX];
    const char *texts[CONN_TEXT_MAX]; /* text columns of the first row, NULL: "" */
} script_step_t;

/* One backend call as the core made it. */
typedef struct {
    script_call_kind_t call;
    stmt_id_t stmt;
    int conn_number;
    bool has_params;
    conn_params_t params; /* the pointers stay valid: tests pass static strings */
} script_record_t;

typedef struct script_backend script_backend_t;

/* A connection handle with libpq's client-side state. */
typedef struct {
    script_backend_t *backend;
    int conn_number;
    bool closed;   /* libpq: PQstatus() == CONNECTION_BAD */
    bool released; /* close() was called, so any later use is a core bug */
    conn_txn_t txn;
} script_handle_t;

struct script_backend {
    const script_step_t *steps;
    int step_count;
    int step_index;
    script_record_t records[SCRIPT_RECORD_COUNT_MAX];
    int record_count;
    script_handle_t handles[SCRIPT_HANDLE_COUNT_MAX];
    int handle_count;
};

/* The environment: records sleeps, logs, fires and marks, does no I/O. */
typedef struct {
    script_backend_t *backend;

    int sleep_count;
    int64_t sleep_us[SCRIPT_SLEEP_COUNT_MAX];

    int log_count;
    core_log_t logs[SCRIPT_LOG_COUNT_MAX];

    core_rc_t fire_rc;
    int fire_count;
    int fire_record_count; /* backend calls made before the fire */
    char fire_exec_id[TEST_EXEC_ID_SIZE];
    int fire_result_count;
    conn_element_t fire_results[CONN_ELEMENTS_MAX];

    core_rc_t mark_rc;
    bool mark_confirmed;
    int mark_count;
    int mark_record_count; /* backend calls made before the mark */

    core_rc_t status_rc;   /* what status_read returns */
    core_status_t status;  /* the status it reports with CORE_OK */
    int status_read_count;
} script_env_t;

typedef struct {
    script_backend_t backend;
    script_env_t env;
    const core_env_ops_t *env_ops; /* script_env_ops unless a test swaps it */
    core_ctx_t ctx;
    int dispatch_count;

    core_rc_t work_rc;
    bool work_skipped;
    conn_element_t work_result;
    int work_count;
} test_fixture_t;

#define SCRIPT_CONNECT(n)                                                      \
    {.call = SCRIPT_CALL_CONNECT, .conn_number = (n), .reply = SCRIPT_REPLY_ROWS}
#define SCRIPT_CONNECT_FAILS                                                   \
    {.call = SCRIPT_CALL_CONNECT, .conn_number = 0, .reply = SCRIPT_REPLY_DEAD}
#define SCRIPT_EXEC_ROWS(n, id, rows, first_value)                             \
    {.call = SCRIPT_CALL_EXEC, .stmt = STMT_##id, .conn_number = (n),          \
     .reply = SCRIPT_REPLY_ROWS, .row_count = (rows), .value = (first_value)}
#define SCRIPT_EXEC_OK(n, id) SCRIPT_EXEC_ROWS(n, id, 0, 0)
/* One row whose text columns are an execution and an organization id, as the
 * reaper's SELECTs return them. */
#define SCRIPT_EXEC_TEXTS(n, id, exec_id, org_id)                              \
    {.call = SCRIPT_CALL_EXEC, .stmt = STMT_##id, .conn_number = (n),          \
     .reply = SCRIPT_REPLY_ROWS, .row_count = 1, .texts = {(exec_id), (org_id)}}
/* BEGIN, one statement that returns rows, COMMIT. */
#define SCRIPT_TXN_ROWS(n, id, rows)                                           \
    SCRIPT_EXEC_OK(n, BEGIN), SCRIPT_EXEC_ROWS(n, id, rows, 0), SCRIPT_EXEC_OK(n, COMMIT)
#define SCRIPT_BATCHED_ROWS(n, id, rows, first_value)                          \
    {.call = SCRIPT_CALL_BATCHED, .stmt = STMT_##id, .conn_number = (n),       \
     .reply = SCRIPT_REPLY_ROWS, .row_count = (rows), .value = (first_value)}
#define SCRIPT_BATCHED_DEAD(n, id)                                             \
    {.call = SCRIPT_CALL_BATCHED, .stmt = STMT_##id, .conn_number = (n),       \
     .reply = SCRIPT_REPLY_DEAD}
#define SCRIPT_EXEC_DEAD(n, id)                                                \
    {.call = SCRIPT_CALL_EXEC, .stmt = STMT_##id, .conn_number = (n),          \
     .reply = SCRIPT_REPLY_DEAD}
#define SCRIPT_EXEC_ERROR(n, id, state)                                        \
    {.call = SCRIPT_CALL_EXEC, .stmt = STMT_##id, .conn_number = (n),          \
     .reply = SCRIPT_REPLY_ERROR, .sqlstate = (state)}
/* Q-DEC reaching 0, returning the two results of test_final_results. */
#define SCRIPT_DEC_ZERO(n)                                                     \
    {.call = SCRIPT_CALL_EXEC, .stmt = STMT_DEC, .conn_number = (n),           \
     .reply = SCRIPT_REPLY_ROWS, .row_count = 1, .value = 0,                   \
     .element_count = 2,                                                       \
     .elements = {{.batch_index = 0, .value = 7},                              \
                  {.batch_index = TEST_BATCH_INDEX, .value = TEST_RESULT_VALUE}}}
#define SCRIPT_ROLLBACK_OK(n)                                                  \
    {.call = SCRIPT_CALL_ROLLBACK, .conn_number = (n), .reply = SCRIPT_REPLY_ROWS}
#define SCRIPT_ROLLBACK_DEAD(n)                                                \
    {.call = SCRIPT_CALL_ROLLBACK, .conn_number = (n), .reply = SCRIPT_REPLY_DEAD}
#define SCRIPT_CLOSE(n) {.call = SCRIPT_CALL_CLOSE, .conn_number = (n)}

static const core_batch_t test_batch = {
    .exec_id = TEST_EXEC_ID,
    .org_id = TEST_ORG_ID,
    .batch_index = TEST_BATCH_INDEX,
};
static const conn_element_t test_result = {
    .batch_index = TEST_BATCH_INDEX,
    .value = TEST_RESULT_VALUE,
};
static const conn_element_t test_final_results[2] = {
    {.batch_index = 0, .value = 7},
    {.batch_index = TEST_BATCH_INDEX, .value = TEST_RESULT_VALUE},
};

/* ------------------------------------------------------------------------ */
/* Scripted backend                                                          */
/* ------------------------------------------------------------------------ */

static void script_describe(script_call_kind_t call, stmt_id_t stmt, int conn_number,
                            char *text, size_t text_size)
{
    switch (call) {
    case SCRIPT_CALL_CONNECT:
        snprintf(text, text_size, "connect (connection %d)", conn_number);
        return;
    case SCRIPT_CALL_EXEC:
        snprintf(text, text_size, "%s on connection %d", stmt_label(stmt), conn_number);
        return;
    case SCRIPT_CALL_BATCHED:
        snprintf(text, text_size, "batched %s on connection %d", stmt_label(stmt),
                 conn_number);
        return;
    case SCRIPT_CALL_ROLLBACK:
        snprintf(text, text_size, "rollback on connection %d", conn_number);
        return;
    case SCRIPT_CALL_CLOSE:
        snprintf(text, text_size, "close of connection %d", conn_number);
        return;
    }
    snprintf(text, text_size, "unknown call %d", (int)call);
}

static void script_describe_step(const script_step_t *step, char *text, size_t text_size)
{
    script_describe(step->call, step->stmt, step->conn_number, text, text_size);
}

static bool script_step_matches(const script_step_t *step, script_call_kind_t call,
                                stmt_id_t stmt, int conn_number)
{
    if (step->call != call) {
        return false;
    }
    if ((call == SCRIPT_CALL_EXEC || call == SCRIPT_CALL_BATCHED) && step->stmt != stmt) {
        return false;
    }
    /* A failed connect allocates no number, so the script leaves it at 0. */
    if (call == SCRIPT_CALL_CONNECT && step->reply == SCRIPT_REPLY_DEAD) {
        return true;
    }
    return step->conn_number == conn_number;
}

/* Record a call and return its script step. Fails the test on a call that
 * the script does not expect next. */
static const script_step_t *script_take_step(script_backend_t *backend,
                                             script_call_kind_t call, stmt_id_t stmt,
                                             int conn_number,
                                             const conn_params_t *params)
{
    char actual[SCRIPT_DESCRIPTION_SIZE];
    char expected[SCRIPT_DESCRIPTION_SIZE];
    const script_step_t *step;
    script_record_t *record;

    script_describe(call, stmt, conn_number, actual, sizeof(actual));
    if (backend->record_count >= SCRIPT_RECORD_COUNT_MAX) {
        fail_msg("backend call %d (%s) exceeds the record limit %d",
                 backend->record_count + 1, actual, SCRIPT_RECORD_COUNT_MAX);
    }
    record = &backend->records[backend->record_count];
    backend->record_count++;
    memset(record, 0, sizeof(*record));
    record->call = call;
    record->stmt = stmt;
    record->conn_number = conn_number;
    if (params != NULL) {
        record->has_params = true;
        record->params = *params;
    }

    if (backend->step_index >= backend->step_count) {
        fail_msg("backend call %d: unexpected %s after the script's last step",
                 backend->record_count, actual);
    }
    step = &backend->steps[backend->step_index];
    backend->step_index++;
    if (!script_step_matches(step, call, stmt, conn_number)) {
        script_describe_step(step, expected, sizeof(expected));
        fail_msg("backend call %d: expected %s, got %s", backend->record_count,
                 expected, actual);
    }
    return step;
}

static script_handle_t *script_open_handle(script_backend_t *backend)
{
    script_handle_t *handle;

    if (backend->handle_count >= SCRIPT_HANDLE_COUNT_MAX) {
        fail_msg("connection %d exceeds the handle limit %d", backend->handle_count + 1,
                 SCRIPT_HANDLE_COUNT_MAX);
    }
    handle = &backend->handles[backend->handle_count];
    backend->handle_count++;
    memset(handle, 0, sizeof(*handle));
    handle->backend = backend;
    handle->conn_number = backend->handle_count;
    handle->txn = CONN_TXN_IDLE;
    return handle;
}

static void script_require_usable(const script_handle_t *handle, const char *operation)
{
    if (handle->released) {
        fail_msg("%s on connection %d after close()", operation, handle->conn_number);
    }
}

/* What libpq shows once the connection is known bad. */
static void script_mark_dead(script_handle_t *handle, conn_raw_t *raw_out)
{
    handle->closed = true;
    handle->txn = CONN_TXN_UNKNOWN;
    raw_out->answered = false;
    raw_out->connection_bad = true;
}

static conn_status_t script_connect(void *backend_ptr, void **handle_out)
{
    script_backend_t *backend = backend_ptr;
    int conn_number = backend->handle_count + 1;
    const script_step_t *step;

    step = script_take_step(backend, SCRIPT_CALL_CONNECT, STMT_BEGIN, conn_number, NULL);
    if (step->reply != SCRIPT_REPLY_ROWS) {
        backend->records[backend->record_count - 1].conn_number = 0;
        *handle_out = NULL;
        return CONN_DEAD;
    }
    *handle_out = script_open_handle(backend);
    return CONN_OK;
}

/* Check that a statement may be sent, then record it and return its step. */
static const script_step_t *script_take_send(script_handle_t *handle,
                                             script_call_kind_t call, const stmt_t *stmt,
                                             const conn_params_t *params)
{
    script_require_usable(handle, stmt->label);
    if (handle->closed) {
        fail_msg("%s sent on connection %d after its closed flag was set", stmt->label,
                 handle->conn_number);
    }
    return script_take_step(handle->backend, call, stmt->id, handle->conn_number, params);
}

/* Fill the reply of a statement step. The caller sets the transaction
 * status, because it depends on what was sent. */
static void script_fill_reply(const script_step_t *step, script_handle_t *handle,
                              conn_raw_t *raw_out)
{
    switch (step->reply) {
    case SCRIPT_REPLY_ROWS:
        if (step->element_count > SCRIPT_STEP_ELEMENT_COUNT_MAX) {
            fail_msg("script step has %d elements, limit %d", step->element_count,
                     SCRIPT_STEP_ELEMENT_COUNT_MAX);
        }
        raw_out->answered = true;
        raw_out->row_count = step->row_count;
        raw_out->value = step->value;
        raw_out->element_count = step->element_count;
        memcpy(raw_out->elements, step->elements,
               (size_t)step->element_count * sizeof(step->elements[0]));
        for (int i = 0; i < CONN_TEXT_MAX; i++) {
            if (step->texts[i] != NULL) {
                snprintf(raw_out->texts[i], CONN_TEXT_SIZE, "%s", step->texts[i]);
            }
        }
        return;
    case SCRIPT_REPLY_ERROR:
        raw_out->answered = true;
        snprintf(raw_out->sqlstate, sizeof(raw_out->sqlstate), "%s", step->sqlstate);
        return;
    case SCRIPT_REPLY_DEAD:
        script_mark_dead(handle, raw_out);
        return;
    }
    fail_msg("script step has an unknown reply kind %d", (int)step->reply);
}

static void script_exec(void *handle_ptr, const stmt_t *stmt, const conn_params_t *params,
                        conn_raw_t *raw_out)
{
    script_handle_t *handle = handle_ptr;
    const script_step_t *step = script_take_send(handle, SCRIPT_CALL_EXEC, stmt, params);

    script_fill_reply(step, handle, raw_out);
    if (step->reply == SCRIPT_REPLY_ROWS && stmt->id == STMT_BEGIN) {
        handle->txn = CONN_TXN_INTRANS;
    } else if (step->reply == SCRIPT_REPLY_ROWS && stmt->id == STMT_COMMIT) {
        handle->txn = CONN_TXN_IDLE;
    } else if (step->reply == SCRIPT_REPLY_ERROR) {
        /* The server ends the transaction on a failed COMMIT. Any other
         * failed statement leaves it aborted until a ROLLBACK. */
        handle->txn = stmt->id == STMT_COMMIT ? CONN_TXN_IDLE : CONN_TXN_INERROR;
    }
}

/* BEGIN; statement; COMMIT in one query string: a success ends idle, and an
 * error in the statement skips the COMMIT, leaving the transaction aborted. */
static void script_exec_batched(void *handle_ptr, const stmt_t *stmt,
                                const conn_params_t *params, conn_raw_t *raw_out)
{
    script_handle_t *handle = handle_ptr;
    const script_step_t *step =
        script_take_send(handle, SCRIPT_CALL_BATCHED, stmt, params);

    script_fill_reply(step, handle, raw_out);
    if (step->reply == SCRIPT_REPLY_ERROR) {
        handle->txn = CONN_TXN_INERROR;
    }
}

static void script_rollback(void *handle_ptr, conn_raw_t *raw_out)
{
    script_handle_t *handle = handle_ptr;
    const script_step_t *step;

    script_require_usable(handle, "rollback");
    if (handle->closed) {
        fail_msg("rollback sent on connection %d after its closed flag was set",
                 handle->conn_number);
    }
    if (handle->txn == CONN_TXN_IDLE) {
        fail_msg("rollback sent on connection %d with no transaction open",
                 handle->conn_number);
    }
    step = script_take_step(handle->backend, SCRIPT_CALL_ROLLBACK, STMT_BEGIN,
                            handle->conn_number, NULL);

    if (step->reply == SCRIPT_REPLY_DEAD) {
        script_mark_dead(handle, raw_out);
        return;
    }
    if (step->reply != SCRIPT_REPLY_ROWS) {
        fail_msg("a rollback step replies only ok or dead");
    }
    raw_out->answered = true;
    handle->txn = CONN_TXN_IDLE;
}

static conn_txn_t script_txn_status(void *handle_ptr)
{
    script_handle_t *handle = handle_ptr;

    script_require_usable(handle, "txn_status");
    return handle->txn;
}

static bool script_is_closed(void *handle_ptr)
{
    script_handle_t *handle = handle_ptr;

    script_require_usable(handle, "is_closed");
    return handle->closed;
}

static void script_close(void *handle_ptr)
{
    script_handle_t *handle = handle_ptr;

    script_require_usable(handle, "close");
    script_take_step(handle->backend, SCRIPT_CALL_CLOSE, STMT_BEGIN, handle->conn_number,
                     NULL);
    handle->released = true;
    handle->closed = true;
}

static const conn_ops_t script_conn_ops = {
    .version = CONN_OPS_VERSION,
    .name = "script",
    .connect = script_connect,
    .exec = script_exec,
    .rollback = script_rollback,
    .txn_status = script_txn_status,
    .is_closed = script_is_closed,
    .close = script_close,
    .exec_batched = script_exec_batched,
};

/* ------------------------------------------------------------------------ */
/* Scripted environment                                                      */
/* ------------------------------------------------------------------------ */

static void script_sleep_us(void *env_ptr, int64_t duration_us)
{
    script_env_t *env = env_ptr;

    if (env->sleep_count >= SCRIPT_SLEEP_COUNT_MAX) {
        fail_msg("sleep %d exceeds the sleep limit %d", env->sleep_count + 1,
                 SCRIPT_SLEEP_COUNT_MAX);
    }
    env->sleep_us[env->sleep_count] = duration_us;
    env->sleep_count++;
}

static void script_log(void *env_ptr, const core_log_t *event)
{
    script_env_t *env = env_ptr;

    if (env->log_count >= SCRIPT_LOG_COUNT_MAX) {
        fail_msg("log event %d (%s) exceeds the log limit %d", env->log_count + 1,
                 core_log_name(event->kind), SCRIPT_LOG_COUNT_MAX);
    }
    env->logs[env->log_count] = *event;
    env->log_count++;
}

static core_rc_t script_fire(void *env_ptr, const char *exec_id,
                             const conn_element_t *results, int result_count,
                             int64_t *callback_id_out)
{
    script_env_t *env = env_ptr;

    assert_in_range(result_count, 0, CONN_ELEMENTS_MAX);
    env->fire_count++;
    env->fire_record_count = env->backend->record_count;
    snprintf(env->fire_exec_id, sizeof(env->fire_exec_id), "%s", exec_id);
    env->fire_result_count = result_count;
    memcpy(env->fire_results, results, (size_t)result_count * sizeof(results[0]));
    if (env->fire_rc != CORE_OK) {
        return env->fire_rc;
    }
    *callback_id_out = TEST_CALLBACK_ID;
    return CORE_OK;
}

static core_rc_t script_mark_error(void *env_ptr, const char *exec_id,
                                   const char *org_id, bool *confirmed_out)
{
    script_env_t *env = env_ptr;

    assert_string_equal(exec_id, TEST_EXEC_ID);
    assert_string_equal(org_id, TEST_ORG_ID);
    env->mark_count++;
    env->mark_record_count = env->backend->record_count;
    *confirmed_out = env->mark_rc == CORE_OK && env->mark_confirmed;
    return env->mark_rc;
}

static core_rc_t script_status_read(void *env_ptr, const char *exec_id,
                                    const char *org_id, core_status_t *status_out)
{
    script_env_t *env = env_ptr;

    assert_string_equal(exec_id, TEST_EXEC_ID);
    assert_string_equal(org_id, TEST_ORG_ID);
    env->status_read_count++;
    *status_out = env->status;
    return env->status_rc;
}

/* Without status_read, as the workers' environment is. */
static const core_env_ops_t script_env_ops = {
    .sleep_us = script_sleep_us,
    .log = script_log,
    .fire = script_fire,
    .mark_error = script_mark_error,
};

/* With status_read, as the orchestrator's and the reaper's are. */
static const core_env_ops_t script_env_ops_status = {
    .sleep_us = script_sleep_us,
    .log = script_log,
    .fire = script_fire,
    .mark_error = script_mark_error,
    .status_read = script_status_read,
};

/* ------------------------------------------------------------------------ */
/* Test helpers                                                              */
/* ------------------------------------------------------------------------ */

static int test_setup(void **state)
{
    test_fixture_t *fx = calloc(1, sizeof(*fx));

    if (fx == NULL) {
        return -1;
    }
    fx->env.backend = &fx->backend;
    fx->env.fire_rc = CORE_OK;
    fx->env.mark_rc = CORE_OK;
    fx->env.mark_confirmed = true;
    fx->env.status_rc = CORE_OK;
    fx->env.status = CORE_STATUS_EXECUTING;
    fx->env_ops = &script_env_ops;
    fx->work_rc = CORE_OK;
    fx->work_result = test_result;
    *state = fx;
    return 0;
}

static int test_teardown(void **state)
{
    free(*state);
    return 0;
}

/* Load the script and build the context with a policy that outlives it. */
static void test_begin_policy(test_fixture_t *fx, const core_policy_t *policy,
                              const script_step_t *steps, int step_count)
{
    fx->backend.steps = steps;
    fx->backend.step_count = step_count;
    core_ctx_init(&fx->ctx, &script_conn_ops, &fx->backend, policy, fx->env_ops,
                  &fx->env);
}

/* Load the script and build the context with the named policy. */
static void test_begin(test_fixture_t *fx, const char *policy_name,
                       const script_step_t *steps, int step_count)
{
    const core_policy_t *policy = core_policy_find(policy_name);

    assert_non_null(policy);
    test_begin_policy(fx, policy, steps, step_count);
}

/* Give the context a connection left cached by an earlier call. Opening it
 * is not part of the script: it is connection 1, idle and healthy. */
static script_handle_t *test_cache_conn(test_fixture_t *fx)
{
    script_handle_t *handle = script_open_handle(&fx->backend);

    fx->ctx.conn.handle = handle;
    return handle;
}

static void script_assert_finished(const script_backend_t *backend)
{
    char expected[SCRIPT_DESCRIPTION_SIZE];

    if (backend->step_index < backend->step_count) {
        script_describe_step(&backend->steps[backend->step_index], expected,
                             sizeof(expected));
        fail_msg("script step %d of %d never happened: %s", backend->step_index + 1,
                 backend->step_count, expected);
    }
}

static int script_exec_count(const script_backend_t *backend, stmt_id_t stmt)
{
    int count = 0;
    int i;

    for (i = 0; i < backend->record_count; i++) {
        if (backend->records[i].call == SCRIPT_CALL_EXEC &&
            backend->records[i].stmt == stmt) {
            count++;
        }
    }
    return count;
}

static int script_call_count(const script_backend_t *backend, script_call_kind_t call)
{
    int count = 0;
    int i;

    for (i = 0; i < backend->record_count; i++) {
        if (backend->records[i].call == call) {
            count++;
        }
    }
    return count;
}

/* Index of the first recorded send of stmt, or -1. */
static int script_exec_index(const script_backend_t *backend, stmt_id_t stmt)
{
    int i;

    for (i = 0; i < backend->record_count; i++) {
        if (backend->records[i].call == SCRIPT_CALL_EXEC &&
            backend->records[i].stmt == stmt) {
            return i;
        }
    }
    return -1;
}

static const script_record_t *script_first_exec(const script_backend_t *backend,
                                                stmt_id_t stmt)
{
    int index = script_exec_index(backend, stmt);

    if (index < 0) {
        fail_msg("%s was never sent", stmt_label(stmt));
    }
    return &backend->records[index];
}

static int script_log_count(const script_env_t *env, core_log_kind_t kind)
{
    int count = 0;
    int i;

    for (i = 0; i < env->log_count; i++) {
        if (env->logs[i].kind == kind) {
            count++;
        }
    }
    return count;
}

static core_rc_t test_work(void *arg, const core_batch_t *batch,
                           conn_element_t *result_out, bool *skipped_out)
{
    test_fixture_t *fx = arg;

    assert_ptr_equal(batch, &test_batch);
    fx->work_count++;
    *result_out = fx->work_result;
    *skipped_out = fx->work_skipped;
    return fx->work_rc;
}

static void test_classify_sqlstate(const char *sqlstate, conn_result_t *result_out)
{
    conn_raw_t raw;

    memset(&raw, 0, sizeof(raw));
    raw.answered = true;
    snprintf(raw.sqlstate, sizeof(raw.sqlstate), "%s", sqlstate);
    conn_classify(&raw, result_out);
}

/* ------------------------------------------------------------------------ */
/* conn: classification and the ops table                                    */
/* ------------------------------------------------------------------------ */

static void test_core_classify_dead_sqlstate_classes(void **state)
{
    /* Connection exception, transaction rollback (deadlock, serialization),
     * operator intervention (admin shutdown, statement timeout), and the
     * other classes psycopg2 maps to OperationalError: invalid statement
     * name, triggered data change, invalid cursor name, FDW errors and
     * every class starting with 5. */
    static const char *const dead_sqlstates[] = {"08006", "08003", "40001", "40P01",
                                                 "57P01", "57014", "26000", "27000",
                                                 "34000", "HV000", "53100", "55P03",
                                                 "58030"};
    conn_result_t result;
    int i;

    (void)state;
    for (i = 0; i < TEST_COUNT(dead_sqlstates); i++) {
        test_classify_sqlstate(dead_sqlstates[i], &result);
        if (result.status != CONN_DEAD) {
            fail_msg("SQLSTATE %s classified as %s, expected %s", dead_sqlstates[i],
                     conn_status_name(result.status), conn_status_name(CONN_DEAD));
        }
    }
}

static void test_core_classify_data_exception_logical(void **state)
{
    conn_result_t result;

    (void)state;
    test_classify_sqlstate("22P05", &result);

    assert_int_equal(result.status, CONN_LOGICAL);
    assert_string_equal(result.sqlstate, "22P05");
    assert_int_equal(result.row_count, 0);
}

static void test_core_classify_no_reply_dead(void **state)
{
    conn_raw_t raw;
    conn_result_t result;

    (void)state;
    memset(&raw, 0, sizeof(raw));
    raw.answered = false;
    conn_classify(&raw, &result);

    assert_int_equal(result.status, CONN_DEAD);
}

static void test_core_classify_bad_connection_dead(void **state)
{
    conn_raw_t raw;
    conn_result_t result;

    (void)state;
    memset(&raw, 0, sizeof(raw));
    raw.answered = true;
    raw.connection_bad = true;
    raw.row_count = 1;
    conn_classify(&raw, &result);

    assert_int_equal(result.status, CONN_DEAD);
    assert_int_equal(result.row_count, 0);
}

static void test_core_classify_rows_ok(void **state)
{
    conn_raw_t raw;
    conn_result_t result;

    (void)state;
    memset(&raw, 0, sizeof(raw));
    raw.answered = true;
    raw.row_count = 1;
    raw.value = 4;
    raw.element_count = 1;
    raw.elements[0] = test_result;
    conn_classify(&raw, &result);

    assert_int_equal(result.status, CONN_OK);
    assert_int_equal(result.row_count, 1);
    assert_int_equal(result.value, 4);
    assert_int_equal(result.element_count, 1);
    assert_int_equal(result.elements[0].batch_index, TEST_BATCH_INDEX);
    assert_int_equal(result.elements[0].value, TEST_RESULT_VALUE);
}

static void test_core_ops_check_accepts_complete_table(void **state)
{
    const char *missing = "unset";

    (void)state;
    assert_int_equal(conn_ops_check(&script_conn_ops, &missing), 0);
    assert_null(missing);
}

static void test_core_ops_check_rejects_missing_callback(void **state)
{
    conn_ops_t ops = script_conn_ops;
    const char *missing = NULL;

    (void)state;
    ops.rollback = NULL;

    assert_int_equal(conn_ops_check(&ops, &missing), -1);
    assert_non_null(missing);
    assert_string_equal(missing, "rollback");
}

static void test_core_ops_check_rejects_wrong_version(void **state)
{
    conn_ops_t ops = script_conn_ops;
    const char *missing = NULL;

    (void)state;
    ops.version = CONN_OPS_VERSION + 1;

    assert_int_equal(conn_ops_check(&ops, &missing), -1);
    assert_non_null(missing);
    assert_string_equal(missing, "version");
}

static void test_core_exec_closed_handle_skips_backend(void **state)
{
    test_fixture_t *fx = *state;
    conn_result_t result;
    conn_t conn;
    script_handle_t *handle;

    conn_init(&conn, &script_conn_ops, &fx->backend);
    handle = script_open_handle(&fx->backend);
    handle->closed = true;
    conn.handle = handle;
    conn_exec(&conn, stmt_get(STMT_DEC), NULL, &result);

    assert_int_equal(result.status, CONN_DEAD);
    assert_int_equal(fx->backend.record_count, 0);
}

static void test_core_rollback_idle_skips_backend(void **state)
{
    test_fixture_t *fx = *state;
    conn_t conn;

    conn_init(&conn, &script_conn_ops, &fx->backend);
    conn.handle = script_open_handle(&fx->backend);

    assert_int_equal(conn_rollback(&conn), CONN_OK);
    assert_int_equal(fx->backend.record_count, 0);
}

/* ------------------------------------------------------------------------ */
/* Decrement: which failures each policy retries                            */
/* ------------------------------------------------------------------------ */

static void test_core_decrement_execute_death_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, DEC),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ROWS(2, DEC, 1, 1),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 2);
    assert_int_equal(script_exec_count(&fx->backend, STMT_COMMIT), 1);
    assert_int_equal(fx->env.sleep_count, 1);
    assert_int_equal(fx->env.sleep_us[0], TEST_RETRY_BACKOFF_US);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_CONNECT), 1);
    assert_int_equal(dec.status, CORE_DEC_PENDING);
    assert_int_equal(dec.remaining, 1);
    script_assert_finished(&fx->backend);
}

static void test_core_decrement_execute_death_retry_completes(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, DEC),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_DEC_ZERO(2),
        SCRIPT_EXEC_OK(2, COMMIT),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ROWS(2, DEL, 1, 0),
        SCRIPT_EXEC_OK(2, COMMIT),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ROWS(2, CLEAR, 2, 0),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 2);
    assert_int_equal(fx->env.sleep_count, 1);
    assert_int_equal(fx->env.fire_count, 1);
    assert_int_equal(dec.status, CORE_DEC_COMPLETE);
    assert_int_equal(dec.remaining, 0);
    script_assert_finished(&fx->backend);
}

static void test_core_decrement_commit_death_not_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEC, 1, 1),
        SCRIPT_EXEC_DEAD(1, COMMIT),
        SCRIPT_CLOSE(1),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 1);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_CONNECT), 0);
    assert_int_equal(fx->env.sleep_count, 0);
    assert_null(fx->ctx.conn.handle);
    assert_int_equal(fx->ctx.error.phase, CORE_PHASE_COMMIT);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_COMMIT_FAILED), 1);
    script_assert_finished(&fx->backend);
}

/* Nothing cached at entry: the decrement connects, and that connection's
 * death is not retried. */
static void test_core_decrement_fresh_death_not_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_CONNECT(1),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, DEC),
        SCRIPT_CLOSE(1),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 1);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_CONNECT), 1);
    assert_int_equal(fx->env.sleep_count, 0);
    assert_null(fx->ctx.conn.handle);
    script_assert_finished(&fx->backend);
}

/* DataError: not retried, the recovery rollback keeps the connection, and
 * the DataError teardown deletes the row on that same connection. */
static void test_core_decrement_data_error_keeps_conn(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ERROR(1, DEC, "22P05"),
        SCRIPT_ROLLBACK_OK(1),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEL, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    script_handle_t *cached;
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    cached = test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_DATA);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 1);
    assert_int_equal(fx->env.sleep_count, 0);
    assert_ptr_equal(fx->ctx.conn.handle, cached);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEL), 1);
    assert_string_equal(fx->ctx.error.sqlstate, "22P05");
    assert_int_equal(fx->env.fire_count, 0);
    script_assert_finished(&fx->backend);
}

/* A failed rollback makes the DataError count as dead, so the execute phase
 * on the cached connection is retried once before the teardown. */
static void test_core_decrement_data_error_dead_rollback_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ERROR(1, DEC, "22P05"),
        SCRIPT_ROLLBACK_DEAD(1),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ERROR(2, DEC, "22P05"),
        SCRIPT_ROLLBACK_OK(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ROWS(2, DEL, 1, 0),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_DATA);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 2);
    assert_int_equal(fx->env.sleep_count, 1);
    assert_non_null(fx->ctx.conn.handle);
    script_assert_finished(&fx->backend);
}

/* psycopg2 raises OperationalError for a deadlock (40P01), so it counts as
 * dead: the live connection is rolled back and closed, and the execute phase
 * is retried. */
static void test_core_decrement_deadlock_counts_dead(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ERROR(1, DEC, "40P01"),
        SCRIPT_ROLLBACK_OK(1),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ROWS(2, DEC, 1, 1),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 2);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_ROLLBACK), 1);
    assert_int_equal(fx->env.sleep_count, 1);
    script_assert_finished(&fx->backend);
}

static void test_core_decrement_second_death_raises(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, DEC),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_DEAD(2, DEC),
        SCRIPT_CLOSE(2),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 2);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_CONNECT), 1);
    assert_int_equal(fx->env.sleep_count, 1);
    assert_null(fx->ctx.conn.handle);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_GIVE_UP), 1);
    script_assert_finished(&fx->backend);
}

/* Nothing cached and the server unreachable: three connects with 0.5 s and
 * 1.0 s backoffs, then CORE_E_CONNECT before any statement. */
static void test_core_decrement_connect_failure_raises(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_CONNECT_FAILS,
        SCRIPT_CONNECT_FAILS,
        SCRIPT_CONNECT_FAILS,
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_CONNECT);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_EXEC), 0);
    assert_int_equal(fx->env.sleep_count, 2);
    assert_int_equal(fx->env.sleep_us[0], 500000);
    assert_int_equal(fx->env.sleep_us[1], 1000000);
    assert_int_equal(fx->ctx.error.phase, CORE_PHASE_CONNECT);
    script_assert_finished(&fx->backend);
}

/* A call that fails before any reply leaves "no rows" in its result, not
 * what the caller's buffer held: callers log row_count whatever the outcome,
 * and a stale value made a seed's trace depend on the seed before it. */
static void test_core_failed_call_leaves_no_rows(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_CONNECT_FAILS, SCRIPT_CONNECT_FAILS, SCRIPT_CONNECT_FAILS,
        SCRIPT_CONNECT_FAILS, SCRIPT_CONNECT_FAILS, SCRIPT_CONNECT_FAILS,
    };
    static const core_txn_t txn = {{STMT_OCLAIM}, 1};
    conn_params_t params;
    conn_result_t rows;
    core_rc_t rc;

    test_begin(fx, "no-retry", steps, TEST_COUNT(steps));
    memset(&params, 0, sizeof(params));
    memset(&rows, 0x5a, sizeof(rows));
    rc = core__retrying_txn(&fx->ctx, &txn, &params, false, true, &rows);
    assert_int_equal(rc, CORE_E_CONNECT);
    assert_int_equal(rows.row_count, 0);
    assert_int_equal(rows.value, 0);
    assert_int_equal(rows.element_count, 0);

    memset(&rows, 0x5a, sizeof(rows));
    rc = core__cur(&fx->ctx, &txn, &params, &rows);
    assert_int_equal(rc, CORE_E_CONNECT);
    assert_int_equal(rows.row_count, 0);
    assert_int_equal(rows.value, 0);
    script_assert_finished(&fx->backend);
}

/* phase-split-late (variant d) samples "reused" after get_conn(), so a fresh
 * connection's death IS retried, unlike in
 * test_core_decrement_fresh_death_not_retried. */
static void test_core_decrement_late_sample_retries_fresh(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_CONNECT(1),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, DEC),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ROWS(2, DEC, 1, 1),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split-late", steps, TEST_COUNT(steps));
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 2);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_CONNECT), 2);
    assert_int_equal(fx->env.sleep_count, 1);
    assert_int_equal(dec.status, CORE_DEC_PENDING);
    script_assert_finished(&fx->backend);
}

/* The whole-transaction policies re-send Q-DEC after a failed COMMIT that may
 * have been applied: remaining goes 3 -> 2 (ack lost) -> 1, a double count. */
static const script_step_t test_commit_death_resent_steps[] = {
    SCRIPT_EXEC_OK(1, BEGIN),
    SCRIPT_EXEC_ROWS(1, DEC, 1, 2),
    SCRIPT_EXEC_DEAD(1, COMMIT),
    SCRIPT_CLOSE(1),
    SCRIPT_CONNECT(2),
    SCRIPT_EXEC_OK(2, BEGIN),
    SCRIPT_EXEC_ROWS(2, DEC, 1, 1),
    SCRIPT_EXEC_OK(2, COMMIT),
};

static void test_check_commit_death_resent(void **state, const char *policy_name)
{
    test_fixture_t *fx = *state;
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, policy_name, test_commit_death_resent_steps,
               TEST_COUNT(test_commit_death_resent_steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 2);
    assert_int_equal(script_exec_count(&fx->backend, STMT_COMMIT), 2);
    assert_int_equal(fx->env.sleep_count, 1);
    assert_int_equal(dec.remaining, 1);
    script_assert_finished(&fx->backend);
}

static void test_core_decrement_blind_resends_commit(void **state)
{
    test_check_commit_death_resent(state, "blind");
}

static void test_core_decrement_reused_guard_resends_commit(void **state)
{
    test_check_commit_death_resent(state, "reused-guard");
}

/* The reused-guard gate: the same COMMIT death on a fresh connection raises. */
static void test_core_decrement_reused_guard_fresh_not_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_CONNECT(1),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEC, 1, 2),
        SCRIPT_EXEC_DEAD(1, COMMIT),
        SCRIPT_CLOSE(1),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "reused-guard", steps, TEST_COUNT(steps));
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 1);
    assert_int_equal(fx->env.sleep_count, 0);
    script_assert_finished(&fx->backend);
}

static void test_core_decrement_no_retry_execute_death(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, DEC),
        SCRIPT_CLOSE(1),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "no-retry", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 1);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_CONNECT), 0);
    assert_int_equal(fx->env.sleep_count, 0);
    assert_null(fx->ctx.conn.handle);
    script_assert_finished(&fx->backend);
}

/* ------------------------------------------------------------------------ */
/* Decrement: acting on the committed row                                    */
/* ------------------------------------------------------------------------ */

static void test_core_decrement_zero_fires_then_cleans(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_DEC_ZERO(1),
        SCRIPT_EXEC_OK(1, COMMIT),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEL, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLEAR, 2, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(fx->env.fire_count, 1);
    assert_string_equal(fx->env.fire_exec_id, TEST_EXEC_ID);
    assert_int_equal(fx->env.fire_result_count, 2);
    assert_int_equal(fx->env.fire_results[0].batch_index,
                     test_final_results[0].batch_index);
    assert_int_equal(fx->env.fire_results[0].value, test_final_results[0].value);
    assert_int_equal(fx->env.fire_results[1].batch_index,
                     test_final_results[1].batch_index);
    assert_int_equal(fx->env.fire_results[1].value, test_final_results[1].value);
    /* Fired after Q-DEC's COMMIT (calls 1 to 3), before the Q-DEL. */
    assert_int_equal(fx->env.fire_record_count, 3);
    assert_true(script_exec_index(&fx->backend, STMT_DEL) <
                script_exec_index(&fx->backend, STMT_CLEAR));
    assert_int_equal(dec.status, CORE_DEC_COMPLETE);
    assert_int_equal(dec.callback_id, TEST_CALLBACK_ID);
    assert_int_equal(dec.aggregated_count, 2);
    assert_int_equal(dec.remaining, 0);
    script_assert_finished(&fx->backend);
}

/* A failed fire leaves the row at 0 for the reaper: no Q-DEL, no Q-CLEAR. */
static void test_core_decrement_fire_failure_keeps_row(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_DEC_ZERO(1),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    fx->env.fire_rc = CORE_E_FIRE;
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_FIRE);
    assert_int_equal(fx->env.fire_count, 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEL), 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLEAR), 0);
    assert_int_equal(fx->ctx.error.rc, CORE_E_FIRE);
    script_assert_finished(&fx->backend);
}

static void test_core_decrement_no_row_abandoned(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEC, 0, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(dec.status, CORE_DEC_ABANDONED);
    assert_int_equal(fx->env.fire_count, 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEL), 0);
    script_assert_finished(&fx->backend);
}

/* remaining < 0 is a duplicate decrement: delete the row, never fire. */
static void test_core_decrement_negative_deletes_row(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEC, 1, -1),
        SCRIPT_EXEC_OK(1, COMMIT),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEL, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(dec.status, CORE_DEC_ABANDONED);
    assert_int_equal(dec.remaining, -1);
    assert_int_equal(fx->env.fire_count, 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEL), 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLEAR), 0);
    script_assert_finished(&fx->backend);
}

/* A transaction left open by the caller: raise before sending anything. */
static void test_core_decrement_open_txn_rejected(void **state)
{
    test_fixture_t *fx = *state;
    script_handle_t *cached;
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split", NULL, 0);
    cached = test_cache_conn(fx);
    cached->txn = CONN_TXN_INTRANS;
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_OPEN_TXN);
    assert_int_equal(fx->backend.record_count, 0);
    assert_ptr_equal(fx->ctx.conn.handle, cached);
    assert_int_equal(fx->ctx.error.rc, CORE_E_OPEN_TXN);
}

/* libpq has no implicit transaction, so each attempt's Q-DEC must follow its
 * own BEGIN on the same connection. */
static void test_core_decrement_begin_precedes_each_dec(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, DEC),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ROWS(2, DEC, 1, 1),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    const script_record_t *records = fx->backend.records;
    core_dec_t dec;
    int dec_count = 0;
    int i;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    assert_int_equal(core_decrement(&fx->ctx, &test_batch, &test_result, &dec), CORE_OK);

    for (i = 0; i < fx->backend.record_count; i++) {
        if (records[i].call != SCRIPT_CALL_EXEC || records[i].stmt != STMT_DEC) {
            continue;
        }
        dec_count++;
        assert_true(i > 0);
        assert_int_equal(records[i - 1].call, SCRIPT_CALL_EXEC);
        assert_int_equal(records[i - 1].stmt, STMT_BEGIN);
        assert_int_equal(records[i - 1].conn_number, records[i].conn_number);
    }
    assert_int_equal(dec_count, 2);
    script_assert_finished(&fx->backend);
}

static void test_core_decrement_sends_result_params(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEC, 1, 1),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    const script_record_t *dec_record;
    core_dec_t dec;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    assert_int_equal(core_decrement(&fx->ctx, &test_batch, &test_result, &dec), CORE_OK);

    dec_record = script_first_exec(&fx->backend, STMT_DEC);
    assert_true(dec_record->has_params);
    assert_string_equal(dec_record->params.exec_id, TEST_EXEC_ID);
    assert_int_equal(dec_record->params.result.batch_index, TEST_BATCH_INDEX);
    assert_int_equal(dec_record->params.result.value, TEST_RESULT_VALUE);
    script_assert_finished(&fx->backend);
}

/* ------------------------------------------------------------------------ */
/* Claim                                                                     */
/* ------------------------------------------------------------------------ */

static void test_core_claim_first_delivery_wins(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLAIM, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    const script_record_t *claim_record;
    bool won = false;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_claim_batch(&fx->ctx, &test_batch, &won);

    assert_int_equal(rc, CORE_OK);
    assert_true(won);
    claim_record = script_first_exec(&fx->backend, STMT_CLAIM);
    assert_string_equal(claim_record->params.exec_id, TEST_EXEC_ID);
    assert_int_equal(claim_record->params.batch_index, TEST_BATCH_INDEX);
    script_assert_finished(&fx->backend);
}

/* The retried INSERT's result is authoritative, including "lost". */
static void test_core_claim_execute_death_retried_lost(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, CLAIM),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ROWS(2, CLAIM, 0, 0),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    bool won = true;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_claim_batch(&fx->ctx, &test_batch, &won);

    assert_int_equal(rc, CORE_OK);
    assert_false(won);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLAIM), 2);
    assert_int_equal(fx->env.sleep_count, 1);
    assert_int_equal(fx->env.sleep_us[0], TEST_RETRY_BACKOFF_US);
    script_assert_finished(&fx->backend);
}

static void test_core_claim_commit_death_not_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLAIM, 1, 0),
        SCRIPT_EXEC_DEAD(1, COMMIT),
        SCRIPT_CLOSE(1),
    };
    bool won = true;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_claim_batch(&fx->ctx, &test_batch, &won);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_false(won);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLAIM), 1);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_CONNECT), 0);
    assert_int_equal(fx->env.sleep_count, 0);
    assert_null(fx->ctx.conn.handle);
    script_assert_finished(&fx->backend);
}

static void test_core_claim_fresh_death_not_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_CONNECT(1),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, CLAIM),
        SCRIPT_CLOSE(1),
    };
    bool won = true;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    rc = core_claim_batch(&fx->ctx, &test_batch, &won);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_false(won);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLAIM), 1);
    assert_int_equal(fx->env.sleep_count, 0);
    script_assert_finished(&fx->backend);
}

static void test_core_claim_second_death_raises(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, CLAIM),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_DEAD(2, CLAIM),
        SCRIPT_CLOSE(2),
    };
    bool won = true;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_claim_batch(&fx->ctx, &test_batch, &won);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_false(won);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLAIM), 2);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_CONNECT), 1);
    assert_int_equal(fx->env.sleep_count, 1);
    script_assert_finished(&fx->backend);
}

/* A check violation (23514) on a reused connection: raised at once, and the
 * rolled-back connection stays cached. */
static void test_core_claim_logical_error_not_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ERROR(1, CLAIM, "23514"),
        SCRIPT_ROLLBACK_OK(1),
    };
    script_handle_t *cached;
    bool won = true;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    cached = test_cache_conn(fx);
    rc = core_claim_batch(&fx->ctx, &test_batch, &won);

    assert_int_equal(rc, CORE_E_LOGICAL);
    assert_false(won);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLAIM), 1);
    assert_int_equal(fx->env.sleep_count, 0);
    assert_ptr_equal(fx->ctx.conn.handle, cached);
    script_assert_finished(&fx->backend);
}

/* ------------------------------------------------------------------------ */
/* Run batch: claim, work, decrement and the error path                     */
/* ------------------------------------------------------------------------ */

static void test_core_run_batch_decrements_work_result(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLAIM, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEC, 1, 2),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    const script_record_t *dec_record;
    core_rb_t rb;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    fx->work_result.value = 9;
    rc = core_run_batch(&fx->ctx, &test_batch, test_work, fx, &rb);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(rb.status, CORE_RB_DECREMENTED);
    assert_int_equal(rb.dec.status, CORE_DEC_PENDING);
    assert_int_equal(rb.dec.remaining, 2);
    assert_int_equal(fx->work_count, 1);
    dec_record = script_first_exec(&fx->backend, STMT_DEC);
    assert_int_equal(dec_record->params.result.value, 9);
    assert_int_equal(fx->env.mark_count, 0);
    script_assert_finished(&fx->backend);
}

/* A pre-claimed batch (redelivery): no work, no decrement. */
static void test_core_run_batch_redelivery_skips_work(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLAIM, 0, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    core_rb_t rb;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_run_batch(&fx->ctx, &test_batch, test_work, fx, &rb);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(rb.status, CORE_RB_SKIPPED_REDELIVERY);
    assert_int_equal(fx->work_count, 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 0);
    assert_int_equal(fx->env.mark_count, 0);
    script_assert_finished(&fx->backend);
}

/* The work saw a terminal execution: no decrement and no abort. */
static void test_core_run_batch_terminal_skips_decrement(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLAIM, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    core_rb_t rb;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    fx->work_skipped = true;
    rc = core_run_batch(&fx->ctx, &test_batch, test_work, fx, &rb);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(rb.status, CORE_RB_SKIPPED_TERMINAL);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ABORT), 0);
    assert_int_equal(fx->env.mark_count, 0);
    script_assert_finished(&fx->backend);
}

/* A claim failure propagates before the error path: no mark, no abort. */
static void test_core_run_batch_claim_failure_skips_error_path(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLAIM, 1, 0),
        SCRIPT_EXEC_DEAD(1, COMMIT),
        SCRIPT_CLOSE(1),
    };
    core_rb_t rb;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_run_batch(&fx->ctx, &test_batch, test_work, fx, &rb);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_int_equal(fx->work_count, 0);
    assert_int_equal(fx->env.mark_count, 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ABORT), 0);
    script_assert_finished(&fx->backend);
}

/* Confirmed mark: the row is deleted, the markers are kept (no Q-CLEAR). */
static void test_core_run_batch_work_failure_aborts_row(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLAIM, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, ABORT, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    core_rb_t rb;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    fx->work_rc = CORE_E_WORK;
    rc = core_run_batch(&fx->ctx, &test_batch, test_work, fx, &rb);

    assert_int_equal(rc, CORE_E_WORK);
    assert_int_equal(fx->env.mark_count, 1);
    /* Marked after the claim's three calls, before the abort's BEGIN. */
    assert_int_equal(fx->env.mark_record_count, 3);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ABORT), 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLEAR), 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 0);
    script_assert_finished(&fx->backend);
}

/* A failed decrement COMMIT after a confirmed mark: the abort reconnects,
 * deletes the row, keeps the markers, and the decrement's error is returned. */
static void test_core_run_batch_decrement_failure_aborts_row(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLAIM, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEC, 1, 1),
        SCRIPT_EXEC_DEAD(1, COMMIT),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ROWS(2, ABORT, 1, 0),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    core_rb_t rb;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_run_batch(&fx->ctx, &test_batch, test_work, fx, &rb);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_int_equal(fx->env.mark_count, 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ABORT), 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLEAR), 0);
    assert_int_equal(fx->ctx.error.stmt, STMT_DEC);
    assert_int_equal(fx->ctx.error.phase, CORE_PHASE_COMMIT);
    script_assert_finished(&fx->backend);
}

/* Unconfirmed mark: the row stays as the reaper's recovery handle. */
static void test_core_run_batch_unconfirmed_mark_keeps_row(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLAIM, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    core_rb_t rb;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    fx->work_rc = CORE_E_WORK;
    fx->env.mark_confirmed = false;
    rc = core_run_batch(&fx->ctx, &test_batch, test_work, fx, &rb);

    assert_int_equal(rc, CORE_E_WORK);
    assert_int_equal(fx->env.mark_count, 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ABORT), 0);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_MARK_UNCONFIRMED), 1);
    script_assert_finished(&fx->backend);
}

/* A status API failure counts as unconfirmed: the row stays. */
static void test_core_run_batch_failed_mark_keeps_row(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLAIM, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    core_rb_t rb;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    fx->work_rc = CORE_E_WORK;
    fx->env.mark_rc = CORE_E_STATUS;
    rc = core_run_batch(&fx->ctx, &test_batch, test_work, fx, &rb);

    assert_int_equal(rc, CORE_E_WORK);
    assert_int_equal(fx->env.mark_count, 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ABORT), 0);
    script_assert_finished(&fx->backend);
}

/* ------------------------------------------------------------------------ */
/* Abort                                                                     */
/* ------------------------------------------------------------------------ */

static void test_core_abort_won_clears_markers(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, ABORT, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLEAR, 2, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    bool won = false;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_abort(&fx->ctx, TEST_EXEC_ID, false, &won);

    assert_int_equal(rc, CORE_OK);
    assert_true(won);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLEAR), 1);
    script_assert_finished(&fx->backend);
}

static void test_core_abort_preserving_keeps_markers(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, ABORT, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    bool won = false;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_abort(&fx->ctx, TEST_EXEC_ID, true, &won);

    assert_int_equal(rc, CORE_OK);
    assert_true(won);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLEAR), 0);
    script_assert_finished(&fx->backend);
}

/* No row: an earlier aborter won ("already aborted"), and the markers stay. */
static void test_core_abort_no_row_not_won(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, ABORT, 0, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    bool won = true;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_abort(&fx->ctx, TEST_EXEC_ID, false, &won);

    assert_int_equal(rc, CORE_OK);
    assert_false(won);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLEAR), 0);
    script_assert_finished(&fx->backend);
}

/* Abort has no reconnect-retry: an idle-reaped connection fails it. */
static void test_core_abort_dead_conn_not_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_DEAD(1, BEGIN),
        SCRIPT_CLOSE(1),
    };
    bool won = true;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_abort(&fx->ctx, TEST_EXEC_ID, false, &won);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_false(won);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_CONNECT), 0);
    assert_int_equal(fx->env.sleep_count, 0);
    script_assert_finished(&fx->backend);
}

/* ------------------------------------------------------------------------ */
/* Arm: the idempotent helper                                               */
/* ------------------------------------------------------------------------ */

static void test_core_arm_sends_count_and_ttl(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, ARM_UPSERT, 1, 0),
        SCRIPT_EXEC_OK(1, ARM_WIPE),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    const script_record_t *upsert_record;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_arm(&fx->ctx, TEST_EXEC_ID, TEST_ORG_ID, TEST_ARM_COUNT);

    assert_int_equal(rc, CORE_OK);
    upsert_record = script_first_exec(&fx->backend, STMT_ARM_UPSERT);
    assert_string_equal(upsert_record->params.exec_id, TEST_EXEC_ID);
    assert_string_equal(upsert_record->params.org_id, TEST_ORG_ID);
    assert_int_equal(upsert_record->params.count, TEST_ARM_COUNT);
    assert_int_equal(upsert_record->params.ttl_s, 21600);
    script_assert_finished(&fx->backend);
}

static void test_core_arm_execute_death_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, ARM_UPSERT),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ROWS(2, ARM_UPSERT, 1, 0),
        SCRIPT_EXEC_OK(2, ARM_WIPE),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_arm(&fx->ctx, TEST_EXEC_ID, TEST_ORG_ID, TEST_ARM_COUNT);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ARM_UPSERT), 2);
    assert_int_equal(script_exec_count(&fx->backend, STMT_COMMIT), 1);
    assert_int_equal(fx->env.sleep_count, 1);
    assert_int_equal(fx->env.sleep_us[0], TEST_RETRY_BACKOFF_US);
    script_assert_finished(&fx->backend);
}

/* Unlike the phase split, IDEM re-runs the whole transaction after a failed
 * COMMIT: both statements converge when re-run. */
static void test_core_arm_commit_death_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, ARM_UPSERT, 1, 0),
        SCRIPT_EXEC_OK(1, ARM_WIPE),
        SCRIPT_EXEC_DEAD(1, COMMIT),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ROWS(2, ARM_UPSERT, 1, 0),
        SCRIPT_EXEC_OK(2, ARM_WIPE),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_arm(&fx->ctx, TEST_EXEC_ID, TEST_ORG_ID, TEST_ARM_COUNT);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ARM_UPSERT), 2);
    assert_int_equal(script_exec_count(&fx->backend, STMT_COMMIT), 2);
    assert_int_equal(fx->env.sleep_count, 1);
    script_assert_finished(&fx->backend);
}

/* IDEM is not gated on reuse: a fresh connection's death is retried too. */
static void test_core_arm_fresh_death_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_CONNECT(1),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, ARM_UPSERT),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ROWS(2, ARM_UPSERT, 1, 0),
        SCRIPT_EXEC_OK(2, ARM_WIPE),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    rc = core_arm(&fx->ctx, TEST_EXEC_ID, TEST_ORG_ID, TEST_ARM_COUNT);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ARM_UPSERT), 2);
    assert_int_equal(fx->env.sleep_count, 1);
    script_assert_finished(&fx->backend);
}

/* A not-null violation (23502) is not a dead connection: raised at once. */
static void test_core_arm_logical_error_not_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ERROR(1, ARM_UPSERT, "23502"),
        SCRIPT_ROLLBACK_OK(1),
    };
    script_handle_t *cached;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    cached = test_cache_conn(fx);
    rc = core_arm(&fx->ctx, TEST_EXEC_ID, TEST_ORG_ID, TEST_ARM_COUNT);

    assert_int_equal(rc, CORE_E_LOGICAL);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ARM_UPSERT), 1);
    assert_int_equal(fx->env.sleep_count, 0);
    assert_ptr_equal(fx->ctx.conn.handle, cached);
    script_assert_finished(&fx->backend);
}

static void test_core_arm_second_death_raises(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, ARM_UPSERT),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_DEAD(2, ARM_UPSERT),
        SCRIPT_CLOSE(2),
    };
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_arm(&fx->ctx, TEST_EXEC_ID, TEST_ORG_ID, TEST_ARM_COUNT);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ARM_UPSERT), 2);
    assert_int_equal(fx->env.sleep_count, 1);
    assert_null(fx->ctx.conn.handle);
    script_assert_finished(&fx->backend);
}

/* ------------------------------------------------------------------------ */
/* Recover after error: rollback, then keep or discard the connection       */
/* ------------------------------------------------------------------------ */

/* An undefined table (42P01) is logical, but the rollback that follows finds
 * the connection dead, so it is discarded all the same. */
static void test_core_recover_failed_rollback_discards_conn(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ERROR(1, ABORT, "42P01"),
        SCRIPT_ROLLBACK_DEAD(1),
        SCRIPT_CLOSE(1),
    };
    bool won = true;
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_abort(&fx->ctx, TEST_EXEC_ID, false, &won);

    assert_int_equal(rc, CORE_E_LOGICAL);
    assert_null(fx->ctx.conn.handle);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_ROLLBACK_FAILED), 1);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_CONN_DISCARDED), 1);
    script_assert_finished(&fx->backend);
}

static void test_core_recover_failed_rollback_counts_dead(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_ROLLBACK_DEAD(1),
        SCRIPT_CLOSE(1),
    };
    script_handle_t *cached;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    cached = test_cache_conn(fx);
    cached->txn = CONN_TXN_INERROR;

    assert_true(core__recover(&fx->ctx, CORE_E_LOGICAL));
    assert_null(fx->ctx.conn.handle);
    script_assert_finished(&fx->backend);
}

static void test_core_recover_logical_error_keeps_conn(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_ROLLBACK_OK(1),
    };
    script_handle_t *cached;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    cached = test_cache_conn(fx);
    cached->txn = CONN_TXN_INERROR;

    assert_false(core__recover(&fx->ctx, CORE_E_LOGICAL));
    assert_ptr_equal(fx->ctx.conn.handle, cached);
    assert_int_equal(cached->txn, CONN_TXN_IDLE);
    script_assert_finished(&fx->backend);
}

/* ------------------------------------------------------------------------ */
/* Other policy variants                                                     */
/* ------------------------------------------------------------------------ */

/* phase-split-3 (variant f): the decrement never clears "reused", so with a
 * bound of 3 the death of the connection opened by the first retry is retried
 * as well. */
static void test_core_decrement_phase_split_3_retries_twice(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, DEC),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_DEAD(2, DEC),
        SCRIPT_CLOSE(2),
        SCRIPT_CONNECT(3),
        SCRIPT_EXEC_OK(3, BEGIN),
        SCRIPT_EXEC_ROWS(3, DEC, 1, 1),
        SCRIPT_EXEC_OK(3, COMMIT),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "phase-split-3", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 3);
    assert_int_equal(fx->env.sleep_count, 2);
    script_assert_finished(&fx->backend);
}

/* The claim clears "reused" before its retry, so the same bound of 3 still
 * stops at the second death. */
static void test_core_claim_phase_split_3_clears_reused(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, CLAIM),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_DEAD(2, CLAIM),
        SCRIPT_CLOSE(2),
    };
    bool won = true;
    core_rc_t rc;

    test_begin(fx, "phase-split-3", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_claim_batch(&fx->ctx, &test_batch, &won);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLAIM), 2);
    assert_int_equal(fx->env.sleep_count, 1);
    script_assert_finished(&fx->backend);
}

/* idem-misapplied (variant h): the idempotent helper's retry re-sends Q-DEC
 * after a COMMIT death, as blind and reused-guard do. */
static void test_core_decrement_idem_misapplied_resends_commit(void **state)
{
    test_check_commit_death_resent(state, "idem-misapplied");
}

/* Blind retries any error: a DataError is re-sent once on the kept
 * connection before the DataError teardown. */
static void test_core_decrement_blind_retries_data_error(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ERROR(1, DEC, "22P05"),
        SCRIPT_ROLLBACK_OK(1),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ERROR(1, DEC, "22P05"),
        SCRIPT_ROLLBACK_OK(1),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEL, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "blind", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_DATA);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 2);
    assert_int_equal(fx->env.sleep_count, 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEL), 1);
    script_assert_finished(&fx->backend);
}

/* Without BEGIN each Q-DEC commits on its own, and the execute-phase retry
 * re-sends it: the double-decrement hazard that explicit BEGIN prevents. */
static void test_core_decrement_autocommit_resends_dec(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_DEAD(1, DEC),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_ROWS(2, DEC, 1, 1),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "autocommit", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_exec_count(&fx->backend, STMT_BEGIN), 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_COMMIT), 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 2);
    script_assert_finished(&fx->backend);
}

static void test_core_decrement_batched_one_round_trip(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_BATCHED_ROWS(1, DEC, 1, 1),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "batched-commit", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_BATCHED), 1);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_EXEC), 0);
    assert_int_equal(dec.remaining, 1);
    script_assert_finished(&fx->backend);
}

/* A batched send that dies is a COMMIT failure, yet this variant re-sends
 * the whole string on a new connection. */
static void test_core_decrement_batched_death_resent(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_BATCHED_DEAD(1, DEC),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_BATCHED_ROWS(2, DEC, 1, 1),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "batched-commit", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_BATCHED), 2);
    assert_int_equal(fx->env.sleep_count, 1);
    script_assert_finished(&fx->backend);
}

/* The strict classifier keeps a deadlock logical: no retry, and the
 * rolled-back connection stays cached. */
static void test_core_decrement_strict_deadlock_not_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ERROR(1, DEC, "40P01"),
        SCRIPT_ROLLBACK_OK(1),
    };
    script_handle_t *cached;
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "strict-classifier", steps, TEST_COUNT(steps));
    cached = test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_LOGICAL);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 1);
    assert_int_equal(fx->env.sleep_count, 0);
    assert_ptr_equal(fx->ctx.conn.handle, cached);
    script_assert_finished(&fx->backend);
}

/* After a COMMIT death only COMMIT is re-sent, on a new connection with no
 * transaction open, and the first attempt's row is returned. */
static void test_core_decrement_statement_replay_resends_commit(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEC, 1, 2),
        SCRIPT_EXEC_DEAD(1, COMMIT),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "statement-replay", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_COMMIT), 2);
    assert_int_equal(fx->env.sleep_count, 1);
    assert_int_equal(dec.remaining, 2);
    script_assert_finished(&fx->backend);
}

/* After a Q-DEC death, Q-DEC is re-sent without BEGIN, so it autocommits. */
static void test_core_decrement_statement_replay_skips_begin(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, DEC),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_ROWS(2, DEC, 1, 1),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "statement-replay", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_exec_count(&fx->backend, STMT_BEGIN), 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 2);
    script_assert_finished(&fx->backend);
}

/* The retry on the dead handle fails from its closed flag, with no I/O and
 * no reconnect. */
static void test_core_decrement_same_handle_never_reconnects(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_DEAD(1, DEC),
        SCRIPT_CLOSE(1),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "same-handle", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_CONNECT), 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 1);
    assert_int_equal(fx->env.sleep_count, 1);
    assert_null(fx->ctx.conn.handle);
    script_assert_finished(&fx->backend);
}

/* abort-retry (variant m) retries a COMMIT death of Q-ABORT. The retry finds
 * the row gone and returns "not won", which only skips the marker clear. */
static void test_core_abort_retry_policy_retries(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, ABORT, 1, 0),
        SCRIPT_EXEC_DEAD(1, COMMIT),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_EXEC_OK(2, BEGIN),
        SCRIPT_EXEC_ROWS(2, ABORT, 0, 0),
        SCRIPT_EXEC_OK(2, COMMIT),
    };
    bool won = true;
    core_rc_t rc;

    test_begin(fx, "abort-retry", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_abort(&fx->ctx, TEST_EXEC_ID, false, &won);

    assert_int_equal(rc, CORE_OK);
    assert_false(won);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ABORT), 2);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLEAR), 0);
    assert_int_equal(fx->env.sleep_count, 1);
    script_assert_finished(&fx->backend);
}

/* delete-first (variant i): the old error path deletes the row and clears
 * the markers before it marks the execution ERROR. */
static void test_core_run_batch_delete_first_aborts_before_mark(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLAIM, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, ABORT, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLEAR, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    core_rb_t rb;
    core_rc_t rc;

    test_begin(fx, "delete-first", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    fx->work_rc = CORE_E_WORK;
    rc = core_run_batch(&fx->ctx, &test_batch, test_work, fx, &rb);

    assert_int_equal(rc, CORE_E_WORK);
    assert_int_equal(fx->env.mark_count, 1);
    /* Marked only after all nine backend calls. */
    assert_int_equal(fx->env.mark_record_count, 9);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLEAR), 1);
    script_assert_finished(&fx->backend);
}

static void test_core_run_batch_no_claim_runs_work(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEC, 1, 1),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    core_rb_t rb;
    core_rc_t rc;

    test_begin(fx, "no-claim", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_run_batch(&fx->ctx, &test_batch, test_work, fx, &rb);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLAIM), 0);
    assert_int_equal(fx->work_count, 1);
    assert_int_equal(rb.status, CORE_RB_DECREMENTED);
    script_assert_finished(&fx->backend);
}

static void test_core_claim_delivery_dedup_keys_on_delivery(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, CLAIM, 1, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    static const core_batch_t batch = {
        .exec_id = TEST_EXEC_ID,
        .org_id = TEST_ORG_ID,
        .batch_index = TEST_BATCH_INDEX,
        .delivery_id = 11,
    };
    const script_record_t *claim_record;
    bool won = false;

    test_begin(fx, "delivery-dedup", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    assert_int_equal(core_claim_batch(&fx->ctx, &batch, &won), CORE_OK);

    claim_record = script_first_exec(&fx->backend, STMT_CLAIM);
    assert_int_equal(claim_record->params.batch_index, 11);
    assert_true(won);
    script_assert_finished(&fx->backend);
}

static void test_core_classify_strict_dead_only_when_lost(void **state)
{
    static const struct {
        const char *sqlstate;
        conn_status_t status;
    } cases[] = {
        {"08006", CONN_DEAD},    {"57P01", CONN_DEAD},    {"40P01", CONN_LOGICAL},
        {"40001", CONN_LOGICAL}, {"57014", CONN_LOGICAL}, {"55P03", CONN_LOGICAL},
    };
    conn_raw_t raw;
    conn_result_t result;
    int i;

    (void)state;
    for (i = 0; i < TEST_COUNT(cases); i++) {
        memset(&raw, 0, sizeof(raw));
        raw.answered = true;
        snprintf(raw.sqlstate, sizeof(raw.sqlstate), "%s", cases[i].sqlstate);
        conn_classify_with(&raw, true, &result);
        if (result.status != cases[i].status) {
            fail_msg("strict: SQLSTATE %s classified as %s, expected %s",
                     cases[i].sqlstate, conn_status_name(result.status),
                     conn_status_name(cases[i].status));
        }
    }
}

/* A backend without exec_batched returns SQLSTATE 0A000 (feature not supported). */
static void test_core_exec_batched_unsupported_logical(void **state)
{
    test_fixture_t *fx = *state;
    conn_ops_t ops = script_conn_ops;
    conn_result_t result;
    conn_t conn;

    ops.exec_batched = NULL;
    conn_init(&conn, &ops, &fx->backend);
    conn.handle = script_open_handle(&fx->backend);
    conn_exec_batched(&conn, stmt_get(STMT_DEC), NULL, &result);

    assert_int_equal(result.status, CONN_LOGICAL);
    assert_string_equal(result.sqlstate, "0A000");
    assert_int_equal(fx->backend.record_count, 0);
}

/* ------------------------------------------------------------------------ */
/* conn: the remaining wrapper and classifier cases                          */
/* ------------------------------------------------------------------------ */

static void test_core_ops_check_names_each_callback(void **state)
{
    static const char *const names[] = {"connect", "exec", "rollback",
                                         "txn_status", "is_closed", "close"};
    const char *missing;
    conn_ops_t ops;
    int i;

    (void)state;
    for (i = 0; i < TEST_COUNT(names); i++) {
        ops = script_conn_ops;
        switch (i) {
        case 0:
            ops.connect = NULL;
            break;
        case 1:
            ops.exec = NULL;
            break;
        case 2:
            ops.rollback = NULL;
            break;
        case 3:
            ops.txn_status = NULL;
            break;
        case 4:
            ops.is_closed = NULL;
            break;
        default:
            ops.close = NULL;
            break;
        }
        missing = NULL;
        assert_int_equal(conn_ops_check(&ops, &missing), -1);
        assert_non_null(missing);
        assert_string_equal(missing, names[i]);
    }
}

/* exec_batched is optional: a table without it still passes the check. */
static void test_core_ops_check_accepts_no_batched(void **state)
{
    conn_ops_t ops = script_conn_ops;
    const char *missing = "unset";

    (void)state;
    ops.exec_batched = NULL;

    assert_int_equal(conn_ops_check(&ops, &missing), 0);
    assert_null(missing);
}

static void test_core_exec_batched_closed_handle_dead(void **state)
{
    test_fixture_t *fx = *state;
    conn_result_t result;
    conn_t conn;
    script_handle_t *handle;

    conn_init(&conn, &script_conn_ops, &fx->backend);
    handle = script_open_handle(&fx->backend);
    handle->closed = true;
    conn.handle = handle;
    conn_exec_batched(&conn, stmt_get(STMT_DEC), NULL, &result);

    assert_int_equal(result.status, CONN_DEAD);
    assert_int_equal(fx->backend.record_count, 0);
}

/* Strict classification: class 0A (feature not supported) shares the first
 * digit of class 08 but is a logical error. */
static void test_core_classify_strict_class_0a_logical(void **state)
{
    conn_raw_t raw;
    conn_result_t result;

    (void)state;
    memset(&raw, 0, sizeof(raw));
    raw.answered = true;
    snprintf(raw.sqlstate, sizeof(raw.sqlstate), "%s", "0A000");
    conn_classify_with(&raw, true, &result);

    assert_int_equal(result.status, CONN_LOGICAL);
    assert_string_equal(result.sqlstate, "0A000");
}

/* ------------------------------------------------------------------------ */
/* Names and the policy table                                                */
/* ------------------------------------------------------------------------ */

static void test_core_dec_status_names(void **state)
{
    (void)state;
    assert_string_equal(core_dec_status_name(CORE_DEC_PENDING), "pending");
    assert_string_equal(core_dec_status_name(CORE_DEC_COMPLETE), "complete");
    assert_string_equal(core_dec_status_name(CORE_DEC_ABANDONED), "abandoned");
    assert_string_equal(core_dec_status_name((core_dec_status_t)99), "unknown");
}

static void test_core_sweep_names(void **state)
{
    (void)state;
    assert_string_equal(core_sweep_name(CORE_SWEEP_NOT_LEADER), "not_leader");
    assert_string_equal(core_sweep_name(CORE_SWEEP_NOTHING), "nothing");
    assert_string_equal(core_sweep_name(CORE_SWEEP_SKIPPED), "skipped");
    assert_string_equal(core_sweep_name(CORE_SWEEP_CLEANED), "cleaned");
    assert_string_equal(core_sweep_name(CORE_SWEEP_RECOVERED), "recovered");
    assert_string_equal(core_sweep_name(CORE_SWEEP_FAILED), "failed");
    assert_string_equal(core_sweep_name(CORE_SWEEP_ABORTED), "aborted");
}

/* The retry loops end inside their last attempt only when attempt_max is at
 * least 1 (policy.h, invariant 2). */
static void test_core_policies_attempt_max_positive(void **state)
{
    const core_policy_t *policy;
    int i;

    (void)state;
    assert_true(core_policy_count() > 0);
    for (i = 0; i < core_policy_count(); i++) {
        policy = core_policy_at(i);
        if (policy->attempt_max < 1) {
            fail_msg("policy %s has attempt_max %d, expected at least 1", policy->name,
                     policy->attempt_max);
        }
    }
}

/* A mutant is found by name like a policy but is not one of the policies
 * that --policy all and the sweeps iterate. */
static void test_core_policy_find_mutant_apart(void **state)
{
    const core_policy_t *mutant;
    int i;
    int j;

    (void)state;
    assert_true(core_mutant_count() > 0);
    for (i = 0; i < core_mutant_count(); i++) {
        mutant = core_mutant_at(i);
        assert_ptr_equal(core_policy_find(mutant->name), mutant);
        assert_true(mutant->attempt_max >= 1);
        for (j = 0; j < core_policy_count(); j++) {
            if (core_policy_at(j) == mutant) {
                fail_msg("mutant %s is policy %d of the table", mutant->name, j);
            }
        }
    }
    assert_null(core_policy_find("no-such-policy"));
}

/* ------------------------------------------------------------------------ */
/* Plumbing: get_conn, REC and IDEM edge cases                               */
/* ------------------------------------------------------------------------ */

/* With no connection there is nothing to roll back or close: REC only
 * reports whether the error class counts as dead. */
static void test_core_recover_without_conn_no_io(void **state)
{
    test_fixture_t *fx = *state;

    test_begin(fx, "phase-split", NULL, 0);

    assert_true(core__recover(&fx->ctx, CORE_E_DEAD));
    assert_true(core__recover(&fx->ctx, CORE_E_CONNECT));
    assert_false(core__recover(&fx->ctx, CORE_E_LOGICAL));
    assert_int_equal(fx->backend.record_count, 0);
    assert_int_equal(fx->env.log_count, 0);
}

/* A cached handle whose closed flag is set is released, not reused. */
static void test_core_get_conn_replaces_closed_handle(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
    };
    script_handle_t *stale;
    const script_handle_t *fresh;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    stale = test_cache_conn(fx);
    stale->closed = true;

    assert_false(core__conn_cached(&fx->ctx));
    assert_int_equal(core__get_conn(&fx->ctx), CORE_OK);
    fresh = fx->ctx.conn.handle;
    assert_non_null(fresh);
    assert_int_equal(fresh->conn_number, 2);
    assert_true(stale->released);
    assert_int_equal(fx->env.sleep_count, 0);
    script_assert_finished(&fx->backend);
}

/* IDEM counts a failed connect as a dead connection: after get_conn's own
 * three connect attempts the arm runs once more. */
static void test_core_arm_connect_failure_retried(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_CONNECT_FAILS,
        SCRIPT_CONNECT_FAILS,
        SCRIPT_CONNECT_FAILS,
        SCRIPT_CONNECT(1),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, ARM_UPSERT, 1, 0),
        SCRIPT_EXEC_OK(1, ARM_WIPE),
        SCRIPT_EXEC_OK(1, COMMIT),
    };
    core_rc_t rc;

    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    rc = core_arm(&fx->ctx, TEST_EXEC_ID, TEST_ORG_ID, TEST_ARM_COUNT);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_CONNECT), 4);
    assert_int_equal(fx->env.sleep_count, 3);
    assert_int_equal(fx->env.sleep_us[0], 500000);
    assert_int_equal(fx->env.sleep_us[1], 1000000);
    assert_int_equal(fx->env.sleep_us[2], TEST_RETRY_BACKOFF_US);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_CONNECT_RETRY), 2);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_RETRY), 1);
    script_assert_finished(&fx->backend);
}

/* The phase split with batched sending: every failure is a COMMIT failure,
 * because COMMIT travels with the statement, so nothing is retried. No
 * table row combines the two; the test builds the policy. */
static void test_core_phase_split_batched_never_retries(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_BATCHED_DEAD(1, DEC),
        SCRIPT_CLOSE(1),
    };
    core_policy_t policy = *core_policy_find("phase-split");
    core_dec_t dec;
    core_rc_t rc;

    policy.send = CORE_SEND_BATCHED;
    test_begin_policy(fx, &policy, steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_DEAD);
    assert_int_equal(fx->ctx.error.phase, CORE_PHASE_COMMIT);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_COMMIT_FAILED), 1);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_RETRY), 0);
    assert_int_equal(fx->env.sleep_count, 0);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_CONNECT), 0);
    script_assert_finished(&fx->backend);
}

/* ------------------------------------------------------------------------ */
/* Generation guard with an unknown generation                               */
/* ------------------------------------------------------------------------ */

/* A header without a generation (0) falls back to the unguarded Q-DEC and
 * Q-DEL, because no arming matches generation 0. */
static void test_core_decrement_unknown_generation_unguarded(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, DEC, 1, -1),
        SCRIPT_EXEC_OK(1, COMMIT),
        SCRIPT_TXN_ROWS(1, DEL, 1),
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "generation-guard", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(dec.status, CORE_DEC_ABANDONED);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC_G), 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEL), 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEL_G), 0);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_NEGATIVE), 1);
    script_assert_finished(&fx->backend);
}

static void test_core_run_batch_unknown_generation_aborts_unguarded(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_TXN_ROWS(1, CLAIM_G, 1),
        SCRIPT_TXN_ROWS(1, ABORT, 1),
    };
    core_rb_t rb;
    core_rc_t rc;

    test_begin(fx, "generation-guard", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    fx->work_rc = CORE_E_WORK;
    rc = core_run_batch(&fx->ctx, &test_batch, test_work, fx, &rb);

    assert_int_equal(rc, CORE_E_WORK);
    assert_int_equal(fx->env.mark_count, 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ABORT), 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ABORT_G), 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLEAR), 0);
    script_assert_finished(&fx->backend);
}

/* ------------------------------------------------------------------------ */
/* Error path without an organization id                                     */
/* ------------------------------------------------------------------------ */

/* The work of a batch whose header carries no usable organization id. */
static core_rc_t test_work_any_batch(void *arg, const core_batch_t *batch,
                                     conn_element_t *result_out, bool *skipped_out)
{
    test_fixture_t *fx = arg;

    assert_string_equal(batch->exec_id, TEST_EXEC_ID);
    fx->work_count++;
    *result_out = fx->work_result;
    *skipped_out = false;
    return fx->work_rc;
}

/* The org-scoped status API cannot be called, so the mark counts as
 * unconfirmed and the row stays for the reaper. */
static void test_check_missing_org_keeps_row(void **state, const char *org_id)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_TXN_ROWS(1, CLAIM, 1),
    };
    core_batch_t batch = test_batch;
    core_rb_t rb;
    core_rc_t rc;

    batch.org_id = org_id;
    test_begin(fx, "phase-split", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    fx->work_rc = CORE_E_WORK;
    rc = core_run_batch(&fx->ctx, &batch, test_work_any_batch, fx, &rb);

    assert_int_equal(rc, CORE_E_WORK);
    assert_int_equal(fx->work_count, 1);
    assert_int_equal(fx->env.mark_count, 0);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_MARK_UNCONFIRMED), 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ABORT), 0);
    script_assert_finished(&fx->backend);
}

static void test_core_run_batch_empty_org_keeps_row(void **state)
{
    test_check_missing_org_keeps_row(state, "");
}

static void test_core_run_batch_null_org_keeps_row(void **state)
{
    test_check_missing_org_keeps_row(state, NULL);
}

/* The old order aborts first, so the row and the markers are gone although
 * no mark was possible. */
static void test_check_delete_first_missing_org(void **state, const char *org_id)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_TXN_ROWS(1, CLAIM, 1),
        SCRIPT_TXN_ROWS(1, ABORT, 1),
        SCRIPT_TXN_ROWS(1, CLEAR, 1),
    };
    core_batch_t batch = test_batch;
    core_rb_t rb;
    core_rc_t rc;

    batch.org_id = org_id;
    test_begin(fx, "delete-first", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    fx->work_rc = CORE_E_WORK;
    rc = core_run_batch(&fx->ctx, &batch, test_work_any_batch, fx, &rb);

    assert_int_equal(rc, CORE_E_WORK);
    assert_int_equal(fx->env.mark_count, 0);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_MARK_UNCONFIRMED), 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_ABORT), 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLEAR), 1);
    script_assert_finished(&fx->backend);
}

static void test_core_run_batch_delete_first_empty_org(void **state)
{
    test_check_delete_first_missing_org(state, "");
}

static void test_core_run_batch_delete_first_null_org(void **state)
{
    test_check_delete_first_missing_org(state, NULL);
}

/* ------------------------------------------------------------------------ */
/* Orchestrator: the terminal-status check                                   */
/* ------------------------------------------------------------------------ */

static core_rc_t test_dispatch(void *arg, int32_t batch_index, int64_t generation)
{
    test_fixture_t *fx = arg;

    assert_int_equal(batch_index, fx->dispatch_count);
    assert_int_equal(generation, 0);
    fx->dispatch_count++;
    return CORE_OK;
}

static const script_step_t test_orchestrate_steps[] = {
    SCRIPT_TXN_ROWS(1, OCLAIM, 1),
    SCRIPT_EXEC_OK(1, BEGIN),
    SCRIPT_EXEC_ROWS(1, ARM_UPSERT, 1, 0),
    SCRIPT_EXEC_OK(1, ARM_WIPE),
    SCRIPT_EXEC_OK(1, COMMIT),
};

/* Without a status API the claim winner arms at once. */
static void test_core_orchestrate_without_status_read_arms(void **state)
{
    test_fixture_t *fx = *state;
    core_orc_t orc = CORE_ORC_FAILED;
    core_rc_t rc;

    test_begin(fx, "phase-split", test_orchestrate_steps,
               TEST_COUNT(test_orchestrate_steps));
    test_cache_conn(fx);
    rc = core_orchestrate(&fx->ctx, TEST_EXEC_ID, TEST_ORG_ID, 2, true, test_dispatch,
                          fx, &orc);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(orc, CORE_ORC_ARMED);
    assert_int_equal(fx->dispatch_count, 2);
    assert_int_equal(fx->env.status_read_count, 0);
    assert_int_equal(fx->env.mark_count, 0);
    script_assert_finished(&fx->backend);
}

/* No recorded status is not terminal: the winner arms. */
static void test_core_orchestrate_no_status_arms(void **state)
{
    test_fixture_t *fx = *state;
    core_orc_t orc = CORE_ORC_FAILED;
    core_rc_t rc;

    fx->env_ops = &script_env_ops_status;
    fx->env.status = CORE_STATUS_NONE;
    test_begin(fx, "phase-split", test_orchestrate_steps,
               TEST_COUNT(test_orchestrate_steps));
    test_cache_conn(fx);
    rc = core_orchestrate(&fx->ctx, TEST_EXEC_ID, TEST_ORG_ID, 2, true, test_dispatch,
                          fx, &orc);

    assert_int_equal(rc, CORE_OK);
    assert_int_equal(orc, CORE_ORC_ARMED);
    assert_int_equal(fx->dispatch_count, 2);
    assert_int_equal(fx->env.status_read_count, 1);
    script_assert_finished(&fx->backend);
}

/* ------------------------------------------------------------------------ */
/* Resolved and fused decrements                                             */
/* ------------------------------------------------------------------------ */

/* A logical error in the resolved decrement's transaction is rolled back and
 * raised without a retry; only SQLSTATE class 22 makes it a data error. */
static void test_check_resolved_logical(void **state, const script_step_t *steps,
                                        int step_count, const char *sqlstate)
{
    test_fixture_t *fx = *state;
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "resolved", steps, step_count);
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_LOGICAL);
    assert_string_equal(fx->ctx.error.sqlstate, sqlstate);
    assert_int_equal(fx->ctx.error.phase, CORE_PHASE_EXECUTE);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC_XID), 0);
    assert_int_equal(fx->env.sleep_count, 0);
    assert_int_equal(script_call_count(&fx->backend, SCRIPT_CALL_CLOSE), 0);
    assert_int_equal(fx->env.fire_count, 0);
    script_assert_finished(&fx->backend);
}

static void test_core_resolved_missing_table_logical(void **state)
{
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ERROR(1, K_MARK, "42P01"),
        SCRIPT_ROLLBACK_OK(1),
    };

    test_check_resolved_logical(state, steps, TEST_COUNT(steps), "42P01");
}

static void test_core_resolved_class_23_not_data_error(void **state)
{
    static const script_step_t steps[] = {
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ERROR(1, K_MARK, "23505"),
        SCRIPT_ROLLBACK_OK(1),
    };

    test_check_resolved_logical(state, steps, TEST_COUNT(steps), "23505");
}

/* The fused decrement's retry reconnects; when that fails, the connect
 * failure is raised and neither the claim nor the decrement is sent. */
static void test_core_fused_retry_connect_failure_raises(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_EXEC_DEAD(1, BEGIN),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT_FAILS,
        SCRIPT_CONNECT_FAILS,
        SCRIPT_CONNECT_FAILS,
    };
    core_dec_t dec;
    core_rc_t rc;

    test_begin(fx, "fused-claim", steps, TEST_COUNT(steps));
    test_cache_conn(fx);
    rc = core_decrement(&fx->ctx, &test_batch, &test_result, &dec);

    assert_int_equal(rc, CORE_E_CONNECT);
    assert_int_equal(fx->ctx.error.phase, CORE_PHASE_CONNECT);
    assert_int_equal(fx->env.sleep_count, 3);
    assert_int_equal(fx->env.sleep_us[0], TEST_RETRY_BACKOFF_US);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLAIM), 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_DEC), 0);
    assert_int_equal(fx->env.fire_count, 0);
    script_assert_finished(&fx->backend);
}

/* ------------------------------------------------------------------------ */
/* Reaper: one tick on the scripted backend                                  */
/* ------------------------------------------------------------------------ */

#define TEST_REAPER_ID "reaper-1"
#define TEST_SWEEP_PERIOD_US (CORE_REAPER_SWEEP_PERIOD_S * 1000000LL)

/* A leader whose periodic sweeps are not due; tests that need them set
 * sweep_due_us to 0. */
static core_reaper_t test_reaper_leader(void)
{
    core_reaper_t reaper;

    memset(&reaper, 0, sizeof(reaper));
    reaper.leader_id = TEST_REAPER_ID;
    reaper.stuck_timeout_s = 60;
    reaper.lease_s = 30;
    reaper.retention_s = 86400;
    reaper.is_leader = true;
    reaper.sweep_due_us = INT64_MAX;
    return reaper;
}

/* Run one tick with the status API and return its sweep. */
static core_sweep_t test_reaper_tick(test_fixture_t *fx, core_reaper_t *reaper,
                                     const script_step_t *steps, int step_count)
{
    core_sweep_t sweep = CORE_SWEEP_ABORTED;

    fx->env_ops = &script_env_ops_status;
    test_begin(fx, "phase-split", steps, step_count);
    test_cache_conn(fx);
    assert_int_equal(core_reaper_tick(&fx->ctx, reaper, 0, &sweep), CORE_OK);
    script_assert_finished(&fx->backend);
    return sweep;
}

/* The renewal and the stranded row that the steps below start with. */
#define TEST_REAPER_SELECTED(org_id)                                           \
    SCRIPT_TXN_ROWS(1, LOCK_RENEW, 1), SCRIPT_EXEC_OK(1, BEGIN),               \
        SCRIPT_EXEC_TEXTS(1, RPR_SELECT, TEST_EXEC_ID, (org_id)),              \
        SCRIPT_EXEC_OK(1, COMMIT)

static void test_core_reaper_missing_org_skipped(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        TEST_REAPER_SELECTED(""),
        SCRIPT_TXN_ROWS(1, RPR_REARM, 0),
    };
    core_reaper_t reaper = test_reaper_leader();

    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_SKIPPED);
    assert_int_equal(fx->env.status_read_count, 0);
    assert_int_equal(fx->env.mark_count, 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_RPR_DELETE), 0);
}

/* reaper.h invariant 1: a failed status read marks nothing and keeps the row. */
static void test_core_reaper_status_failure_keeps_row(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        TEST_REAPER_SELECTED(TEST_ORG_ID),
        SCRIPT_TXN_ROWS(1, RPR_REARM, 0),
    };
    core_reaper_t reaper = test_reaper_leader();

    fx->env.status_rc = CORE_E_STATUS;
    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_FAILED);
    assert_int_equal(fx->env.status_read_count, 1);
    assert_int_equal(fx->env.mark_count, 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_RPR_RECHECK), 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_RPR_DELETE), 0);
}

static void test_core_reaper_no_status_skipped(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        TEST_REAPER_SELECTED(TEST_ORG_ID),
        SCRIPT_TXN_ROWS(1, RPR_REARM, 0),
    };
    core_reaper_t reaper = test_reaper_leader();

    fx->env.status = CORE_STATUS_NONE;
    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_SKIPPED);
    assert_int_equal(fx->env.mark_count, 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_RPR_DELETE), 0);
}

/* The row progressed between the SELECT and the re-check: no mark. */
static void test_core_reaper_recheck_miss_skipped(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        TEST_REAPER_SELECTED(TEST_ORG_ID),
        SCRIPT_TXN_ROWS(1, RPR_RECHECK, 0),
        SCRIPT_TXN_ROWS(1, RPR_REARM, 0),
    };
    core_reaper_t reaper = test_reaper_leader();

    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_SKIPPED);
    assert_int_equal(fx->env.mark_count, 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_RPR_DELETE), 0);
}

/* reaper.h invariant 2: an unconfirmed mark keeps the row. */
static void test_core_reaper_unconfirmed_mark_keeps_row(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        TEST_REAPER_SELECTED(TEST_ORG_ID),
        SCRIPT_TXN_ROWS(1, RPR_RECHECK, 1),
        SCRIPT_TXN_ROWS(1, RPR_REARM, 0),
    };
    core_reaper_t reaper = test_reaper_leader();

    fx->env.mark_confirmed = false;
    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_FAILED);
    assert_int_equal(fx->env.mark_count, 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_RPR_DELETE), 0);
}

static void test_core_reaper_failed_mark_keeps_row(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        TEST_REAPER_SELECTED(TEST_ORG_ID),
        SCRIPT_TXN_ROWS(1, RPR_RECHECK, 1),
        SCRIPT_TXN_ROWS(1, RPR_REARM, 0),
    };
    core_reaper_t reaper = test_reaper_leader();

    fx->env.mark_rc = CORE_E_STATUS;
    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_FAILED);
    assert_int_equal(fx->env.mark_count, 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_RPR_DELETE), 0);
}

/* reaper.h invariant 4: the repeated predicate matched nothing, so the markers stay. */
static void test_core_reaper_delete_miss_skipped(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        TEST_REAPER_SELECTED(TEST_ORG_ID),
        SCRIPT_EXEC_OK(1, BEGIN),
        SCRIPT_EXEC_ROWS(1, RPR_DELETE, 0, 0),
        SCRIPT_EXEC_OK(1, COMMIT),
        SCRIPT_TXN_ROWS(1, RPR_REARM, 0),
    };
    core_reaper_t reaper = test_reaper_leader();

    fx->env.status = CORE_STATUS_COMPLETED;
    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_SKIPPED);
    assert_int_equal(fx->env.mark_count, 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_CLEAR), 0);
}

/* The cleanup's connection dies at BEGIN: nothing deleted, and the re-arm
 * of the same tick reconnects. */
static void test_core_reaper_cleanup_death_fails(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        TEST_REAPER_SELECTED(TEST_ORG_ID),
        SCRIPT_EXEC_DEAD(1, BEGIN),
        SCRIPT_CLOSE(1),
        SCRIPT_CONNECT(2),
        SCRIPT_TXN_ROWS(2, RPR_REARM, 0),
    };
    core_reaper_t reaper = test_reaper_leader();

    fx->env.status = CORE_STATUS_COMPLETED;
    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_FAILED);
    assert_int_equal(script_exec_count(&fx->backend, STMT_RPR_DELETE), 0);
    assert_int_equal(fx->ctx.error.rc, CORE_E_DEAD);
    assert_int_equal(fx->ctx.error.stmt, STMT_RPR_DELETE);
}

/* A renewal that finds the lease taken steps down and tries to acquire it
 * at once; here another leader holds it. */
static void test_core_reaper_lost_lease_steps_down(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_TXN_ROWS(1, LOCK_RENEW, 0),
        SCRIPT_TXN_ROWS(1, LOCK_ACQUIRE, 0),
    };
    core_reaper_t reaper = test_reaper_leader();

    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_NOT_LEADER);
    assert_false(reaper.is_leader);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_STEP_DOWN), 1);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_LEADER), 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_RPR_SELECT), 0);
}

/* The lease lapsed and no other reaper took it: the same reaper acquires it again
 * and sweeps in the same tick. */
static void test_core_reaper_lapsed_lease_reacquired(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        SCRIPT_TXN_ROWS(1, LOCK_RENEW, 0),
        SCRIPT_TXN_ROWS(1, LOCK_ACQUIRE, 1),
        SCRIPT_TXN_ROWS(1, RPR_SELECT, 0),
        SCRIPT_TXN_ROWS(1, RPR_REARM, 0),
    };
    core_reaper_t reaper = test_reaper_leader();

    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_NOTHING);
    assert_true(reaper.is_leader);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_STEP_DOWN), 1);
    assert_int_equal(script_log_count(&fx->env, CORE_LOG_LEADER), 1);
}

/* The periodic sweeps with an orphaned orchestration claim found. */
#define TEST_REAPER_ORPHAN_FOUND                                               \
    SCRIPT_TXN_ROWS(1, LOCK_RENEW, 1), SCRIPT_TXN_ROWS(1, RPR_SELECT, 0),      \
        SCRIPT_TXN_ROWS(1, RPR_REARM, 0), SCRIPT_TXN_ROWS(1, RPR_DEDUP_SWEEP, 0), \
        SCRIPT_EXEC_OK(1, BEGIN),                                              \
        SCRIPT_EXEC_TEXTS(1, RPR_ORPHAN_SELECT, TEST_EXEC_ID, TEST_ORG_ID),    \
        SCRIPT_EXEC_OK(1, COMMIT)

/* Without a status the orphan cannot be judged, so its claim stays. */
static void test_core_reaper_orphan_status_failure_keeps_claim(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        TEST_REAPER_ORPHAN_FOUND,
    };
    core_reaper_t reaper = test_reaper_leader();

    reaper.sweep_due_us = 0;
    fx->env.status_rc = CORE_E_STATUS;
    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_NOTHING);
    assert_int_equal(reaper.sweep_due_us, TEST_SWEEP_PERIOD_US);
    assert_int_equal(fx->env.status_read_count, 1);
    assert_int_equal(fx->env.mark_count, 0);
    assert_int_equal(script_exec_count(&fx->backend, STMT_RPR_ORPHAN_DELETE), 0);
}

/* An orphan with no recorded status must be marked first; a failed mark
 * keeps its claim. */
static void test_core_reaper_orphan_failed_mark_keeps_claim(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        TEST_REAPER_ORPHAN_FOUND,
    };
    core_reaper_t reaper = test_reaper_leader();

    reaper.sweep_due_us = 0;
    fx->env.status = CORE_STATUS_NONE;
    fx->env.mark_rc = CORE_E_STATUS;
    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_NOTHING);
    assert_int_equal(fx->env.mark_count, 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_RPR_ORPHAN_DELETE), 0);
}

static void test_core_reaper_orphan_unconfirmed_mark_keeps_claim(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        TEST_REAPER_ORPHAN_FOUND,
    };
    core_reaper_t reaper = test_reaper_leader();

    reaper.sweep_due_us = 0;
    fx->env.mark_confirmed = false;
    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_NOTHING);
    assert_int_equal(fx->env.mark_count, 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_RPR_ORPHAN_DELETE), 0);
}

/* A confirmed mark of an orphan that is still EXECUTING lets its claim go. */
static void test_core_reaper_orphan_marked_then_deleted(void **state)
{
    test_fixture_t *fx = *state;
    static const script_step_t steps[] = {
        TEST_REAPER_ORPHAN_FOUND,
        SCRIPT_TXN_ROWS(1, RPR_ORPHAN_DELETE, 1),
    };
    core_reaper_t reaper = test_reaper_leader();

    reaper.sweep_due_us = 0;
    assert_int_equal(test_reaper_tick(fx, &reaper, steps, TEST_COUNT(steps)),
                     CORE_SWEEP_NOTHING);
    assert_int_equal(fx->env.mark_count, 1);
    assert_int_equal(script_exec_count(&fx->backend, STMT_RPR_ORPHAN_DELETE), 1);
}

#define TEST_CASE(name) cmocka_unit_test_setup_teardown(name, test_setup, test_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST_CASE(test_core_classify_dead_sqlstate_classes),
        TEST_CASE(test_core_classify_data_exception_logical),
        TEST_CASE(test_core_classify_no_reply_dead),
        TEST_CASE(test_core_classify_bad_connection_dead),
        TEST_CASE(test_core_classify_rows_ok),
        TEST_CASE(test_core_ops_check_accepts_complete_table),
        TEST_CASE(test_core_ops_check_rejects_missing_callback),
        TEST_CASE(test_core_ops_check_rejects_wrong_version),
        TEST_CASE(test_core_exec_closed_handle_skips_backend),
        TEST_CASE(test_core_rollback_idle_skips_backend),

        TEST_CASE(test_core_decrement_execute_death_retried),
        TEST_CASE(test_core_decrement_execute_death_retry_completes),
        TEST_CASE(test_core_decrement_commit_death_not_retried),
        TEST_CASE(test_core_decrement_fresh_death_not_retried),
        TEST_CASE(test_core_decrement_data_error_keeps_conn),
        TEST_CASE(test_core_decrement_data_error_dead_rollback_retried),
        TEST_CASE(test_core_decrement_deadlock_counts_dead),
        TEST_CASE(test_core_decrement_second_death_raises),
        TEST_CASE(test_core_decrement_connect_failure_raises),
        TEST_CASE(test_core_failed_call_leaves_no_rows),
        TEST_CASE(test_core_decrement_late_sample_retries_fresh),
        TEST_CASE(test_core_decrement_blind_resends_commit),
        TEST_CASE(test_core_decrement_reused_guard_resends_commit),
        TEST_CASE(test_core_decrement_reused_guard_fresh_not_retried),
        TEST_CASE(test_core_decrement_no_retry_execute_death),
        TEST_CASE(test_core_decrement_zero_fires_then_cleans),
        TEST_CASE(test_core_decrement_fire_failure_keeps_row),
        TEST_CASE(test_core_decrement_no_row_abandoned),
        TEST_CASE(test_core_decrement_negative_deletes_row),
        TEST_CASE(test_core_decrement_open_txn_rejected),
        TEST_CASE(test_core_decrement_begin_precedes_each_dec),
        TEST_CASE(test_core_decrement_sends_result_params),

        TEST_CASE(test_core_claim_first_delivery_wins),
        TEST_CASE(test_core_claim_execute_death_retried_lost),
        TEST_CASE(test_core_claim_commit_death_not_retried),
        TEST_CASE(test_core_claim_fresh_death_not_retried),
        TEST_CASE(test_core_claim_second_death_raises),
        TEST_CASE(test_core_claim_logical_error_not_retried),

        TEST_CASE(test_core_run_batch_decrements_work_result),
        TEST_CASE(test_core_run_batch_redelivery_skips_work),
        TEST_CASE(test_core_run_batch_terminal_skips_decrement),
        TEST_CASE(test_core_run_batch_claim_failure_skips_error_path),
        TEST_CASE(test_core_run_batch_work_failure_aborts_row),
        TEST_CASE(test_core_run_batch_decrement_failure_aborts_row),
        TEST_CASE(test_core_run_batch_unconfirmed_mark_keeps_row),
        TEST_CASE(test_core_run_batch_failed_mark_keeps_row),

        TEST_CASE(test_core_abort_won_clears_markers),
        TEST_CASE(test_core_abort_preserving_keeps_markers),
        TEST_CASE(test_core_abort_no_row_not_won),
        TEST_CASE(test_core_abort_dead_conn_not_retried),

        TEST_CASE(test_core_arm_sends_count_and_ttl),
        TEST_CASE(test_core_arm_execute_death_retried),
        TEST_CASE(test_core_arm_commit_death_retried),
        TEST_CASE(test_core_arm_fresh_death_retried),
        TEST_CASE(test_core_arm_logical_error_not_retried),
        TEST_CASE(test_core_arm_second_death_raises),

        TEST_CASE(test_core_recover_failed_rollback_discards_conn),
        TEST_CASE(test_core_recover_failed_rollback_counts_dead),
        TEST_CASE(test_core_recover_logical_error_keeps_conn),

        TEST_CASE(test_core_decrement_phase_split_3_retries_twice),
        TEST_CASE(test_core_claim_phase_split_3_clears_reused),
        TEST_CASE(test_core_decrement_idem_misapplied_resends_commit),
        TEST_CASE(test_core_decrement_blind_retries_data_error),
        TEST_CASE(test_core_decrement_autocommit_resends_dec),
        TEST_CASE(test_core_decrement_batched_one_round_trip),
        TEST_CASE(test_core_decrement_batched_death_resent),
        TEST_CASE(test_core_decrement_strict_deadlock_not_retried),
        TEST_CASE(test_core_decrement_statement_replay_resends_commit),
        TEST_CASE(test_core_decrement_statement_replay_skips_begin),
        TEST_CASE(test_core_decrement_same_handle_never_reconnects),
        TEST_CASE(test_core_abort_retry_policy_retries),
        TEST_CASE(test_core_run_batch_delete_first_aborts_before_mark),
        TEST_CASE(test_core_run_batch_no_claim_runs_work),
        TEST_CASE(test_core_claim_delivery_dedup_keys_on_delivery),
        TEST_CASE(test_core_classify_strict_dead_only_when_lost),
        TEST_CASE(test_core_exec_batched_unsupported_logical),

        TEST_CASE(test_core_ops_check_names_each_callback),
        TEST_CASE(test_core_ops_check_accepts_no_batched),
        TEST_CASE(test_core_exec_batched_closed_handle_dead),
        TEST_CASE(test_core_classify_strict_class_0a_logical),
        TEST_CASE(test_core_dec_status_names),
        TEST_CASE(test_core_sweep_names),
        TEST_CASE(test_core_policies_attempt_max_positive),
        TEST_CASE(test_core_policy_find_mutant_apart),
        TEST_CASE(test_core_recover_without_conn_no_io),
        TEST_CASE(test_core_get_conn_replaces_closed_handle),
        TEST_CASE(test_core_arm_connect_failure_retried),
        TEST_CASE(test_core_phase_split_batched_never_retries),
        TEST_CASE(test_core_decrement_unknown_generation_unguarded),
        TEST_CASE(test_core_run_batch_unknown_generation_aborts_unguarded),
        TEST_CASE(test_core_run_batch_empty_org_keeps_row),
        TEST_CASE(test_core_run_batch_null_org_keeps_row),
        TEST_CASE(test_core_run_batch_delete_first_empty_org),
        TEST_CASE(test_core_run_batch_delete_first_null_org),
        TEST_CASE(test_core_orchestrate_without_status_read_arms),
        TEST_CASE(test_core_orchestrate_no_status_arms),
        TEST_CASE(test_core_resolved_missing_table_logical),
        TEST_CASE(test_core_resolved_class_23_not_data_error),
        TEST_CASE(test_core_fused_retry_connect_failure_raises),
        TEST_CASE(test_core_reaper_missing_org_skipped),
        TEST_CASE(test_core_reaper_status_failure_keeps_row),
        TEST_CASE(test_core_reaper_no_status_skipped),
        TEST_CASE(test_core_reaper_recheck_miss_skipped),
        TEST_CASE(test_core_reaper_unconfirmed_mark_keeps_row),
        TEST_CASE(test_core_reaper_failed_mark_keeps_row),
        TEST_CASE(test_core_reaper_delete_miss_skipped),
        TEST_CASE(test_core_reaper_cleanup_death_fails),
        TEST_CASE(test_core_reaper_lost_lease_steps_down),
        TEST_CASE(test_core_reaper_lapsed_lease_reacquired),
        TEST_CASE(test_core_reaper_orphan_status_failure_keeps_claim),
        TEST_CASE(test_core_reaper_orphan_failed_mark_keeps_claim),
        TEST_CASE(test_core_reaper_orphan_unconfirmed_mark_keeps_claim),
        TEST_CASE(test_core_reaper_orphan_marked_then_deleted),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
