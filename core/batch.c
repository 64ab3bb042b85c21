/* batch — arm, claim, the in-body batch path and abort. */
#include "internal.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

static const char *const core_rc_names[] = {
#define CORE_RC_NAME(name, text) text,
    CORE_RC_MAP(CORE_RC_NAME)
#undef CORE_RC_NAME
};

static const char *const core_log_names[] = {
#define CORE_LOG_NAME(name, text) text,
    CORE_LOG_MAP(CORE_LOG_NAME)
#undef CORE_LOG_NAME
};

static const core_txn_t core_txn_arm = {{STMT_ARM_UPSERT, STMT_ARM_WIPE}, 2};
static const core_txn_t core_txn_claim = {{STMT_CLAIM}, 1};
static const core_txn_t core_txn_abort = {{STMT_ABORT}, 1};
static const core_txn_t core_txn_clear = {{STMT_CLEAR}, 1};
static const core_txn_t core_txn_del = {{STMT_DEL}, 1};
static const core_txn_t core_txn_arm_g = {{STMT_ARM_UPSERT_G}, 1};
static const core_txn_t core_txn_claim_g = {{STMT_CLAIM_G}, 1};
static const core_txn_t core_txn_abort_g = {{STMT_ABORT_G}, 1};
static const core_txn_t core_txn_abort_flag = {{STMT_ABORT_FLAG}, 1};
static const core_txn_t core_txn_oclaim = {{STMT_OCLAIM}, 1};

static void core_batch_error_path(core_ctx_t *ctx, const core_batch_t *batch);
static core_rc_t core_arm_generation(core_ctx_t *ctx, const char *exec_id,
                                     const char *org_id, int64_t count,
                                     int64_t *generation_out);
static core_rc_t core_abort_generation(core_ctx_t *ctx, const char *exec_id,
                                       int64_t generation, bool preserve_markers,
                                       bool *won_out);
static void core_batch_error_path_old(core_ctx_t *ctx, const core_batch_t *batch);

void core_ctx_init(core_ctx_t *ctx, const conn_ops_t *ops, void *backend,
                   const core_policy_t *policy, const core_env_ops_t *env_ops,
                   void *env)
{
    memset(ctx, 0, sizeof(*ctx));
    conn_init(&ctx->conn, ops, backend);
    ctx->conn.classify_strict = policy->classify == CORE_CLASSIFY_STRICT;
    ctx->policy = policy;
    ctx->env_ops = env_ops;
    ctx->env = env;
}

void core_ctx_forget_conn(core_ctx_t *ctx)
{
    conn_close(&ctx->conn);
}

core_rc_t core_enqueue(core_ctx_t *ctx, const char *exec_id, const char *org_id,
                       int64_t count, core_dispatch_cb dispatch, void *arg)
{
    conn_params_t params;
    conn_result_t ignored;
    core_error_t saved;
    int64_t generation = 0;
    core_rc_t rc;
    int32_t i;

    rc = core_arm_generation(ctx, exec_id, org_id, count, &generation);
    if (rc != CORE_OK) {
        return rc;
    }

    for (i = 0; i < count; i++) {
        rc = dispatch(arg, i, generation);
        if (rc == CORE_OK) {
            continue;
        }

        /* HDR.2: earlier headers are in flight; with the row gone their
         * decrements find nothing, and the cleared markers keep their
         * claims from blocking a re-run. Errors are suppressed. */
        saved.rc = rc;
        saved.stmt = STMT_DEL;
        saved.sent = STMT_DEL;
        saved.sent_index = 0;
        saved.phase = CORE_PHASE_NONE;
        saved.sqlstate[0] = '\0';
        memset(&params, 0, sizeof(params));
        params.exec_id = exec_id;
        core__log(ctx, CORE_LOG_DISPATCH_FAILED, STMT_DEL, 0, rc, i);
        (void)core__cur(ctx, &core_txn_del, &params, &ignored);
        (void)core__cur(ctx, &core_txn_clear, &params, &ignored);
        ctx->error = saved;
        return rc;
    }
    return CORE_OK;
}

core_rc_t core_orchestrate(core_ctx_t *ctx, const char *exec_id, const char *org_id,
                           int64_t count, bool take_claim, core_dispatch_cb dispatch,
                           void *arg, core_orc_t *out)
{
    conn_params_t params;
    conn_result_t row;
    core_status_t status = CORE_STATUS_NONE;
    bool confirmed;
    bool reused;
    core_rc_t rc;

    memset(&params, 0, sizeof(params));
    params.exec_id = exec_id;
    params.org_id = org_id;
    *out = CORE_ORC_ARMED;

    if (take_claim) {
        /* ORC.1 through the returning-claim helper: false means another
         * delivery of this orchestrator already won. */
        core__log(ctx, CORE_LOG_CALL_BEGIN, STMT_OCLAIM, 0, CORE_OK, 0);
        reused = core__conn_cached(ctx);
        rc = core__retrying_txn(ctx, &core_txn_oclaim, &params, reused, true, &row);
        core__log(ctx, CORE_LOG_CALL_END, STMT_OCLAIM, 0, rc, row.row_count);
        if (rc != CORE_OK) {
            (void)ctx->env_ops->mark_error(ctx->env, exec_id, org_id, &confirmed);
            return rc;
        }
        if (row.row_count == 0) {
            *out = CORE_ORC_DUPLICATE;
            return CORE_OK;
        }
        if (ctx->env_ops->status_read != NULL &&
            ctx->env_ops->status_read(ctx->env, exec_id, org_id, &status) == CORE_OK &&
            status != CORE_STATUS_EXECUTING && status != CORE_STATUS_NONE) {
            *out = CORE_ORC_TERMINAL;
            return CORE_OK;
        }
    }

    /* The orchestrator catches an enqueue failure, marks ERROR best effort
     * and returns normally; the claim row stays as the recovery handle. */
    if (core_enqueue(ctx, exec_id, org_id, count, dispatch, arg) != CORE_OK) {
        (void)ctx->env_ops->mark_error(ctx->env, exec_id, org_id, &confirmed);
        *out = CORE_ORC_FAILED;
    }
    return CORE_OK;
}

core_rc_t core_arm(core_ctx_t *ctx, const char *exec_id, const char *org_id,
                   int64_t count)
{
    int64_t generation;

    return core_arm_generation(ctx, exec_id, org_id, count, &generation);
}

/* The arm, returning the new generation under policy n (0 otherwise). Under
 * n the markers are keyed on the generation, so there is nothing to wipe. */
static core_rc_t core_arm_generation(core_ctx_t *ctx, const char *exec_id,
                                     const char *org_id, int64_t count,
                                     int64_t *generation_out)
{
    const core_txn_t *txn = ctx->policy->generation_guard ? &core_txn_arm_g
                                                          : &core_txn_arm;
    conn_params_t params;
    conn_result_t row;
    core_rc_t rc;

    assert(count > 0);
    memset(&params, 0, sizeof(params));
    params.exec_id = exec_id;
    params.org_id = org_id;
    params.count = count;
    params.ttl_s = CORE_BARRIER_TTL_S;

    /* Safe to retry: both statements converge when re-run, and no header has
     * been dispatched yet. */
    core__log(ctx, CORE_LOG_CALL_BEGIN, STMT_ARM_UPSERT, 0, CORE_OK, count);
    rc = core__idem(ctx, txn, &params, &row);
    *generation_out = rc == CORE_OK && ctx->policy->generation_guard ? row.value : 0;
    core__log(ctx, CORE_LOG_CALL_END, STMT_ARM_UPSERT, 0, rc, *generation_out);
    return rc;
}

core_rc_t core_claim_batch(core_ctx_t *ctx, const core_batch_t *batch,
                           bool *won_out)
{
    conn_params_t params;
    conn_result_t row;
    bool reused;
    core_rc_t rc;

    memset(&params, 0, sizeof(params));
    params.exec_id = batch->exec_id;
    params.batch_index = batch->batch_index;
    if (ctx->policy->claim == CORE_CLAIM_DELIVERY) {
        params.batch_index = batch->delivery_id;
    }
    params.generation = batch->generation;
    *won_out = false;

    core__log(ctx, CORE_LOG_CALL_BEGIN, STMT_CLAIM, 0, CORE_OK, batch->batch_index);
    reused = core__conn_cached(ctx);
    if (ctx->policy->reuse_sample == CORE_SAMPLE_AFTER_GUARD) {
        rc = core__get_conn(ctx);
        if (rc != CORE_OK) {
            core__log(ctx, CORE_LOG_CALL_END, STMT_CLAIM, 0, rc, 0);
            return rc;
        }
        reused = core__conn_cached(ctx);
    }

    rc = core__retrying_txn(ctx, ctx->policy->generation_guard ? &core_txn_claim_g
                                                               : &core_txn_claim,
                            &params, reused, true, &row);
    if (rc == CORE_OK) {
        *won_out = row.row_count > 0;
    }
    core__log(ctx, CORE_LOG_CALL_END, STMT_CLAIM, 0, rc, *won_out);
    return rc;
}

core_rc_t core_run_batch(core_ctx_t *ctx, const core_batch_t *batch,
                         core_work_cb work, void *work_arg, core_rb_t *out)
{
    conn_element_t result;
    bool won = true;
    bool skipped = false;
    core_rc_t rc = CORE_OK;

    memset(out, 0, sizeof(*out));

    /* RB.1 runs outside the error path: a claim failure leaves the message
     * for redelivery, with no mark and no abort. */
    if (ctx->policy->claim != CORE_CLAIM_NONE && !ctx->policy->fused_claim) {
        rc = core_claim_batch(ctx, batch, &won);
    }
    if (rc != CORE_OK) {
        return rc;
    }
    if (!won) {
        out->status = CORE_RB_SKIPPED_REDELIVERY;
        return CORE_OK;
    }

    memset(&result, 0, sizeof(result));
    rc = work(work_arg, batch, &result, &skipped);
    if (rc == CORE_OK && skipped) {
        /* The barrier is presumed torn down: no decrement and no abort. */
        out->status = CORE_RB_SKIPPED_TERMINAL;
        return CORE_OK;
    }
    if (rc == CORE_OK) {
        rc = core_decrement(ctx, batch, &result, &out->dec);
    }
    if (rc == CORE_OK) {
        out->status = CORE_RB_DECREMENTED;
        return CORE_OK;
    }

    core_batch_error_path(ctx, batch);
    return rc;
}

core_rc_t core_abort(core_ctx_t *ctx, const char *exec_id, bool preserve_markers,
                     bool *won_out)
{
    return core_abort_generation(ctx, exec_id, 0, preserve_markers, won_out);
}

/* Abort; under policy n with a known generation only that arming's row. */
static core_rc_t core_abort_generation(core_ctx_t *ctx, const char *exec_id,
                                       int64_t generation, bool preserve_markers,
                                       bool *won_out)
{
    const core_txn_t *txn = &core_txn_abort;
    conn_params_t params;
    conn_result_t row;
    core_rc_t rc;

    memset(&params, 0, sizeof(params));
    params.exec_id = exec_id;
    params.generation = generation;
    if (ctx->policy->generation_guard && generation > 0) {
        txn = &core_txn_abort_g;
    }
    if (ctx->policy->two_step_abort) {
        txn = &core_txn_abort_flag;
    }
    *won_out = false;

    /* The row is the dedup token: concurrent aborters serialise on its lock
     * and only one gets it back. */
    core__log(ctx, CORE_LOG_CALL_BEGIN, STMT_ABORT, 0, CORE_OK, preserve_markers);
    if (ctx->policy->abort_retry) {
        /* Re-running the DELETE after an ambiguous COMMIT that landed finds
         * no row ("already aborted"), which only skips the marker clear. */
        rc = core__idem(ctx, txn, &params, &row);
    } else {
        rc = core__cur(ctx, txn, &params, &row);
    }
    if (rc == CORE_OK && ctx->policy->two_step_abort && row.row_count > 0) {
        conn_result_t ignored;

        /* The first design's second step. A crash or a dead connection
         * between the two leaves a flagged row that never fires and lingers
         * until the reaper takes it. */
        rc = core__cur(ctx, &core_txn_del, &params, &ignored);
    }
    if (rc == CORE_OK) {
        *won_out = row.row_count > 0;
        if (*won_out && !preserve_markers) {
            /* Suppressed, as upstream does: the abort itself succeeded. */
            core__cleanup(ctx, &core_txn_clear, &params);
        }
    }
    core__log(ctx, CORE_LOG_CALL_END, STMT_ABORT, 0, rc, *won_out);
    return rc;
}

const char *core_rc_name(core_rc_t rc)
{
    assert(rc >= 0);
    assert((size_t)rc < sizeof(core_rc_names) / sizeof(core_rc_names[0]));
    return core_rc_names[rc];
}

const char *core_log_name(core_log_kind_t kind)
{
    assert(kind >= 0);
    assert((size_t)kind < sizeof(core_log_names) / sizeof(core_log_names[0]));
    return core_log_names[kind];
}

const char *core_dec_status_name(core_dec_status_t status)
{
    switch (status) {
    case CORE_DEC_PENDING:
        return "pending";
    case CORE_DEC_COMPLETE:
        return "complete";
    case CORE_DEC_ABANDONED:
        return "abandoned";
    }
    return "unknown";
}

/* RB.6: mark ERROR first. Only after a confirmed mark, abort and keep the
 * markers, so that a redelivery skips instead of re-running the batch.
 * Without a confirmed mark the row stays as the reaper's recovery handle.
 * The caller re-raises the original error. */
static void core_batch_error_path(core_ctx_t *ctx, const core_batch_t *batch)
{
    core_error_t saved = ctx->error;
    bool confirmed = false;
    bool won = false;
    core_rc_t rc = CORE_E_STATUS;

    if (ctx->policy->error_path == CORE_ERROR_PATH_DELETE_FIRST) {
        core_batch_error_path_old(ctx, batch);
        ctx->error = saved;
        return;
    }

    if (batch->org_id != NULL && batch->org_id[0] != '\0') {
        rc = ctx->env_ops->mark_error(ctx->env, batch->exec_id, batch->org_id,
                                      &confirmed);
    }

    if (rc != CORE_OK || !confirmed) {
        core__log(ctx, CORE_LOG_MARK_UNCONFIRMED, STMT_ABORT, 0, rc, 0);
    } else if (core_abort_generation(ctx, batch->exec_id, batch->generation, true,
                                     &won) != CORE_OK) {
        core__log(ctx, CORE_LOG_ABORT_FAILED, STMT_ABORT, 0, ctx->error.rc, 0);
    }
    ctx->error = saved;
}

/* The order before marks came first: abort and clear the markers, then
 * mark. With the status API down the execution stays EXECUTING with no row,
 * and a redelivery re-runs the batch because its marker is gone. */
static void core_batch_error_path_old(core_ctx_t *ctx, const core_batch_t *batch)
{
    bool confirmed = false;
    bool won = false;

    if (core_abort(ctx, batch->exec_id, false, &won) != CORE_OK) {
        core__log(ctx, CORE_LOG_ABORT_FAILED, STMT_ABORT, 0, ctx->error.rc, 0);
    }

    /* Without an org the org-scoped status API cannot be called. */
    if (batch->org_id == NULL || batch->org_id[0] == '\0' ||
        ctx->env_ops->mark_error(ctx->env, batch->exec_id, batch->org_id,
                                 &confirmed) != CORE_OK ||
        !confirmed) {
        core__log(ctx, CORE_LOG_MARK_UNCONFIRMED, STMT_ABORT, 0, CORE_E_STATUS, 0);
    }
}
