/* plumbing — get_conn, REC, CUR, IDEM and the policy-driven retry loops. */
#include "internal.h"

#include <assert.h>
#include <string.h>

/* The statements of a transaction that the statement-replay policy re-sends
 * after a failure, on a new connection and without BEGIN. */
typedef struct {
    int first_index;   /* first statement to re-send; txn->stmt_count: none */
    bool commit;       /* whether COMMIT follows */
} core_replay_t;

static core_rc_t core_attempt(core_ctx_t *ctx, const core_txn_t *txn,
                              const conn_params_t *params, core_send_t send,
                              conn_result_t *rows);
static core_rc_t core_execute_phase(core_ctx_t *ctx, const core_txn_t *txn,
                                    const conn_params_t *params, core_send_t send,
                                    int first_index, conn_result_t *rows);
static core_rc_t core_commit_phase(core_ctx_t *ctx, const core_txn_t *txn,
                                   core_send_t send);
static core_rc_t core_fail(core_ctx_t *ctx, const conn_result_t *result,
                           const core_txn_t *txn, stmt_id_t sent, int sent_index,
                           core_phase_t phase);
static core_rc_t core_retry_whole(core_ctx_t *ctx, const core_txn_t *txn,
                                  const conn_params_t *params, bool reused,
                                  conn_result_t *rows);
static core_rc_t core_retry_phase_split(core_ctx_t *ctx, const core_txn_t *txn,
                                        const conn_params_t *params, bool reused,
                                        bool clear_reused, conn_result_t *rows);
static core_rc_t core_retry_statement(core_ctx_t *ctx, const core_txn_t *txn,
                                      const conn_params_t *params,
                                      conn_result_t *rows);
static core_rc_t core_retry_same_handle(core_ctx_t *ctx, const core_txn_t *txn,
                                        const conn_params_t *params,
                                        conn_result_t *rows);
static bool core_retryable(const core_ctx_t *ctx, core_rc_t rc);
static void core_backoff(core_ctx_t *ctx, stmt_id_t stmt, int attempt, core_rc_t rc);
static stmt_id_t core_txn_last(const core_txn_t *txn);

bool core__conn_cached(const core_ctx_t *ctx)
{
    return conn_is_open(&ctx->conn) && !conn_is_closed(&ctx->conn);
}

core_rc_t core__get_conn(core_ctx_t *ctx)
{
    int64_t backoff_us = CORE_CONNECT_BACKOFF_US;
    int attempt;

    if (core__conn_cached(ctx)) {
        return CORE_OK;
    }
    conn_close(&ctx->conn);

    for (attempt = 1; attempt <= CORE_CONNECT_ATTEMPT_MAX; attempt++) {
        if (conn_connect(&ctx->conn) == CONN_OK) {
            return CORE_OK;
        }
        if (attempt == CORE_CONNECT_ATTEMPT_MAX) {
            break;
        }

        /* Connecting has no side effect on the server, so it is retried
         * whatever the policy. */
        core__log(ctx, CORE_LOG_CONNECT_RETRY, STMT_BEGIN, attempt, CORE_E_CONNECT, 0);
        ctx->env_ops->sleep_us(ctx->env, backoff_us);
        backoff_us *= 2;
        if (backoff_us > CORE_CONNECT_BACKOFF_CAP_US) {
            /* Unreachable while CORE_CONNECT_ATTEMPT_MAX is 3: the waits are 0.5 s, 1 s. */
            backoff_us = CORE_CONNECT_BACKOFF_CAP_US; /* LCOV_EXCL_LINE */
        }
    }

    memset(&ctx->error, 0, sizeof(ctx->error));
    ctx->error.rc = CORE_E_CONNECT;
    ctx->error.phase = CORE_PHASE_CONNECT;
    return CORE_E_CONNECT;
}

bool core__recover(core_ctx_t *ctx, core_rc_t rc)
{
    bool dead = rc == CORE_E_DEAD || rc == CORE_E_CONNECT;

    if (!conn_is_open(&ctx->conn)) {
        return dead;
    }

    /* A failed rollback condemns the connection even after a logical error. */
    if (conn_rollback(&ctx->conn) != CONN_OK) {
        core__log(ctx, CORE_LOG_ROLLBACK_FAILED, ctx->error.stmt, 0, rc, 0);
        dead = (ctx->policy->mutation & CORE_MUT_ROLLBACK_LIVE) == 0;
    }

    if (dead || conn_is_closed(&ctx->conn)) {
        conn_close(&ctx->conn);
        core__log(ctx, CORE_LOG_CONN_DISCARDED, ctx->error.stmt, 0, rc, 0);
    }
    return dead;
}

core_rc_t core__cur(core_ctx_t *ctx, const core_txn_t *txn,
                    const conn_params_t *params, conn_result_t *rows_out)
{
    core_rc_t rc;

    core__result_clear(rows_out);
    rc = core__get_conn(ctx);
    if (rc != CORE_OK) {
        return rc;
    }

    rc = core_attempt(ctx, txn, params, CORE_SEND_EXPLICIT, rows_out);
    if (rc != CORE_OK) {
        core__recover(ctx, rc);
    }
    return rc;
}

void core__cleanup(core_ctx_t *ctx, const core_txn_t *txn, const conn_params_t *params)
{
    conn_result_t ignored;
    core_error_t saved = ctx->error;
    core_rc_t rc = core__cur(ctx, txn, params, &ignored);

    if (rc != CORE_OK) {
        core__log(ctx, CORE_LOG_CLEANUP_FAILED, txn->stmts[0], 0, rc, 0);
        ctx->error = saved;
    }
}

core_rc_t core__idem(core_ctx_t *ctx, const core_txn_t *txn,
                     const conn_params_t *params, conn_result_t *rows_out)
{
    core_rc_t rc = CORE_OK;
    int attempt;

    for (attempt = 1; attempt <= 2; attempt++) {
        /* The connect is inside the retried block: a failed connect is a
         * dead-connection error like any other here. */
        rc = core__cur(ctx, txn, params, rows_out);
        if (rc == CORE_OK) {
            return CORE_OK;
        }
        if ((rc != CORE_E_DEAD && rc != CORE_E_CONNECT) || attempt == 2) {
            break;
        }
        core_backoff(ctx, core_txn_last(txn), attempt, rc);
    }
    return rc;
}

core_rc_t core__retrying_txn(core_ctx_t *ctx, const core_txn_t *txn,
                             const conn_params_t *params, bool reused,
                             bool clear_reused, conn_result_t *rows_out)
{
    core_rc_t rc;

    core__result_clear(rows_out);
    switch (ctx->policy->retry) {
    case CORE_RETRY_NONE:
        rc = core__get_conn(ctx);
        if (rc == CORE_OK) {
            rc = core_attempt(ctx, txn, params, ctx->policy->send, rows_out);
            if (rc != CORE_OK) {
                core__recover(ctx, rc);
            }
        }
        return rc;
    case CORE_RETRY_WHOLE:
        return core_retry_whole(ctx, txn, params, reused, rows_out);
    case CORE_RETRY_PHASE_SPLIT:
        return core_retry_phase_split(ctx, txn, params, reused, clear_reused,
                                      rows_out);
    case CORE_RETRY_STATEMENT_REPLAY:
        return core_retry_statement(ctx, txn, params, rows_out);
    case CORE_RETRY_SAME_HANDLE:
        return core_retry_same_handle(ctx, txn, params, rows_out);
    }
    assert(!"unknown retry kind"); /* LCOV_EXCL_LINE: the cases name every kind */
    return CORE_E_LOGICAL;
}

/* A call that fails before any reply leaves no row behind: callers log
 * row_count and value whatever the outcome, and stack garbage there made a
 * seed's trace depend on the seed run before it. The arrays are left as
 * they are, because row_count and element_count bound what is read. */
void core__result_clear(conn_result_t *result)
{
    result->status = CONN_OK;
    result->sqlstate[0] = '\0';
    result->row_count = 0;
    result->value = 0;
    result->value2 = 0;
    result->element_count = 0;
}

void core__log(core_ctx_t *ctx, core_log_kind_t kind, stmt_id_t stmt,
               int attempt, core_rc_t rc, int64_t value)
{
    core_log_t event = {kind, stmt, attempt, rc, value};

    ctx->env_ops->log(ctx->env, &event);
}

/* Variants b, c, h and batched-commit: the whole transaction, COMMIT
 * included, runs again. Dead is judged by the error class alone, as
 * upstream's send-style helpers do. */
static core_rc_t core_retry_whole(core_ctx_t *ctx, const core_txn_t *txn,
                                  const conn_params_t *params, bool reused,
                                  conn_result_t *rows)
{
    core_rc_t rc = CORE_OK;
    int attempt;

    for (attempt = 1; attempt <= ctx->policy->attempt_max; attempt++) {
        rc = core__get_conn(ctx);
        if (rc != CORE_OK) {
            return rc;
        }
        rc = core_attempt(ctx, txn, params, ctx->policy->send, rows);
        if (rc == CORE_OK) {
            return CORE_OK;
        }
        core__recover(ctx, rc);
        if (!core_retryable(ctx, rc) || attempt == ctx->policy->attempt_max) {
            break;
        }
        if (ctx->policy->reuse_gate && !reused) {
            break;
        }
        core_backoff(ctx, core_txn_last(txn), attempt, rc);
    }
    core__log(ctx, CORE_LOG_GIVE_UP, core_txn_last(txn), attempt, rc, 0);
    return rc;
}

bool core__execute_retry(core_ctx_t *ctx, core_rc_t rc, stmt_id_t stmt, bool reused,
                         int attempt, bool *dead_out)
{
    bool dead = core__recover(ctx, rc);

    if (dead_out != NULL) {
        *dead_out = dead;
    }
    if (!dead || !reused || attempt >= ctx->policy->attempt_max) {
        return false;
    }

    core_backoff(ctx, stmt, attempt, rc);
    return true;
}

/* Variants d, e, f: retry an execute-phase death on a connection that was
 * cached at entry. A failed COMMIT is never retried, because it may have been
 * applied. With batched sending every failure is a COMMIT failure. */
static core_rc_t core_retry_phase_split(core_ctx_t *ctx, const core_txn_t *txn,
                                        const conn_params_t *params, bool reused,
                                        bool clear_reused, conn_result_t *rows)
{
    stmt_id_t stmt = core_txn_last(txn);
    core_rc_t rc = CORE_OK;
    int attempt;

    for (attempt = 1; attempt <= ctx->policy->attempt_max; attempt++) {
        rc = core__get_conn(ctx);
        if (rc != CORE_OK) {
            return rc;
        }

        rc = core_execute_phase(ctx, txn, params, ctx->policy->send, 0, rows);
        if (rc != CORE_OK && ctx->error.phase == CORE_PHASE_EXECUTE) {
            bool dead;

            if (core__execute_retry(ctx, rc, stmt, reused, attempt, &dead)) {
                /* Nothing executed so far can have committed, unless the
                 * statements autocommit. */
                if (clear_reused) {
                    reused = false;
                }
                continue;
            }
            if (dead) {
                core__log(ctx, CORE_LOG_GIVE_UP, stmt, attempt, rc, 0);
            }
            return rc;
        }

        if (rc == CORE_OK) {
            rc = core_commit_phase(ctx, txn, ctx->policy->send);
        }
        if (rc != CORE_OK) {
            core__recover(ctx, rc);
            core__log(ctx, CORE_LOG_COMMIT_FAILED, stmt, attempt, rc, 0);
        }
        return rc;
    }
    return rc; /* LCOV_EXCL_LINE: attempt_max >= 1 and the last attempt returns */
}

/* Statement replay: after a dead connection, reconnect and re-send only what
 * failed. A re-sent statement runs without BEGIN, so it autocommits. A
 * re-sent COMMIT succeeds on an empty transaction, and the caller keeps the
 * rows of the first attempt. */
static core_rc_t core_retry_statement(core_ctx_t *ctx, const core_txn_t *txn,
                                      const conn_params_t *params,
                                      conn_result_t *rows)
{
    stmt_id_t stmt = core_txn_last(txn);
    core_replay_t replay = {0, true};
    core_rc_t rc = CORE_OK;
    int attempt;

    for (attempt = 1; attempt <= ctx->policy->attempt_max; attempt++) {
        rc = core__get_conn(ctx);
        if (rc != CORE_OK) {
            return rc;
        }
        if (attempt == 1 || ctx->error.sent == STMT_BEGIN) {
            rc = core_attempt(ctx, txn, params, CORE_SEND_EXPLICIT, rows);
        } else {
            rc = core_execute_phase(ctx, txn, params, CORE_SEND_AUTOCOMMIT,
                                    replay.first_index, rows);
            if (rc == CORE_OK && replay.commit) {
                rc = core_commit_phase(ctx, txn, CORE_SEND_EXPLICIT);
            }
        }
        if (rc == CORE_OK) {
            return CORE_OK;
        }

        replay.first_index = ctx->error.sent == STMT_COMMIT ? txn->stmt_count
                                                            : ctx->error.sent_index;
        core__recover(ctx, rc);
        if (rc != CORE_E_DEAD || attempt == ctx->policy->attempt_max) {
            break;
        }
        core_backoff(ctx, stmt, attempt, rc);
    }
    core__log(ctx, CORE_LOG_GIVE_UP, stmt, attempt, rc, 0);
    return rc;
}

/* Retry on the handle that just died, without reconnecting. The driver
 * checks its closed flag first, so the retry fails without any I/O. */
static core_rc_t core_retry_same_handle(core_ctx_t *ctx, const core_txn_t *txn,
                                        const conn_params_t *params,
                                        conn_result_t *rows)
{
    stmt_id_t stmt = core_txn_last(txn);
    core_rc_t rc = core__get_conn(ctx);
    int attempt;

    if (rc != CORE_OK) {
        return rc;
    }
    for (attempt = 1; attempt <= ctx->policy->attempt_max; attempt++) {
        rc = core_attempt(ctx, txn, params, ctx->policy->send, rows);
        if (rc == CORE_OK) {
            return CORE_OK;
        }
        if (rc != CORE_E_DEAD || attempt == ctx->policy->attempt_max) {
            break;
        }
        core_backoff(ctx, stmt, attempt, rc);
    }
    core__recover(ctx, rc);
    core__log(ctx, CORE_LOG_GIVE_UP, stmt, attempt, rc, 0);
    return rc;
}

/* One attempt: the execute phase, then the commit phase. */
static core_rc_t core_attempt(core_ctx_t *ctx, const core_txn_t *txn,
                              const conn_params_t *params, core_send_t send,
                              conn_result_t *rows)
{
    core_rc_t rc = core_execute_phase(ctx, txn, params, send, 0, rows);

    if (rc != CORE_OK) {
        return rc;
    }
    return core_commit_phase(ctx, txn, send);
}

/* Send the statements from first_index on. Explicit sending opens the
 * transaction with BEGIN: libpq has no implicit transaction, and without it
 * an execute-phase retry could apply a statement twice. Batched sending puts
 * COMMIT in the same round trip, so its failure is a COMMIT failure. */
static core_rc_t core_execute_phase(core_ctx_t *ctx, const core_txn_t *txn,
                                    const conn_params_t *params, core_send_t send,
                                    int first_index, conn_result_t *rows)
{
    int i;

    assert(conn_is_open(&ctx->conn));
    assert(txn->stmt_count >= 1);
    assert(txn->stmt_count <= CORE_TXN_STMT_MAX);

    if (send == CORE_SEND_BATCHED) {
        assert(txn->stmt_count == 1);
        conn_exec_batched(&ctx->conn, stmt_get(txn->stmts[0]), params, rows);
        if (rows->status != CONN_OK) {
            return core_fail(ctx, rows, txn, STMT_COMMIT, 0, CORE_PHASE_COMMIT);
        }
        return CORE_OK;
    }

    if (send == CORE_SEND_EXPLICIT) {
        conn_exec(&ctx->conn, stmt_get(STMT_BEGIN), NULL, rows);
        if (rows->status != CONN_OK) {
            return core_fail(ctx, rows, txn, STMT_BEGIN, 0, CORE_PHASE_EXECUTE);
        }
    }

    for (i = first_index; i < txn->stmt_count; i++) {
        conn_exec(&ctx->conn, stmt_get(txn->stmts[i]), params, rows);
        if (rows->status != CONN_OK) {
            return core_fail(ctx, rows, txn, txn->stmts[i], i, CORE_PHASE_EXECUTE);
        }
    }
    return CORE_OK;
}

static core_rc_t core_commit_phase(core_ctx_t *ctx, const core_txn_t *txn,
                                   core_send_t send)
{
    conn_result_t commit;

    if (send != CORE_SEND_EXPLICIT) {
        return CORE_OK;
    }
    if (conn_commit(&ctx->conn, &commit) != CONN_OK) {
        return core_fail(ctx, &commit, txn, STMT_COMMIT, txn->stmt_count,
                         CORE_PHASE_COMMIT);
    }
    return CORE_OK;
}

static core_rc_t core_fail(core_ctx_t *ctx, const conn_result_t *result,
                           const core_txn_t *txn, stmt_id_t sent, int sent_index,
                           core_phase_t phase)
{
    core_rc_t rc = CORE_E_DEAD;

    if (result->status == CONN_LOGICAL) {
        /* SQLSTATE class 22 is psycopg2's DataError (22P05: \u0000 in jsonb). */
        rc = result->sqlstate[0] == '2' && result->sqlstate[1] == '2'
                 ? CORE_E_DATA
                 : CORE_E_LOGICAL;
    }

    ctx->error.rc = rc;
    ctx->error.stmt = core_txn_last(txn);
    ctx->error.sent = sent;
    ctx->error.sent_index = sent_index;
    ctx->error.phase = phase;
    memcpy(ctx->error.sqlstate, result->sqlstate, CONN_SQLSTATE_SIZE);
    return rc;
}

static bool core_retryable(const core_ctx_t *ctx, core_rc_t rc)
{
    if (rc == CORE_E_DEAD) {
        return true;
    }
    return ctx->policy->retry_any_error && (rc == CORE_E_LOGICAL || rc == CORE_E_DATA);
}

static void core_backoff(core_ctx_t *ctx, stmt_id_t stmt, int attempt, core_rc_t rc)
{
    core__log(ctx, CORE_LOG_RETRY, stmt, attempt, rc, 0);
    ctx->env_ops->sleep_us(ctx->env, CORE_RETRY_BACKOFF_US);
}

static stmt_id_t core_txn_last(const core_txn_t *txn)
{
    return txn->stmts[txn->stmt_count - 1];
}
