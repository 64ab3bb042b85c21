/*
 * actors (internal) — what the actor bodies, the queue and the environment
 * share: the queue's operations, the status API round trip and the work.
 */
#ifndef BARRIERSIM_ACTORS_H
#define BARRIERSIM_ACTORS_H

#include "world.h"

enum { SIM_API_READ, SIM_API_WRITE_EXECUTING, SIM_API_MARK_ERROR };
enum { SIM_QUEUE_ENQUEUE, SIM_QUEUE_TAKE, SIM_QUEUE_ACK, SIM_QUEUE_RELEASE,
       SIM_QUEUE_DROP, SIM_QUEUE_ACK_LOST, SIM_QUEUE_LEASE_LAPSE };

/* Outcomes of a status API call. */
typedef enum {
    SIM_API_OK,
    SIM_API_FAILED,           /* raised: nothing happened */
    SIM_API_UNCONFIRMED,      /* success=False: nothing happened */
    SIM_API_APPLIED_UNCONFIRMED, /* applied, yet reported failed */
} sim_api_result_t;

/* Queue (queue.c). */
int sim_queue_take(sim_world_t *world, sim_actor_t *actor);
/* Returns the new message's index. */
int sim_queue_enqueue(sim_world_t *world, sim_msg_kind_t kind, int32_t batch_index,
                      const conn_element_t *result);
/* Acknowledge or release msg; -1 only wakes the waiters. */
void sim_queue_settle(sim_world_t *world, sim_actor_t *actor, int msg, bool ack);
/* The actor crashed during the acknowledgement of its acking_msg. Unless the
 * DELETE committed, the message comes back one lease after the crash, so the
 * waiting workers are woken to recompute when to look again. */
void sim_queue_ack_crashed(sim_world_t *world, const sim_actor_t *actor);
void sim_queue_wait(sim_world_t *world, sim_actor_t *actor);
bool sim_queue_idle(const sim_world_t *world);

/* A committed callback message waits this long for its consumer.
 * NOTE: deployed consumers poll every 0.1 to 2 s; with a 1 ms pickup the
 * callback usually wins its race against a failing fire's error path, so
 * C9's ambiguous dispatch shows its gap only with faster network hops. */
#define SIM_CALLBACK_PICKUP_US 1000

/* Environment (env.c). */
/* Run a callback message delay_us from now (its consumer's pickup). */
void sim_callback_schedule(sim_world_t *world, int64_t delay_us);
sim_api_result_t sim_api_call(sim_actor_t *actor, int op);
core_rc_t sim_env_mark(sim_actor_t *actor, bool *confirmed_out);

#endif
