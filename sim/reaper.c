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
#define SIM_DEDUP_RETENTION_DEFAULT_US (86400LL * 1000000)
#define SIM_REAPER_HORIZON_TICKS 20

static bool sim_reaper_finished(const sim_world_t *world);
static int64_t sim_reaper_retention_us(const sim_world_t *world);
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
    reaper.retention_s = sim_reaper_retention_us(world) / 1000000;

    while (!sim_reaper_finished(world)) {
        core_sweep_t sweep;
        int64_t pause_us = world->scen->reaper_tick_us;

        sim_reaper_watch(world);
        core_reaper_tick(&actor->core, &reaper, world->now_us, &sweep);

        /* NOTE: once the workers are done and no barrier row is left, only
         * the 300 s sweeps can change anything, so the reaper sleeps until
         * the next one instead of ticking every few seconds. Upstream keeps
         * ticking, but the ticks skipped here would only renew the lease and
         * re-arm messages that no worker is left to take. */
        if (world->workers_done_us > 0 && !world->server.row.committed.exists &&
            reaper.sweep_due_us > world->now_us + pause_us) {
            pause_us = reaper.sweep_due_us - world->now_us;
        }

        /* The next tick starts a tick period after this one ended. */
        sim_actor_sleep(actor, pause_us);
    }
}

/* The reaper stops once the workers and the orchestrator are done and
 * neither a barrier row nor a marker is left, or when the horizon is
 * reached: a row or marker that survives the stuck timeout, the retention,
 * one sweep period and SIM_REAPER_HORIZON_TICKS ticks after everything else
 * stopped is one
 * the reaper will not reclaim (the checker reports L3 or L7). The ticks
 * leave room for the reaper's own connection faults. */
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
    if (!world->server.row.committed.exists && !sim_world_markers_left(world)) {
        return true;
    }
    horizon_us = world->workers_done_us + world->scen->stuck_timeout_us +
                 sim_reaper_retention_us(world) +
                 CORE_REAPER_SWEEP_PERIOD_S * 1000000LL +
                 SIM_REAPER_HORIZON_TICKS * world->scen->reaper_tick_us;
    return world->workers_done_us > 0 && world->now_us >= horizon_us;
}

static int64_t sim_reaper_retention_us(const sim_world_t *world)
{
    return world->scen->dedup_retention_us > 0 ? world->scen->dedup_retention_us
                                               : SIM_DEDUP_RETENTION_DEFAULT_US;
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
