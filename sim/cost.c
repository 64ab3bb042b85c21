/* cost — count retries and extra round trips from a run's events. */
#include "cost.h"

#include <string.h>

#include "../core/barrier.h"
#include "../faults/fault.h"

static void sim_cost_on_core(sim_cost_track_t *track, int actor, core_log_kind_t kind);
static void sim_cost_round_trip(sim_cost_track_t *track, int actor);

void sim_cost_reset(sim_cost_track_t *track)
{
    memset(track, 0, sizeof(*track));
}

void sim_cost_on_event(sim_cost_track_t *track, const sim_event_t *event)
{
    int actor = event->actor;

    if (actor >= SIM_COST_ACTOR_MAX) {
        return;
    }
    switch ((sim_event_kind_t)event->kind) {
    case SIM_EV_CORE:
        sim_cost_on_core(track, actor, (core_log_kind_t)event->a);
        break;
    case SIM_EV_TASK_RETRY:
        track->counts.retry_count++;
        track->replaying[actor] = true;
        break;
    case SIM_EV_TASK_END:
    case SIM_EV_RESTART:
        track->retrying[actor] = false;
        track->replaying[actor] = false;
        track->reconnecting[actor] = false;
        break;
    case SIM_EV_CONNECT:
        /* The connect loop logs its retry before each repeated attempt. */
        sim_cost_round_trip(track, actor);
        track->reconnecting[actor] = false;
        break;
    case SIM_EV_SEND:
        sim_cost_round_trip(track, actor);
        track->commit_sent[actor] = event->c == FAULT_AT_COMMIT;
        break;
    case SIM_EV_REPLY:
        /* The re-run transaction ends with the reply to its COMMIT. */
        if (track->commit_sent[actor]) {
            track->retrying[actor] = false;
            track->commit_sent[actor] = false;
        }
        break;
    default:
        break;
    }
}

static void sim_cost_on_core(sim_cost_track_t *track, int actor, core_log_kind_t kind)
{
    switch (kind) {
    case CORE_LOG_RETRY:
        track->counts.retry_count++;
        track->retrying[actor] = true;
        break;
    case CORE_LOG_RESOLVING:
        track->retrying[actor] = true;
        break;
    case CORE_LOG_CONNECT_RETRY:
        track->reconnecting[actor] = true;
        break;
    case CORE_LOG_CALL_END:
    case CORE_LOG_GIVE_UP:
    case CORE_LOG_COMMIT_FAILED:
    case CORE_LOG_ALREADY_APPLIED:
        track->retrying[actor] = false;
        break;
    default:
        break;
    }
}

static void sim_cost_round_trip(sim_cost_track_t *track, int actor)
{
    if (track->retrying[actor] || track->replaying[actor] || track->reconnecting[actor]) {
        track->counts.extra_round_trip_count++;
    }
}
