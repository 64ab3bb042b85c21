/*
 * scen — scenario descriptions: sizes, timings, fault mix or explicit
 * schedule, and for fixed cases the outcome each policy must produce.
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
#define SCEN_EXPECT_MAX 8

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

/* What one policy must produce on a fixed case. */
typedef struct {
    const char *policy;
    scen_outcome_t outcome;
    const char *violated;  /* space-separated property ids that must fire */
} scen_expect_t;

typedef struct {
    const char *name;
    const char *summary;
    int batch_count;
    int worker_count;
    scen_path_t path;
    int64_t work_min_us;
    int64_t work_max_us;
    int64_t latency_min_us;    /* one-way network latency */
    int64_t latency_max_us;
    int64_t lease_us;          /* redelivery delay of an unacknowledged message */
    uint32_t restart_rate_max; /* worker restart chance per task, out of 1024 */
    uint64_t step_max;

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
} scen_t;

/* The default sweep scenario with batch and worker counts applied. */
void scen_default(scen_t *scen, int batch_count, int worker_count);

/* A built-in field case by name ("C1", "C3"); NULL when unknown. */
const scen_t *scen_case_find(const char *name);
int scen_case_count(void);
const scen_t *scen_case_at(int index);

const char *scen_outcome_name(scen_outcome_t outcome);
const char *scen_path_name(scen_path_t path);

#endif
