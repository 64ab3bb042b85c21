/* scen — the two built-in scenario bases and the scenario names. */
#include "scen.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define SCEN_MS 1000LL
#define SCEN_S (1000 * SCEN_MS)

static const char *const scen_outcome_names[] = {
#define SCEN_OUTCOME_NAME(id, name, text) name,
    SCEN_OUTCOME_MAP(SCEN_OUTCOME_NAME)
#undef SCEN_OUTCOME_NAME
};

static void scen_default_reaper(scen_t *scen);

void scen_default(scen_t *scen, int batch_count, int worker_count)
{
    assert(batch_count >= 1);
    assert(batch_count <= SCEN_BATCH_MAX);
    assert(worker_count >= 1);
    assert(worker_count <= SCEN_WORKER_MAX);

    memset(scen, 0, sizeof(*scen));
    snprintf(scen->name, sizeof(scen->name), "default");
    snprintf(scen->summary, sizeof(scen->summary),
             "swarm mix of F1-F5 per seed, both decrement paths");
    scen->batch_count = batch_count;
    scen->worker_count = worker_count;
    scen->path = SCEN_PATH_MIXED;
    scen->work_min_us = 200 * SCEN_MS;
    scen->work_max_us = 5 * SCEN_S;
    scen->latency_min_us = 100;
    scen->latency_max_us = 1500;
    scen->lease_us = 30 * SCEN_S;
    scen->restart_rate_max = 256;
    scen->step_max = 200000;
    scen_default_reaper(scen);
    scen->seed_first = 1;
    scen->seed_last = 1000;

    scen->swarm = true;
    scen->swarm_range.kinds_mask = (1u << FAULT_F1) | (1u << FAULT_F2) |
                                   (1u << FAULT_F3) | (1u << FAULT_F4) |
                                   (1u << FAULT_F5);
    scen->swarm_range.reap_idle_min_us = 1 * SCEN_S;
    scen->swarm_range.reap_idle_max_us = 6 * SCEN_S;
    scen->swarm_range.detect_delay_min_us = 0;
    scen->swarm_range.detect_delay_max_us = 2 * SCEN_S;
}

/* Constant latency and no restarts keep a schedule's timeline exact, so a
 * case file can state when each statement reaches the server. */
void scen_fixed_base(scen_t *scen, int batch_count, int worker_count)
{
    assert(batch_count >= 1);
    assert(batch_count <= SCEN_BATCH_MAX);
    assert(worker_count >= 1);
    assert(worker_count <= SCEN_WORKER_MAX);

    memset(scen, 0, sizeof(*scen));
    scen->batch_count = batch_count;
    scen->worker_count = worker_count;
    scen->path = SCEN_PATH_IN_BODY;
    scen->work_min_us = 1 * SCEN_S;
    scen->work_max_us = 1 * SCEN_S;
    scen->latency_min_us = 1 * SCEN_MS;
    scen->latency_max_us = 1 * SCEN_MS;
    scen->lease_us = 30 * SCEN_S;
    scen->step_max = 20000;
    scen->assigned = true;
    scen_default_reaper(scen);
    scen->seed_first = 1;
    scen->seed_last = 1;
}

const char *scen_outcome_name(scen_outcome_t outcome)
{
    assert(outcome >= 0);
    assert(outcome < SCEN_OUTCOME_COUNT);
    return scen_outcome_names[outcome];
}

const char *scen_path_name(scen_path_t path)
{
    switch (path) {
    case SCEN_PATH_MIXED:
        return "mixed";
    case SCEN_PATH_IN_BODY:
        return "in-body";
    case SCEN_PATH_LINK:
        return "link";
    }
    return "unknown";
}

const char *scen_pooler_name(scen_pooler_t pooler)
{
    switch (pooler) {
    case SCEN_POOLER_NONE:
        return "none";
    case SCEN_POOLER_TRANSACTION:
        return "transaction";
    case SCEN_POOLER_SESSION:
        return "session";
    }
    return "unknown";
}

/* The deployed defaults: 9000 s stuck timeout, 6 h expiry, 5 s reaper tick. */
static void scen_default_reaper(scen_t *scen)
{
    scen->stuck_timeout_us = 9000 * SCEN_S;
    scen->expiry_us = 21600 * SCEN_S;
    scen->reaper_tick_us = 5 * SCEN_S;
    scen->pooler = SCEN_POOLER_NONE;
}
