/*
 * pct — probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and
 * Nagarakatte, ASPLOS 2010) as a way of picking the next actor.
 *
 * Each actor gets a distinct random priority above d, and d - 1 change points
 * are drawn among the first k scheduler steps. The scheduler runs the
 * highest-priority candidate. When a change point's step comes, the actor
 * that runs at it drops to priority j (below every starting priority). For a
 * bug that needs d ordering constraints among n actors in runs of k steps,
 * one PCT run finds it with probability at least 1 / (n * k^(d-1)).
 *
 * Invariants:
 *  1. Priorities and change points come from the run's seed only.
 *  2. No two actors share a priority, so a pick never depends on order.
 */
#ifndef BARRIERSIM_PCT_H
#define BARRIERSIM_PCT_H

#include <stdint.h>

#define SIM_PCT_ACTORS 32
#define SIM_PCT_DEPTH_MAX 8

struct sim_pct {
    int depth;                       /* d: the bug depth aimed at, 1..SIM_PCT_DEPTH_MAX */
    uint32_t steps;                  /* k: the steps a run is expected to take */
    int priority[SIM_PCT_ACTORS];
    uint32_t change_step[SIM_PCT_DEPTH_MAX]; /* d - 1 used, in drawing order */
};

typedef struct sim_pct sim_pct_t;

/* Set depth and steps. sim_pct_reset draws the rest for each run. */
void sim_pct_init(sim_pct_t *pct, int depth, uint32_t steps);
void sim_pct_reset(sim_pct_t *pct, uint64_t seed);

/* The index (into candidates) of the actor to run at step. */
int sim_pct_pick(sim_pct_t *pct, uint32_t step, const int *candidates, int count);

#endif
