/* decrement — DEC and its cleanups: the one non-idempotent write. */
#include "internal.h"

#include <assert.h>
#include <string.h>

static const core_txn_t core_txn_dec = {{STMT_DEC}, 1};
static const core_txn_t core_txn_del = {{STMT_DEL}, 1};
static const core_txn_t core_txn_clear = {{STMT_CLEAR}, 1};
static const core_txn_t core_txn_dec_g = {{STMT_DEC_G}, 1};
static const core_txn_t core_txn_del_g = {{STMT_DEL_G}, 1};
static const core_txn_t core_txn_dec_j = {{STMT_DEC_J}, 1};

static core_rc_t core_dec_begin(core_ctx_t *ctx, bool *reused_out);
static const core_txn_t *core_dec_del_txn(const core_ctx_t *ctx, const core_batch_t *batch);
static core_rc_t core_dec_finish(core_ctx_t *ctx, const core_batch_t *batch,
                                 const conn_result_t *row, core_dec_t *out);
static core_rc_t core_dec_fire(core_ctx_t *ctx, const core_batch_t *batch,
                               const conn_result_t *row, core_dec_t *out);
static core_rc_t core_dec_error(core_ctx_t *ctx, core_rc_t rc);

core_rc_t core_decrement(core_ctx_t *ctx, const core_batch_t *batch,
                         const conn_element_t *result, core_dec_t *out)
{
    const core_txn_t *dec_txn;
    const core_txn_t *del_txn;
    conn_params_t params;
    conn_result_t row;
    bool reused = false;
    bool guarded;
    core_rc_t rc;

    memset(out, 0, sizeof(*out));
    memset(&params, 0, sizeof(params));
    params.exec_id = batch->exec_id;
    params.result = *result;
    params.generation = batch->generation;
    guarded = ctx->policy->generation_guard && batch->generation > 0;
    dec_txn = guarded ? &core_txn_dec_g : &core_txn_dec;
    if (ctx->policy->two_step_abort) {
        dec_txn = &core_txn_dec_j;
    }
    del_txn = core_dec_del_txn(ctx, batch);

    core__log(ctx, CORE_LOG_CALL_BEGIN, STMT_DEC, 0, CORE_OK, batch->batch_index);
    rc = core_dec_begin(ctx, &reused);
    if (rc == CORE_OK && (result->flags & CONN_ELEMENT_UNENCODABLE) != 0) {
        /* DEC.3: the encoding fails before any write reaches the server. */
        core__log(ctx, CORE_LOG_BAD_RESULT, STMT_DEC, 0, CORE_E_TYPE, batch->batch_index);
        rc = core_dec_error(ctx, CORE_E_TYPE);
    }
    if (rc == CORE_OK && ctx->policy->resolve != CORE_RESOLVE_NONE) {
        params.batch_index = batch->batch_index;
        rc = core__resolved_decrement(ctx, &params, reused, &row);
    } else if (rc == CORE_OK && ctx->policy->fused_claim) {
        params.batch_index = batch->batch_index;
        rc = core__fused_decrement(ctx, &params, reused, &row);
    } else if (rc == CORE_OK) {
        rc = core__retrying_txn(ctx, dec_txn, &params, reused, false, &row);
    }

    if (rc == CORE_E_DATA) {
        /* DEC.4: the row is torn down before anyone marks the execution
         * ERROR, as upstream does; the checker reports the gap. */
        core__cleanup(ctx, del_txn, &params);
    } else if (rc == CORE_OK) {
        rc = core_dec_finish(ctx, batch, &row, out);
    }

    core__log(ctx, CORE_LOG_CALL_END, STMT_DEC, 0, rc, out->remaining);
    return rc;
}

/* DEC.1 and DEC.2: sample "reused", then reject a caller's open transaction. */
static core_rc_t core_dec_begin(core_ctx_t *ctx, bool *reused_out)
{
    core_rc_t rc;

    /* Sampled before get_conn(), which would otherwise always leave a cached
     * handle and make every connection look reused. */
    *reused_out = core__conn_cached(ctx);

    rc = core__get_conn(ctx);
    if (rc != CORE_OK) {
        return rc;
    }
    if (ctx->policy->reuse_sample == CORE_SAMPLE_AFTER_GUARD) {
        *reused_out = core__conn_cached(ctx);
    }

    /* Client-side only: a reaped socket still reports IDLE here. */
    if (conn_txn_status(&ctx->conn) != CONN_TXN_IDLE) {
        return core_dec_error(ctx, CORE_E_OPEN_TXN);
    }
    return CORE_OK;
}

/* DEC.5 to DEC.8: act on the committed row. */
static core_rc_t core_dec_finish(core_ctx_t *ctx, const core_batch_t *batch,
                                 const conn_result_t *row, core_dec_t *out)
{
    conn_params_t params;
    conn_result_t ignored;
    core_rc_t rc;

    memset(&params, 0, sizeof(params));
    params.exec_id = batch->exec_id;
    params.generation = batch->generation;

    if (row->row_count == 0) {
        /* Aborted, reaped or cleaned up under us: nothing was applied. */
        core__log(ctx, CORE_LOG_ABANDONED, STMT_DEC, 0, CORE_OK, batch->batch_index);
        out->status = CORE_DEC_ABANDONED;
        return CORE_OK;
    }

    if (ctx->policy->two_step_abort && row->value2 != 0) {
        /* The first design: a flagged row is being aborted and never fires. */
        core__log(ctx, CORE_LOG_ABANDONED, STMT_DEC, 0, CORE_OK, batch->batch_index);
        out->status = CORE_DEC_ABANDONED;
        return CORE_OK;
    }

    out->remaining = row->value;
    if (row->value > 0) {
        out->status = CORE_DEC_PENDING;
        return CORE_OK;
    }

    if (row->value < 0 && (ctx->policy->mutation & CORE_MUT_FIRE_BELOW_ZERO) == 0) {
        /* A duplicate decrement against a row left at 0: delete, never fire.
         * Upstream lets this delete's failure raise. */
        rc = core__cur(ctx, core_dec_del_txn(ctx, batch), &params, &ignored);
        if (rc != CORE_OK) {
            return rc;
        }
        core__log(ctx, CORE_LOG_NEGATIVE, STMT_DEC, 0, CORE_OK, row->value);
        out->status = CORE_DEC_ABANDONED;
        return CORE_OK;
    }

    return core_dec_fire(ctx, batch, row, out);
}

/* DEC.8: this caller observed 0. Fire first so a dispatch failure leaves the
 * row for the reaper, then clean up best effort. */
static core_rc_t core_dec_fire(core_ctx_t *ctx, const core_batch_t *batch,
                               const conn_result_t *row, core_dec_t *out)
{
    conn_params_t params;
    core_rc_t rc;

    memset(&params, 0, sizeof(params));
    params.exec_id = batch->exec_id;
    params.generation = batch->generation;
    if ((ctx->policy->mutation & CORE_MUT_DELETE_FIRST) != 0) {
        core__cleanup(ctx, core_dec_del_txn(ctx, batch), &params);
    }

    rc = ctx->env_ops->fire(ctx->env, batch->exec_id, row->elements,
                            row->element_count, &out->callback_id);
    if (rc != CORE_OK) {
        return core_dec_error(ctx, rc);
    }

    if ((ctx->policy->mutation & CORE_MUT_DELETE_FIRST) == 0) {
        core__cleanup(ctx, core_dec_del_txn(ctx, batch), &params);
    }
    core__cleanup(ctx, &core_txn_clear, &params);

    out->status = CORE_DEC_COMPLETE;
    out->aggregated_count = row->element_count;
    return CORE_OK;
}

/* Record a decrement failure that no statement reported, and return it. */
static core_rc_t core_dec_error(core_ctx_t *ctx, core_rc_t rc)
{
    memset(&ctx->error, 0, sizeof(ctx->error));
    ctx->error.rc = rc;
    ctx->error.stmt = STMT_DEC;
    return rc;
}

/* Under policy n a header deletes only the row of its own arming. */
static const core_txn_t *core_dec_del_txn(const core_ctx_t *ctx, const core_batch_t *batch)
{
    if (ctx->policy->generation_guard && batch->generation > 0) {
        return &core_txn_del_g;
    }
    return &core_txn_del;
}
