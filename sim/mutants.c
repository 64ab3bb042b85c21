/* mutants — seeds to first detection per strategy. */
#include "mutants.h"

#include <stdlib.h>

#include "explore.h"

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
    uint64_t found = 0;

    if (small == NULL) {
        return 0;
    }
    *small = *scen;
    small->batch_count = 2;
    small->worker_count = 2;
    small->assigned = false;
    small->choice_count = 0;
    if (sim_explore(world, small, reference, 1, &limits, &ref, error, sizeof(error)) == 0) {
        limits.stop_mask = ~ref.seen_mask;
        if (sim_explore(world, small, mutant, 1, &limits, &mut, error, sizeof(error)) == 0) {
            found = mut.found ? mut.schedules : 0;
            sim_explore_free(&mut);
        }
        sim_explore_free(&ref);
    }
    free(small);
    return found;
}
