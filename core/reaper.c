/* reaper — lease handling and the recovery of one stranded barrier per tick. */
#include "reaper.h"

#include <assert.h>
#include <string.h>

#include "internal.h"

static const core_txn_t core_txn_renew = {{STMT_LOCK_RENEW}, 1};
static const core_txn_t core_txn_acquire = {{STMT_LOCK_ACQUIRE}, 1};
static const core_txn_t core_txn_select = {{STMT_RPR_SELECT}, 1};
static const core_txn_t core_txn_recheck = {{STMT_RPR_RECHECK}, 1};
static const core_txn_t core_txn_dedup_sweep = {{STMT_RPR_DEDUP_SWEEP}, 1};
static const core_txn_t core_txn_rearm = {{STMT_RPR_REARM}, 1};
static const core_txn_t core_txn_orphan_select = {{STMT_RPR_ORPHAN_SELECT}, 1};
static const core_txn_t core_txn_orphan_delete = {{STMT_RPR_ORPHAN_DELETE}, 1};

static core_rc_t core_reaper_lease(core_ctx_t *ctx, core_reaper_t *reaper);
static core_sweep_t core_reaper_sweep(core_ctx_t *ctx, const core_reaper_t *reaper);
static core_sweep_t core_reaper_recover(core_ctx_t *ctx, conn_params_t *params,
                                        bool mark);
static core_rc_t core_reaper_cleanup(core_ctx_t *ctx, const conn_params_t *params,
                                     bool *deleted_out);
static void core_reaper_retention(core_ctx_t *ctx, const core_reaper_t *reaper);
static void core_reaper_orphans(core_ctx_t *ctx, const core_reaper_t *reaper);

core_rc_t core_reaper_tick(core_ctx_t *ctx, core_reaper_t *reaper, int64_t now_us,
                           core_sweep_t *sweep_out)
{
    core_rc_t rc = core_reaper_lease(ctx, reaper);
    conn_params_t params;
    conn_result_t rows;

    *sweep_out = CORE_SWEEP_NOT_LEADER;
    if (rc != CORE_OK || !reaper->is_leader) {
        return rc;
    }
    *sweep_out = core_reaper_sweep(ctx, reaper);
    core__log(ctx, CORE_LOG_SWEEP, STMT_RPR_SELECT, 0, CORE_OK, *sweep_out);
    if (*sweep_out == CORE_SWEEP_ABORTED) {
        /* A failed barrier SELECT ends the tick: no re-arm, no sweeps. */
        return CORE_OK;
    }

    /* RPR.2, every tick: messages whose lease lapsed go back to ready. */
    memset(&params, 0, sizeof(params));
    (void)core__cur(ctx, &core_txn_rearm, &params, &rows);

    /* RPR.4 every 300 s, at once on the first leader tick; its errors are
     * swallowed. */
    if (now_us >= reaper->sweep_due_us) {
        reaper->sweep_due_us = now_us + CORE_REAPER_SWEEP_PERIOD_S * 1000000LL;
        core_reaper_retention(ctx, reaper);
        core_reaper_orphans(ctx, reaper);
    }
    return CORE_OK;
}

const char *core_sweep_name(core_sweep_t sweep)
{
    static const char *const names[] = {"not_leader", "nothing", "skipped",
                                        "cleaned", "recovered", "failed", "aborted"};

    assert(sweep >= 0);
    assert((size_t)sweep < sizeof(names) / sizeof(names[0]));
    return names[sweep];
}

/* Renew the lease. A renew that raises steps down and ends the tick. A renew
 * that finds the lease taken steps down and tries to acquire at once. The
 * renew has no staleness check, so a stalled leader that nobody displaced
 * stays leader, and nothing fences a deposed one. */
static core_rc_t core_reaper_lease(core_ctx_t *ctx, core_reaper_t *reaper)
{
    conn_params_t params;
    conn_result_t row;
    core_rc_t rc;

    memset(&params, 0, sizeof(params));
    params.leader = reaper->leader_id;
    params.lease_s = reaper->lease_s;

    if (reaper->is_leader) {
        rc = core__cur(ctx, &core_txn_renew, &params, &row);
        if (rc != CORE_OK || row.row_count == 0) {
            reaper->is_leader = false;
            core__log(ctx, CORE_LOG_STEP_DOWN, STMT_LOCK_RENEW, 0, rc, 0);
        }
        if (rc != CORE_OK || row.row_count > 0) {
            return rc;
        }
    }

    rc = core__cur(ctx, &core_txn_acquire, &params, &row);
    if (rc == CORE_OK && row.row_count > 0) {
        reaper->is_leader = true;
        core__log(ctx, CORE_LOG_LEADER, STMT_LOCK_ACQUIRE, 0, CORE_OK, 1);
    }
    return rc;
}

/* RPR.1 for the first stranded row. */
static core_sweep_t core_reaper_sweep(core_ctx_t *ctx, const core_reaper_t *reaper)
{
    conn_params_t params;
    conn_result_t row;
    core_status_t status;
    char exec_id[CONN_TEXT_SIZE];
    char org_id[CONN_TEXT_SIZE];

    memset(&params, 0, sizeof(params));
    params.stuck_s = reaper->stuck_timeout_s;
    if (core__cur(ctx, &core_txn_select, &params, &row) != CORE_OK) {
        return CORE_SWEEP_ABORTED;
    }
    if (row.row_count == 0) {
        return CORE_SWEEP_NOTHING;
    }

    memcpy(exec_id, row.texts[0], sizeof(exec_id));
    memcpy(org_id, row.texts[1], sizeof(org_id));
    params.exec_id = exec_id;
    params.org_id = org_id;
    if (org_id[0] == '\0') {
        /* Without an org the org-scoped status API cannot be called. */
        return CORE_SWEEP_SKIPPED;
    }

    if (ctx->env_ops->status_read(ctx->env, exec_id, org_id, &status) != CORE_OK) {
        return CORE_SWEEP_FAILED;
    }
    switch (status) {
    case CORE_STATUS_NONE:
        return CORE_SWEEP_SKIPPED;
    case CORE_STATUS_GONE:
    case CORE_STATUS_ERROR:
    case CORE_STATUS_COMPLETED:
    case CORE_STATUS_STOPPED:
        return core_reaper_recover(ctx, &params, false);
    case CORE_STATUS_EXECUTING:
        break;
    }
    return core_reaper_recover(ctx, &params, true);
}

/* Re-check, mark when asked, then delete with the predicate repeated. */
static core_sweep_t core_reaper_recover(core_ctx_t *ctx, conn_params_t *params,
                                        bool mark)
{
    conn_result_t row;
    bool confirmed = false;
    bool deleted = false;

    if (mark) {
        if (core__cur(ctx, &core_txn_recheck, params, &row) != CORE_OK) {
            return CORE_SWEEP_FAILED;
        }
        if (row.row_count == 0) {
            return CORE_SWEEP_SKIPPED;
        }
        if (ctx->env_ops->mark_error(ctx->env, params->exec_id, params->org_id,
                                     &confirmed) != CORE_OK ||
            !confirmed) {
            return CORE_SWEEP_FAILED;
        }
    }
    if (core_reaper_cleanup(ctx, params, &deleted) != CORE_OK) {
        return CORE_SWEEP_FAILED;
    }
    if (!deleted) {
        return CORE_SWEEP_SKIPPED;
    }
    return mark ? CORE_SWEEP_RECOVERED : CORE_SWEEP_CLEANED;
}

/* One transaction: the re-guarded DELETE, and the markers only when it
 * removed the row. */
static core_rc_t core_reaper_cleanup(core_ctx_t *ctx, const conn_params_t *params,
                                     bool *deleted_out)
{
    conn_result_t rows;
    core_rc_t rc = core__get_conn(ctx);

    *deleted_out = false;
    if (rc != CORE_OK) {
        /* The caller's SELECT or re-check just left the connection open and
         * healthy, and no I/O happened since, so get_conn returns it. */
        return rc; /* LCOV_EXCL_LINE */
    }
    conn_exec(&ctx->conn, stmt_get(STMT_BEGIN), NULL, &rows);
    if (rows.status == CONN_OK) {
        conn_exec(&ctx->conn, stmt_get(STMT_RPR_DELETE), params, &rows);
        *deleted_out = rows.status == CONN_OK && rows.row_count > 0;
    }
    if (rows.status == CONN_OK && *deleted_out) {
        conn_exec(&ctx->conn, stmt_get(STMT_CLEAR), params, &rows);
    }
    if (rows.status == CONN_OK) {
        conn_commit(&ctx->conn, &rows);
    }
    if (rows.status != CONN_OK) {
        *deleted_out = false;
        rc = rows.status == CONN_DEAD ? CORE_E_DEAD : CORE_E_LOGICAL;
        ctx->error.rc = rc;
        ctx->error.stmt = STMT_RPR_DELETE;
        core__recover(ctx, rc);
    }
    return rc;
}

/* Markers older than the retention go, whatever their execution: this is
 * what finally reclaims the markers an abort kept. */
static void core_reaper_retention(core_ctx_t *ctx, const core_reaper_t *reaper)
{
    conn_params_t params;
    conn_result_t rows;

    memset(&params, 0, sizeof(params));
    params.retention_s = reaper->retention_s;
    (void)core__cur(ctx, &core_txn_dedup_sweep, &params, &rows);
}

/* An orchestration claim older than the stuck timeout with no barrier row
 * is the trace of a crash between the claim and the arm. Mark the execution
 * ERROR unless it is terminal, then delete the claim with the predicate
 * repeated. A zero-row delete is a lost race, not a failure. */
static void core_reaper_orphans(core_ctx_t *ctx, const core_reaper_t *reaper)
{
    conn_params_t params;
    conn_result_t row;
    core_status_t status;
    char exec_id[CONN_TEXT_SIZE];
    char org_id[CONN_TEXT_SIZE];
    bool confirmed = false;

    memset(&params, 0, sizeof(params));
    params.stuck_s = reaper->stuck_timeout_s;
    if (core__cur(ctx, &core_txn_orphan_select, &params, &row) != CORE_OK ||
        row.row_count == 0) {
        return;
    }
    memcpy(exec_id, row.texts[0], sizeof(exec_id));
    memcpy(org_id, row.texts[1], sizeof(org_id));
    params.exec_id = exec_id;
    params.org_id = org_id;

    if (ctx->env_ops->status_read(ctx->env, exec_id, org_id, &status) != CORE_OK) {
        return;
    }
    if ((status == CORE_STATUS_EXECUTING || status == CORE_STATUS_NONE) &&
        (ctx->env_ops->mark_error(ctx->env, exec_id, org_id, &confirmed) != CORE_OK ||
         !confirmed)) {
        return;
    }
    (void)core__cur(ctx, &core_txn_orphan_delete, &params, &row);
}
