/*
 * actors — the orchestrator and the batch workers: what runs on each fiber,
 * and the faults that strike an actor between its steps (F9 backend
 * termination, F11 crash) or in its own code (F17 bad result, F18 dispatch).
 */
#include "actors.h"

#include <assert.h>
#include <string.h>

#define SIM_STREAM_WORK 0x776f726bULL
#define SIM_TASK_RETRY_COUNTDOWN_US 1000000
#define SIM_RESTART_DELAY_US 1000000

enum { SIM_TASK_ACKED, SIM_TASK_RELEASED };

static core_rc_t sim_dispatch(void *arg, int32_t batch_index, int64_t generation);
static bool sim_orchestrators_done(const sim_world_t *world);
static core_rc_t sim_work(void *arg, const core_batch_t *batch,
                          conn_element_t *result_out, bool *skipped_out);
static void sim_worker_task(sim_actor_t *actor, int msg);
static int sim_worker_in_body(sim_actor_t *actor, const core_batch_t *batch);
static int sim_worker_header(sim_actor_t *actor, const core_batch_t *batch);
static int sim_worker_link(sim_actor_t *actor, const core_batch_t *batch,
                           const conn_element_t *result);
static int64_t sim_work_duration(const sim_world_t *world, int32_t batch_index);
static void sim_actor_crash(sim_actor_t *actor);
static void sim_actor_terminate_backend(sim_actor_t *actor);
/* noinline keeps the common path of sim_actor_draw free of this frame. */
__attribute__((noinline)) static fault_kind_t
sim_actor_draw_at(sim_actor_t *actor, fault_point_t point, int occurrence, int *variant_out);

void sim_orchestrator_main(void *arg)
{
    sim_actor_t *actor = arg;
    sim_world_t *world = actor->world;
    core_orc_t outcome;
    int variant;

    /* F19: the orchestrator message is delivered a second time, after the
     * first delivery's lease lapsed. */
    if (sim_actor_draw(actor, FAULT_AT_ORCHESTRATE, &variant) == FAULT_F19 &&
        actor->index == SIM_ORCHESTRATOR) {
        int64_t delay_us = sim_choose_range(world->tape, &actor->fault_prng,
                                            SIM_CHOICE_DELAY, actor->index, 0,
                                            world->scen->lease_us);

        sim_actor_strike(actor, -1, STMT_OCLAIM, FAULT_AT_ORCHESTRATE, FAULT_F19);
        sim_world_spawn_duplicate(world, delay_us);
    }

    /* The general orchestrator takes the orchestration claim; the
     * API-deployment one does not, so its redelivery re-arms. */
    core_orchestrate(&actor->core, SIM_EXEC_ID, SIM_ORG_ID, world->scen->batch_count,
                     !world->scen->api_orchestrator, sim_dispatch, actor, &outcome);

    /* Workers waiting on an empty queue re-check once the orchestrator ends. */
    sim_queue_settle(world, NULL, -1, false);
}

void sim_worker_main(void *arg)
{
    sim_actor_t *actor = arg;
    sim_world_t *world = actor->world;

    actor->task_msg = -1;
    for (;;) {
        int msg = sim_queue_take(world, actor);

        if (msg >= 0) {
            actor->task_msg = msg;
            sim_worker_task(actor, msg);
            actor->task_msg = -1;
            continue;
        }
        if (sim_queue_idle(world) && sim_orchestrators_done(world)) {
            return;
        }
        sim_queue_wait(world, actor);
    }
}

fault_kind_t sim_actor_draw(sim_actor_t *actor, fault_point_t point, int *variant_out)
{
    const sim_world_t *world = actor->world;
    const fault_plan_t *plan = &world->draw.plan;
    int occurrence = ++actor->point_occurrences[point];

    /* Most points of a plan can strike nothing: no rate, no scheduled
     * entry and no tape to record on. This runs at every step, so the draw
     * itself, with its larger frame, is a function of its own. */
    if (plan->point_rate[point] == 0 && plan->entry_count == 0 &&
        (world->tape == NULL || world->point_kinds[point] == 0)) {
        *variant_out = FAULT_VARIANT_DRAWN;
        return FAULT_NONE;
    }
    return sim_actor_draw_at(actor, point, occurrence, variant_out);
}

/* The draw at a point that can strike: the swarm's draw, unless the plan
 * schedules this occurrence. */
static fault_kind_t sim_actor_draw_at(sim_actor_t *actor, fault_point_t point,
                                      int occurrence, int *variant_out)
{
    const fault_plan_t *plan = &actor->world->draw.plan;
    fault_kind_t drawn;
    const fault_entry_t *entry;
    fault_kind_t kind;
    int variant;

    drawn = sim_world_draw_fault(actor->world, &actor->fault_prng, actor->index, point);
    entry = fault_scheduled(plan, actor->index, STMT_BEGIN, point, occurrence);
    kind = entry != NULL ? entry->kind : drawn;
    variant = entry != NULL ? entry->variant : FAULT_VARIANT_DRAWN;

    if (kind != FAULT_NONE && variant == FAULT_VARIANT_DRAWN) {
        variant = (int)sim_choose_below(actor->world->tape, &actor->fault_prng,
                                        SIM_CHOICE_VARIANT, actor->index,
                                        (uint64_t)fault_variant_count(kind));
    }
    *variant_out = variant;

    if (kind == FAULT_F9 && point != FAULT_AT_STEP) {
        sim_actor_terminate_backend(actor);
    }
    if (kind == FAULT_F11 && point != FAULT_AT_STEP) {
        /* The process dies here: the scheduler restarts the actor and this
         * stack is never resumed. */
        actor->crash_pending = true;
        sim_actor_sleep(actor, 0);
        assert(!"a crashed actor was resumed");
    }
    return kind;
}

void sim_actor_strike(sim_actor_t *actor, int32_t conn_id, stmt_id_t stmt,
                      fault_point_t point, fault_kind_t kind)
{
    sim_world_t *world = actor->world;

    sim_world_emit(world, actor->index, SIM_EV_FAULT, conn_id, stmt, point, kind);
    world->strike_count++;
    sim_oracle_on_strike(&world->oracle, kind, stmt, point, false, 0);
}

bool sim_actor_step_faults(sim_actor_t *actor)
{
    int variant;
    fault_kind_t kind;

    if (actor->crash_pending) {
        sim_actor_crash(actor);
        return true;
    }
    kind = sim_actor_draw(actor, FAULT_AT_STEP, &variant);
    if (kind == FAULT_F9) {
        sim_actor_terminate_backend(actor);
    }
    if (kind == FAULT_F11 && actor->kind != SIM_ACTOR_KIND_ORCHESTRATOR) {
        sim_actor_crash(actor);
        return true;
    }
    return false;
}

/* HDR.1 on the simulated queue. F18: the send fails cleanly, or after the
 * message was enqueued. */
static core_rc_t sim_dispatch(void *arg, int32_t batch_index, int64_t generation)
{
    sim_actor_t *actor = arg;
    sim_world_t *world = actor->world;
    int variant = -1;

    if (sim_actor_draw(actor, FAULT_AT_DISPATCH, &variant) != FAULT_F18) {
        variant = -1;
    } else {
        sim_actor_strike(actor, -1, STMT_BEGIN, FAULT_AT_DISPATCH, FAULT_F18);
    }
    if (variant == FAULT_F18_CLEAN) {
        return CORE_E_DISPATCH;
    }
    if (world->draw.path == SCEN_PATH_IN_BODY) {
        /* The PG path sends through the queue table on the dispatch
         * client's connection; the message exists once its INSERT commits. */
        core_batch_t header = {SIM_EXEC_ID, SIM_ORG_ID, batch_index, 0, generation};
        int64_t msg_id;

        if (core_send(&actor->dispatch, SIM_MSG_KIND_HEADER, &header, &msg_id) != CORE_OK) {
            return CORE_E_DISPATCH;
        }
    } else {
        int msg;

        sim_actor_sleep(actor, 2 * sim_actor_latency(actor));
        msg = sim_queue_enqueue(world, SIM_MSG_HEADER, batch_index, NULL);
        world->msgs[msg].generation = world->server.row.committed.generation;
        world->msgs[msg].core_generation = generation;
    }
    return variant == -1 ? CORE_OK : CORE_E_DISPATCH;
}

static void sim_worker_task(sim_actor_t *actor, int msg)
{
    sim_world_t *world = actor->world;
    sim_msg_t *m = &world->msgs[msg];
    core_batch_t batch = {SIM_EXEC_ID, SIM_ORG_ID, m->batch_index, 0, m->core_generation};
    int disposition;

    /* Delivery ids start after the batch indexes, so the two key spaces of
     * the dedup marker never meet. */
    batch.delivery_id = world->scen->batch_count + world->delivery_count++;
    assert(batch.delivery_id < SIM_MARKER_MAX);

    /* A process restart loses the cached connection; the next statement then
     * meets a fresh one. */
    if (sim_choose_chance(world->tape, &actor->restart_prng, SIM_CHOICE_RESTART,
                          actor->index, world->draw.restart_rate, 1024)) {
        core_ctx_forget_conn(&actor->core);
        core_ctx_forget_conn(&actor->dispatch);
        core_ctx_forget_conn(&actor->consumer);
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
    /* From here the message is the queue's again: a crash during the
     * acknowledgement must not release it a second time. */
    actor->task_msg = -1;
    sim_queue_settle(world, actor, msg, disposition == SIM_TASK_ACKED);
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

    if (sim_work(actor, batch, &result, &skipped) == CORE_OK && !skipped) {
        sim_world_t *world = actor->world;
        const sim_msg_t *header = &world->msgs[actor->task_msg];
        int link = sim_queue_enqueue(world, SIM_MSG_LINK, batch->batch_index, &result);

        /* The link task belongs to the header's arming. */
        world->msgs[link].generation = header->generation;
        world->msgs[link].core_generation = header->core_generation;
    }
    return SIM_TASK_ACKED;
}

/* Link task: the decrement with no claim; a failure leaves the barrier for
 * the reaper. Upstream pins max_retries = 0; a policy with task retries
 * re-runs the whole task, decrement included, after a countdown. */
static int sim_worker_link(sim_actor_t *actor, const core_batch_t *batch,
                           const conn_element_t *result)
{
    sim_world_t *world = actor->world;
    core_dec_t out;
    int run;

    actor->task_dec_committed = false;
    for (run = 0; run <= world->policy->task_retry_max; run++) {
        actor->task_run = run;
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
    actor->task_run = 0;
    return SIM_TASK_ACKED;
}

/* The batch's work. On the in-body path it first reads the execution status
 * (terminal: skip) and writes EXECUTING, which can overwrite an ERROR mark.
 * A failed status call raises (F15); the result may be bad (F17). */
static core_rc_t sim_work(void *arg, const core_batch_t *batch,
                          conn_element_t *result_out, bool *skipped_out)
{
    sim_actor_t *actor = arg;
    sim_world_t *world = actor->world;
    int64_t duration_us;
    fault_kind_t kind;
    int variant;

    *skipped_out = false;
    actor->work_started = true;
    if (world->draw.path == SCEN_PATH_IN_BODY) {
        if (sim_api_call(actor, SIM_API_READ) != SIM_API_OK) {
            return CORE_E_STATUS;
        }
        if (world->status != SIM_STATUS_EXECUTING) {
            *skipped_out = true;
            return CORE_OK;
        }
        if (sim_api_call(actor, SIM_API_WRITE_EXECUTING) != SIM_API_OK) {
            return CORE_E_STATUS;
        }
        if (world->status != SIM_STATUS_COMPLETED) {
            sim_world_set_status(world, SIM_STATUS_EXECUTING, false);
        }
    }

    duration_us = sim_work_duration(world, batch->batch_index);
    sim_world_emit(world, actor->index, SIM_EV_WORK, batch->batch_index, 0, 0,
                   duration_us);
    sim_actor_sleep(actor, duration_us);

    /* One draw decides both faults of the result point. */
    kind = sim_actor_draw(actor, FAULT_AT_RESULT, &variant);
    if (kind == FAULT_F16) {
        /* The batch runs past the stuck timeout: its barrier looks exactly
         * like a crashed one to the reaper. */
        int64_t extra_us = world->scen->stuck_timeout_us + 2 * world->scen->reaper_tick_us;

        sim_actor_strike(actor, -1, STMT_DEC, FAULT_AT_RESULT, FAULT_F16);
        sim_actor_sleep(actor, extra_us);
    }

    memset(result_out, 0, sizeof(*result_out));
    result_out->batch_index = batch->batch_index;
    result_out->value = batch->batch_index * 31 + 7;
    if (kind == FAULT_F17) {
        result_out->flags = variant == FAULT_F17_NUL ? CONN_ELEMENT_NUL
                                                     : CONN_ELEMENT_UNENCODABLE;
        sim_actor_strike(actor, -1, STMT_DEC, FAULT_AT_RESULT, FAULT_F17);
    }
    sim_oracle_on_work_done(&world->oracle, batch->batch_index);
    return CORE_OK;
}

/* Work time depends on the batch and the number of its deliveries only, so
 * every policy gets the same durations for the same seed. */
static int64_t sim_work_duration(const sim_world_t *world, int32_t batch_index)
{
    const scen_t *scen = world->scen;
    int delivery = 0;
    sim_prng_t prng;
    int i;

    if (scen->assigned && scen->work_us[batch_index] > 0) {
        return scen->work_us[batch_index];
    }
    for (i = 0; i < world->msg_count; i++) {
        if (world->msgs[i].batch_index == batch_index &&
            world->msgs[i].kind == SIM_MSG_HEADER) {
            delivery = world->msgs[i].delivery_count;
        }
    }
    sim_prng_init(&prng, world->seed,
                  SIM_STREAM_WORK ^ ((uint64_t)batch_index << 16) ^ (uint64_t)delivery);
    return sim_choose_range(world->tape, &prng, SIM_CHOICE_WORK, SIM_CHOICE_NO_ACTOR,
                            scen->work_min_us, scen->work_max_us);
}

/* F11: a worker or reaper process dies. The kernel closes its sockets, so
 * its backends roll back at once. A worker's message returns after the
 * lease, and the process starts again with nothing cached. */
static void sim_actor_crash(sim_actor_t *actor)
{
    sim_world_t *world = actor->world;
    int i;

    sim_actor_strike(actor, -1, STMT_BEGIN, FAULT_AT_STEP, FAULT_F11);
    for (i = 0; i < world->conn_count; i++) {
        sim_conn_t *conn = &world->conns[i];

        if (conn->actor_index == actor->index && !conn->closed) {
            sim_conn_ops.close(conn);
        }
    }
    if (actor->task_msg >= 0) {
        sim_queue_settle(world, NULL, actor->task_msg, false);
    } else if (actor->acking_msg >= 0) {
        sim_queue_ack_crashed(world, actor);
    }

    sim_actor_init_conns(actor);
    memset(&actor->call, 0, sizeof(actor->call));
    actor->call.stmt = STMT_BEGIN;
    actor->task_msg = -1;
    actor->acking_msg = -1;
    actor->work_started = false;
    actor->crash_pending = false;
    actor->state = SIM_ACTOR_READY;
    actor->ready_at_us = world->now_us + SIM_RESTART_DELAY_US;
    sim_fiber_start(&actor->fiber, actor->entry, actor);
}

/* F9: pg_terminate_backend on the actor's cached connection. An open
 * transaction rolls back at once; the client learns at its next I/O. */
static void sim_actor_terminate_backend(sim_actor_t *actor)
{
    sim_world_t *world = actor->world;
    sim_conn_t *conn = actor->core.conn.handle;

    if (conn == NULL || conn->server_gone) {
        return;
    }
    sim_actor_strike(actor, conn->id, conn->txn_stmt, FAULT_AT_STEP, FAULT_F9);
    if (world->mirror_ops != NULL) {
        world->mirror_ops->terminate(world->mirror, conn->id);
    }
    conn->server_gone = true;
    if (conn->txn != 0) {
        int txn = conn->txn;

        conn->txn = 0;
        sim_world_txn_end(world, txn, false, 1);
    }
}

static bool sim_orchestrators_done(const sim_world_t *world)
{
    if (world->actors[SIM_ORCHESTRATOR].state != SIM_ACTOR_DONE) {
        return false;
    }
    return world->duplicate_orchestrator < 0 ||
           world->actors[world->duplicate_orchestrator].state == SIM_ACTOR_DONE;
}
