/* server — statement semantics, row locks and transaction ends. */
#include "server.h"

#include "../core/barrier.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

static sim_exec_t sim_server_upsert(sim_server_t *server, int txn,
                                    const conn_params_t *params, int64_t now_us,
                                    conn_raw_t *raw, int *wait_txn);
static sim_exec_t sim_server_decrement(sim_server_t *server, int txn, stmt_id_t stmt,
                                       const conn_params_t *params, int64_t now_us,
                                       conn_raw_t *raw, int *wait_txn);
static sim_exec_t sim_server_delete_row(sim_server_t *server, int txn,
                                        stmt_id_t stmt, const conn_params_t *params,
                                        conn_raw_t *raw, int *wait_txn);
static sim_exec_t sim_server_claim(sim_server_t *server, int txn, stmt_id_t stmt,
                                   const conn_params_t *params, conn_raw_t *raw,
                                   int *wait_txn);
static sim_exec_t sim_server_oclaim(sim_server_t *server, int txn, stmt_id_t stmt,
                                    conn_raw_t *raw, int *wait_txn);
static sim_exec_t sim_server_applied(sim_server_t *server, int txn, stmt_id_t stmt,
                                     const conn_params_t *params, conn_raw_t *raw,
                                     int *wait_txn);
static int64_t sim_server_xact_status(const sim_server_t *server, int64_t xid);
static sim_exec_t sim_server_abort_flag(sim_server_t *server, int txn,
                                        const conn_params_t *params, conn_raw_t *raw,
                                        int *wait_txn);
static sim_exec_t sim_server_queue(sim_server_t *server, int txn, stmt_id_t stmt,
                                   const conn_params_t *params, conn_raw_t *raw,
                                   int *wait_txn);
static sim_exec_t sim_server_dedup_sweep(sim_server_t *server, int txn,
                                         const conn_params_t *params, int64_t now_us,
                                         conn_raw_t *raw, int *wait_txn);
static sim_exec_t sim_server_orphan(sim_server_t *server, int txn, stmt_id_t stmt,
                                    const conn_params_t *params, int64_t now_us,
                                    conn_raw_t *raw, int *wait_txn);
static bool sim_server_generation_matches(stmt_id_t stmt, const sim_row_value_t *row,
                                          const conn_params_t *params);
static sim_exec_t sim_server_wipe(sim_server_t *server, int txn, stmt_id_t stmt,
                                  conn_raw_t *raw, int *wait_txn);
static sim_row_value_t *sim_server_lock_row(sim_server_t *server, int txn);
static void sim_server_effect(sim_server_t *server, int txn, stmt_id_t stmt,
                              int32_t batch_index, int64_t value);
static void sim_server_end(sim_server_t *server, int txn, bool commit);
static bool sim_server_is_own_exec(const conn_params_t *params);
static sim_exec_t sim_server_reaper_read(const sim_server_t *server, stmt_id_t stmt,
                                         const conn_params_t *params, int64_t now_us,
                                         conn_raw_t *raw);
static sim_exec_t sim_server_reaper_delete(sim_server_t *server, int txn,
                                           const conn_params_t *params, int64_t now_us,
                                           conn_raw_t *raw, int *wait_txn);
static sim_exec_t sim_server_lease(sim_server_t *server, int txn, stmt_id_t stmt,
                                   const conn_params_t *params, int64_t now_us,
                                   conn_raw_t *raw, int *wait_txn);
static bool sim_server_stranded(const sim_row_value_t *row, const conn_params_t *params,
                                int64_t now_us);
static void sim_server_stage_marker(sim_server_t *server, int txn, int key, bool exists);
static bool sim_server_holds_marker(const sim_txn_t *txn, int key);

void sim_server_init(sim_server_t *server, int batch_count)
{
    assert(batch_count > 0);
    assert(batch_count <= SCEN_BATCH_MAX);

    /* Only the header fields: the transaction table is reset lazily by
     * sim_server_begin, which keeps a run's reset cheap. */
    memset(&server->row, 0, sizeof(server->row));
    memset(&server->lease, 0, sizeof(server->lease));
    memset(&server->oclaim, 0, sizeof(server->oclaim));
    server->queue_row_count = 0;
    server->generation_count = 0;
    /* The world starts zeroed, so clearing the keys the last run used is
     * enough. */
    memset(server->markers, 0,
           sizeof(server->markers[0]) *
               (size_t)(server->marker_count > batch_count ? server->marker_count
                                                           : batch_count));
    server->batch_count = batch_count;
    server->marker_count = batch_count;
    server->txn_count = 0;
    server->changed = true;
}

int sim_server_begin(sim_server_t *server, int conn_id, int64_t now_us)
{
    sim_txn_t *txn;

    assert(server->txn_count + 1 < SIM_TXN_MAX);
    server->txn_count++;
    txn = &server->txns[server->txn_count];
    memset(txn, 0, sizeof(*txn));
    txn->state = SIM_TXN_ACTIVE;
    txn->conn_id = conn_id;
    txn->start_us = now_us;
    server->changed = true;
    return server->txn_count;
}

sim_exec_t sim_server_exec(sim_server_t *server, int txn, stmt_id_t stmt,
                           const conn_params_t *params, conn_raw_t *raw_out,
                           int *wait_txn_out)
{
    int64_t now_us;

    assert(txn > 0);
    assert(server->txns[txn].state == SIM_TXN_ACTIVE);
    *wait_txn_out = 0;
    raw_out->answered = true;
    server->changed = true;

    /* now() in PostgreSQL is the transaction's start time, also for a
     * statement that waited for a lock. */
    now_us = server->txns[txn].start_us;
    server->now_us = now_us;

    switch (stmt) {
    case STMT_ARM_UPSERT:
    case STMT_ARM_UPSERT_G:
        return sim_server_upsert(server, txn, params, now_us, raw_out, wait_txn_out);
    case STMT_OCLAIM:
    case STMT_ORELEASE:
        return sim_server_oclaim(server, txn, stmt, raw_out, wait_txn_out);
    case STMT_ARM_WIPE:
    case STMT_CLEAR:
        return sim_server_wipe(server, txn, stmt, raw_out, wait_txn_out);
    case STMT_K_MARK:
    case STMT_K_STORE:
    case STMT_K_READ:
        return sim_server_applied(server, txn, stmt, params, raw_out, wait_txn_out);
    case STMT_XACT_STATUS:
        raw_out->row_count = 1;
        raw_out->value = sim_server_xact_status(server, params->xid);
        return SIM_EXEC_DONE;
    case STMT_CLAIM:
    case STMT_CLAIM_G:
        return sim_server_claim(server, txn, stmt, params, raw_out, wait_txn_out);
    case STMT_ABORT_FLAG:
        return sim_server_abort_flag(server, txn, params, raw_out, wait_txn_out);
    case STMT_DEC:
    case STMT_DEC_G:
    case STMT_DEC_XID:
    case STMT_DEC_J:
        return sim_server_decrement(server, txn, stmt, params, now_us, raw_out,
                                    wait_txn_out);
    case STMT_DEL:
    case STMT_ABORT:
    case STMT_DEL_G:
    case STMT_ABORT_G:
        return sim_server_delete_row(server, txn, stmt, params, raw_out, wait_txn_out);
    case STMT_RPR_SELECT:
    case STMT_RPR_RECHECK:
        return sim_server_reaper_read(server, stmt, params, now_us, raw_out);
    case STMT_RPR_DELETE:
        return sim_server_reaper_delete(server, txn, params, now_us, raw_out,
                                        wait_txn_out);
    case STMT_SEND:
    case STMT_ACK:
        return sim_server_queue(server, txn, stmt, params, raw_out, wait_txn_out);
    case STMT_RPR_REARM:
        /* The in-memory queue records which leases lapsed, so the effect
         * makes it re-arm them when this transaction commits. */
        raw_out->row_count = 0;
        sim_server_effect(server, txn, STMT_RPR_REARM, -1, 0);
        return SIM_EXEC_DONE;
    case STMT_RPR_DEDUP_SWEEP:
        return sim_server_dedup_sweep(server, txn, params, now_us, raw_out, wait_txn_out);
    case STMT_RPR_ORPHAN_SELECT:
    case STMT_RPR_ORPHAN_DELETE:
        return sim_server_orphan(server, txn, stmt, params, now_us, raw_out, wait_txn_out);
    case STMT_LOCK_RENEW:
    case STMT_LOCK_ACQUIRE:
        return sim_server_lease(server, txn, stmt, params, now_us, raw_out,
                                wait_txn_out);
    case STMT_BEGIN:
    case STMT_COMMIT:
    case STMT_COUNT:
        break;
    }
    assert(!"statement is not run through sim_server_exec");
    return SIM_EXEC_DONE;
}

void sim_server_commit(sim_server_t *server, int txn)
{
    sim_server_end(server, txn, true);
}

void sim_server_abort(sim_server_t *server, int txn)
{
    sim_server_end(server, txn, false);
}

const sim_txn_t *sim_server_txn(const sim_server_t *server, int txn)
{
    assert(txn > 0);
    assert(txn <= server->txn_count);
    return &server->txns[txn];
}

void sim_server_check(sim_server_t *server)
{
    int lock = server->row.lock_txn;
    int i;

    /* Only begin, exec and the ends change the server: most steps are an
     * actor sleeping or a queue event, and the check walks every marker. */
    if (!server->changed) {
        return;
    }
    server->changed = false;

    if (lock != 0) {
        assert(server->txns[lock].state == SIM_TXN_ACTIVE);
        assert(server->txns[lock].holds_row);
    }
    for (i = 0; i < server->marker_count; i++) {
        const sim_marker_t *marker = &server->markers[i];

        if (marker->lock_txn != 0) {
            const sim_txn_t *holder = &server->txns[marker->lock_txn];

            assert(holder->state == SIM_TXN_ACTIVE);
            assert(sim_server_holds_marker(holder, i));
        } else {
            assert(marker->pending_exists == marker->committed_exists);
        }
    }
}

/* Q-ARM.1: INSERT ... ON CONFLICT DO UPDATE resets the counter. */
static sim_exec_t sim_server_upsert(sim_server_t *server, int txn,
                                    const conn_params_t *params, int64_t now_us,
                                    conn_raw_t *raw, int *wait_txn)
{
    sim_row_value_t *row;

    if (server->row.lock_txn != 0 && server->row.lock_txn != txn) {
        *wait_txn = server->row.lock_txn;
        return SIM_EXEC_WAIT;
    }
    row = sim_server_lock_row(server, txn);
    row->exists = true;
    row->org_known = params->org_id != NULL && params->org_id[0] != '\0';
    row->remaining = params->count;
    row->element_count = 0;
    row->last_progress_us = now_us;
    row->expires_us = now_us + params->ttl_s * 1000000;
    row->generation = ++server->generation_count;
    row->aborted = false;
    raw->row_count = 1;
    raw->value = row->generation;
    sim_server_effect(server, txn, STMT_ARM_UPSERT, -1, params->count);
    return SIM_EXEC_DONE;
}

/* Q-DEC: UPDATE ... RETURNING remaining, results. */
static sim_exec_t sim_server_decrement(sim_server_t *server, int txn, stmt_id_t stmt,
                                       const conn_params_t *params, int64_t now_us,
                                       conn_raw_t *raw, int *wait_txn)
{
    sim_row_value_t *row;

    /* jsonb cannot store \u0000 (22P05). The planner folds the constant
     * $1::jsonb with the bound value, so the error comes before any row is
     * read or waited for: also when no row matches (found by confirm). */
    if ((params->result.flags & CONN_ELEMENT_NUL) != 0) {
        memcpy(raw->sqlstate, "22P05", CONN_SQLSTATE_SIZE);
        raw->row_count = 0;
        return SIM_EXEC_DONE;
    }

    if (server->row.lock_txn != 0 && server->row.lock_txn != txn) {
        *wait_txn = server->row.lock_txn;
        return SIM_EXEC_WAIT;
    }

    /* Re-evaluated against the newest version: a deleted row matches none. */
    row = server->row.lock_txn == txn ? &server->row.pending : &server->row.committed;
    if (!row->exists || !sim_server_is_own_exec(params) ||
        !sim_server_generation_matches(stmt, row, params)) {
        raw->row_count = 0;
        return SIM_EXEC_DONE;
    }

    row = sim_server_lock_row(server, txn);
    assert(row->element_count < CONN_ELEMENTS_MAX);
    row->remaining--;
    if ((server->bugs & SIM_SERVER_BUG_DEC_SKIPS_APPEND) == 0) {
        row->elements[row->element_count++] = params->result;
    }
    row->last_progress_us = now_us;

    raw->row_count = 1;
    raw->value = row->remaining;
    raw->element_count = row->element_count;
    memcpy(raw->elements, row->elements,
           (size_t)row->element_count * sizeof(row->elements[0]));
    if (stmt == STMT_DEC_XID) {
        raw->value2 = txn;
    }
    if (stmt == STMT_DEC_J) {
        raw->value2 = row->aborted;
    }
    sim_server_effect(server, txn, STMT_DEC, params->result.batch_index,
                      row->remaining);
    server->txns[txn].effects[server->txns[txn].effect_count - 1].generation =
        row->generation;
    return SIM_EXEC_DONE;
}

/* Q-DEL and Q-ABORT: DELETE of the barrier row; Q-ABORT returns it. */
static sim_exec_t sim_server_delete_row(sim_server_t *server, int txn,
                                        stmt_id_t stmt, const conn_params_t *params,
                                        conn_raw_t *raw, int *wait_txn)
{
    sim_row_value_t *row;

    if (server->row.lock_txn != 0 && server->row.lock_txn != txn) {
        *wait_txn = server->row.lock_txn;
        return SIM_EXEC_WAIT;
    }
    row = server->row.lock_txn == txn ? &server->row.pending : &server->row.committed;
    if (!row->exists || !sim_server_generation_matches(stmt, row, params)) {
        raw->row_count = 0;
        return SIM_EXEC_DONE;
    }

    row = sim_server_lock_row(server, txn);
    row->exists = false;
    raw->row_count = 1;
    /* The oracle treats the generation-guarded forms like the plain ones. */
    sim_server_effect(server, txn, stmt == STMT_ABORT_G ? STMT_ABORT
                                   : stmt == STMT_DEL_G ? STMT_DEL : stmt, -1, 1);
    return SIM_EXEC_DONE;
}

/* Q-CLAIM: INSERT ... ON CONFLICT DO NOTHING RETURNING. A key another
 * transaction is inserting or deleting makes the insert wait for it. */
static sim_exec_t sim_server_claim(sim_server_t *server, int txn, stmt_id_t stmt,
                                   const conn_params_t *params, conn_raw_t *raw,
                                   int *wait_txn)
{
    sim_marker_t *marker;
    int64_t key = params->batch_index;
    bool visible;

    /* Generation-keyed markers live in a key space of their own per arming. */
    if (stmt == STMT_CLAIM_G) {
        key += (int64_t)server->batch_count * params->generation;
    }
    assert(key >= 0);
    assert(key < SIM_MARKER_MAX);
    marker = &server->markers[key];
    if (key >= server->marker_count) {
        server->marker_count = (int)key + 1;
    }

    if (marker->lock_txn != 0 && marker->lock_txn != txn) {
        *wait_txn = marker->lock_txn;
        return SIM_EXEC_WAIT;
    }
    visible = marker->lock_txn == txn ? marker->pending_exists : marker->committed_exists;
    if (visible) {
        raw->row_count = 0;
        return SIM_EXEC_DONE;
    }

    sim_server_stage_marker(server, txn, (int)key, true);
    marker->created_us = server->now_us;
    marker->generation_keyed = stmt == STMT_CLAIM_G;
    raw->row_count = 1;
    sim_server_effect(server, txn, STMT_CLAIM, (int32_t)params->batch_index, 1);
    return SIM_EXEC_DONE;
}

/* Q-ARM.2 and Q-CLEAR: DELETE every pg_batch_dedup row of the execution
 * (generation-keyed claims live in pg_batch_dedup_gen and stay). Markers
 * other transactions are still inserting are invisible and left alone;
 * committed ones locked by another transaction make the delete wait. */
static sim_exec_t sim_server_wipe(sim_server_t *server, int txn, stmt_id_t stmt,
                                  conn_raw_t *raw, int *wait_txn)
{
    int deleted = 0;
    int i;

    for (i = 0; i < server->marker_count && i < SIM_APPLIED_BASE; i++) {
        const sim_marker_t *marker = &server->markers[i];

        if (!marker->generation_keyed && marker->committed_exists &&
            marker->lock_txn != 0 && marker->lock_txn != txn) {
            *wait_txn = marker->lock_txn;
            return SIM_EXEC_WAIT;
        }
    }

    for (i = 0; i < server->marker_count && i < SIM_APPLIED_BASE; i++) {
        sim_marker_t *marker = &server->markers[i];
        bool own = marker->lock_txn == txn;
        bool visible = own ? marker->pending_exists : marker->committed_exists;

        if (marker->generation_keyed || !visible || (marker->lock_txn != 0 && !own)) {
            continue;
        }
        sim_server_stage_marker(server, txn, i, false);
        deleted++;
    }

    raw->row_count = deleted;
    sim_server_effect(server, txn, stmt, -1, deleted);
    return SIM_EXEC_DONE;
}

static sim_row_value_t *sim_server_lock_row(sim_server_t *server, int txn)
{
    if (server->row.lock_txn != txn) {
        assert(server->row.lock_txn == 0);
        server->row.lock_txn = txn;
        server->row.pending = server->row.committed;
        server->txns[txn].holds_row = true;
    }
    return &server->row.pending;
}

static void sim_server_effect(sim_server_t *server, int txn, stmt_id_t stmt,
                              int32_t batch_index, int64_t value)
{
    sim_txn_t *t = &server->txns[txn];

    /* A transaction runs at most BEGIN, two statements and COMMIT; a
     * statement that waited and re-ran records its effect only once. */
    assert(t->effect_count < SIM_EFFECT_MAX);
    t->effects[t->effect_count].stmt = stmt;
    t->effects[t->effect_count].batch_index = batch_index;
    t->effects[t->effect_count].value = value;
    t->effect_count++;
}

static void sim_server_end(sim_server_t *server, int txn, bool commit)
{
    sim_txn_t *t = &server->txns[txn];
    int i;

    server->changed = true;
    assert(t->state == SIM_TXN_ACTIVE);
    t->state = commit ? SIM_TXN_COMMITTED : SIM_TXN_ABORTED;

    if (t->holds_row) {
        assert(server->row.lock_txn == txn);
        if (commit) {
            server->row.committed = server->row.pending;
        }
        server->row.lock_txn = 0;
    }
    if (t->queue_row_held != 0) {
        sim_queue_row_t *qrow = &server->queue_rows[t->queue_row_held];

        assert(qrow->lock_txn == txn);
        if (commit) {
            qrow->committed_exists = qrow->pending_exists;
        } else {
            qrow->pending_exists = qrow->committed_exists;
        }
        qrow->lock_txn = 0;
    }
    if (t->holds_oclaim) {
        assert(server->oclaim.lock_txn == txn);
        if (commit) {
            server->oclaim.committed_exists = server->oclaim.pending_exists;
        } else {
            server->oclaim.pending_exists = server->oclaim.committed_exists;
        }
        server->oclaim.lock_txn = 0;
    }
    if (t->holds_lease) {
        assert(server->lease.lock_txn == txn);
        if (commit) {
            server->lease.committed = server->lease.pending;
        }
        server->lease.lock_txn = 0;
    }
    for (i = 0; i < server->marker_count; i++) {
        sim_marker_t *marker = &server->markers[i];

        if (!sim_server_holds_marker(t, i)) {
            continue;
        }
        assert(marker->lock_txn == txn);
        if (commit) {
            marker->committed_exists = marker->pending_exists;
            marker->committed_post = marker->pending_post;
        } else {
            marker->pending_exists = marker->committed_exists;
            marker->pending_post = marker->committed_post;
        }
        marker->lock_txn = 0;
    }
}

/* The simulated database contains one execution, so any other id matches no row. */
static bool sim_server_is_own_exec(const conn_params_t *params)
{
    return params->exec_id != NULL && strcmp(params->exec_id, SIM_EXEC_ID) == 0;
}

/* Lock marker key for txn and stage its new existence, as an INSERT (exists)
 * or a DELETE does until COMMIT. Commit and rollback visit the markers whose
 * bit is set. */
static void sim_server_stage_marker(sim_server_t *server, int txn, int key, bool exists)
{
    sim_marker_t *marker = &server->markers[key];

    marker->lock_txn = txn;
    marker->pending_exists = exists;
    server->txns[txn].markers_held[key / 64] |= 1ULL << (key % 64);
}

static bool sim_server_holds_marker(const sim_txn_t *txn, int key)
{
    return ((txn->markers_held[key / 64] >> (key % 64)) & 1u) != 0;
}

/* The reaper's SELECT and re-check read the last committed version without
 * waiting for locks, as a plain SELECT does under MVCC. */
static sim_exec_t sim_server_reaper_read(const sim_server_t *server, stmt_id_t stmt,
                                         const conn_params_t *params, int64_t now_us,
                                         conn_raw_t *raw)
{
    const sim_row_value_t *row = &server->row.committed;

    raw->row_count = 0;
    if (!sim_server_stranded(row, params, now_us)) {
        return SIM_EXEC_DONE;
    }
    if (stmt == STMT_RPR_RECHECK && !sim_server_is_own_exec(params)) {
        return SIM_EXEC_DONE;
    }
    raw->row_count = 1;
    raw->value = stmt == STMT_RPR_SELECT ? row->remaining : 1;
    if (stmt == STMT_RPR_SELECT) {
        snprintf(raw->texts[0], CONN_TEXT_SIZE, "%s", SIM_EXEC_ID);
        snprintf(raw->texts[1], CONN_TEXT_SIZE, "%s", row->org_known ? SIM_ORG_ID : "");
    }
    return SIM_EXEC_DONE;
}

/* The re-guarded DELETE: after any wait, the predicate is evaluated against
 * the newest version, so a row that progressed or was re-armed stays. */
static sim_exec_t sim_server_reaper_delete(sim_server_t *server, int txn,
                                           const conn_params_t *params, int64_t now_us,
                                           conn_raw_t *raw, int *wait_txn)
{
    const sim_row_value_t *current;
    sim_row_value_t *row;

    if (server->row.lock_txn != 0 && server->row.lock_txn != txn) {
        *wait_txn = server->row.lock_txn;
        return SIM_EXEC_WAIT;
    }
    current = server->row.lock_txn == txn ? &server->row.pending : &server->row.committed;
    raw->row_count = 0;
    if (!sim_server_is_own_exec(params) || !sim_server_stranded(current, params, now_us)) {
        return SIM_EXEC_DONE;
    }
    row = sim_server_lock_row(server, txn);
    row->exists = false;
    raw->row_count = 1;
    sim_server_effect(server, txn, STMT_RPR_DELETE, -1, 1);
    return SIM_EXEC_DONE;
}

/* The leader lease: renew only one's own lease; acquire a free or stale one.
 * Both are UPDATEs of the single row, so they wait for each other. */
static sim_exec_t sim_server_lease(sim_server_t *server, int txn, stmt_id_t stmt,
                                   const conn_params_t *params, int64_t now_us,
                                   conn_raw_t *raw, int *wait_txn)
{
    sim_lease_t *lease = &server->lease;
    sim_lease_value_t *value;
    bool match;

    if (lease->lock_txn != 0 && lease->lock_txn != txn) {
        *wait_txn = lease->lock_txn;
        return SIM_EXEC_WAIT;
    }
    value = lease->lock_txn == txn ? &lease->pending : &lease->committed;
    if (stmt == STMT_LOCK_RENEW) {
        match = strcmp(value->leader, params->leader) == 0;
    } else {
        match = value->leader[0] == '\0' ||
                value->acquired_us < now_us - params->lease_s * 1000000;
    }
    raw->row_count = 0;
    if (!match) {
        return SIM_EXEC_DONE;
    }

    if (lease->lock_txn != txn) {
        lease->lock_txn = txn;
        lease->pending = lease->committed;
        server->txns[txn].holds_lease = true;
    }
    snprintf(lease->pending.leader, CONN_TEXT_SIZE, "%s", params->leader);
    lease->pending.acquired_us = now_us;
    raw->row_count = 1;
    raw->value = 1;
    return SIM_EXEC_DONE;
}

static bool sim_server_stranded(const sim_row_value_t *row, const conn_params_t *params,
                                int64_t now_us)
{
    if (!row->exists) {
        return false;
    }
    return row->last_progress_us < now_us - params->stuck_s * 1000000 ||
           row->expires_us < now_us;
}

/* Q-OCLAIM (INSERT ... ON CONFLICT DO NOTHING RETURNING) and Q-ORELEASE
 * (DELETE) on the execution's single orchestration claim row. */
static sim_exec_t sim_server_oclaim(sim_server_t *server, int txn, stmt_id_t stmt,
                                    conn_raw_t *raw, int *wait_txn)
{
    sim_marker_t *claim = &server->oclaim;
    bool visible;

    if (claim->lock_txn != 0 && claim->lock_txn != txn) {
        *wait_txn = claim->lock_txn;
        return SIM_EXEC_WAIT;
    }
    visible = claim->lock_txn == txn ? claim->pending_exists : claim->committed_exists;
    raw->row_count = 0;
    if ((stmt == STMT_OCLAIM) == visible) {
        return SIM_EXEC_DONE;
    }
    claim->lock_txn = txn;
    claim->pending_exists = stmt == STMT_OCLAIM;
    claim->created_us = server->now_us;
    server->txns[txn].holds_oclaim = true;
    raw->row_count = 1;
    return SIM_EXEC_DONE;
}

/* Plain statements match any arming; the /n forms only their own. */
static bool sim_server_generation_matches(stmt_id_t stmt, const sim_row_value_t *row,
                                          const conn_params_t *params)
{
    bool guarded = stmt == STMT_DEC_G || stmt == STMT_DEL_G || stmt == STMT_ABORT_G;

    return !guarded || row->generation == params->generation;
}

/* Policy k's applied records, in the upper half of the marker keys: an
 * insert that waits for a concurrent one like the claim, the stored value,
 * and a read of the record with the barrier's results. */
static sim_exec_t sim_server_applied(sim_server_t *server, int txn, stmt_id_t stmt,
                                     const conn_params_t *params, conn_raw_t *raw,
                                     int *wait_txn)
{
    int64_t key = SIM_APPLIED_BASE + params->batch_index +
                  (int64_t)server->batch_count * params->generation;
    sim_marker_t *record;
    bool visible;

    assert(key < SIM_MARKER_MAX);
    record = &server->markers[key];
    if (key >= server->marker_count) {
        server->marker_count = (int)key + 1;
    }
    raw->row_count = 0;
    if (stmt == STMT_K_READ) {
        bool own = record->lock_txn == txn;

        int64_t post = own ? record->pending_post : record->committed_post;

        /* A record whose decrement found no row has no value: nothing was
         * applied, and the read returns no row. */
        if ((own ? record->pending_exists : record->committed_exists) &&
            post != SIM_POST_NULL) {
            const sim_row_value_t *row = &server->row.committed;

            raw->row_count = 1;
            raw->value = post;
            raw->element_count = row->exists ? row->element_count : 0;
            memcpy(raw->elements, row->elements,
                   (size_t)raw->element_count * sizeof(row->elements[0]));
        }
        return SIM_EXEC_DONE;
    }

    if (record->lock_txn != 0 && record->lock_txn != txn) {
        *wait_txn = record->lock_txn;
        return SIM_EXEC_WAIT;
    }
    visible = record->lock_txn == txn ? record->pending_exists : record->committed_exists;
    if (stmt == STMT_K_STORE) {
        if (visible) {
            record->pending_post = params->post_remaining;
            raw->row_count = 1;
        }
        return SIM_EXEC_DONE;
    }
    if (visible) {
        return SIM_EXEC_DONE;
    }
    sim_server_stage_marker(server, txn, (int)key, true);
    record->pending_post = SIM_POST_NULL;
    raw->row_count = 1;
    raw->value2 = txn;
    return SIM_EXEC_DONE;
}

/* Q-XACT.STATUS: pg_xact_status mapped to a core_xact_t value. */
static int64_t sim_server_xact_status(const sim_server_t *server, int64_t xid)
{
    if (xid <= 0 || xid > server->txn_count) {
        return CORE_XACT_ABORTED;
    }
    switch (server->txns[xid].state) {
    case SIM_TXN_COMMITTED:
        return CORE_XACT_COMMITTED;
    case SIM_TXN_ACTIVE:
        return CORE_XACT_IN_PROGRESS;
    default:
        return CORE_XACT_ABORTED;
    }
}

/* RPR.4's retention sweep: committed markers older than the retention go.
 * A marker locked by another transaction makes the DELETE wait. */
static sim_exec_t sim_server_dedup_sweep(sim_server_t *server, int txn,
                                         const conn_params_t *params, int64_t now_us,
                                         conn_raw_t *raw, int *wait_txn)
{
    int64_t cutoff_us = now_us - params->retention_s * 1000000;
    int deleted = 0;
    int i;

    if ((server->bugs & SIM_SERVER_BUG_NO_RETENTION) != 0) {
        raw->row_count = 0;
        return SIM_EXEC_DONE;
    }

    for (i = 0; i < server->marker_count && i < SIM_APPLIED_BASE; i++) {
        const sim_marker_t *marker = &server->markers[i];

        if (!marker->generation_keyed && marker->committed_exists &&
            marker->created_us <= cutoff_us && marker->lock_txn != 0 &&
            marker->lock_txn != txn) {
            *wait_txn = marker->lock_txn;
            return SIM_EXEC_WAIT;
        }
    }
    for (i = 0; i < server->marker_count && i < SIM_APPLIED_BASE; i++) {
        sim_marker_t *marker = &server->markers[i];

        if (marker->generation_keyed || !marker->committed_exists ||
            marker->created_us > cutoff_us || marker->lock_txn == txn) {
            continue;
        }
        sim_server_stage_marker(server, txn, i, false);
        deleted++;
    }
    raw->row_count = deleted;
    return SIM_EXEC_DONE;
}

/* The orphan-claim sweep: a claim older than the stuck timeout whose
 * execution has no barrier row. The DELETE repeats the predicate. */
static sim_exec_t sim_server_orphan(sim_server_t *server, int txn, stmt_id_t stmt,
                                    const conn_params_t *params, int64_t now_us,
                                    conn_raw_t *raw, int *wait_txn)
{
    sim_marker_t *claim = &server->oclaim;
    bool own = claim->lock_txn == txn;
    bool exists = own ? claim->pending_exists : claim->committed_exists;
    bool orphan = exists && claim->created_us < now_us - params->stuck_s * 1000000 &&
                  !server->row.committed.exists;

    raw->row_count = 0;
    if (stmt == STMT_RPR_ORPHAN_SELECT) {
        if (orphan) {
            raw->row_count = 1;
            snprintf(raw->texts[0], CONN_TEXT_SIZE, "%s", SIM_EXEC_ID);
            snprintf(raw->texts[1], CONN_TEXT_SIZE, "%s", SIM_ORG_ID);
        }
        return SIM_EXEC_DONE;
    }
    if (claim->lock_txn != 0 && !own) {
        *wait_txn = claim->lock_txn;
        return SIM_EXEC_WAIT;
    }
    if (!orphan) {
        return SIM_EXEC_DONE;
    }
    claim->lock_txn = txn;
    claim->pending_exists = false;
    server->txns[txn].holds_oclaim = true;
    raw->row_count = 1;
    return SIM_EXEC_DONE;
}

/* Q-SEND inserts a queue row and returns its msg_id; Q-ACK deletes one (a
 * row already gone deletes nothing). A transaction touches one row. */
static sim_exec_t sim_server_queue(sim_server_t *server, int txn, stmt_id_t stmt,
                                   const conn_params_t *params, conn_raw_t *raw,
                                   int *wait_txn)
{
    sim_queue_row_t *qrow;
    int64_t msg_id;

    raw->row_count = 0;
    if (stmt == STMT_SEND) {
        assert(server->queue_row_count < SIM_QUEUE_ROW_MAX);
        msg_id = ++server->queue_row_count;
        qrow = &server->queue_rows[msg_id];
        memset(qrow, 0, sizeof(*qrow));
        qrow->kind = params->msg_kind;
        qrow->batch_index = (int32_t)params->batch_index;
        qrow->generation = params->generation;
    } else {
        msg_id = params->msg_id;
        if (msg_id <= 0 || msg_id > server->queue_row_count) {
            return SIM_EXEC_DONE;
        }
        qrow = &server->queue_rows[msg_id];
        if (qrow->lock_txn != 0 && qrow->lock_txn != txn) {
            *wait_txn = qrow->lock_txn;
            return SIM_EXEC_WAIT;
        }
        if (!(qrow->lock_txn == txn ? qrow->pending_exists : qrow->committed_exists)) {
            return SIM_EXEC_DONE;
        }
    }

    assert(server->txns[txn].queue_row_held == 0);
    qrow->lock_txn = txn;
    qrow->pending_exists = stmt == STMT_SEND;
    server->txns[txn].queue_row_held = (int)msg_id;
    raw->row_count = 1;
    raw->value = msg_id;
    sim_server_effect(server, txn, stmt, qrow->batch_index, msg_id);
    return SIM_EXEC_DONE;
}

/* Policy j's first step: flag the row, once; the winner deletes it in a
 * second transaction. */
static sim_exec_t sim_server_abort_flag(sim_server_t *server, int txn,
                                        const conn_params_t *params, conn_raw_t *raw,
                                        int *wait_txn)
{
    sim_row_value_t *row;

    if (server->row.lock_txn != 0 && server->row.lock_txn != txn) {
        *wait_txn = server->row.lock_txn;
        return SIM_EXEC_WAIT;
    }
    row = server->row.lock_txn == txn ? &server->row.pending : &server->row.committed;
    raw->row_count = 0;
    if (!row->exists || row->aborted || !sim_server_is_own_exec(params)) {
        return SIM_EXEC_DONE;
    }
    row = sim_server_lock_row(server, txn);
    row->aborted = true;
    raw->row_count = 1;
    sim_server_effect(server, txn, STMT_ABORT_FLAG, -1, 1);
    return SIM_EXEC_DONE;
}

