/*
 * prng — the simulator's own integer-only pseudo-random generator.
 *
 * xoshiro256** (Blackman and Vigna, 2018) seeded through SplitMix64. Kept in
 * the project so a seed draws the same numbers on every compiler, platform
 * and library version. Sub-streams are derived from (seed, stream key), so a
 * subsystem's draws do not shift when another subsystem draws more or less.
 *
 * Invariants:
 *  1. Integer arithmetic only; probabilities are ratios of integers.
 *  2. The state is never all zero (SplitMix64 output guarantees it).
 */
#ifndef BARRIERSIM_PRNG_H
#define BARRIERSIM_PRNG_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} sim_prng_t;

/* Seed a stream from a run seed and a stream key (two independent keys give
 * unrelated streams). */
void sim_prng_init(sim_prng_t *prng, uint64_t seed, uint64_t stream_key);

uint64_t sim_prng_next(sim_prng_t *prng);

/* Uniform in [0, bound) without modulo bias; bound > 0. */
uint64_t sim_prng_below(sim_prng_t *prng, uint64_t bound);

/* Uniform in [min, max] inclusive; min <= max. */
int64_t sim_prng_range(sim_prng_t *prng, int64_t min, int64_t max);

/* True with probability numerator/denominator. */
bool sim_prng_chance(sim_prng_t *prng, uint32_t numerator, uint32_t denominator);

/* One SplitMix64 step: a stateless mixer for deriving keys. */
uint64_t sim_prng_mix(uint64_t value);

#endif
