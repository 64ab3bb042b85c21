/*
 * env — the environment the core runs in: sleeps, logs, the callback sink and
 * the status API, each with its faults (F10 at a decrement's entry, F13 at
 * the fire, F15 at a status call).
 */
#include "actors.h"

#include <assert.h>
#include <string.h>

#define SIM_CALLBACK_DELAY_US 2000000

static void sim_env_sleep(void *env, int64_t duration_us);
static void sim_env_log(void *env, const core_log_t *event);
static core_rc_t sim_env_fire(void *env, const char *exec_id,
                              const conn_element_t *results, int result_count,
                              int64_t *callback_id_out);
static core_rc_t sim_env_mark_error(void *env, const char *exec_id,
                                    const char *org_id, bool *confirmed_out);
static core_rc_t sim_env_status_read(void *env, const char *exec_id,
                                     const char *org_id, core_status_t *status_out);
static void sim_env_track_call(sim_actor_t *actor, const core_log_t *event);
static void sim_env_open_caller_txn(sim_actor_t *actor);
static void sim_env_sibling_abort(sim_actor_t *actor);
static bool sim_call_inserted(const sim_world_t *world, const sim_actor_t *actor);
static bool sim_env_claim_in_lifetime(const sim_world_t *world, const sim_actor_t *actor);
static core_rc_t sim_env_fire_pg(sim_actor_t *actor, int variant,
                                 int64_t *callback_id_out);

const core_env_ops_t sim_env_ops = {
    .sleep_us = sim_env_sleep,
    .log = sim_env_log,
    .fire = sim_env_fire,
    .mark_error = sim_env_mark_error,
    .status_read = sim_env_status_read,
};

/* One round trip to the status API, which may fail (F15). */
sim_api_result_t sim_api_call(sim_actor_t *actor, int op)
{
    sim_world_t *world = actor->world;
    sim_api_result_t result = SIM_API_OK;
    int variant;

    sim_actor_sleep(actor, 2 * sim_actor_latency(actor));
    if (sim_actor_draw(actor, FAULT_AT_API, &variant) == FAULT_F15) {
        /* A read can only fail; a mark has all three forms. */
        result = op == SIM_API_MARK_ERROR ? (sim_api_result_t)(1 + variant)
                                          : SIM_API_FAILED;
        sim_actor_strike(actor, -1, STMT_BEGIN, FAULT_AT_API, FAULT_F15);
    }
    sim_world_emit(world, actor->index, SIM_EV_API, op, (int32_t)world->status,
                   (int32_t)result, 0);
    return result;
}

/* Mark ERROR. For PG executions (the in-body path) the backend rejects a
 * change from COMPLETED, and the rejection counts as confirmed; Celery executions
 * (the link path) have no such guard. */
core_rc_t sim_env_mark(sim_actor_t *actor, bool *confirmed_out)
{
    sim_world_t *world = actor->world;
    sim_api_result_t result = sim_api_call(actor, SIM_API_MARK_ERROR);
    bool guarded = world->draw.path == SCEN_PATH_IN_BODY;
    bool was_completed = false;

    *confirmed_out = false;
    if (result == SIM_API_FAILED) {
        return CORE_E_STATUS;
    }
    if (result == SIM_API_OK || result == SIM_API_APPLIED_UNCONFIRMED) {
        was_completed = world->status == SIM_STATUS_COMPLETED && !guarded;
        if (world->status != SIM_STATUS_COMPLETED || !guarded) {
            sim_world_set_status(world, SIM_STATUS_ERROR,
                                 actor->kind == SIM_ACTOR_KIND_REAPER);
        }
    }
    if (actor->kind == SIM_ACTOR_KIND_REAPER) {
        sim_oracle_on_reaper_mark(&world->oracle, world->step, was_completed);
    }
    if (result == SIM_API_OK) {
        *confirmed_out = true;
        sim_oracle_on_mark_confirmed(&world->oracle);
    }
    return CORE_OK;
}

void sim_callback_run(sim_world_t *world, int callback)
{
    sim_callback_t *cb = &world->callbacks[callback];

    assert(cb->pending);
    cb->pending = false;
    if (cb->at_us > world->now_us) {
        world->now_us = cb->at_us;
    }

    /* The consumer's guard skips a callback only after COMPLETED; after
     * ERROR it runs again and its COMPLETED overwrites the mark. */
    sim_world_emit(world, world->last_actor, SIM_EV_CALLBACK, callback,
                   (int32_t)world->status, 0, 0);
    if (world->status != SIM_STATUS_COMPLETED) {
        sim_world_set_status(world, SIM_STATUS_COMPLETED, false);
        sim_oracle_on_callback_run(&world->oracle, world->step);
    }
}

static void sim_env_sleep(void *env, int64_t duration_us)
{
    sim_actor_t *actor = env;

    sim_world_emit(actor->world, actor->index, SIM_EV_SLEEP, 0, 0, 0, duration_us);
    sim_actor_sleep(actor, duration_us);
}

static void sim_env_log(void *env, const core_log_t *event)
{
    sim_actor_t *actor = env;
    sim_world_t *world = actor->world;
    int variant;

    sim_world_emit(world, actor->index, SIM_EV_CORE, (int32_t)event->kind,
                   (int32_t)event->stmt,
                   (int32_t)event->rc | (int32_t)(event->attempt << 16),
                   event->value);
    sim_env_track_call(actor, event);

    if (event->kind == CORE_LOG_CALL_BEGIN && event->stmt == STMT_DEC) {
        fault_kind_t kind = sim_actor_draw(actor, FAULT_AT_CALL, &variant);

        if (kind == FAULT_F10) {
            sim_env_open_caller_txn(actor);
        } else if (kind == FAULT_F14) {
            sim_env_sibling_abort(actor);
        }
    }
    if (event->kind == CORE_LOG_NEGATIVE) {
        sim_oracle_on_negative_cleanup(&world->oracle, world->step,
                                       world->server.row.committed.exists);
    }
}

/* The oracle follows the retrying calls of the decrement and the claim. */
static void sim_env_track_call(sim_actor_t *actor, const core_log_t *event)
{
    sim_world_t *world = actor->world;
    bool tracked = event->stmt == STMT_DEC || event->stmt == STMT_CLAIM;

    if (!tracked) {
        return;
    }
    if (event->kind == CORE_LOG_CALL_BEGIN) {
        memset(&actor->call, 0, sizeof(actor->call));
        actor->call.stmt = event->stmt;
        actor->call.batch_index = (int32_t)event->value;
        actor->call.conn_id_first_fresh = world->conn_count;
    } else if (event->kind == CORE_LOG_RESOLVING) {
        actor->call.resolving = true;
    } else if (event->kind == CORE_LOG_RESOLVED &&
               event->value == CORE_XACT_ABORTED) {
        /* pg_xact_status proved the attempt aborted: a re-run has the proof
         * of non-commit that S10 and S11 require. */
        actor->call.last_failed_commit = false;
        actor->call.last_failed_fresh = false;
    } else if (event->kind == CORE_LOG_RETRY) {
        actor->call.resolving = false;
    } else if (event->kind == CORE_LOG_CALL_END) {
        if (event->stmt == STMT_CLAIM && event->rc == CORE_OK &&
            sim_env_claim_in_lifetime(world, actor)) {
            sim_oracle_on_claim_return(&world->oracle, world->step, &actor->call,
                                       event->value != 0,
                                       sim_call_inserted(world, actor));
        }
        memset(&actor->call, 0, sizeof(actor->call));
        actor->call.stmt = STMT_BEGIN;
    }
}

/* F10: the code around the decrement ran BEGIN on the barrier connection and
 * left the transaction open. Only a live cached connection can carry it. */
static void sim_env_open_caller_txn(sim_actor_t *actor)
{
    sim_world_t *world = actor->world;
    sim_conn_t *conn = actor->core.conn.handle;

    if (conn == NULL || conn->closed || conn->server_gone || conn->txn != 0) {
        return;
    }
    conn->txn = sim_server_begin(&world->server, conn->id, world->now_us);
    conn->txn_stmt = STMT_BEGIN;
    conn->caller_txn = true;
    conn->txn_status = CONN_TXN_INTRANS;
    if (world->mirror_ops != NULL) {
        world->mirror_ops->begin_caller(world->mirror, conn->id);
    }
    sim_actor_strike(actor, conn->id, STMT_DEC, FAULT_AT_CALL, FAULT_F10);
}

/* FIRE through the callback queue. F13: a clean failure enqueues nothing;
 * an ambiguous one enqueues, then raises; a duplicate enqueues twice. */
static core_rc_t sim_env_fire(void *env, const char *exec_id,
                              const conn_element_t *results, int result_count,
                              int64_t *callback_id_out)
{
    sim_actor_t *actor = env;
    sim_world_t *world = actor->world;
    int variant = -1;

    (void)exec_id;
    sim_actor_sleep(actor, sim_actor_latency(actor));
    if (sim_actor_draw(actor, FAULT_AT_FIRE, &variant) != FAULT_F13) {
        variant = -1;
    } else {
        sim_actor_strike(actor, -1, STMT_DEC, FAULT_AT_FIRE, FAULT_F13);
    }
    if (variant == FAULT_F13_CLEAN) {
        return CORE_E_FIRE;
    }

    world->fire_count++;
    sim_world_emit(world, actor->index, SIM_EV_FIRE, result_count, world->fire_count,
                   variant, world->fire_count);
    sim_oracle_on_fire(&world->oracle, world->step, results, result_count);
    if (actor->call.saw_negative) {
        sim_oracle_on_negative_fire(&world->oracle, world->step);
    }
    if ((world->bugs & SIM_BUG_FIRE_TWICE) != 0) {
        sim_oracle_on_fire(&world->oracle, world->step, results, result_count);
    }

    if (world->draw.path == SCEN_PATH_IN_BODY) {
        return sim_env_fire_pg(actor, variant, callback_id_out);
    }

    if (variant == FAULT_F13_AMBIGUOUS) {
        /* Enqueued, then raised: the callback runs later whatever the
         * caller does about the failure. */
        sim_callback_schedule(world, SIM_CALLBACK_DELAY_US);
        return CORE_E_FIRE;
    }

    /* NOTE: on the link path (Celery) a delivered callback runs at once;
     * only the F13 copies wait for a consumer. */
    sim_world_set_status(world, SIM_STATUS_COMPLETED, false);
    if (variant == FAULT_F13_DUPLICATE) {
        sim_callback_schedule(world, SIM_CALLBACK_DELAY_US);
    }
    *callback_id_out = world->fire_count;
    sim_actor_sleep(actor, sim_actor_latency(actor));
    return CORE_OK;
}

static core_rc_t sim_env_mark_error(void *env, const char *exec_id,
                                    const char *org_id, bool *confirmed_out)
{
    (void)exec_id;
    (void)org_id;
    return sim_env_mark(env, confirmed_out);
}

void sim_callback_schedule(sim_world_t *world, int64_t delay_us)
{
    sim_callback_t *cb;

    assert(world->callback_count < SIM_CALLBACK_MAX);
    cb = &world->callbacks[world->callback_count++];
    cb->pending = true;
    cb->at_us = world->now_us + delay_us;
}

/* Whether a transaction of the actor's current call committed a marker
 * insert (a claim that found the marker present commits nothing). */
static bool sim_call_inserted(const sim_world_t *world, const sim_actor_t *actor)
{
    int i;
    int e;

    for (i = 0; i < actor->call.txn_count; i++) {
        const sim_txn_t *txn = sim_server_txn(&world->server, actor->call.txns[i]);

        if (txn->state != SIM_TXN_COMMITTED) {
            continue;
        }
        for (e = 0; e < txn->effect_count; e++) {
            if (txn->effects[e].stmt == STMT_CLAIM) {
                return true;
            }
        }
    }
    return false;
}

/* The reaper's status read: a failed read (F15) must stop it from marking. */
static core_rc_t sim_env_status_read(void *env, const char *exec_id,
                                     const char *org_id, core_status_t *status_out)
{
    sim_actor_t *actor = env;
    sim_world_t *world = actor->world;

    (void)exec_id;
    (void)org_id;
    if (sim_api_call(actor, SIM_API_READ) != SIM_API_OK) {
        return CORE_E_STATUS;
    }
    switch (world->status) {
    case SIM_STATUS_EXECUTING:
        *status_out = CORE_STATUS_EXECUTING;
        break;
    case SIM_STATUS_ERROR:
        *status_out = CORE_STATUS_ERROR;
        break;
    case SIM_STATUS_COMPLETED:
        *status_out = CORE_STATUS_COMPLETED;
        break;
    }
    return CORE_OK;
}

/* F14: just before this decrement, a failing sibling batch went through its
 * error path: it marked the execution ERROR and its abort deleted the row,
 * keeping the markers. The decrement then finds no row. */
static void sim_env_sibling_abort(sim_actor_t *actor)
{
    sim_world_t *world = actor->world;
    sim_server_t *server = &world->server;
    conn_params_t params;
    conn_raw_t raw;
    int wait_txn;
    int txn;

    if (!server->row.committed.exists || server->row.lock_txn != 0) {
        return;
    }
    sim_actor_strike(actor, -1, STMT_DEC, FAULT_AT_CALL, FAULT_F14);
    if (world->status != SIM_STATUS_COMPLETED) {
        sim_world_set_status(world, SIM_STATUS_ERROR, false);
    }
    sim_oracle_on_mark_confirmed(&world->oracle);

    memset(&params, 0, sizeof(params));
    params.exec_id = SIM_EXEC_ID;
    memset(&raw, 0, sizeof(raw));
    txn = sim_server_begin(server, -1, world->now_us);
    sim_server_exec(server, txn, STMT_ABORT, &params, &raw, &wait_txn);
    if (world->mirror_ops != NULL) {
        world->mirror_ops->external(world->mirror, stmt_get(STMT_ABORT), &params, &raw);
    }
    sim_world_txn_end(world, txn, true, 0);
}

/* Whether the claim used the markers of the current arming. Plain markers
 * are shared by every arming until a wipe; generation-guarded ones (policy
 * n) belong to the arming their header was sent for. */
static bool sim_env_claim_in_lifetime(const sim_world_t *world, const sim_actor_t *actor)
{
    const sim_msg_t *msg;

    if (!world->policy->generation_guard || actor->task_msg < 0) {
        return true;
    }
    msg = &world->msgs[actor->task_msg];
    return msg->generation == world->server.row.committed.generation;
}

/* FIRE on the PG path: SEND of the callback message on the dispatch
 * client's own connection, with its reused-guard (a COMMIT lost after it
 * landed enqueues the callback twice). The callback runs once its message
 * commits. F13's duplicate sends twice; its ambiguous form sends, then
 * raises. */
static core_rc_t sim_env_fire_pg(sim_actor_t *actor, int variant,
                                 int64_t *callback_id_out)
{
    core_batch_t callback = {SIM_EXEC_ID, SIM_ORG_ID, 0, 0, 0};
    int copies = variant == FAULT_F13_DUPLICATE ? 2 : 1;
    int64_t msg_id = 0;
    int i;

    for (i = 0; i < copies; i++) {
        if (core_send(&actor->dispatch, SIM_MSG_KIND_CALLBACK, &callback, &msg_id) !=
            CORE_OK) {
            return CORE_E_FIRE;
        }
    }
    if (variant == FAULT_F13_AMBIGUOUS) {
        return CORE_E_FIRE;
    }
    *callback_id_out = msg_id;
    return CORE_OK;
}
