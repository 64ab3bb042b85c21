/*
 * shrink — reduce a failing run to a small one that breaks the same property.
 *
 * A run is (scenario, seed, choices). The shrinker records the failing run's
 * choices (choice.h), then tries smaller candidates and keeps any that
 * still violates the property and is smaller: fewer events (faults that
 * struck, idle reaps and scheduled strikes included, restarts, and actors
 * run out of time order), then fewer
 * batches and workers, then fewer and lower choices. The edits are those of
 * Hypothesis and theft, applied to the choice sequence: smaller sizes,
 * scheduled strikes dropped, values set to 0 (a fault dropped, an actor run
 * in time order), runs of a class's choices deleted (which moves later
 * faults earlier), faults moved to earlier strike points, values halved
 * (shorter waits). It stops when a whole round of edits keeps nothing, or
 * at the run budget. When the edits leave more than 3 events, it also
 * searches a 2-batch, 2-worker cut of the scenario exhaustively (explore.h)
 * and shrinks what that finds if it is smaller. That search's schedules
 * count against the same run budget, so a small budget bounds the whole
 * shrink (compare shrinks many counterexamples this way).
 *
 * Invariants:
 *  1. The result violates the property when replayed: every kept candidate
 *     was a run that violated it.
 *  2. Shrinking is deterministic: the same input gives the same result.
 */
#ifndef BARRIERSIM_SHRINK_H
#define BARRIERSIM_SHRINK_H

#include <stddef.h>
#include <stdint.h>

#include "world.h"

#define SIM_SHRINK_RUNS_DEFAULT 200000

typedef struct {
    int prop;                  /* the property kept violated */
    scen_t scen;               /* the smallest scenario: sizes and schedule */
    sim_choice_t *choices;     /* its choices, without trailing zeros per class */
    int choice_count;
    int events;                /* faults, restarts, out-of-order picks, strikes */
    int first_events;          /* the same count for the failing run given */
    int runs;                  /* runs the shrinker made */
    sim_result_t result;       /* the shrunk run's result */
} sim_shrink_t;

/* Shrink the run of (scen, seed) under policy. scen's pinned choices, if
 * any, are followed, and a PCT strategy set on the world schedules the
 * first run (the rest follow its recorded picks). prop is the property to keep, or -1 for the first the
 * run breaks. Returns 0, or -1 with a message (the run breaks no property,
 * breaks not prop, or makes too many choices to record). */
int sim_shrink(sim_world_t *world, const scen_t *scen, const core_policy_t *policy,
               uint64_t seed, int prop, int run_budget, sim_shrink_t *out,
               char *error, size_t error_size);
void sim_shrink_free(sim_shrink_t *shrink);

/* A scenario that replays the shrunk run: the shrunk sizes and schedule,
 * the seed, the choices pinned, and the expectation that policy breaks the
 * property. Returns -1 when the choices do not fit a scenario. */
int sim_shrink_scenario(const sim_shrink_t *shrink, const char *policy_name,
                        uint64_t seed, scen_t *out);

#endif
