/* queue_client — SEND and ACK on the PG queue, with upstream's reused-guard. */
#include "internal.h"

#include <string.h>

static const core_txn_t core_txn_send = {{STMT_SEND}, 1};
static const core_txn_t core_txn_ack = {{STMT_ACK}, 1};

static core_rc_t core_reused_guard(core_ctx_t *ctx, const core_txn_t *txn,
                                   const conn_params_t *params, conn_result_t *rows);

core_rc_t core_send(core_ctx_t *ctx, int32_t msg_kind, const core_batch_t *batch,
                    int64_t *msg_id_out)
{
    conn_params_t params;
    conn_result_t row;
    core_rc_t rc;

    memset(&params, 0, sizeof(params));
    params.msg_kind = msg_kind;
    params.batch_index = batch->batch_index;
    params.generation = batch->generation;
    params.org_id = batch->org_id;
    rc = core_reused_guard(ctx, &core_txn_send, &params, &row);
    *msg_id_out = rc == CORE_OK ? row.value : 0;
    return rc;
}

core_rc_t core_ack(core_ctx_t *ctx, int64_t msg_id)
{
    conn_params_t params;
    conn_result_t row;

    memset(&params, 0, sizeof(params));
    params.msg_id = msg_id;
    return core_reused_guard(ctx, &core_txn_ack, &params, &row);
}

/* SEND.1-SEND.3: "reused" is true when the client has a connection, with no
 * closed check (the cursor helper already dropped dead handles); dead is
 * judged by the error class alone; the retry covers a COMMIT death too. */
static core_rc_t core_reused_guard(core_ctx_t *ctx, const core_txn_t *txn,
                                   const conn_params_t *params, conn_result_t *rows)
{
    bool reused = conn_is_open(&ctx->conn);
    core_rc_t rc = core__cur(ctx, txn, params, rows);

    if (rc != CORE_E_DEAD || !reused) {
        return rc;
    }
    core__log(ctx, CORE_LOG_RETRY, txn->stmts[0], 1, rc, 0);
    ctx->env_ops->sleep_us(ctx->env, CORE_RETRY_BACKOFF_US);
    return core__cur(ctx, txn, params, rows);
}
