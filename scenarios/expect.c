/* expect — tally a policy's runs and judge them against its expectation. */
#include "expect.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void scen_tally_note_failure(scen_tally_t *tally, uint64_t seed);
static void scen_verdict_add(scen_verdict_t *verdict, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static void scen_judge_per_seed(const scen_tally_t *tally, scen_verdict_t *verdict);
static void scen_judge_masks(const scen_tally_t *tally, scen_verdict_t *verdict);
static void scen_judge_unexpected(const scen_tally_t *tally, scen_verdict_t *verdict);

void scen_tally_init(scen_tally_t *tally, const scen_t *scen, const char *policy)
{
    int i;

    memset(tally, 0, sizeof(*tally));
    snprintf(tally->policy, sizeof(tally->policy), "%s", policy);
    tally->scenario_has_expect = scen->expect_count > 0;
    for (i = 0; i < scen->expect_count; i++) {
        if (strcmp(scen->expect[i].policy, policy) == 0) {
            tally->expect = &scen->expect[i];
            break;
        }
    }
}

void scen_tally_add(scen_tally_t *tally, uint64_t seed, scen_outcome_t outcome,
                    uint32_t violated_mask)
{
    const scen_expect_t *expect = tally->expect;
    int prop;

    assert(outcome >= 0);
    assert(outcome < SCEN_OUTCOME_COUNT);
    tally->run_count++;
    tally->outcome_count[outcome]++;
    tally->seen_mask |= violated_mask;
    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        if ((violated_mask & (1u << prop)) == 0) {
            continue;
        }
        if (tally->prop_count[prop] == 0 || seed < tally->prop_first_seed[prop]) {
            tally->prop_first_seed[prop] = seed;
        }
        tally->prop_count[prop]++;
    }
    if (expect == NULL) {
        /* A scenario without expectations expects every property to hold. */
        if (!tally->scenario_has_expect && violated_mask != 0) {
            scen_tally_note_failure(tally, seed);
        }
        return;
    }

    /* Keep the smallest offending seed with what it produced, so the reason
     * and the replay command name the same run. */
    if (expect->has_outcome && outcome != expect->outcome) {
        if (tally->outcome_miss_count == 0 || seed < tally->outcome_miss_seed) {
            tally->outcome_miss_seed = seed;
            tally->outcome_miss_got = outcome;
        }
        tally->outcome_miss_count++;
        scen_tally_note_failure(tally, seed);
    }
    if (expect->has_violated && violated_mask != expect->violated_mask) {
        if (tally->violated_miss_count == 0 || seed < tally->violated_miss_seed) {
            tally->violated_miss_seed = seed;
            tally->violated_miss_got = violated_mask;
        }
        tally->violated_miss_count++;
        scen_tally_note_failure(tally, seed);
    }
    if ((violated_mask & expect->holds_mask) != 0) {
        scen_tally_note_failure(tally, seed);
    }
}

void scen_tally_judge(const scen_tally_t *tally, scen_verdict_t *verdict_out)
{
    assert(tally->run_count > 0);
    memset(verdict_out, 0, sizeof(*verdict_out));
    verdict_out->has_failing_seed = tally->has_failing_seed;
    verdict_out->failing_seed = tally->failing_seed;

    if (tally->expect == NULL && tally->scenario_has_expect) {
        scen_verdict_add(verdict_out, "no expectation for policy %s", tally->policy);
        verdict_out->has_failing_seed = false;
        return;
    }
    if (tally->expect == NULL) {
        scen_judge_unexpected(tally, verdict_out);
        verdict_out->match = verdict_out->reason_count == 0;
        return;
    }

    scen_judge_per_seed(tally, verdict_out);
    scen_judge_masks(tally, verdict_out);
    verdict_out->match = verdict_out->reason_count == 0;
}

int scen_tally_common_outcome(const scen_tally_t *tally)
{
    int outcome;

    for (outcome = 0; outcome < SCEN_OUTCOME_COUNT; outcome++) {
        if (tally->run_count > 0 && tally->outcome_count[outcome] == tally->run_count) {
            return outcome;
        }
    }
    return -1;
}

void scen_mask_format(uint32_t mask, char *buf, size_t buf_size)
{
    size_t used = 0;
    int prop;

    assert(buf_size > 0);
    buf[0] = '\0';
    for (prop = 0; prop < SIM_PROP_COUNT && used < buf_size; prop++) {
        if ((mask & (1u << prop)) != 0) {
            used += (size_t)snprintf(buf + used, buf_size - used, "%s%s",
                                     used > 0 ? " " : "",
                                     sim_prop_name((sim_prop_t)prop));
        }
    }
    if (used == 0) {
        snprintf(buf, buf_size, "none");
    }
}

static void scen_tally_note_failure(scen_tally_t *tally, uint64_t seed)
{
    if (!tally->has_failing_seed || seed < tally->failing_seed) {
        tally->has_failing_seed = true;
        tally->failing_seed = seed;
    }
}

/* Outcome and exact mask: each must hold in every seed. */
static void scen_judge_per_seed(const scen_tally_t *tally, scen_verdict_t *verdict)
{
    const scen_expect_t *expect = tally->expect;
    char expected[128];
    char got[128];

    if (expect->has_outcome && tally->outcome_miss_count > 0) {
        scen_verdict_add(verdict,
                         "outcome: expected %s in every seed, got %s in %" PRIu64
                         " of %" PRIu64 " seeds (first: seed %" PRIu64 ")",
                         scen_outcome_name(expect->outcome),
                         scen_outcome_name(tally->outcome_miss_got),
                         tally->outcome_miss_count, tally->run_count,
                         tally->outcome_miss_seed);
    }
    if (expect->has_violated && tally->violated_miss_count > 0) {
        scen_mask_format(expect->violated_mask, expected, sizeof(expected));
        scen_mask_format(tally->violated_miss_got, got, sizeof(got));
        scen_verdict_add(verdict,
                         "violated: expected exactly %s in every seed, got %s in %" PRIu64
                         " of %" PRIu64 " seeds (first: seed %" PRIu64 ")",
                         expected, got, tally->violated_miss_count, tally->run_count,
                         tally->violated_miss_seed);
    }
}

/* holds: never violated; violates: violated by at least one seed. */
static void scen_judge_masks(const scen_tally_t *tally, scen_verdict_t *verdict)
{
    const scen_expect_t *expect = tally->expect;
    int prop;

    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        uint32_t bit = 1u << prop;

        if ((expect->holds_mask & bit) != 0 && tally->prop_count[prop] > 0) {
            scen_verdict_add(verdict,
                             "holds %s: violated in %" PRIu64 " of %" PRIu64
                             " seeds (first: seed %" PRIu64 ")",
                             sim_prop_name((sim_prop_t)prop), tally->prop_count[prop],
                             tally->run_count, tally->prop_first_seed[prop]);
        }
        if ((expect->violates_mask & bit) != 0 && tally->prop_count[prop] == 0) {
            scen_verdict_add(verdict, "violates %s: not violated in any of %" PRIu64
                                      " seeds",
                             sim_prop_name((sim_prop_t)prop), tally->run_count);
        }
    }
}

/* Without expectations in the scenario, any violation is a mismatch. */
static void scen_judge_unexpected(const scen_tally_t *tally, scen_verdict_t *verdict)
{
    int prop;

    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        if (tally->prop_count[prop] > 0) {
            scen_verdict_add(verdict,
                             "%s violated in %" PRIu64 " of %" PRIu64 " seeds (first: seed %"
                             PRIu64 ") in a scenario without expectations",
                             sim_prop_name((sim_prop_t)prop), tally->prop_count[prop],
                             tally->run_count, tally->prop_first_seed[prop]);
        }
    }
}

static void scen_verdict_add(scen_verdict_t *verdict, const char *format, ...)
{
    va_list args;

    /* The table has room for two reasons per property and three more, which
     * is more than the judge functions can add. */
    assert(verdict->reason_count < SCEN_REASON_MAX);
    va_start(args, format);
    vsnprintf(verdict->reasons[verdict->reason_count], SCEN_REASON_SIZE, format, args);
    va_end(args);
    verdict->reason_count++;
}
