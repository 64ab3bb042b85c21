/*
 * explore — exhaustive search of a small scenario's schedules.
 *
 * A schedule is the sequence of choices of one run (choice.h). The explorer
 * walks the tree of those sequences depth first, as a stateless model
 * checker does: it runs a prefix, lets every later choice take 0 (the
 * earliest actor, the shortest time, no fault), then moves to the next
 * sibling of the deepest choice that still has one. The choices it varies
 * are which runnable actor goes next, which fault kind strikes at each
 * strike point, and the form of a struck kind. Times stay at their
 * minimum. Bounds keep the tree finite and small: at most fault_max faults
 * and pick_max out-of-order picks per schedule. Within them every schedule
 * is run exactly once.
 *
 * Invariants:
 *  1. The order of the walk depends only on the scenario, seed and policy.
 *  2. The schedule reported replays: it is the run's own recorded choices.
 */
#ifndef BARRIERSIM_EXPLORE_H
#define BARRIERSIM_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "world.h"

typedef struct {
    int fault_max;            /* faults struck per schedule */
    int pick_max;             /* actors run out of time order per schedule */
    uint64_t schedule_max;    /* give up after this many schedules; 0: no limit */
    uint32_t stop_mask;       /* properties whose violation ends the search */
} sim_explore_limits_t;

typedef struct {
    uint64_t schedules;       /* schedules run */
    bool exhausted;           /* every schedule within the bounds was run */
    bool found;               /* a schedule broke a property of stop_mask */
    uint32_t seen_mask;       /* every property any schedule broke */
    sim_choice_t *choices;    /* that schedule's choices */
    int choice_count;
    sim_result_t result;      /* its result */
} sim_explore_t;

/* Explore (scen, seed) under policy. Returns 0, or -1 with a message when
 * a run makes more choices than a tape has room for or memory runs out. */
int sim_explore(sim_world_t *world, const scen_t *scen, const core_policy_t *policy,
                uint64_t seed, const sim_explore_limits_t *limits, sim_explore_t *out,
                char *error, size_t error_size);
void sim_explore_free(sim_explore_t *explore);

#endif
