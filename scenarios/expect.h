/*
 * expect — judge a policy's results over a scenario's seeds against what the
 * scenario expects of that policy.
 *
 * A tally collects one (seed, outcome, violated mask) record per run. Judging
 * it yields a verdict: the reason for every mismatch, and the first seed that
 * broke a per-seed expectation, for which the caller prints a replay command.
 *
 * Invariants:
 *  1. The module is pure: no I/O, no allocation; the same records give the
 *     same verdict whatever their order.
 *  2. A policy without an expectation in a scenario that has expectations
 *     never matches. In a scenario without any, a policy matches when no
 *     seed violated a property.
 */
#ifndef BARRIERSIM_EXPECT_H
#define BARRIERSIM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../sim/oracle.h"
#include "scen.h"

#define SCEN_REASON_MAX (2 * SIM_PROP_COUNT + 3)
#define SCEN_REASON_SIZE 192

typedef struct {
    char policy[SCEN_NAME_MAX];
    bool scenario_has_expect;
    const scen_expect_t *expect;       /* NULL when the policy has none */

    uint64_t run_count;
    uint64_t outcome_count[SCEN_OUTCOME_COUNT];
    uint32_t seen_mask;                /* properties violated by some seed */
    uint64_t prop_count[SIM_PROP_COUNT];
    uint64_t prop_first_seed[SIM_PROP_COUNT];

    /* Seeds that broke the outcome or the exact-mask expectation. */
    uint64_t outcome_miss_count;
    uint64_t outcome_miss_seed;
    scen_outcome_t outcome_miss_got;
    uint64_t violated_miss_count;
    uint64_t violated_miss_seed;
    uint32_t violated_miss_got;

    bool has_failing_seed;
    uint64_t failing_seed;             /* smallest seed that broke any of them */
} scen_tally_t;

typedef struct {
    bool match;
    int reason_count;
    char reasons[SCEN_REASON_MAX][SCEN_REASON_SIZE];
    bool has_failing_seed;
    uint64_t failing_seed;             /* the seed a replay command should use */
} scen_verdict_t;

/* Start a tally for policy under scen; the tally keeps a pointer into scen,
 * which must outlive it. */
void scen_tally_init(scen_tally_t *tally, const scen_t *scen, const char *policy);

/* Record one run's result. */
void scen_tally_add(scen_tally_t *tally, uint64_t seed, scen_outcome_t outcome,
                    uint32_t violated_mask);

/* Judge the records; the tally must hold at least one run. */
void scen_tally_judge(const scen_tally_t *tally, scen_verdict_t *verdict_out);

/* The one outcome every run ended with, or -1 when runs ended differently. */
int scen_tally_common_outcome(const scen_tally_t *tally);

/* Write the property names of mask, space-separated, or "none". */
void scen_mask_format(uint32_t mask, char *buf, size_t buf_size);

#endif
