/*
 * confirm — replay one simulated run on a real PostgreSQL server and
 * compare it with the simulator's prediction.
 *
 * The seed runs once in the simulator alone (the prediction), then again
 * with the mirror attached (mirror.h), which sends every statement to the
 * real server at the same step, with each fault made by its real
 * mechanism. The two agree when every reply matches and the barrier row
 * ends the same: its existence, its counter and which batches its results
 * hold (the committed decrements per batch). Callbacks and statuses live in
 * the simulated queue and API on both sides, so they match by construction.
 *
 * Verdicts: agree. Sim-only: the simulator shows a double-applied batch or
 * a broken counter that the real server does not. Real-only: the reverse.
 * Disagree: replies or rows differ without that. Lock race: the real server
 * served competing lock waiters in another order than the simulator, which
 * PostgreSQL may do (mirror.h), so the run proves nothing either way.
 * Environment: the real server failed the mirror.
 *
 * Invariants:
 *  1. The mirrored run has the prediction's trace hash: the mirror only
 *     observes. A different hash is reported as an internal failure.
 */
#ifndef BARRIERSIM_CONFIRM_H
#define BARRIERSIM_CONFIRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mirror.h"

typedef enum {
    CONFIRM_AGREE,
    CONFIRM_SIM_ONLY,
    CONFIRM_REAL_ONLY,
    CONFIRM_DISAGREE,
    CONFIRM_LOCK_RACE,
    CONFIRM_ENVIRONMENT,
} confirm_verdict_t;

#define CONFIRM_BATCHES_SIZE 512

/* The barrier row as one side ended it. */
typedef struct {
    bool exists;
    int64_t remaining;
    int result_count;
    char batches[CONFIRM_BATCHES_SIZE];   /* batch indexes of the results, sorted */
    bool duplicate;                       /* a batch is in the results twice */
    bool conserved;                       /* remaining = batches - results */
} confirm_row_t;

typedef struct {
    confirm_verdict_t verdict;
    char reason[256];                     /* the environment error or the lock race */
    sim_result_t result;                  /* the mirrored run */
    bool hash_changed;                    /* the mirror changed the run: a bug */
    int statements;
    int diff_count;
    confirm_diff_t diffs[CONFIRM_DIFF_MAX];
    confirm_row_t sim_row;
    confirm_row_t real_row;
} confirm_report_t;

/* Confirm (scen, seed) under policy. transcript, when given, receives the
 * mirrored run's transcript with each real reply under the simulated one.
 * bugs plants simulator bugs (world.h) to force a disagreement. Returns the
 * report's verdict. */
confirm_verdict_t confirm_run(sim_world_t *world, confirm_mirror_t *mirror,
                              const scen_t *scen, const core_policy_t *policy,
                              uint64_t seed, uint32_t bugs, FILE *transcript,
                              confirm_report_t *out);

const char *confirm_verdict_name(confirm_verdict_t verdict);

#endif
