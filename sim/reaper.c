/*
 * reaper (simulated) — the reaper processes: each ticks the core's reaper on
 * its own cached connection until the workers are done and nothing is left
 * to recover, or until the horizon past which a stranded barrier counts as
 * never recovered.
 */
#include "actors.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "../core/reaper.h"

#define SIM_REAPER_LEASE_S 10
#define SIM_REAPER_HORIZON_TICKS 20

static bool sim_reaper_finished(const sim_world_t *world);
static void sim_reaper_watch(sim_world_t *world);

void sim_reaper_main(void *arg)
{
    sim_actor_t *actor = arg;
    sim_world_t *world = actor->world;
    char leader_id[CONN_TEXT_SIZE];
    core_reaper_t reaper;

    snprintf(leader_id, sizeof(leader_id), "reaper-%d", actor->index);
    memset(&reaper, 0, sizeof(reaper));
    reaper.leader_id = leader_id;
    reaper.stuck_timeout_s = world->scen->stuck_timeout_us / 1000000;
    reaper.lease_s = SIM_REAPER_LEASE_S;

    while (!sim_reaper_finished(world)) {
        int64_t started_us = world->now_us;
        core_sweep_t sweep;

        sim_reaper_watch(world);
        core_reaper_tick(&actor->core, &reaper, &sweep);

        /* The next tick starts a tick period after this one ended. */
        sim_actor_sleep(actor, world->scen->reaper_tick_us);
        (void)started_us;
    }
}

/* The reaper stops once the workers and the orchestrator are done and no
 * barrier row is left, or when the horizon is reached: a row that survives
 * the stuck timeout and SIM_REAPER_HORIZON_TICKS ticks after everything
 * else stopped is one the reaper will not recover (the checker reports it
 * as L3). The ticks leave room for the reaper's own connection faults. */
static bool sim_reaper_finished(const sim_world_t *world)
{
    int64_t horizon_us;
    int i;

    for (i = 0; i < world->actor_count; i++) {
        const sim_actor_t *actor = &world->actors[i];

        if (actor->kind != SIM_ACTOR_KIND_REAPER && actor->state != SIM_ACTOR_DONE) {
            return false;
        }
    }
    if (!world->server.row.committed.exists) {
        return true;
    }
    horizon_us = world->workers_done_us + world->scen->stuck_timeout_us +
                 SIM_REAPER_HORIZON_TICKS * world->scen->reaper_tick_us;
    return world->workers_done_us > 0 && world->now_us >= horizon_us;
}

/* Remember when the last worker finished, for the horizon. */
static void sim_reaper_watch(sim_world_t *world)
{
    int i;

    if (world->workers_done_us > 0) {
        return;
    }
    for (i = 0; i < world->actor_count; i++) {
        const sim_actor_t *actor = &world->actors[i];

        if (actor->kind != SIM_ACTOR_KIND_REAPER && actor->state != SIM_ACTOR_DONE) {
            return;
        }
    }
    world->workers_done_us = world->now_us;
}
