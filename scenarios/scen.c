/* scen — the default sweep scenario and the built-in field cases. */
#include "scen.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../sim/oracle.h"

#define SCEN_PROP_S2 (1u << SIM_PROP_S2)
#define SCEN_PROP_S3 (1u << SIM_PROP_S3)
#define SCEN_PROP_S4 (1u << SIM_PROP_S4)
#define SCEN_PROP_S8 (1u << SIM_PROP_S8)
#define SCEN_PROP_S10 (1u << SIM_PROP_S10)
#define SCEN_PROP_L1 (1u << SIM_PROP_L1)
#define SCEN_PROP_L5 (1u << SIM_PROP_L5)

#define SCEN_MS 1000LL
#define SCEN_S (1000 * SCEN_MS)

static const char *const scen_outcome_names[] = {
#define SCEN_OUTCOME_NAME(id, name, text) name,
    SCEN_OUTCOME_MAP(SCEN_OUTCOME_NAME)
#undef SCEN_OUTCOME_NAME
};

static scen_t scen_cases[2];
static int scen_cases_ready;

static void scen_fixed_base(scen_t *scen, const char *name, int batch_count,
                            int worker_count);
static void scen_default_reaper(scen_t *scen);
static void scen_expect(scen_t *scen, const char *policy, scen_outcome_t outcome,
                        uint32_t violated_mask);
static void scen_build_c1(scen_t *scen);
static void scen_build_c3(scen_t *scen);
static void scen_cases_init(void);

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

const scen_t *scen_case_find(const char *name)
{
    int i;

    scen_cases_init();
    for (i = 0; i < scen_case_count(); i++) {
        if (strcmp(scen_cases[i].name, name) == 0) {
            return &scen_cases[i];
        }
    }
    return NULL;
}

int scen_case_count(void)
{
    return (int)(sizeof(scen_cases) / sizeof(scen_cases[0]));
}

const scen_t *scen_case_at(int index)
{
    assert(index >= 0);
    assert(index < scen_case_count());
    scen_cases_init();
    return &scen_cases[index];
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

static void scen_cases_init(void)
{
    if (scen_cases_ready) {
        return;
    }
    scen_build_c1(&scen_cases[0]);
    scen_build_c3(&scen_cases[1]);
    scen_cases_ready = 1;
}

/* A fixed schedule: constant latency, no restarts, no swarm. */
static void scen_fixed_base(scen_t *scen, const char *name, int batch_count,
                            int worker_count)
{
    memset(scen, 0, sizeof(*scen));
    snprintf(scen->name, sizeof(scen->name), "%s", name);
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

/* The deployed defaults: 9000 s stuck timeout, 6 h expiry, 5 s reaper tick. */
static void scen_default_reaper(scen_t *scen)
{
    scen->stuck_timeout_us = 9000 * SCEN_S;
    scen->expiry_us = 21600 * SCEN_S;
    scen->reaper_tick_us = 5 * SCEN_S;
    scen->pooler = SCEN_POOLER_NONE;
}

static void scen_expect(scen_t *scen, const char *policy, scen_outcome_t outcome,
                        uint32_t violated_mask)
{
    scen_expect_t *expect = &scen->expect[scen->expect_count++];

    assert(scen->expect_count <= SCEN_EXPECT_MAX);
    memset(expect, 0, sizeof(*expect));
    snprintf(expect->policy, sizeof(expect->policy), "%s", policy);
    expect->has_outcome = true;
    expect->outcome = outcome;
    expect->has_violated = true;
    expect->violated_mask = violated_mask;
}

/* C1 (PgBouncer issue 816): a pooler in transaction mode reaps a client idle
 * for 2 s. Worker A decrements b1, computes b2 for 5 s and meets a dead
 * connection at its decrement; worker B decrements b3 in between. Batches
 * b1..b3 of the case are indexes 0..2 here. */
static void scen_build_c1(scen_t *scen)
{
    scen_fixed_base(scen, "C1", 3, 2);
    snprintf(scen->summary, sizeof(scen->summary),
             "pooler reaps an idle client connection during a 5 s batch");
    snprintf(scen->source, sizeof(scen->source), "PgBouncer issue 816");
    scen->pooler = SCEN_POOLER_TRANSACTION;
    scen->assign_worker[0] = 0;
    scen->assign_worker[1] = 0;
    scen->assign_worker[2] = 1;
    scen->work_us[0] = 1 * SCEN_S;
    scen->work_us[1] = 5 * SCEN_S;
    scen->work_us[2] = 1500 * SCEN_MS;
    scen->fixed_plan.reap_idle_us = 2 * SCEN_S;

    scen_expect(scen, "no-retry", SCEN_OUTCOME_ERROR, SCEN_PROP_L1 | SCEN_PROP_L5);
    scen_expect(scen, "blind", SCEN_OUTCOME_COMPLETE, 0);
    scen_expect(scen, "reused-guard", SCEN_OUTCOME_COMPLETE, 0);
    scen_expect(scen, "phase-split-late", SCEN_OUTCOME_COMPLETE, 0);
    scen_expect(scen, "phase-split", SCEN_OUTCOME_COMPLETE, 0);
}

/* C3 (Go database/sql issue 11978): A's COMMIT of b1's decrement is applied
 * (2 -> 1) and its acknowledgement lost (F5); B decrements b2 later.
 *
 * With 1 ms hops, a policy that re-sends the decrement commits 1 -> 0 at
 * t = 1.537 s and fires at 1.539 s. B's work ends at 1.5395 s, after the
 * fire (so b2 is still running when it fires), and its UPDATE reaches the
 * row at 1.5425 s, before A's post-fire DELETE: the counter goes to -1.
 *
 * NOTE: the case lists S1 among the broken properties. By its definition (at
 * most one committed decrement reaches 0, at most one fire) S1 holds here:
 * the re-applied decrement is the only one to reach 0 and there is one fire.
 * S2, S3 and S4 break. */
static void scen_build_c3(scen_t *scen)
{
    const uint32_t resent = SCEN_PROP_S2 | SCEN_PROP_S3 | SCEN_PROP_S4 |
                            SCEN_PROP_S8 | SCEN_PROP_S10;

    scen_fixed_base(scen, "C3", 2, 2);
    snprintf(scen->summary, sizeof(scen->summary),
             "COMMIT applied, acknowledgement lost, decrement re-sent");
    snprintf(scen->source, sizeof(scen->source), "Go database/sql issue 11978");
    scen->assign_worker[0] = 0;
    scen->assign_worker[1] = 1;
    scen->work_us[0] = 1 * SCEN_S;
    scen->work_us[1] = 1513500;
    scen->fixed_plan.entry_count = 1;
    scen->fixed_plan.entries[0] =
        (fault_entry_t){1, STMT_DEC, FAULT_AT_COMMIT, 1, FAULT_F5};

    scen_expect(scen, "no-retry", SCEN_OUTCOME_ERROR, 0);
    scen_expect(scen, "blind", SCEN_OUTCOME_COMPLETE, resent);
    scen_expect(scen, "reused-guard", SCEN_OUTCOME_COMPLETE, resent);
    scen_expect(scen, "phase-split-late", SCEN_OUTCOME_ERROR, 0);
    scen_expect(scen, "phase-split", SCEN_OUTCOME_ERROR, 0);
}
