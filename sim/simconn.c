/*
 * simconn — the simulated connection ops table.
 *
 * Each call is a scheduling point: the request travels (sleep), the server
 * acts at that instant, the reply travels back (sleep). Faults strike here;
 * the server model decides what they mean for durability.
 */
#include "world.h"

#include <assert.h>
#include <string.h>

static conn_status_t sim_conn_connect(void *backend, void **handle_out);
static void sim_conn_exec(void *handle, const stmt_t *stmt,
                          const conn_params_t *params, conn_raw_t *raw);
static void sim_conn_rollback(void *handle, conn_raw_t *raw);
static conn_txn_t sim_conn_txn_status(void *handle);
static bool sim_conn_is_closed(void *handle);
static void sim_conn_close(void *handle);
static void sim_conn_exec_batched(void *handle, const stmt_t *stmt,
                                  const conn_params_t *params, conn_raw_t *raw);

const conn_ops_t sim_conn_ops = {
    .version = CONN_OPS_VERSION,
    .name = "sim",
    .connect = sim_conn_connect,
    .exec = sim_conn_exec,
    .rollback = sim_conn_rollback,
    .txn_status = sim_conn_txn_status,
    .is_closed = sim_conn_is_closed,
    .close = sim_conn_close,
    .exec_batched = sim_conn_exec_batched,
};

/* What one send is about: its point, the transaction's main statement, and
 * whether the connection was opened within the actor's current call. */
typedef struct {
    fault_point_t point;
    stmt_id_t main;
    bool in_call;
    bool fresh;
    bool batched;             /* BEGIN; statement; COMMIT in one round trip */
    fault_kind_t fault;
    int variant;              /* a scheduled strike's form, or FAULT_VARIANT_DRAWN */
} sim_send_t;

/* PostgreSQL's in_failed_sql_transaction. */
#define SIM_SQLSTATE_IN_FAILED_TXN "25P02"

static void sim_conn_plan_send(sim_conn_t *conn, sim_actor_t *actor,
                               const stmt_t *stmt, bool batched, sim_send_t *send);
static stmt_id_t sim_stmt_family(stmt_id_t id);
static bool sim_conn_round_trip(sim_conn_t *conn, sim_actor_t *actor, const stmt_t *stmt,
                                const conn_params_t *params, sim_send_t *send,
                                conn_raw_t *raw);
static bool sim_conn_reaped(sim_conn_t *conn, sim_actor_t *actor,
                            const sim_send_t *send);
static bool sim_conn_server_side(sim_conn_t *conn, sim_actor_t *actor,
                                 const stmt_t *stmt, const conn_params_t *params,
                                 const sim_send_t *send, conn_raw_t *raw);
static void sim_conn_break(sim_conn_t *conn, sim_actor_t *actor);
static void sim_conn_dead_reply(sim_conn_t *conn, sim_actor_t *actor,
                                const sim_send_t *send, conn_raw_t *raw);
static void sim_conn_strike(sim_conn_t *conn, sim_actor_t *actor,
                            const sim_send_t *send, fault_kind_t kind);
static void sim_conn_logical_error(sim_conn_t *conn, sim_actor_t *actor,
                                   const sim_send_t *send, conn_raw_t *raw);
static void sim_conn_reply(sim_conn_t *conn, sim_actor_t *actor, const stmt_t *stmt,
                           const sim_send_t *send, const conn_raw_t *raw);
static void sim_conn_mirror(sim_world_t *world, const sim_conn_t *conn,
                            const stmt_t *stmt, const conn_params_t *params,
                            const sim_send_t *send, const conn_raw_t *raw);

static conn_status_t sim_conn_connect(void *backend, void **handle_out)
{
    sim_role_t *role = backend;
    sim_actor_t *actor = role->actor;
    sim_world_t *world = actor->world;
    sim_conn_t *conn;
    int variant;

    sim_actor_sleep(actor, 2 * sim_actor_latency(actor));
    if (sim_actor_draw(actor, FAULT_AT_CONNECT, &variant) == FAULT_F8) {
        sim_actor_strike(actor, -1, actor->call.stmt, FAULT_AT_CONNECT, FAULT_F8);
        sim_world_emit(world, actor->index, SIM_EV_CONNECT, -1, CONN_DEAD, 0, 0);
        *handle_out = NULL;
        return CONN_DEAD;
    }

    /* The scheduler stops a run before the table fills (world.c). */
    assert(world->conn_count < SIM_CONN_MAX);
    conn = &world->conns[world->conn_count];
    memset(conn, 0, sizeof(*conn));
    conn->id = world->conn_count++;
    conn->actor_index = actor->index;
    conn->world = world;
    conn->txn_status = CONN_TXN_IDLE;
    conn->idle_since_us = world->now_us;

    sim_world_emit(world, actor->index, SIM_EV_CONNECT, conn->id, CONN_OK, 0, 0);
    if (actor->role_connected[role->role_index]) {
        world->cost.counts.reconnect_count++;
    }
    actor->role_connected[role->role_index] = true;
    if (world->mirror_ops != NULL) {
        world->mirror_ops->connect(world->mirror, conn->id);
    }
    *handle_out = conn;
    return CONN_OK;
}

static void sim_conn_exec(void *handle, const stmt_t *stmt,
                          const conn_params_t *params, conn_raw_t *raw)
{
    sim_conn_t *conn = handle;
    sim_world_t *world = conn->world;
    sim_actor_t *actor = &world->actors[conn->actor_index];
    sim_send_t send;

    assert(world->running == actor->index);
    assert(!conn->closed);
    sim_conn_plan_send(conn, actor, stmt, false, &send);
    sim_world_emit(world, actor->index, SIM_EV_SEND, conn->id, send.main,
                   send.point, stmt->id);
    if (send.in_call && send.point == FAULT_AT_COMMIT && actor->call.failure_count > 0 &&
        actor->call.last_failed_commit) {
        /* A COMMIT re-sent after a failed COMMIT is a retried commit too. */
        sim_oracle_violate(&world->oracle, world->step, SIM_PROP_S10);
    }

    if (!sim_conn_round_trip(conn, actor, stmt, params, &send, raw)) {
        return;
    }
    sim_conn_reply(conn, actor, stmt, &send, raw);
}

/* Track the transaction status the reply leaves, and trace the reply. A
 * batched string counts as its COMMIT. */
static void sim_conn_reply(sim_conn_t *conn, sim_actor_t *actor, const stmt_t *stmt,
                           const sim_send_t *send, const conn_raw_t *raw)
{
    sim_world_t *world = actor->world;

    if (raw->sqlstate[0] != '\0') {
        /* The command failed on a live connection: an open transaction is
         * aborted and waits for ROLLBACK. */
        conn->txn_status = conn->txn != 0 ? CONN_TXN_INERROR : CONN_TXN_IDLE;
    } else if (send->point == FAULT_AT_BEGIN) {
        conn->txn_status = CONN_TXN_INTRANS;
    } else if (send->point == FAULT_AT_COMMIT || conn->txn_status == CONN_TXN_IDLE) {
        /* A COMMIT, or a statement that committed on its own. */
        conn->txn_status = CONN_TXN_IDLE;
        conn->idle_since_us = world->now_us;
        if (send->in_call) {
            actor->call.main_done = true;
        }
    }
    sim_world_emit(world, actor->index, SIM_EV_REPLY, conn->id, stmt->id,
                   raw->sqlstate[0] != '\0' ? CONN_LOGICAL : CONN_OK,
                   raw->row_count > 0 ? raw->value : -1);
}

static void sim_conn_rollback(void *handle, conn_raw_t *raw)
{
    sim_conn_t *conn = handle;
    sim_world_t *world = conn->world;
    sim_actor_t *actor = &world->actors[conn->actor_index];
    int variant;

    assert(!conn->closed);
    sim_actor_sleep(actor, sim_actor_latency(actor));
    if (sim_actor_draw(actor, FAULT_AT_ROLLBACK, &variant) == FAULT_F7) {
        /* The ROLLBACK itself meets a broken socket. */
        sim_actor_strike(actor, conn->id, conn->txn_stmt, FAULT_AT_ROLLBACK, FAULT_F7);
        if (world->mirror_ops != NULL) {
            world->mirror_ops->lost(world->mirror, conn->id, conn->txn != 0);
        }
        conn->server_gone = true;
        if (conn->txn != 0) {
            sim_world_schedule_zombie(world, conn->txn, conn->id);
            conn->txn = 0;
        }
    }
    if (conn->server_gone) {
        conn->closed = true;
        conn->txn_status = CONN_TXN_UNKNOWN;
        raw->answered = false;
        raw->connection_bad = true;
        return;
    }

    if (conn->txn != 0) {
        sim_world_txn_end(world, conn->txn, false, 0);
        conn->txn = 0;
    }
    if (world->mirror_ops != NULL) {
        world->mirror_ops->rollback(world->mirror, conn->id);
    }
    conn->caller_txn = false;
    sim_actor_sleep(actor, sim_actor_latency(actor));
    conn->txn_status = CONN_TXN_IDLE;
    conn->idle_since_us = world->now_us;
    raw->answered = true;
}

static conn_txn_t sim_conn_txn_status(void *handle)
{
    const sim_conn_t *conn = handle;

    return conn->txn_status;
}

static bool sim_conn_is_closed(void *handle)
{
    const sim_conn_t *conn = handle;

    return conn->closed;
}

/* A clean close ends the backend at once, rolling back an open transaction;
 * a connection that already died is left to the dead-peer detection. */
static void sim_conn_close(void *handle)
{
    sim_conn_t *conn = handle;
    sim_world_t *world = conn->world;

    if (!conn->server_gone && conn->txn != 0) {
        sim_world_txn_end(world, conn->txn, false, 1);
    }
    if (world->mirror_ops != NULL && !conn->closed) {
        world->mirror_ops->close(world->mirror, conn->id);
    }
    conn->txn = 0;
    conn->server_gone = true;
    conn->closed = true;
}

/* batched: BEGIN, the statement and COMMIT go as one string, which strikes
 * and schedules treat as the COMMIT point of the statement's transaction. */
static void sim_conn_plan_send(sim_conn_t *conn, sim_actor_t *actor,
                               const stmt_t *stmt, bool batched, sim_send_t *send)
{
    sim_world_t *world = actor->world;
    sim_call_t *call = &actor->call;
    const fault_entry_t *entry;
    int occurrence;
    fault_kind_t drawn;

    memset(send, 0, sizeof(*send));
    if (stmt->id == STMT_BEGIN) {
        send->point = FAULT_AT_BEGIN;
        send->main = call->main_done ? STMT_BEGIN : call->stmt;
    } else if (stmt->id == STMT_COMMIT) {
        send->point = FAULT_AT_COMMIT;
        send->main = conn->txn_stmt;
        if (send->main == STMT_BEGIN && !call->main_done) {
            send->main = call->stmt;
        }
    } else {
        send->point = batched ? FAULT_AT_COMMIT : FAULT_AT_STATEMENT;
        send->main = sim_stmt_family(stmt->id);
    }
    send->batched = batched;

    send->in_call = call->stmt != STMT_BEGIN && !call->main_done && !call->resolving &&
                    send->main == call->stmt;
    send->fresh = conn->id >= call->conn_id_first_fresh;

    /* Draw on every send so the fault stream stays aligned across runs that
     * differ only in a scheduled strike. */
    occurrence = ++actor->occurrences[send->main][send->point];
    drawn = sim_world_draw_fault(world, &actor->fault_prng, actor->index, send->point);
    entry = fault_scheduled(&world->draw.plan, actor->index, send->main, send->point,
                            occurrence);
    send->fault = entry != NULL ? entry->kind : drawn;
    send->variant = entry != NULL ? entry->variant : FAULT_VARIANT_DRAWN;
}

/* F1: the connection sat idle between transactions past the threshold, so
 * the pooler or server closed it; nothing reached the server. */
static bool sim_conn_reaped(sim_conn_t *conn, sim_actor_t *actor,
                            const sim_send_t *send)
{
    sim_world_t *world = actor->world;
    int64_t threshold_us = world->draw.plan.reap_idle_us;
    int64_t idle_us = world->now_us - conn->idle_since_us;

    if (conn->server_gone || threshold_us <= 0 || world->workers_done_us > 0 ||
        conn->txn_status != CONN_TXN_IDLE || idle_us < threshold_us) {
        return false;
    }
    conn->server_gone = true;
    if (world->mirror_ops != NULL) {
        world->mirror_ops->terminate(world->mirror, conn->id);
    }
    sim_world_emit(world, actor->index, SIM_EV_REAPED, conn->id, 0, 0, idle_us);
    sim_conn_strike(conn, actor, send, FAULT_F1);
    return true;
}

/* Returns false when the backend was terminated while the statement waited
 * for a lock: the statement never ran and the client sees a dead
 * connection. */
static bool sim_conn_server_side(sim_conn_t *conn, sim_actor_t *actor,
                                 const stmt_t *stmt, const conn_params_t *params,
                                 const sim_send_t *send, conn_raw_t *raw)
{
    sim_world_t *world = actor->world;
    sim_call_t *call = &actor->call;
    int wait_txn = 0;
    bool waited = false;
    bool autocommit;

    raw->answered = true;
    if (conn->txn_status == CONN_TXN_INERROR &&
        (send->point != FAULT_AT_COMMIT || send->batched)) {
        /* An aborted transaction rejects every command but COMMIT and
         * ROLLBACK, and stays aborted. */
        memcpy(raw->sqlstate, SIM_SQLSTATE_IN_FAILED_TXN, CONN_SQLSTATE_SIZE);
        sim_conn_mirror(world, conn, stmt, params, send, raw);
        return true;
    }
    if (send->point == FAULT_AT_BEGIN) {
        /* BEGIN inside a transaction only draws a warning from the server. */
        if (conn->txn == 0) {
            conn->txn = sim_server_begin(&world->server, conn->id, world->now_us);
            conn->txn_stmt = STMT_BEGIN;
        }
        sim_conn_mirror(world, conn, stmt, params, send, raw);
        return true;
    }
    if (send->point == FAULT_AT_COMMIT && !send->batched) {
        int txn = conn->txn;

        /* COMMIT outside a transaction only draws a warning from the server.
         * A COMMIT also ends a transaction the caller left open, and rolls
         * back an aborted one. */
        conn->caller_txn = false;
        if (txn != 0) {
            conn->txn = 0;
            sim_world_txn_end(world, txn, conn->txn_status != CONN_TXN_INERROR, 0);
        }
        sim_conn_mirror(world, conn, stmt, params, send, raw);
        return true;
    }

    if (sim_stmt_family(stmt->id) == STMT_DEC && conn->caller_txn) {
        sim_oracle_on_decrement_in_caller_txn(&world->oracle, world->step);
    }

    /* A statement outside a transaction runs in a transaction of its own
     * that ends before the reply leaves. A batched string's BEGIN opens an
     * explicit one instead, which a failed statement leaves aborted: the
     * rest of the string, COMMIT included, is skipped (found by confirm). */
    autocommit = conn->txn == 0 && !send->batched;
    if (conn->txn == 0) {
        conn->txn = sim_server_begin(&world->server, conn->id, world->now_us);
    }
    /* An attempt is a transaction of the call's statement family; the
     * statements of one transaction count once. */
    if (send->in_call && conn->txn != call->last_txn) {
        bool prev_committed =
            call->last_txn != 0 &&
            sim_server_txn(&world->server, call->last_txn)->state == SIM_TXN_COMMITTED;

        call->attempt++;
        sim_oracle_on_attempt(&world->oracle, world->step, call, prev_committed);
        if (actor->task_run > 0 && actor->task_dec_committed) {
            /* A task retry re-runs a decrement that had already committed. */
            sim_oracle_violate(&world->oracle, world->step, SIM_PROP_S8);
        }
        sim_oracle_on_statement(&world->oracle, world->step, call);
        call->last_txn = conn->txn;
        if (call->txn_count < SIM_CALL_TXN_MAX) {
            call->txns[call->txn_count++] = conn->txn;
        }
    }

    while (sim_server_exec(&world->server, conn->txn, stmt->id, params, raw,
                           &wait_txn) == SIM_EXEC_WAIT) {
        sim_world_emit(world, actor->index, SIM_EV_LOCK_WAIT, conn->txn, stmt->id,
                       wait_txn, 0);
        if (!waited) {
            /* A waiter keeps its place in the lock queue when it re-blocks. */
            actor->wait_seq = ++world->wait_seq_next;
            if (world->mirror_ops != NULL) {
                world->mirror_ops->wait(world->mirror, conn->id, stmt, params, send->batched);
            }
        }
        waited = true;
        sim_actor_block_on_txn(actor, wait_txn);
        if (conn->server_gone) {
            return false;
        }
    }
    conn->txn_stmt = sim_stmt_family(stmt->id);
    sim_world_emit(world, actor->index, SIM_EV_SERVER_EXEC, conn->txn, stmt->id,
                   raw->row_count, raw->value);
    sim_conn_mirror(world, conn, stmt, params, send, raw);
    if (send->in_call && sim_stmt_family(stmt->id) == STMT_DEC && stmt->id != STMT_K_MARK && stmt->id != STMT_K_STORE && raw->row_count > 0 && raw->value < 0) {
        call->saw_negative = true;
    }
    if (stmt->id == STMT_RPR_RECHECK && raw->row_count > 0) {
        sim_oracle_on_reaper_recheck(&world->oracle);
    }

    /* A batched string's COMMIT commits its transaction, or one the caller
     * left open, unless the statement failed and left it aborted. */
    if (autocommit || (send->batched && raw->sqlstate[0] == '\0')) {
        int txn = conn->txn;

        conn->txn = 0;
        conn->caller_txn = false;
        sim_world_txn_end(world, txn, raw->sqlstate[0] == '\0', 0);
    }
    return true;
}

/* The socket is gone. An open transaction lives on in its backend, holding
 * its locks, until the backend notices the dead peer. */
static void sim_conn_break(sim_conn_t *conn, sim_actor_t *actor)
{
    sim_world_t *world = actor->world;

    if (world->mirror_ops != NULL && !conn->server_gone) {
        world->mirror_ops->lost(world->mirror, conn->id, conn->txn != 0);
    }
    conn->server_gone = true;
    if (conn->txn != 0) {
        sim_world_schedule_zombie(world, conn->txn, conn->id);
        conn->txn = 0;
    }
}

static void sim_conn_dead_reply(sim_conn_t *conn, sim_actor_t *actor,
                                const sim_send_t *send, conn_raw_t *raw)
{
    sim_world_t *world = actor->world;
    sim_call_t *call = &actor->call;

    /* The error comes back one hop later (a reset, or the pooler's reply). */
    sim_actor_sleep(actor, sim_actor_latency(actor));
    if (conn->txn != 0) {
        sim_conn_break(conn, actor);
    }
    conn->closed = true;
    conn->txn_status = CONN_TXN_UNKNOWN;
    raw->answered = false;
    raw->connection_bad = true;

    if (send->in_call) {
        call->failure_count++;
        call->last_failed_commit = send->point == FAULT_AT_COMMIT;
        call->last_failed_fresh = send->fresh;
    }
    sim_world_emit(world, actor->index, SIM_EV_REPLY, conn->id, send->main,
                   CONN_DEAD, -1);
}

static void sim_conn_strike(sim_conn_t *conn, sim_actor_t *actor,
                            const sim_send_t *send, fault_kind_t kind)
{
    sim_world_t *world = actor->world;
    int attempt = send->in_call ? actor->call.failure_count + 1 : 0;

    sim_world_emit(world, actor->index, SIM_EV_FAULT, conn->id, send->main,
                   send->point, kind);
    world->strike_count++;
    sim_oracle_on_strike(&world->oracle, kind, send->main, send->point,
                         send->in_call && send->fresh, attempt);
}

/* BEGIN; statement; COMMIT in one round trip. Strikes are drawn at the
 * COMMIT point: F2 and F4 lose the string before the server, F3 and F5 lose
 * the reply after the server committed. */
static void sim_conn_exec_batched(void *handle, const stmt_t *stmt,
                                  const conn_params_t *params, conn_raw_t *raw)
{
    sim_conn_t *conn = handle;
    sim_world_t *world = conn->world;
    sim_actor_t *actor = &world->actors[conn->actor_index];
    sim_send_t send;

    assert(world->running == actor->index);
    assert(!conn->closed);
    sim_conn_plan_send(conn, actor, stmt, true, &send);
    sim_world_emit(world, actor->index, SIM_EV_SEND, conn->id, send.main,
                   send.point, stmt->id);
    if (!sim_conn_round_trip(conn, actor, stmt, params, &send, raw)) {
        return;
    }
    assert(send.point == FAULT_AT_COMMIT);
    sim_conn_reply(conn, actor, stmt, &send, raw);
}

/* F6: the server returns an error that leaves the connection alive: a
 * statement timeout, a deadlock, a lock timeout or a serialization failure.
 * Upstream counts all four as a dead connection; a strict classifier does
 * not. The transaction waits for ROLLBACK. */
static void sim_conn_logical_error(sim_conn_t *conn, sim_actor_t *actor,
                                   const sim_send_t *send, conn_raw_t *raw)
{
    static const char *const sqlstates[] = {"57014", "40P01", "55P03", "40001"};
    sim_world_t *world = actor->world;
    int variant = send->variant != FAULT_VARIANT_DRAWN
                      ? send->variant
                      : (int)sim_choose_below(world->tape, &actor->fault_prng,
                                               SIM_CHOICE_VARIANT, actor->index,
                                               FAULT_F6_VARIANTS);
    const char *sqlstate = sqlstates[variant];

    sim_conn_strike(conn, actor, send, FAULT_F6);
    if (world->mirror_ops != NULL) {
        world->mirror_ops->logical_error(world->mirror, conn->id, sqlstate);
    }
    if (conn->txn == 0) {
        conn->txn = sim_server_begin(&world->server, conn->id, world->now_us);
        sim_world_txn_end(world, conn->txn, false, 0);
        conn->txn = 0;
    }
    sim_actor_sleep(actor, sim_actor_latency(actor));
    raw->answered = true;
    memcpy(raw->sqlstate, sqlstate, CONN_SQLSTATE_SIZE);
    conn->txn_status = conn->txn != 0 ? CONN_TXN_INERROR : CONN_TXN_IDLE;
    conn->idle_since_us = world->now_us;
    sim_world_emit(world, actor->index, SIM_EV_REPLY, conn->id, send->main,
                   CONN_LOGICAL, -1);
}

/* Hand a statement the simulated server answered to the mirror, if any. */
static void sim_conn_mirror(sim_world_t *world, const sim_conn_t *conn,
                            const stmt_t *stmt, const conn_params_t *params,
                            const sim_send_t *send, const conn_raw_t *raw)
{
    if (world->mirror_ops != NULL) {
        world->mirror_ops->exec(world->mirror, conn->id, stmt, params, send->batched, raw);
    }
}

/* The forms of the decrement and the claim that policies n and k send
 * count as the decrement or the claim, for attempts and for schedules. */
static stmt_id_t sim_stmt_family(stmt_id_t id)
{
    switch (id) {
    case STMT_DEC_G:
    case STMT_DEC_XID:
    case STMT_DEC_J:
    case STMT_K_MARK:
    case STMT_K_STORE:
        return STMT_DEC;
    case STMT_CLAIM_G:
        return STMT_CLAIM;
    default:
        return id;
    }
}

/* The request's way to the server and the reply's way back, with the faults
 * that strike on them: the server acts when the request arrives. Returns
 * true when a reply arrived (raw->answered set); false when the client saw
 * a dead connection or a logical error (F6), raw being filled either way. */
static bool sim_conn_round_trip(sim_conn_t *conn, sim_actor_t *actor, const stmt_t *stmt,
                                const conn_params_t *params, sim_send_t *send,
                                conn_raw_t *raw)
{
    sim_actor_sleep(actor, sim_actor_latency(actor));
    if (sim_conn_reaped(conn, actor, send) || conn->server_gone) {
        sim_conn_dead_reply(conn, actor, send, raw);
        return false;
    }
    if (send->fault == FAULT_F2 || send->fault == FAULT_F4) {
        sim_conn_strike(conn, actor, send, send->fault);
        sim_conn_break(conn, actor);
        sim_conn_dead_reply(conn, actor, send, raw);
        return false;
    }
    if (send->fault == FAULT_F6) {
        sim_conn_logical_error(conn, actor, send, raw);
        return false;
    }
    if (!sim_conn_server_side(conn, actor, stmt, params, send, raw)) {
        sim_conn_dead_reply(conn, actor, send, raw);
        return false;
    }
    if (send->fault == FAULT_F3 || send->fault == FAULT_F5) {
        /* The server did the work; the reply is lost on the way back. */
        sim_conn_strike(conn, actor, send, send->fault);
        sim_conn_break(conn, actor);
        sim_conn_dead_reply(conn, actor, send, raw);
        return false;
    }

    sim_actor_sleep(actor, sim_actor_latency(actor));
    raw->answered = true;
    return true;
}
