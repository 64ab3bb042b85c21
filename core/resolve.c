/*
 * resolve — the decrements that are more than one statement: policy k's,
 * idempotent and resolved after an ambiguous COMMIT by asking the server,
 * and policy l's, with the claim inside.
 *
 * One transaction inserts an "applied" record keyed on (execution, batch,
 * generation), decrements only if the record was new, and stores the value
 * the decrement left on the record. It also returns its transaction id.
 * When its COMMIT fails, a new connection queries pg_xact_status for that id.
 * "committed" means the decrement landed, so the core reads the record, which
 * shows whether it reached 0. "aborted" means the whole transaction may run
 * again. "in progress" (the old backend has not noticed the lost connection
 * yet) means query again later. A failed status query is retried, but the
 * decrement is never retried on an unknown outcome. The naive variant keeps
 * the status query but has no applied record. It takes a failed query for
 * "aborted", so it re-applies a decrement that had landed.
 */
#include "internal.h"

#include <string.h>

#define CORE_RESOLVE_QUERY_MAX 5

static const core_txn_t core_txn_status = {{STMT_XACT_STATUS}, 1};
static const core_txn_t core_txn_read = {{STMT_K_READ}, 1};

static core_rc_t core_resolved_attempt(core_ctx_t *ctx, conn_params_t *params,
                                       conn_result_t *rows, int64_t *xid_out);
static int core_resolve_commit(core_ctx_t *ctx, conn_params_t *params, int64_t xid,
                               conn_result_t *rows);
static core_rc_t core_resolved_exec(core_ctx_t *ctx, stmt_id_t stmt,
                                    const conn_params_t *params, conn_result_t *rows);

core_rc_t core__resolved_decrement(core_ctx_t *ctx, conn_params_t *params, bool reused,
                                   conn_result_t *rows_out)
{
    core_rc_t rc = CORE_OK;
    int attempt;

    for (attempt = 1; attempt <= ctx->policy->attempt_max; attempt++) {
        int64_t xid;
        int outcome;

        rc = core__get_conn(ctx);
        if (rc != CORE_OK) {
            return rc;
        }
        rc = core_resolved_attempt(ctx, params, rows_out, &xid);
        if (rc == CORE_OK) {
            return CORE_OK;
        }

        if (ctx->error.phase == CORE_PHASE_EXECUTE) {
            /* Nothing can have committed: the phase-split rule applies. */
            if (core__execute_retry(ctx, rc, STMT_DEC, reused, attempt, NULL)) {
                continue;
            }
            return rc;
        }

        /* The COMMIT failed: ask the server what became of it. The
         * resolution's own transactions are not attempts of the decrement. */
        core__recover(ctx, rc);
        core__log(ctx, CORE_LOG_RESOLVING, STMT_DEC, attempt, rc, xid);
        outcome = core_resolve_commit(ctx, params, xid, rows_out);
        core__log(ctx, CORE_LOG_RESOLVED, STMT_DEC, attempt, rc, outcome);
        if (outcome == CORE_XACT_COMMITTED) {
            return CORE_OK;
        }
        if ((outcome != CORE_XACT_ABORTED && outcome != CORE_XACT_ASSUMED_ABORTED) ||
            attempt == ctx->policy->attempt_max) {
            return rc;
        }
        core__log(ctx, CORE_LOG_RETRY, STMT_DEC, attempt, rc, 0);
    }
    return rc; /* LCOV_EXCL_LINE: attempt_max >= 1 and the last attempt returns */
}

/* BEGIN; [applied record]; the decrement; [its value]; COMMIT. *xid_out
 * gets the transaction's id from the first statement that returns it: the
 * record's insert, or the decrement (which returns nothing when the row is
 * gone). */
static core_rc_t core_resolved_attempt(core_ctx_t *ctx, conn_params_t *params,
                                       conn_result_t *rows, int64_t *xid_out)
{
    bool idempotent = ctx->policy->resolve == CORE_RESOLVE_IDEMPOTENT;
    conn_result_t mark;
    core_rc_t rc = core_resolved_exec(ctx, STMT_BEGIN, NULL, rows);

    *xid_out = 0;
    if (rc == CORE_OK && idempotent) {
        rc = core_resolved_exec(ctx, STMT_K_MARK, params, &mark);
        *xid_out = mark.value2;
        if (rc == CORE_OK && mark.row_count == 0) {
            /* Another delivery of this batch applied it: this one is a
             * duplicate, applies nothing and fires nothing. (A retry of
             * this call runs only after its own attempt was proven
             * aborted, so the record is never its own.) */
            core__log(ctx, CORE_LOG_ALREADY_APPLIED, STMT_DEC, 0, CORE_OK, 0);
            memset(rows, 0, sizeof(*rows));
            rows->status = CONN_OK;
            return core_resolved_exec(ctx, STMT_COMMIT, NULL, &mark);
        }
    }
    if (rc == CORE_OK) {
        rc = core_resolved_exec(ctx, STMT_DEC_XID, params, rows);
        if (rc == CORE_OK && !idempotent) {
            *xid_out = rows->value2;
        }
    }
    if (rc == CORE_OK && idempotent && rows->row_count > 0) {
        params->post_remaining = rows->value;
        rc = core_resolved_exec(ctx, STMT_K_STORE, params, &mark);
    }
    if (rc == CORE_OK) {
        rc = core_resolved_exec(ctx, STMT_COMMIT, NULL, &mark);
    }
    return rc;
}

/* Query the status until it is definite. Returns the CORE_XACT_* outcome, or 0
 * when the queries ran out. */
static int core_resolve_commit(core_ctx_t *ctx, conn_params_t *params, int64_t xid,
                               conn_result_t *rows)
{
    bool idempotent = ctx->policy->resolve == CORE_RESOLVE_IDEMPOTENT;
    conn_result_t status;
    int query;

    params->xid = xid;
    for (query = 1; query <= CORE_RESOLVE_QUERY_MAX; query++) {
        if (query > 1) {
            ctx->env_ops->sleep_us(ctx->env, CORE_RETRY_BACKOFF_US);
        }
        if (core__cur(ctx, &core_txn_status, params, &status) != CORE_OK) {
            if (!idempotent) {
                return CORE_XACT_ASSUMED_ABORTED;
            }
            continue;
        }
        if (status.value == CORE_XACT_IN_PROGRESS) {
            continue;
        }
        if (status.value == CORE_XACT_COMMITTED && idempotent &&
            core__cur(ctx, &core_txn_read, params, rows) != CORE_OK) {
            continue;
        }
        return (int)status.value;
    }
    return 0;
}

/* One statement of the attempt; a failure records its phase. */
static core_rc_t core_resolved_exec(core_ctx_t *ctx, stmt_id_t stmt,
                                    const conn_params_t *params, conn_result_t *rows)
{
    conn_exec(&ctx->conn, stmt_get(stmt), params, rows);
    if (rows->status == CONN_OK) {
        return CORE_OK;
    }
    ctx->error.rc = rows->status == CONN_DEAD ? CORE_E_DEAD : CORE_E_LOGICAL;
    if (rows->status == CONN_LOGICAL && rows->sqlstate[0] == '2' &&
        rows->sqlstate[1] == '2') {
        ctx->error.rc = CORE_E_DATA;
    }
    ctx->error.stmt = STMT_DEC;
    ctx->error.sent = stmt;
    ctx->error.sent_index = 0;
    ctx->error.phase = stmt == STMT_COMMIT ? CORE_PHASE_COMMIT : CORE_PHASE_EXECUTE;
    memcpy(ctx->error.sqlstate, rows->sqlstate, CONN_SQLSTATE_SIZE);
    return ctx->error.rc;
}

core_rc_t core__fused_decrement(core_ctx_t *ctx, conn_params_t *params, bool reused,
                                conn_result_t *rows_out)
{
    conn_result_t claim;
    core_rc_t rc = CORE_OK;
    int attempt;

    for (attempt = 1; attempt <= ctx->policy->attempt_max; attempt++) {
        rc = core__get_conn(ctx);
        if (rc != CORE_OK) {
            return rc;
        }
        rc = core_resolved_exec(ctx, STMT_BEGIN, NULL, rows_out);
        if (rc == CORE_OK) {
            rc = core_resolved_exec(ctx, STMT_CLAIM, params, &claim);
        }
        if (rc == CORE_OK && claim.row_count > 0) {
            rc = core_resolved_exec(ctx, STMT_DEC, params, rows_out);
        } else if (rc == CORE_OK) {
            /* Another delivery claimed and decremented: this one's work was
             * a duplicate. */
            core__log(ctx, CORE_LOG_ALREADY_APPLIED, STMT_DEC, 0, CORE_OK, 0);
            memset(rows_out, 0, sizeof(*rows_out));
            rows_out->status = CONN_OK;
        }
        if (rc == CORE_OK) {
            rc = core_resolved_exec(ctx, STMT_COMMIT, NULL, &claim);
        }
        if (rc == CORE_OK) {
            return CORE_OK;
        }

        if (ctx->error.phase == CORE_PHASE_EXECUTE) {
            if (core__execute_retry(ctx, rc, STMT_DEC, reused, attempt, NULL)) {
                continue;
            }
            return rc;
        }
        core__recover(ctx, rc);
        core__log(ctx, CORE_LOG_COMMIT_FAILED, STMT_DEC, attempt, rc, 0);
        return rc;
    }
    return rc; /* LCOV_EXCL_LINE: attempt_max >= 1 and the last attempt returns */
}
