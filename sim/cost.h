/*
 * cost — what a run's retries cost: retries, reconnects and extra round
 * trips, counted per run for the policy comparison (reports/compare.h).
 *
 * Definitions:
 *  - a retry is a transaction the core runs again after a failure (its
 *    "retry" log event, whatever the call site) or a task the task
 *    framework replays;
 *  - a reconnect is a connection an actor opens for a role (barrier,
 *    dispatch, consumer) after its first one for that role in the run,
 *    because the earlier one died, was reaped or was dropped by a restart;
 *  - an extra round trip is a connection attempt or a statement sent
 *    because of a retry. That is every round trip from a transaction retry
 *    or a commit resolution up to the reply to the re-run transaction's
 *    COMMIT (or the end of the call), every round trip of a replayed task,
 *    and each repeated connection attempt of the connect loop.
 *
 * Counts come from the world's events (one hook in sim_world_emit), except
 * reconnects, which the simulated connect counts because only it knows the
 * role.
 *
 * Invariants:
 *  1. Counting reads events and never changes a run, so trace hashes do not
 *     depend on it.
 *  2. Every flag an actor carries is cleared at the end of what set it, or
 *     at the actor's next restart or task end, so no count leaks across
 *     tasks.
 */
#ifndef BARRIERSIM_COST_H
#define BARRIERSIM_COST_H

#include <stdbool.h>
#include <stdint.h>

#include "trace.h"

#define SIM_COST_ACTOR_MAX 32   /* at least SIM_ACTOR_MAX (world.h checks) */

/* The counts a run reports. */
typedef struct {
    int retry_count;
    int reconnect_count;
    int extra_round_trip_count;
} sim_cost_t;

/* The counts and what each actor is doing now. */
typedef struct {
    sim_cost_t counts;
    bool retrying[SIM_COST_ACTOR_MAX];    /* a re-run transaction or a resolution */
    bool replaying[SIM_COST_ACTOR_MAX];   /* a task the framework replays */
    bool reconnecting[SIM_COST_ACTOR_MAX]; /* the connect loop tries again */
    bool commit_sent[SIM_COST_ACTOR_MAX]; /* the last statement sent was a COMMIT */
} sim_cost_track_t;

void sim_cost_reset(sim_cost_track_t *track);

/* Count what one event shows. */
void sim_cost_on_event(sim_cost_track_t *track, const sim_event_t *event);

#endif
