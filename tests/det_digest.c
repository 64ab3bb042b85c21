/*
 * tests/det_digest.c: one digest over many runs, to compare builds.
 *
 * Usage: det_digest [--seeds N] [--per-seed]
 *
 * Runs seeds 1..N (default 10000) of the default scenario (8 batches,
 * 4 workers, swarm faults) under each policy of det_digest_policies, and
 * prints per policy one line "policy=NAME seeds=N digest=HEX", then
 * "all digest=HEX" over every run. A run's record is its trace hash and its
 * verdict (violations, outcome, steps, end time), so two builds print the
 * same lines only when every run took the same path. --per-seed also prints
 * "policy=NAME seed=S hash=HEX" for every run, to find the first run two
 * builds disagree on. scripts/det_builds.sh compares gcc and clang at -O0
 * and -O2.
 *
 * Exit status: 0, 1 when the simulator could not be set up, 2 usage error.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "../core/policy.h"
#include "../scenarios/scen.h"
#include "../sim/world.h"

#define DET_SEED_COUNT_DEFAULT 10000u
#define DET_SEED_COUNT_MAX 100000000u
#define DET_RECORD_WORDS 5

/* Four policies with different retry paths: none, blind, the default phase
 * split and the decrement resolved with pg_xact_status. */
static const char *const det_digest_policies[] = {
    "no-retry", "blind", "phase-split", "resolved",
};

static int det_parse(int argc, char **argv, uint64_t *seed_count_out, bool *per_seed_out);
static uint64_t det_fold(uint64_t digest, const sim_result_t *result);
static uint64_t det_hash_words(const uint64_t *words, int word_count, uint64_t seed);

int main(int argc, char **argv)
{
    uint64_t seed_count = DET_SEED_COUNT_DEFAULT;
    bool per_seed = false;
    uint64_t all_digest = 0;
    sim_world_t *world;
    scen_t scen;

    if (det_parse(argc, argv, &seed_count, &per_seed) != 0) {
        return 2;
    }
    scen_default(&scen, 8, 4);

    /* The world's arrays are too large for the stack. */
    world = malloc(sizeof(*world));
    if (world == NULL || sim_world_create(world) != 0) {
        fprintf(stderr, "det_digest: could not allocate the simulator's memory\n");
        free(world);
        return 1;
    }

    for (size_t index = 0; index < sizeof(det_digest_policies) / sizeof(det_digest_policies[0]);
         index++) {
        const core_policy_t *policy = core_policy_find(det_digest_policies[index]);
        uint64_t digest = 0;

        if (policy == NULL) {
            fprintf(stderr, "det_digest: no policy \"%s\" in core/policy.c; update "
                            "det_digest_policies\n", det_digest_policies[index]);
            sim_world_destroy(world);
            free(world);
            return 1;
        }
        for (uint64_t seed = 1; seed <= seed_count; seed++) {
            sim_result_t result;

            sim_world_run(world, &scen, policy, seed, 0, NULL, &result);
            digest = det_fold(digest, &result);
            if (per_seed) {
                printf("policy=%s seed=%" PRIu64 " hash=%016" PRIx64 "\n", policy->name, seed,
                       result.trace_hash);
            }
        }
        printf("policy=%s seeds=%" PRIu64 " digest=%016" PRIx64 "\n", policy->name,
               seed_count, digest);
        all_digest = det_hash_words(&digest, 1, all_digest);
    }
    printf("all digest=%016" PRIx64 "\n", all_digest);

    sim_world_destroy(world);
    free(world);
    return 0;
}

static int det_parse(int argc, char **argv, uint64_t *seed_count_out, bool *per_seed_out)
{
    for (int index = 1; index < argc; index++) {
        char *end = NULL;

        if (strcmp(argv[index], "--per-seed") == 0) {
            *per_seed_out = true;
        } else if (strcmp(argv[index], "--seeds") == 0 && index + 1 < argc) {
            unsigned long long count = strtoull(argv[++index], &end, 10);

            if (*end != '\0' || count == 0 || count > DET_SEED_COUNT_MAX) {
                fprintf(stderr, "det_digest: invalid value \"%s\" for --seeds: expected "
                                "1..%u\n", argv[index], DET_SEED_COUNT_MAX);
                return -1;
            }
            *seed_count_out = count;
        } else {
            fprintf(stderr, "det_digest: unknown argument \"%s\"; usage: det_digest "
                            "[--seeds N] [--per-seed]\n", argv[index]);
            return -1;
        }
    }
    return 0;
}

/* Chain one run's record into digest. */
static uint64_t det_fold(uint64_t digest, const sim_result_t *result)
{
    const uint64_t words[DET_RECORD_WORDS] = {
        result->trace_hash,
        result->violated_mask,
        (uint64_t)result->outcome,
        result->steps,
        (uint64_t)result->end_us,
    };

    return det_hash_words(words, DET_RECORD_WORDS, digest);
}

/* XXH3 of the words as little-endian bytes, so the digest does not depend
 * on the host's byte order. */
static uint64_t det_hash_words(const uint64_t *words, int word_count, uint64_t seed)
{
    unsigned char bytes[DET_RECORD_WORDS * 8];

    assert(word_count > 0);
    assert(word_count <= DET_RECORD_WORDS);
    for (int word = 0; word < word_count; word++) {
        for (int byte = 0; byte < 8; byte++) {
            bytes[word * 8 + byte] = (unsigned char)(words[word] >> (8 * byte));
        }
    }
    return XXH3_64bits_withSeed(bytes, (size_t)word_count * 8, seed);
}
