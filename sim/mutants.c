/* mutants — seeds to first detection per strategy. */
#include "mutants.h"

#include <stdlib.h>

#include "explore.h"

#define SIM_MUTANT_EXPLORE_SEEDS 2

static uint64_t sim_mutant_seeds(sim_world_t *world, const scen_t *scen,
                                 const core_policy_t *mutant,
                                 const core_policy_t *reference, bool pct, uint64_t limit);
static uint64_t sim_mutant_explore(sim_world_t *world, const scen_t *scen,
                                   const core_policy_t *mutant,
                                   const core_policy_t *reference, uint64_t limit);

uint64_t sim_mutant_detect(sim_world_t *world, const scen_t *scen,
                           const core_policy_t *mutant, const core_policy_t *reference,
                           sim_strategy_t strategy, uint64_t limit)
{
    if (strategy == SIM_STRATEGY_EXHAUSTIVE) {
        return sim_mutant_explore(world, scen, mutant, reference, limit);
    }
    return sim_mutant_seeds(world, scen, mutant, reference, strategy == SIM_STRATEGY_PCT,
                            limit);
}

const char *sim_strategy_name(sim_strategy_t strategy)
{
    static const char *const names[] = {"random", "pct", "exhaustive"};

    return strategy >= 0 && strategy < SIM_STRATEGY_COUNT ? names[strategy] : "?";
}

static uint64_t sim_mutant_seeds(sim_world_t *world, const scen_t *scen,
                                 const core_policy_t *mutant,
                                 const core_policy_t *reference, bool pct, uint64_t limit)
{
    sim_tape_t *saved = world->tape;
    uint64_t found = 0;
    uint64_t seed;

    if (pct && sim_world_use_pct(world, SIM_MUTANT_PCT_DEPTH, SIM_MUTANT_PCT_STEPS) != 0) {
        return 0;
    }
    for (seed = 1; seed <= limit && found == 0; seed++) {
        sim_result_t ref;
        sim_result_t mut;

        sim_world_run(world, scen, reference, seed, 0, NULL, &ref);
        sim_world_run(world, scen, mutant, seed, 0, NULL, &mut);
        if ((mut.violated_mask & ~ref.violated_mask) != 0) {
            found = seed;
        }
    }
    world->tape = saved;
    return found;
}

static uint64_t sim_mutant_explore(sim_world_t *world, const scen_t *scen,
                                   const core_policy_t *mutant,
                                   const core_policy_t *reference, uint64_t limit)
{
    sim_explore_limits_t limits = {2, 1, limit, 0};
    sim_explore_t ref;
    sim_explore_t mut;
    char error[256];
    scen_t *small = malloc(sizeof(*small));
    uint64_t walked = 0;
    uint64_t found = 0;
    uint64_t seed;

    if (small == NULL) {
        return 0;
    }
    *small = *scen;
    small->batch_count = 2;
    small->worker_count = 2;
    small->assigned = false;
    small->choice_count = 0;

    /* Seeds 1 and 2 draw the two decrement paths of the default scenario. */
    for (seed = 1; seed <= SIM_MUTANT_EXPLORE_SEEDS && found == 0; seed++) {
        limits.stop_mask = 0;
        if (sim_explore(world, small, reference, seed, &limits, &ref, error,
                        sizeof(error)) != 0) {
            break;
        }
        limits.stop_mask = ~ref.seen_mask;
        sim_explore_free(&ref);
        if (sim_explore(world, small, mutant, seed, &limits, &mut, error,
                        sizeof(error)) != 0) {
            break;
        }
        found = mut.found ? walked + mut.schedules : 0;
        walked += mut.schedules;
        sim_explore_free(&mut);
    }
    free(small);
    return found;
}
