/* pct — priorities and change points for the PCT scheduler. */
#include "pct.h"

#include <assert.h>

#include "prng.h"

#define SIM_STREAM_PCT 0x706374ULL

void sim_pct_init(sim_pct_t *pct, int depth, uint32_t steps)
{
    assert(depth >= 1 && depth <= SIM_PCT_DEPTH_MAX);
    assert(steps >= 1);
    pct->depth = depth;
    pct->steps = steps;
}

/* A Fisher-Yates shuffle of d .. d+n-1 gives distinct starting priorities. */
void sim_pct_reset(sim_pct_t *pct, uint64_t seed)
{
    sim_prng_t prng;
    int i;

    sim_prng_init(&prng, seed, SIM_STREAM_PCT);
    for (i = 0; i < SIM_PCT_ACTORS; i++) {
        pct->priority[i] = pct->depth + i;
    }
    for (i = SIM_PCT_ACTORS - 1; i > 0; i--) {
        int j = (int)sim_prng_below(&prng, (uint64_t)i + 1);
        int swap = pct->priority[i];

        pct->priority[i] = pct->priority[j];
        pct->priority[j] = swap;
    }
    for (i = 0; i < pct->depth - 1; i++) {
        pct->change_step[i] = 1 + (uint32_t)sim_prng_below(&prng, pct->steps);
    }
}

int sim_pct_pick(sim_pct_t *pct, uint32_t step, const int *candidates, int count)
{
    int best = 0;
    int i;

    assert(count >= 1);
    for (i = 1; i < count; i++) {
        assert(candidates[i] < SIM_PCT_ACTORS);
        if (pct->priority[candidates[i]] > pct->priority[candidates[best]]) {
            best = i;
        }
    }

    /* Change point j: the actor running now drops below all others. */
    for (i = 0; i < pct->depth - 1; i++) {
        if (pct->change_step[i] == step) {
            pct->priority[candidates[best]] = i;
        }
    }
    return best;
}
