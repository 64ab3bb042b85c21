/*
 * mutants — how soon each search strategy catches a planted bug.
 *
 * A mutant (core/policy.h) is caught by a run that breaks a property the
 * reference policy does not break: on the same seed for the random and PCT
 * strategies, and anywhere in its own bounded space for the exhaustive one
 * (whose schedules differ between policies, since each run's choices do).
 *
 * Invariants:
 *  1. Results depend only on the scenario, the policies and the limits.
 */
#ifndef BARRIERSIM_MUTANTS_H
#define BARRIERSIM_MUTANTS_H

#include <stdint.h>

#include "world.h"

typedef enum {
    SIM_STRATEGY_RANDOM,
    SIM_STRATEGY_PCT,
    SIM_STRATEGY_EXHAUSTIVE,
    SIM_STRATEGY_COUNT
} sim_strategy_t;

#define SIM_MUTANT_PCT_DEPTH 3
#define SIM_MUTANT_PCT_STEPS 500

/* Seeds (random, PCT) or schedules (exhaustive, on scen cut to 2 batches
 * and 2 workers, at most 2 faults and 1 reordering, seed 1 then seed 2,
 * schedules counted over both) run until the mutant
 * is caught, or 0 when it is not caught within limit. */
uint64_t sim_mutant_detect(sim_world_t *world, const scen_t *scen,
                           const core_policy_t *mutant, const core_policy_t *reference,
                           sim_strategy_t strategy, uint64_t limit);

const char *sim_strategy_name(sim_strategy_t strategy);

#endif
