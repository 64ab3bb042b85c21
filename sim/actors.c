/*
 * actors — the orchestrator, the batch workers, the queue they share, and
 * the environment the core sees: sleeps, logs, the status API and the
 * callback sink.
 */
#include "world.h"

#include <assert.h>
#include <string.h>

#define SIM_STREAM_WORK 0x776f726bULL
#define SIM_TASK_RETRY_COUNTDOWN_US 1000000

enum { SIM_API_READ, SIM_API_WRITE_EXECUTING, SIM_API_MARK_ERROR };
enum { SIM_QUEUE_ENQUEUE, SIM_QUEUE_TAKE, SIM_QUEUE_ACK, SIM_QUEUE_RELEASE,
       SIM_QUEUE_DROP };
enum { SIM_TASK_ACKED, SIM_TASK_RELEASED };

static void sim_env_sleep(void *env, int64_t duration_us);
static void sim_env_log(void *env, const core_log_t *event);
static core_rc_t sim_env_fire(void *env, const char *exec_id,
                              const conn_element_t *results, int result_count,
                              int64_t *callback_id_out);
static core_rc_t sim_env_mark_error(void *env, const char *exec_id,
                                    const char *org_id, bool *confirmed_out);

const core_env_ops_t sim_env_ops = {
    .sleep_us = sim_env_sleep,
    .log = sim_env_log,
    .fire = sim_env_fire,
    .mark_error = sim_env_mark_error,
};

static core_rc_t sim_work(void *arg, const core_batch_t *batch,
                          conn_element_t *result_out, bool *skipped_out);
static int sim_queue_take(sim_world_t *world, sim_actor_t *actor);
static void sim_queue_enqueue(sim_world_t *world, sim_msg_kind_t kind,
                              int32_t batch_index, const conn_element_t *result);
static void sim_queue_settle(sim_world_t *world, int msg, bool ack);
static void sim_queue_wait(sim_world_t *world, sim_actor_t *actor);
static bool sim_queue_idle(const sim_world_t *world);
static void sim_worker_task(sim_actor_t *actor, int msg);
static int sim_worker_in_body(sim_actor_t *actor, const core_batch_t *batch);
static int sim_worker_header(sim_actor_t *actor, const core_batch_t *batch);
static int sim_worker_link(sim_actor_t *actor, const core_batch_t *batch,
                           const conn_element_t *result);
static void sim_api_call(sim_actor_t *actor, int op, int result);
static bool sim_call_inserted(const sim_world_t *world, const sim_actor_t *actor);

void sim_orchestrator_main(void *arg)
{
    sim_actor_t *actor = arg;
    sim_world_t *world = actor->world;
    core_rc_t rc;
    int i;

    rc = core_arm(&actor->core, SIM_EXEC_ID, SIM_ORG_ID, world->scen->batch_count);
    if (rc != CORE_OK) {
        bool confirmed;

        /* The orchestrator catches the enqueue failure and marks ERROR. */
        sim_env_mark_error(actor, SIM_EXEC_ID, SIM_ORG_ID, &confirmed);
    } else {
        for (i = 0; i < world->scen->batch_count; i++) {
            sim_queue_enqueue(world, SIM_MSG_HEADER, i, NULL);
        }
    }

    /* Workers waiting on an empty queue re-check once the orchestrator ends. */
    sim_queue_settle(world, -1, false);
}

void sim_worker_main(void *arg)
{
    sim_actor_t *actor = arg;
    sim_world_t *world = actor->world;

    for (;;) {
        int msg = sim_queue_take(world, actor);

        if (msg >= 0) {
            sim_worker_task(actor, msg);
            continue;
        }
        if (sim_queue_idle(world) && world->actors[SIM_ORCHESTRATOR].state ==
                                         SIM_ACTOR_DONE) {
            return;
        }
        sim_queue_wait(world, actor);
    }
}

static void sim_worker_task(sim_actor_t *actor, int msg)
{
    sim_world_t *world = actor->world;
    sim_msg_t *m = &world->msgs[msg];
    core_batch_t batch = {SIM_EXEC_ID, SIM_ORG_ID, m->batch_index, 0};
    int disposition;

    /* Delivery ids start after the batch indexes, so the two key spaces of
     * the dedup marker never meet. */
    batch.delivery_id = world->scen->batch_count + world->delivery_count++;
    assert(batch.delivery_id < SIM_MARKER_MAX);

    /* A process restart loses the cached connection; the next statement then
     * meets a fresh one. */
    if (sim_prng_chance(&actor->restart_prng, world->draw.restart_rate, 1024)) {
        core_ctx_forget_conn(&actor->core);
        sim_world_emit(world, actor->index, SIM_EV_RESTART, 0, 0, 0, 0);
    }

    sim_world_emit(world, actor->index, SIM_EV_TASK_BEGIN, m->kind, m->batch_index,
                   m->delivery_count, msg);
    if (m->kind == SIM_MSG_LINK) {
        disposition = sim_worker_link(actor, &batch, &m->result);
    } else if (world->draw.path == SCEN_PATH_IN_BODY) {
        disposition = sim_worker_in_body(actor, &batch);
    } else {
        disposition = sim_worker_header(actor, &batch);
    }
    sim_world_emit(world, actor->index, SIM_EV_TASK_END, m->kind, m->batch_index,
                   disposition, msg);
    sim_queue_settle(world, msg, disposition == SIM_TASK_ACKED);
}

/* In-body path: a failure leaves the message for redelivery after the lease. */
static int sim_worker_in_body(sim_actor_t *actor, const core_batch_t *batch)
{
    sim_world_t *world = actor->world;
    core_rb_t out;
    core_rc_t rc;

    actor->work_started = false;
    rc = core_run_batch(&actor->core, batch, sim_work, actor, &out);
    if (rc != CORE_OK) {
        /* Past the claim, the error path ran: with the status API up it must
         * leave the execution terminal and the row gone. */
        if (actor->work_started) {
            sim_oracle_on_error_path_end(&world->oracle, world->step,
                                         world->status != SIM_STATUS_EXECUTING,
                                         world->server.row.committed.exists);
        }
        return SIM_TASK_RELEASED;
    }
    if (out.status == CORE_RB_DECREMENTED) {
        sim_oracle_on_dec_return(&world->oracle, world->step, batch->batch_index,
                                 out.dec.status != CORE_DEC_ABANDONED);
    }
    return SIM_TASK_ACKED;
}

/* Link path, header task: the work, then the decrement as a task of its own. */
static int sim_worker_header(sim_actor_t *actor, const core_batch_t *batch)
{
    conn_element_t result;
    bool skipped = false;

    sim_work(actor, batch, &result, &skipped);
    if (!skipped) {
        sim_queue_enqueue(actor->world, SIM_MSG_LINK, batch->batch_index, &result);
    }
    return SIM_TASK_ACKED;
}

/* Link task: the decrement with no claim and no task retry; a failure leaves
 * the barrier for the reaper. */
static int sim_worker_link(sim_actor_t *actor, const core_batch_t *batch,
                           const conn_element_t *result)
{
    sim_world_t *world = actor->world;
    core_dec_t out;
    int run;

    /* Upstream pins max_retries = 0; a policy with task retries re-runs the
     * whole task, decrement included, after a countdown. */
    for (run = 0; run <= world->policy->task_retry_max; run++) {
        if (run > 0) {
            sim_world_emit(world, actor->index, SIM_EV_TASK_RETRY, batch->batch_index,
                           run, 0, SIM_TASK_RETRY_COUNTDOWN_US);
            sim_actor_sleep(actor, SIM_TASK_RETRY_COUNTDOWN_US);
        }
        if (core_decrement(&actor->core, batch, result, &out) == CORE_OK) {
            sim_oracle_on_dec_return(&world->oracle, world->step, batch->batch_index,
                                     out.status != CORE_DEC_ABANDONED);
            break;
        }
    }
    return SIM_TASK_ACKED;
}

/* The batch's work. On the in-body path it first reads the execution status
 * (terminal: skip) and writes EXECUTING, which can overwrite an ERROR mark. */
static core_rc_t sim_work(void *arg, const core_batch_t *batch,
                          conn_element_t *result_out, bool *skipped_out)
{
    sim_actor_t *actor = arg;
    sim_world_t *world = actor->world;
    const scen_t *scen = world->scen;
    int delivery = 0;
    int64_t duration_us;
    sim_prng_t prng;
    int i;

    *skipped_out = false;
    actor->work_started = true;
    if (world->draw.path == SCEN_PATH_IN_BODY) {
        sim_api_call(actor, SIM_API_READ, (int)world->status);
        if (world->status != SIM_STATUS_EXECUTING) {
            *skipped_out = true;
            return CORE_OK;
        }
        sim_api_call(actor, SIM_API_WRITE_EXECUTING, (int)world->status);
        if (world->status != SIM_STATUS_COMPLETED) {
            world->status = SIM_STATUS_EXECUTING;
        }
    }

    /* Work time depends on the batch and its delivery only, so every policy
     * sees the same durations for the same seed. */
    for (i = 0; i < world->msg_count; i++) {
        if (world->msgs[i].batch_index == batch->batch_index &&
            world->msgs[i].kind == SIM_MSG_HEADER) {
            delivery = world->msgs[i].delivery_count;
        }
    }
    duration_us = scen->assigned ? scen->work_us[batch->batch_index] : 0;
    if (duration_us == 0) {
        sim_prng_init(&prng, world->seed,
                      SIM_STREAM_WORK ^ ((uint64_t)batch->batch_index << 16) ^
                          (uint64_t)delivery);
        duration_us = sim_prng_range(&prng, scen->work_min_us, scen->work_max_us);
    }
    sim_world_emit(world, actor->index, SIM_EV_WORK, batch->batch_index, delivery,
                   0, duration_us);
    sim_actor_sleep(actor, duration_us);

    result_out->batch_index = batch->batch_index;
    result_out->value = batch->batch_index * 31 + 7;
    sim_oracle_on_work_done(&world->oracle, batch->batch_index);
    return CORE_OK;
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
    bool tracked = event->stmt == STMT_DEC || event->stmt == STMT_CLAIM;

    sim_world_emit(world, actor->index, SIM_EV_CORE, (int32_t)event->kind,
                   (int32_t)event->stmt,
                   (int32_t)event->rc | (int32_t)(event->attempt << 16),
                   event->value);

    /* The oracle follows the retrying calls of the decrement and the claim. */
    if (event->kind == CORE_LOG_CALL_BEGIN && tracked) {
        memset(&actor->call, 0, sizeof(actor->call));
        actor->call.stmt = event->stmt;
        actor->call.batch_index = (int32_t)event->value;
        actor->call.conn_id_first_fresh = world->conn_count;
    } else if (event->kind == CORE_LOG_CALL_END && tracked) {
        if (event->stmt == STMT_CLAIM && event->rc == CORE_OK) {
            sim_oracle_on_claim_return(&world->oracle, world->step, &actor->call,
                                       event->value != 0, sim_call_inserted(world, actor));
        }
        memset(&actor->call, 0, sizeof(actor->call));
        actor->call.stmt = STMT_BEGIN;
    } else if (event->kind == CORE_LOG_NEGATIVE) {
        sim_oracle_on_negative_cleanup(&world->oracle, world->step,
                                       world->server.row.committed.exists);
    }
}

static core_rc_t sim_env_fire(void *env, const char *exec_id,
                              const conn_element_t *results, int result_count,
                              int64_t *callback_id_out)
{
    sim_actor_t *actor = env;
    sim_world_t *world = actor->world;

    (void)exec_id;
    sim_actor_sleep(actor, sim_actor_latency(actor));
    world->fire_count++;
    sim_world_emit(world, actor->index, SIM_EV_FIRE, result_count,
                   world->fire_count, 0, world->fire_count);
    sim_oracle_on_fire(&world->oracle, world->step, results, result_count);
    if (actor->call.saw_negative) {
        sim_oracle_on_negative_fire(&world->oracle, world->step);
    }
    if ((world->bugs & SIM_BUG_FIRE_TWICE) != 0) {
        sim_oracle_on_fire(&world->oracle, world->step, results, result_count);
    }

    /* NOTE: the callback runs at once here; its COMPLETED write is the
     * callback's own in the deployed system. */
    world->status = SIM_STATUS_COMPLETED;
    *callback_id_out = world->fire_count;
    sim_actor_sleep(actor, sim_actor_latency(actor));
    return CORE_OK;
}

/* A COMPLETED execution refuses the mark, which callers count as confirmed. */
static core_rc_t sim_env_mark_error(void *env, const char *exec_id,
                                    const char *org_id, bool *confirmed_out)
{
    sim_actor_t *actor = env;
    sim_world_t *world = actor->world;

    (void)exec_id;
    (void)org_id;
    if (world->status != SIM_STATUS_COMPLETED) {
        world->status = SIM_STATUS_ERROR;
    }
    sim_api_call(actor, SIM_API_MARK_ERROR, (int)world->status);
    *confirmed_out = true;
    sim_oracle_on_mark_confirmed(&world->oracle);
    return CORE_OK;
}

/* One round trip to the status API. */
static void sim_api_call(sim_actor_t *actor, int op, int result)
{
    sim_world_emit(actor->world, actor->index, SIM_EV_API, op, result, 1, 0);
    sim_actor_sleep(actor, 2 * sim_actor_latency(actor));
}

/* The first visible message for this actor, in message order. Fixed cases pin
 * each batch to a worker. Poison messages are dropped here. */
static int sim_queue_take(sim_world_t *world, sim_actor_t *actor)
{
    const scen_t *scen = world->scen;
    int i;

    for (i = 0; i < world->msg_count; i++) {
        sim_msg_t *m = &world->msgs[i];

        if (!m->outstanding || m->taken || m->visible_at_us > world->now_us) {
            continue;
        }
        if (scen->assigned && scen->assign_worker[m->batch_index] != actor->index - 1) {
            continue;
        }
        m->delivery_count++;
        if (m->delivery_count > SIM_DELIVERY_MAX) {
            m->outstanding = false;
            sim_world_emit(world, actor->index, SIM_EV_QUEUE, SIM_QUEUE_DROP, i,
                           m->batch_index, 0);
            continue;
        }
        m->taken = true;
        sim_world_emit(world, actor->index, SIM_EV_QUEUE, SIM_QUEUE_TAKE, i,
                       m->batch_index, m->delivery_count);
        return i;
    }
    return -1;
}

static void sim_queue_enqueue(sim_world_t *world, sim_msg_kind_t kind,
                              int32_t batch_index, const conn_element_t *result)
{
    sim_msg_t *m;

    assert(world->msg_count < SIM_MSG_MAX);
    m = &world->msgs[world->msg_count];
    memset(m, 0, sizeof(*m));
    m->kind = kind;
    m->batch_index = batch_index;
    m->outstanding = true;
    m->visible_at_us = world->now_us;
    if (result != NULL) {
        m->result = *result;
    }
    sim_world_emit(world, world->running, SIM_EV_QUEUE, SIM_QUEUE_ENQUEUE,
                   world->msg_count, batch_index, kind);
    world->msg_count++;
    sim_queue_settle(world, -1, false);
}

/* Acknowledge or release msg (-1: only wake the waiters). A released message
 * comes back when its lease lapses. */
static void sim_queue_settle(sim_world_t *world, int msg, bool ack)
{
    int i;

    if (msg >= 0) {
        sim_msg_t *m = &world->msgs[msg];

        m->taken = false;
        if (ack) {
            m->outstanding = false;
        } else {
            m->visible_at_us = world->now_us + world->scen->lease_us;
        }
        sim_world_emit(world, world->running, SIM_EV_QUEUE,
                       ack ? SIM_QUEUE_ACK : SIM_QUEUE_RELEASE, msg,
                       m->batch_index, 0);
    }

    for (i = 0; i < world->actor_count; i++) {
        sim_actor_t *actor = &world->actors[i];

        if (actor->state == SIM_ACTOR_BLOCKED_QUEUE) {
            actor->ready_at_us = world->now_us;
        }
    }
}

/* Sleep until the next message becomes visible, or until the queue changes. */
static void sim_queue_wait(sim_world_t *world, sim_actor_t *actor)
{
    int64_t next_us = INT64_MAX;
    int i;

    for (i = 0; i < world->msg_count; i++) {
        const sim_msg_t *m = &world->msgs[i];

        if (m->outstanding && !m->taken && m->visible_at_us < next_us) {
            next_us = m->visible_at_us;
        }
    }
    actor->state = SIM_ACTOR_BLOCKED_QUEUE;
    actor->ready_at_us = next_us;
    sim_fiber_yield(&actor->fiber);
    actor->state = SIM_ACTOR_READY;
}

static bool sim_queue_idle(const sim_world_t *world)
{
    int i;

    for (i = 0; i < world->msg_count; i++) {
        if (world->msgs[i].outstanding) {
            return false;
        }
    }
    return true;
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
