/* prng — xoshiro256** with SplitMix64 seeding and an unbiased bounded draw. */
#include "prng.h"

#include <assert.h>

static uint64_t sim_prng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sim_prng_mix(uint64_t value)
{
    uint64_t z = value + 0x9e3779b97f4a7c15ULL;

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sim_prng_init(sim_prng_t *prng, uint64_t seed, uint64_t stream_key)
{
    uint64_t x = sim_prng_mix(seed) ^ sim_prng_mix(stream_key * 0xd1b54a32d192ed03ULL);
    int i;

    for (i = 0; i < 4; i++) {
        x += 0x9e3779b97f4a7c15ULL;
        prng->s[i] = sim_prng_mix(x);
    }
    assert((prng->s[0] | prng->s[1] | prng->s[2] | prng->s[3]) != 0);
}

uint64_t sim_prng_next(sim_prng_t *prng)
{
    uint64_t *s = prng->s;
    uint64_t result = sim_prng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sim_prng_rotl(s[3], 45);
    return result;
}

/* Rejection sampling: draws below the threshold would make the low residues
 * more likely, so they are drawn again. Portable 64-bit arithmetic only.
 * The threshold is below bound, so a draw at or above bound passes without
 * it: the second division is paid only for the rare small draw. */
uint64_t sim_prng_below(sim_prng_t *prng, uint64_t bound)
{
    uint64_t r;

    assert(bound > 0);
    r = sim_prng_next(prng);
    if (r < bound) {
        uint64_t threshold = -bound % bound;

        while (r < threshold) {
            r = sim_prng_next(prng);
        }
    }
    return r % bound;
}

int64_t sim_prng_range(sim_prng_t *prng, int64_t min, int64_t max)
{
    assert(min <= max);
    return min + (int64_t)sim_prng_below(prng, (uint64_t)(max - min) + 1);
}

bool sim_prng_chance(sim_prng_t *prng, uint32_t numerator, uint32_t denominator)
{
    assert(denominator > 0);
    assert(numerator <= denominator);
    if (numerator == 0) {
        return false;
    }
    return sim_prng_below(prng, denominator) < numerator;
}
