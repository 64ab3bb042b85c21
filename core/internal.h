/*
 * internal — connection plumbing shared by the barrier's call sites.
 *
 * get_conn, recover-after-error (REC), the plain transaction helper (CUR),
 * the idempotent helper (IDEM) and the policy-driven retrying transaction
 * used by the claim and the decrement. Not part of the public interface.
 */
#ifndef BARRIERSIM_CORE_INTERNAL_H
#define BARRIERSIM_CORE_INTERNAL_H

#include "barrier.h"

#define CORE_TXN_STMT_MAX 2

/* The statements of one transaction; the rows of the last one are returned. */
typedef struct {
    stmt_id_t stmts[CORE_TXN_STMT_MAX];
    int stmt_count;
} core_txn_t;

/* True when a connection is cached and its client-side closed flag is clear
 * (upstream's "reused"); no I/O, so a reaped socket still counts. */
bool core__conn_cached(const core_ctx_t *ctx);

/* Return the cached connection or open one with the connect-retry loop. */
core_rc_t core__get_conn(core_ctx_t *ctx);

/* REC: roll back, and close the connection when it is dead or when the
 * rollback failed. Returns whether the failure counts as dead. */
bool core__recover(core_ctx_t *ctx, core_rc_t rc);

/* Recover from an execute-phase failure and apply the phase-split rule. Backs
 * off and returns true only when the connection died, was cached at entry
 * (reused) and attempts remain. *dead_out, unless NULL, gets core__recover's
 * result. */
bool core__execute_retry(core_ctx_t *ctx, core_rc_t rc, stmt_id_t stmt, bool reused,
                         int attempt, bool *dead_out);

/* CUR: get_conn, run the transaction, commit; REC on any failure; no retry. */
core_rc_t core__cur(core_ctx_t *ctx, const core_txn_t *txn,
                    const conn_params_t *params, conn_result_t *rows_out);

/* A best-effort CUR: its failure is logged as a failed cleanup and never
 * raised, and ctx->error keeps the failure the caller is handling. */
void core__cleanup(core_ctx_t *ctx, const core_txn_t *txn, const conn_params_t *params);

/* IDEM: CUR retried once after a dead connection, whatever the phase and
 * whether or not the connection was cached. Only for idempotent writes. */
core_rc_t core__idem(core_ctx_t *ctx, const core_txn_t *txn,
                     const conn_params_t *params, conn_result_t *rows_out);

/* The policy's retrying transaction for a statement that returns rows and is
 * not idempotent (Q-DEC, Q-CLAIM). reused is the caller's entry-time sample;
 * clear_reused is true when a retry clears it (the returning-claim helper
 * does, the decrement does not). */
core_rc_t core__retrying_txn(core_ctx_t *ctx, const core_txn_t *txn,
                             const conn_params_t *params, bool reused,
                             bool clear_reused, conn_result_t *rows_out);

void core__log(core_ctx_t *ctx, core_log_kind_t kind, stmt_id_t stmt,
               int attempt, core_rc_t rc, int64_t value);

/* Reset a result to "no rows" before a call fills it. */
void core__result_clear(conn_result_t *result);

/* Policy k and its naive variant: the decrement's transaction returns its
 * transaction id; after a failed COMMIT the outcome is asked of the server
 * (resolve.c). */
core_rc_t core__resolved_decrement(core_ctx_t *ctx, conn_params_t *params, bool reused,
                                   conn_result_t *rows_out);

/* Policy l: the claim and the decrement in one transaction after the work.
 * A claim that finds the marker skips the decrement and returns no row
 * (resolve.c). Retried like the phase split. */
core_rc_t core__fused_decrement(core_ctx_t *ctx, conn_params_t *params, bool reused,
                                conn_result_t *rows_out);

#endif
