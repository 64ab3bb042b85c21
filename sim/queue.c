/*
 * queue — the at-least-once queue between the orchestrator and the workers.
 *
 * A released message comes back when its lease lapses; a lease can also
 * lapse while the task still runs (F12), which delivers the message to a
 * second worker; a lost acknowledgement leaves a finished message to be
 * delivered again. A message read more than SIM_DELIVERY_MAX times is
 * dropped as poison.
 */
#include "actors.h"

#include <assert.h>
#include <string.h>

static bool sim_queue_available(const sim_world_t *world, const sim_msg_t *m);
static bool sim_queue_gated(const sim_world_t *world, const sim_msg_t *m);
static bool sim_queue_assigned(const sim_world_t *world, const sim_actor_t *actor,
                               const sim_msg_t *m);

int sim_queue_take(sim_world_t *world, sim_actor_t *actor)
{
    int variant;
    int i;

    for (i = 0; i < world->msg_count; i++) {
        sim_msg_t *m = &world->msgs[i];

        if (!sim_queue_available(world, m) || !sim_queue_assigned(world, actor, m)) {
            continue;
        }
        m->delivery_count++;
        if (m->delivery_count > SIM_DELIVERY_MAX) {
            m->outstanding = false;
            sim_world_emit(world, actor->index, SIM_EV_QUEUE, SIM_QUEUE_DROP, i,
                           m->batch_index, 0);
            continue;
        }

        m->holders++;
        m->lapse_at_us = 0;
        /* From here the task holds the message, so a crash releases it. */
        actor->task_msg = i;
        sim_world_emit(world, actor->index, SIM_EV_QUEUE, SIM_QUEUE_TAKE, i,
                       m->batch_index, m->delivery_count);
        if (sim_actor_draw(actor, FAULT_AT_TAKE, &variant) == FAULT_F12) {
            /* The lease renewal stops: the message shows up again while
             * this delivery still runs. */
            sim_actor_strike(actor, -1, STMT_BEGIN, FAULT_AT_TAKE, FAULT_F12);
            m->lapse_at_us = world->now_us + world->scen->lease_us;
            m->wait_rearm = sim_queue_gated(world, m);
            sim_world_emit(world, actor->index, SIM_EV_QUEUE, SIM_QUEUE_LEASE_LAPSE, i,
                           m->batch_index, 0);
        }
        return i;
    }
    return -1;
}

int sim_queue_enqueue(sim_world_t *world, sim_msg_kind_t kind, int32_t batch_index,
                      const conn_element_t *result)
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
    sim_world_emit(world, world->running < 0 ? 0 : world->running, SIM_EV_QUEUE,
                   SIM_QUEUE_ENQUEUE, world->msg_count, batch_index, kind);
    world->msg_count++;
    sim_queue_settle(world, NULL, -1, false);
    return world->msg_count - 1;
}

void sim_queue_settle(sim_world_t *world, sim_actor_t *actor, int msg, bool ack)
{
    int variant;
    int i;

    if (msg >= 0) {
        sim_msg_t *m = &world->msgs[msg];
        int op = ack ? SIM_QUEUE_ACK : SIM_QUEUE_RELEASE;

        assert(m->holders > 0);
        m->holders--;
        if (ack && actor != NULL) {
            /* A crash from here on loses the acknowledgement. */
            actor->acking_msg = msg;
        }
        if (ack && actor != NULL &&
            sim_actor_draw(actor, FAULT_AT_ACK, &variant) == FAULT_F12) {
            /* The DELETE of the acknowledgement was lost: the finished
             * message comes back after its lease. */
            sim_actor_strike(actor, -1, STMT_BEGIN, FAULT_AT_ACK, FAULT_F12);
            op = SIM_QUEUE_ACK_LOST;
            ack = false;
        }
        if (ack && m->db_id != 0) {
            /* A PG queue message is gone only when the consumer's DELETE
             * commits (sim_queue_on_commit). After a failed DELETE, or a
             * crash during it, the message comes back after its lease. */
            m->visible_at_us = world->now_us + world->scen->lease_us;
            if (actor == NULL || core_ack(&actor->consumer, m->db_id) != CORE_OK) {
                op = SIM_QUEUE_ACK_LOST;
                ack = false;
            }
        } else if (ack) {
            m->outstanding = false;
        }
        if (!ack && m->outstanding) {
            m->wait_rearm = sim_queue_gated(world, m);
            m->visible_at_us = world->now_us + world->scen->lease_us;
        }
        if (actor != NULL) {
            actor->acking_msg = -1;
        }
        sim_world_emit(world, world->running < 0 ? 0 : world->running, SIM_EV_QUEUE,
                       op, msg, m->batch_index, 0);
    }

    for (i = 0; i < world->actor_count; i++) {
        sim_actor_t *waiter = &world->actors[i];

        if (waiter->state == SIM_ACTOR_BLOCKED_QUEUE) {
            waiter->ready_at_us = world->now_us;
        }
    }
}

/* Sleep until the next message becomes visible, or until the queue changes. */
void sim_queue_wait(sim_world_t *world, sim_actor_t *actor)
{
    int64_t next_us = INT64_MAX;
    int i;

    for (i = 0; i < world->msg_count; i++) {
        const sim_msg_t *m = &world->msgs[i];

        /* Messages pinned to another worker never wake this one, and one
         * that waits for the reaper wakes it through the re-arm. */
        if (!m->outstanding || m->wait_rearm || !sim_queue_assigned(world, actor, m)) {
            continue;
        }
        if (m->holders == 0 && m->visible_at_us < next_us) {
            next_us = m->visible_at_us;
        }
        if (m->holders > 0 && m->lapse_at_us != 0 && m->lapse_at_us < next_us) {
            next_us = m->lapse_at_us;
        }
    }
    actor->state = SIM_ACTOR_BLOCKED_QUEUE;
    actor->ready_at_us = next_us;
    sim_fiber_yield(&actor->fiber);
    actor->state = SIM_ACTOR_READY;
}

bool sim_queue_idle(const sim_world_t *world)
{
    int i;

    for (i = 0; i < world->msg_count; i++) {
        if (world->msgs[i].outstanding) {
            return false;
        }
    }
    return true;
}

/* Visible: outstanding, not waiting for the reaper's re-arm, and either free
 * and past its visibility time, or held by a delivery whose lease has
 * lapsed. */
static bool sim_queue_available(const sim_world_t *world, const sim_msg_t *m)
{
    if (!m->outstanding || m->wait_rearm) {
        return false;
    }
    if (m->holders == 0) {
        return m->visible_at_us <= world->now_us;
    }
    return m->lapse_at_us != 0 && m->lapse_at_us <= world->now_us;
}

/* Fixed cases pin each batch to one worker; otherwise any worker may take
 * any message. */
static bool sim_queue_assigned(const sim_world_t *world, const sim_actor_t *actor,
                               const sim_msg_t *m)
{
    const scen_t *scen = world->scen;

    return !scen->assigned || scen->assign_worker[m->batch_index] == actor->index - 1;
}

void sim_queue_on_commit(sim_world_t *world, stmt_id_t stmt, int64_t msg_id)
{
    const sim_queue_row_t *qrow = &world->server.queue_rows[msg_id];
    int i;

    if (stmt == STMT_ACK) {
        for (i = 0; i < world->msg_count; i++) {
            if (world->msgs[i].db_id == msg_id) {
                world->msgs[i].outstanding = false;
            }
        }
        sim_queue_settle(world, NULL, -1, false);
        return;
    }

    assert(stmt == STMT_SEND);
    if (qrow->kind == SIM_MSG_KIND_CALLBACK) {
        sim_callback_schedule(world, SIM_CALLBACK_PICKUP_US);
        return;
    }
    i = sim_queue_enqueue(world, SIM_MSG_HEADER, qrow->batch_index, NULL);
    world->msgs[i].db_id = msg_id;
    world->msgs[i].generation = world->server.row.committed.generation;
    world->msgs[i].core_generation = qrow->generation;
}

void sim_queue_ack_crashed(sim_world_t *world, const sim_actor_t *actor)
{
    int msg = actor->acking_msg;
    sim_msg_t *m = &world->msgs[msg];

    if (m->outstanding) {
        m->wait_rearm = sim_queue_gated(world, m);
        m->visible_at_us = world->now_us + world->scen->lease_us;
        sim_world_emit(world, actor->index, SIM_EV_QUEUE, SIM_QUEUE_ACK_LOST, msg,
                       m->batch_index, 0);
    }
    sim_queue_settle(world, NULL, -1, false);
}

/* With reapers running, a PG queue message whose lease lapses stays
 * claimed until a reaper's tick re-arms it (RPR.2). Without reapers, the
 * lapse alone makes it visible. Broker (link-path) messages never wait. */
static bool sim_queue_gated(const sim_world_t *world, const sim_msg_t *m)
{
    return world->scen->reaper_count > 0 && m->db_id != 0;
}

void sim_queue_rearm(sim_world_t *world)
{
    int i;

    for (i = 0; i < world->msg_count; i++) {
        sim_msg_t *m = &world->msgs[i];
        bool lapsed = (m->holders == 0 && m->visible_at_us <= world->now_us) ||
                      (m->lapse_at_us != 0 && m->lapse_at_us <= world->now_us);

        if (m->wait_rearm && lapsed) {
            m->wait_rearm = false;
        }
    }
    sim_queue_settle(world, NULL, -1, false);
}
