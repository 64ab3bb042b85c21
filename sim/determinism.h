/*
 * determinism — run a seed twice and find the first step where the two
 * runs part.
 *
 * Each run keeps a hash per scheduler step (trace.h). The first step whose
 * hashes differ is where something other than (scenario, seed, policy,
 * build) reached a decision. The text trace of that step from both runs is
 * kept for the report.
 *
 * Invariants:
 *  1. A deterministic build reports every seed as the same.
 */
#ifndef BARRIERSIM_DETERMINISM_H
#define BARRIERSIM_DETERMINISM_H

#include <stdbool.h>
#include <stdint.h>

#include "world.h"

typedef struct {
    bool same;
    uint32_t step;           /* the first step that differs */
    uint32_t steps;          /* the first run's scheduler steps */
    uint64_t trace_hash[2];
    char *lines[2];          /* that step's trace lines from each run (malloc'd) */
} sim_determinism_t;

/* Run twice and compare. Returns 0, or -1 when out of memory. */
int sim_determinism_check(sim_world_t *world, const scen_t *scen,
                          const core_policy_t *policy, uint64_t seed, uint32_t bugs,
                          sim_determinism_t *out);
void sim_determinism_free(sim_determinism_t *check);

#endif
