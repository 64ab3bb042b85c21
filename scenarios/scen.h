/*
 * scen — scenario descriptions: sizes, timings, fault mix or explicit
 * schedule, and what each policy must produce.
 *
 * Scenarios live in YAML files (scen_file.h loads them; scenarios/README.md
 * describes the format). Two built-in bases give the defaults of absent keys:
 * scen_default() for a swarm scenario and scen_fixed_base() for a fixed
 * schedule.
 *
 * Invariants:
 *  1. A scenario is read-only data during a run.
 *  2. batch_count <= SCEN_BATCH_MAX and worker_count <= SCEN_WORKER_MAX.
 */
#ifndef BARRIERSIM_SCEN_H
#define BARRIERSIM_SCEN_H

#include <stdbool.h>
#include <stdint.h>

#include "../faults/fault.h"

#define SCEN_BATCH_MAX 64
#define SCEN_WORKER_MAX 16
#define SCEN_REAPER_MAX 2          /* reaper processes a scenario may run */
#define SCEN_EXPECT_MAX 32         /* at least one per policy in core/policy.c */
#define SCEN_POLICY_MAX 32
#define SCEN_RESTART_RATE_DENOMINATOR 1024
#define SCEN_NAME_MAX 64
#define SCEN_TEXT_MAX 512
#define SCEN_CHOICE_MAX 2048       /* choices a scenario file can pin */

/* Which entry point of the decrement the batches use. */
typedef enum {
    SCEN_PATH_MIXED,   /* drawn per seed */
    SCEN_PATH_IN_BODY, /* claim, work, decrement, with the error path */
    SCEN_PATH_LINK,    /* work, then the decrement as a task of its own */
} scen_path_t;

/* Terminal state of the execution at quiescence. */
#define SCEN_OUTCOME_MAP(X)                                                    \
    X(COMPLETE, "complete", "the callback fired and the execution is COMPLETED") \
    X(ERROR, "error", "the execution was marked ERROR")                        \
    X(STRANDED, "stranded", "still EXECUTING; the barrier row waits for the reaper") \
    X(LOST, "lost", "still EXECUTING with no barrier row and no callback")

typedef enum {
#define SCEN_OUTCOME_ENUM(id, name, text) SCEN_OUTCOME_##id,
    SCEN_OUTCOME_MAP(SCEN_OUTCOME_ENUM)
#undef SCEN_OUTCOME_ENUM
    SCEN_OUTCOME_COUNT
} scen_outcome_t;

/* Which pooler sits between the workers and the server. */
typedef enum {
    SCEN_POOLER_NONE,        /* direct connections */
    SCEN_POOLER_TRANSACTION, /* PgBouncer pool_mode=transaction */
    SCEN_POOLER_SESSION,     /* PgBouncer pool_mode=session */
} scen_pooler_t;

/* What one policy must produce. Masks have one bit per property
 * (sim_prop_t); a field is checked only when its has_ flag or mask is set. */
typedef struct {
    char policy[SCEN_NAME_MAX];
    bool has_outcome;
    scen_outcome_t outcome;   /* every seed ends this way */
    bool has_violated;
    uint32_t violated_mask;   /* every seed violates exactly these */
    uint32_t holds_mask;      /* no seed violates any of these */
    uint32_t violates_mask;   /* each of these is violated by some seed */
} scen_expect_t;

typedef struct {
    char name[SCEN_NAME_MAX];
    char summary[SCEN_TEXT_MAX];
    char source[SCEN_TEXT_MAX];   /* where the case was reported, or "" */
    int batch_count;
    int worker_count;
    scen_path_t path;
    int64_t work_min_us;
    int64_t work_max_us;
    int64_t latency_min_us;    /* one-way network latency */
    int64_t latency_max_us;
    int64_t lease_us;          /* redelivery delay of an unacknowledged message */
    uint32_t restart_rate_max; /* worker restart chance per task, out of
                                  SCEN_RESTART_RATE_DENOMINATOR */
    uint64_t step_max;

    /* Reaper settings: they change a run only when reaper_count > 0.
     * NOTE: expiry_us is stored and validated, but the arm always uses the
     * core's fixed TTL (CORE_BARRIER_TTL_S, 6 h), so it changes no run. */
    int64_t stuck_timeout_us;
    int64_t expiry_us;
    int64_t reaper_tick_us;
    int reaper_count;          /* reaper processes simulated, 0..SCEN_REAPER_MAX */
    bool api_orchestrator;     /* the API-deployment orchestrator: no orchestration claim */
    int64_t dedup_retention_us; /* the reaper deletes older markers; 0 = 24 h */

    /* NOTE: stored and validated, but the simulator models no pooler mode:
     * only the idle reap (fault_plan_t.reap_idle_us) reaches a run. */
    scen_pooler_t pooler;

    /* The policies and seeds a check runs; no policies means all of them. */
    int policy_count;
    char policies[SCEN_POLICY_MAX][SCEN_NAME_MAX];
    uint64_t seed_first;
    uint64_t seed_last;

    /* Faults: a swarm range, or a fixed plan. */
    bool swarm;
    fault_swarm_t swarm_range;
    fault_plan_t fixed_plan;

    /* Fixed cases: the worker of each batch and its work time (0 = drawn). */
    bool assigned;
    int assign_worker[SCEN_BATCH_MAX];
    int64_t work_us[SCEN_BATCH_MAX];

    int expect_count;
    scen_expect_t expect[SCEN_EXPECT_MAX];

    /* A check fails the scenario when a fault cell it enables (a kind at a
     * point, sim/coverage.h) is struck by none of its runs. */
    bool coverage_required;

    /* Choices a run follows instead of drawing them (sim/choice.h), as a
     * shrunk counterexample pins them; each class is followed in order.
     * 0 choices: every run draws from its seed. */
    int choice_count;
    uint8_t choice_class[SCEN_CHOICE_MAX];
    uint64_t choice_value[SCEN_CHOICE_MAX];
} scen_t;

/* The default sweep scenario with batch and worker counts applied. */
void scen_default(scen_t *scen, int batch_count, int worker_count);

/* The base of a fixed schedule: in-body path, 1 s work, constant 1 ms
 * latency, no restarts, no faults, seed 1 only. Every batch is assigned to
 * worker 0 with a drawn work time until the caller fills the schedule. */
void scen_fixed_base(scen_t *scen, int batch_count, int worker_count);

const char *scen_outcome_name(scen_outcome_t outcome);
const char *scen_path_name(scen_path_t path);
const char *scen_pooler_name(scen_pooler_t pooler);

#endif
