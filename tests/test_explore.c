/*
 * Tests of the choice tape and what is built on it: recording leaves runs
 * alone, following reproduces them, shrinking keeps the property within the
 * bound, the determinism check finds a planted drift, PCT replays, and the
 * explorer finds a policy's bug and exhausts a correct policy's space.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scenarios/scen_file.h"
#include "../scenarios/scen_write.h"
#include "../sim/determinism.h"
#include "../sim/explore.h"
#include "../sim/mutants.h"
#include "../sim/shrink.h"
#include "../sim/transcript.h"
#include "../sim/world.h"

#define TEST_SEEDS 300
#define TEST_EVENT_BOUND 3

static sim_world_t *world;
static sim_tape_t tape;

static int test_setup(void **state)
{
    (void)state;
    world = malloc(sizeof(*world));
    return world == NULL || sim_world_create(world) != 0 ||
           sim_tape_create(&tape, SIM_TAPE_CAP) != 0;
}

static int test_teardown(void **state)
{
    (void)state;
    sim_tape_destroy(&tape);
    sim_world_destroy(world);
    free(world);
    return 0;
}

static const core_policy_t *test_policy(const char *name)
{
    const core_policy_t *policy = core_policy_find(name);

    assert_non_null(policy);
    return policy;
}

/* Run once on the tape, following follow (NULL: draw from the seed). */
static void test_run_taped(const scen_t *scen, const char *policy, uint64_t seed,
                           const sim_choice_t *follow, int count, sim_result_t *result)
{
    sim_tape_rewind(&tape, follow, count);
    world->tape = &tape;
    sim_world_run(world, scen, test_policy(policy), seed, 0, NULL, result);
    world->tape = NULL;
    assert_false(tape.overflow);
}

static void test_choice_recording_keeps_hashes(void **state)
{
    static const char *const policies[] = {"phase-split", "blind", "no-retry"};
    scen_t scen;
    uint64_t seed;
    int p;

    (void)state;
    scen_default(&scen, 8, 4);
    for (p = 0; p < 3; p++) {
        for (seed = 1; seed <= TEST_SEEDS; seed++) {
            sim_result_t plain;
            sim_result_t taped;

            sim_world_run(world, &scen, test_policy(policies[p]), seed, 0, NULL, &plain);
            test_run_taped(&scen, policies[p], seed, NULL, 0, &taped);
            assert_int_equal(plain.trace_hash, taped.trace_hash);
            assert_true(tape.count > 0);
        }
    }
}

static void test_choice_follow_reproduces_run(void **state)
{
    sim_choice_t *copy = calloc(SIM_TAPE_CAP, sizeof(copy[0]));
    scen_t scen;
    uint64_t seed;

    (void)state;
    assert_non_null(copy);
    scen_default(&scen, 8, 4);
    for (seed = 1; seed <= TEST_SEEDS; seed++) {
        sim_result_t recorded;
        sim_result_t followed;
        int count;

        test_run_taped(&scen, "blind", seed, NULL, 0, &recorded);
        count = tape.count;
        memcpy(copy, tape.items, (size_t)count * sizeof(copy[0]));
        test_run_taped(&scen, "blind", seed, copy, count, &followed);
        assert_int_equal(recorded.trace_hash, followed.trace_hash);
    }
    free(copy);
}

/* Following nothing means every choice is 0: no fault, minimum times. */
static void test_choice_all_zero_run_is_clean(void **state)
{
    sim_choice_t none;
    sim_result_t result;
    scen_t scen;

    (void)state;
    scen_default(&scen, 8, 4);
    test_run_taped(&scen, "phase-split", 5, &none, 0, &result);
    assert_int_equal(result.strike_count, 0);
    assert_int_equal(result.violated_mask, 0);
    assert_int_equal(result.outcome, SCEN_OUTCOME_COMPLETE);
}

/* The first seed of 1..2000 that breaks each property under policy (0:
 * none). */
static void test_first_failing(const scen_t *scen, const char *policy,
                               uint64_t first[SIM_PROP_COUNT])
{
    uint64_t seed;
    int prop;

    memset(first, 0, SIM_PROP_COUNT * sizeof(first[0]));
    for (seed = 1; seed <= 2000; seed++) {
        sim_result_t result;

        sim_world_run(world, scen, test_policy(policy), seed, 0, NULL, &result);
        for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
            if ((result.violated_mask & (1u << prop)) != 0 && first[prop] == 0) {
                first[prop] = seed;
            }
        }
    }
}

/* The shrunk scenario's transcript names the property where it broke. */
static void test_transcript_names(const scen_t *scen, const char *policy, uint64_t seed,
                                  sim_prop_t prop)
{
    char needle[64];
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    sim_result_t result;

    assert_non_null(out);
    sim_transcript_header(out);
    world->transcript = out;
    sim_world_run(world, scen, test_policy(policy), seed, 0, NULL, &result);
    world->transcript = NULL;
    fclose(out);
    snprintf(needle, sizeof(needle), ">>> %s violated", sim_prop_name(prop));
    assert_non_null(strstr(text, needle));
    assert_non_null(strstr(text, "client sees"));
    free(text);
}

/* Shrink, then check that the written scenario loads, replays to the same
 * hash, breaks the property and reads as a transcript. */
static void test_shrink_case(const char *policy, sim_prop_t prop, uint64_t seed)
{
    char path[] = "/tmp/barriersim-test-shrink-XXXXXX";
    char error[1024];
    scen_t scen;
    scen_t *written = malloc(sizeof(*written));
    scen_t *loaded = malloc(sizeof(*loaded));
    sim_shrink_t shrink;
    sim_result_t again;
    FILE *out;
    int fd;

    assert_non_null(written);
    assert_non_null(loaded);
    scen_default(&scen, 8, 4);
    assert_int_equal(sim_shrink(world, &scen, test_policy(policy), seed, prop,
                                SIM_SHRINK_RUNS_DEFAULT, &shrink, error, sizeof(error)), 0);
    assert_true((shrink.result.violated_mask & (1u << prop)) != 0);
    assert_true(shrink.events <= TEST_EVENT_BOUND);
    assert_true(shrink.events <= shrink.first_events);

    assert_int_equal(sim_shrink_scenario(&shrink, policy, seed, written), 0);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    out = fdopen(fd, "w");
    assert_int_equal(scen_write(out, written, "test", error, sizeof(error)), 0);
    fclose(out);
    assert_int_equal(scen_file_load(path, loaded, error, sizeof(error)), 0);
    remove(path);
    sim_world_run(world, loaded, test_policy(policy), seed, 0, NULL, &again);
    assert_int_equal(again.trace_hash, shrink.result.trace_hash);
    assert_true((again.violated_mask & (1u << prop)) != 0);
    test_transcript_names(loaded, policy, seed, prop);

    sim_shrink_free(&shrink);
    free(written);
    free(loaded);
}

/* Every property that blind, reused-guard, no-retry and phase-split-late
 * break in 2,000 default seeds shrinks to at most 3 events. */
static void test_shrink_four_policies(void **state)
{
    static const char *const policies[] = {"blind", "reused-guard", "no-retry",
                                           "phase-split-late"};
    uint64_t first[SIM_PROP_COUNT];
    scen_t scen;
    int shrunk = 0;
    int p;
    int prop;

    (void)state;
    scen_default(&scen, 8, 4);
    for (p = 0; p < 4; p++) {
        test_first_failing(&scen, policies[p], first);
        for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
            if (first[prop] != 0) {
                test_shrink_case(policies[p], (sim_prop_t)prop, first[prop]);
                shrunk++;
            }
        }
    }
    assert_true(shrunk >= 20);
}

static void test_shrink_refuses_passing_run(void **state)
{
    char error[1024];
    sim_shrink_t shrink;
    scen_t scen;

    (void)state;
    scen_default(&scen, 8, 4);
    assert_int_equal(sim_shrink(world, &scen, test_policy("phase-split"), 5, SIM_PROP_S4,
                                1000, &shrink, error, sizeof(error)), -1);
    assert_non_null(strstr(error, "nothing to shrink"));
}

static void test_determinism_check_passes_seeds(void **state)
{
    scen_t scen;
    uint64_t seed;

    (void)state;
    scen_default(&scen, 8, 4);
    for (seed = 1; seed <= TEST_SEEDS; seed++) {
        sim_determinism_t check;

        assert_int_equal(sim_determinism_check(world, &scen, test_policy("phase-split"),
                                               seed, 0, &check), 0);
        assert_true(check.same);
        assert_true(check.step > 0);
    }
}

/* A planted drift (every other run's hops 1 us longer) is found at the
 * first step it changes, with that step's lines from both runs. */
static void test_determinism_check_finds_drift(void **state)
{
    sim_determinism_t check;
    scen_t scen;

    (void)state;
    scen_default(&scen, 8, 4);
    assert_int_equal(sim_determinism_check(world, &scen, test_policy("phase-split"), 3,
                                           SIM_BUG_DRIFT, &check), 0);
    assert_false(check.same);
    assert_true(check.step > 0);
    assert_non_null(check.lines[0]);
    assert_non_null(check.lines[1]);
    assert_string_not_equal(check.lines[0], check.lines[1]);
    sim_determinism_free(&check);
}

static void test_pct_replays_and_changes_runs(void **state)
{
    scen_t scen;
    uint64_t seed;
    int changed = 0;

    (void)state;
    scen_default(&scen, 8, 4);
    for (seed = 1; seed <= TEST_SEEDS; seed++) {
        sim_result_t plain;
        sim_result_t first;
        sim_result_t second;

        sim_world_run(world, &scen, test_policy("blind"), seed, 0, NULL, &plain);
        assert_int_equal(sim_world_use_pct(world, 3, 500), 0);
        sim_world_run(world, &scen, test_policy("blind"), seed, 0, NULL, &first);
        sim_world_run(world, &scen, test_policy("blind"), seed, 0, NULL, &second);
        world->tape = NULL;
        assert_int_equal(first.trace_hash, second.trace_hash);
        changed += first.trace_hash != plain.trace_hash;
    }
    assert_true(changed > 0);
}

static void test_explore_finds_blind_bug(void **state)
{
    sim_explore_limits_t limits = {2, 1, 0, 1u << SIM_PROP_S4};
    sim_explore_t explore;
    char error[256];
    scen_t scen;
    sim_result_t again;
    int faults = 0;
    int i;

    (void)state;
    scen_default(&scen, 2, 2);
    assert_int_equal(sim_explore(world, &scen, test_policy("blind"), 4, &limits, &explore,
                                 error, sizeof(error)), 0);
    assert_true(explore.found);
    assert_true((explore.result.violated_mask & (1u << SIM_PROP_S4)) != 0);
    for (i = 0; i < explore.choice_count; i++) {
        faults += explore.choices[i].cls == SIM_CHOICE_FAULT && explore.choices[i].value != 0;
    }
    assert_true(faults >= 1 && faults <= 2);

    /* The schedule found replays. */
    test_run_taped(&scen, "blind", 4, explore.choices, explore.choice_count, &again);
    assert_int_equal(again.trace_hash, explore.result.trace_hash);
    sim_explore_free(&explore);
}

/* phase-split breaks none of S1-S5, S8, S10, S11 in any schedule with up to
 * two faults and one reordering; the walk is the same every time. */
static void test_explore_exhausts_phase_split(void **state)
{
    uint32_t stop = (1u << SIM_PROP_S1) | (1u << SIM_PROP_S2) | (1u << SIM_PROP_S3) |
                    (1u << SIM_PROP_S4) | (1u << SIM_PROP_S5) | (1u << SIM_PROP_S8) |
                    (1u << SIM_PROP_S10) | (1u << SIM_PROP_S11);
    sim_explore_limits_t limits = {2, 1, 0, stop};
    sim_explore_t first;
    sim_explore_t second;
    char error[256];
    scen_t scen;

    (void)state;
    scen_default(&scen, 2, 2);
    assert_int_equal(sim_explore(world, &scen, test_policy("phase-split"), 4, &limits,
                                 &first, error, sizeof(error)), 0);
    assert_int_equal(sim_explore(world, &scen, test_policy("phase-split"), 4, &limits,
                                 &second, error, sizeof(error)), 0);
    assert_false(first.found);
    assert_true(first.exhausted);
    assert_true(first.schedules > 100);
    assert_int_equal(first.schedules, second.schedules);
}

/* Every planted bug is caught within 2,000 random seeds of the default
 * swarm or of a swarm of every fault kind. */
static void test_mutants_are_caught(void **state)
{
    const core_policy_t *reference = test_policy("phase-split");
    scen_t scens[2];
    int kind;
    int m;

    (void)state;
    scen_default(&scens[0], 8, 4);
    scen_default(&scens[1], 8, 4);
    for (kind = FAULT_F1; kind < FAULT_KIND_COUNT; kind++) {
        scens[1].swarm_range.kinds_mask |= 1u << kind;
    }
    assert_int_equal(core_mutant_count(), 8);
    for (m = 0; m < core_mutant_count(); m++) {
        const core_policy_t *mutant = core_mutant_at(m);
        uint64_t found = sim_mutant_detect(world, &scens[0], mutant, reference,
                                           SIM_STRATEGY_RANDOM, 2000);

        if (found == 0) {
            found = sim_mutant_detect(world, &scens[1], mutant, reference,
                                      SIM_STRATEGY_RANDOM, 2000);
        }
        if (found == 0) {
            print_error("mutant %s was not caught\n", mutant->name);
        }
        assert_true(found > 0);
    }
}

/* The reference itself is never "caught": the check is differential. */
static void test_reference_is_not_a_mutant(void **state)
{
    const core_policy_t *reference = test_policy("phase-split");
    scen_t scen;

    (void)state;
    scen_default(&scen, 8, 4);
    assert_int_equal(sim_mutant_detect(world, &scen, reference, reference,
                                       SIM_STRATEGY_RANDOM, 500), 0);
}

/* C3 strikes F5 at a decrement's COMMIT once per run: the cell counts it,
 * the ambiguous-decrement condition fires, and no cell is left unreached. */
static void test_coverage_counts_scheduled_strike(void **state)
{
    sim_coverage_t coverage;
    char unreached[256];
    char error[1024];
    scen_t scen;

    (void)state;
    assert_int_equal(scen_file_load("scenarios/cases/C3.yaml", &scen, error, sizeof(error)),
                     0);
    memset(&coverage, 0, sizeof(coverage));
    world->coverage = &coverage;
    sim_world_run(world, &scen, test_policy("reused-guard"), 1, 0, NULL,
                  &(sim_result_t){0});
    world->coverage = NULL;
    assert_int_equal(coverage.runs, 1);
    assert_int_equal(coverage.strikes[FAULT_F5][FAULT_AT_COMMIT], 1);
    assert_int_equal(coverage.sometimes[SIM_SOMETIMES_AMBIGUOUS], 1);
    assert_true(coverage.sometimes[SIM_SOMETIMES_RETRY] >= 1);
    assert_int_equal(sim_coverage_unreached(&coverage, &scen, unreached, sizeof(unreached)),
                     0);
}

/* One seed cannot strike every kind at every point: the gaps are named. */
static void test_coverage_reports_unreached_cells(void **state)
{
    sim_coverage_t coverage;
    char unreached[1024];
    scen_t scen;
    int kind;

    (void)state;
    scen_default(&scen, 8, 4);
    for (kind = FAULT_F1; kind < FAULT_KIND_COUNT; kind++) {
        scen.swarm_range.kinds_mask |= 1u << kind;
    }
    memset(&coverage, 0, sizeof(coverage));
    world->coverage = &coverage;
    sim_world_run(world, &scen, test_policy("phase-split"), 1, 0, NULL,
                  &(sim_result_t){0});
    world->coverage = NULL;
    assert_true(sim_coverage_unreached(&coverage, &scen, unreached, sizeof(unreached)) > 0);
    assert_non_null(strstr(unreached, "@"));
    assert_false(sim_coverage_enabled(&scen, FAULT_F5, FAULT_AT_BEGIN));
    assert_true(sim_coverage_enabled(&scen, FAULT_F5, FAULT_AT_COMMIT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choice_recording_keeps_hashes),
        cmocka_unit_test(test_choice_follow_reproduces_run),
        cmocka_unit_test(test_choice_all_zero_run_is_clean),
        cmocka_unit_test(test_shrink_four_policies),
        cmocka_unit_test(test_shrink_refuses_passing_run),
        cmocka_unit_test(test_determinism_check_passes_seeds),
        cmocka_unit_test(test_determinism_check_finds_drift),
        cmocka_unit_test(test_pct_replays_and_changes_runs),
        cmocka_unit_test(test_explore_finds_blind_bug),
        cmocka_unit_test(test_explore_exhausts_phase_split),
        cmocka_unit_test(test_mutants_are_caught),
        cmocka_unit_test(test_reference_is_not_a_mutant),
        cmocka_unit_test(test_coverage_counts_scheduled_strike),
        cmocka_unit_test(test_coverage_reports_unreached_cells),
    };

    return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
