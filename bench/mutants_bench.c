/*
 * mutants_bench — seeds (or schedules) to the first detection of each
 * planted bug, per search strategy, on the default swarm (F1-F5) and on a
 * swarm of every simulated fault kind. Before it, the time to shrink five
 * single-fault bugs and to exhaust a 2-batch, 2-worker space. Prints
 * Markdown tables. Wall-clock time measures, never decides.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../sim/explore.h"
#include "../sim/mutants.h"
#include "../sim/shrink.h"
#include "bench_clock.h"

#define BENCH_REPEATS 5

/* Shrink (policy, seed, prop) BENCH_REPEATS times; print the median. */
static void bench_shrink(sim_world_t *world, const scen_t *scen, const char *policy,
                         uint64_t seed, sim_prop_t prop)
{
    double seconds[BENCH_REPEATS];
    sim_shrink_t shrink;
    char error[256];
    int events = -1;
    int runs = 0;
    int r;

    for (r = 0; r < BENCH_REPEATS; r++) {
        double start = bench_now();

        if (sim_shrink(world, scen, core_policy_find(policy), seed, (int)prop,
                       SIM_SHRINK_RUNS_DEFAULT, &shrink, error, sizeof(error)) != 0) {
            printf("| %s | %s | %" PRIu64 " | failed: %s | | |\n", policy,
                   sim_prop_name(prop), seed, error);
            return;
        }
        seconds[r] = bench_now() - start;
        events = shrink.events;
        runs = shrink.runs;
        sim_shrink_free(&shrink);
    }
    qsort(seconds, BENCH_REPEATS, sizeof(seconds[0]), bench_compare);
    printf("| %s | %s | %" PRIu64 " | %d | %d | %.4f |\n", policy, sim_prop_name(prop), seed,
           events, runs, seconds[BENCH_REPEATS / 2]);
}

static void bench_explore(sim_world_t *world)
{
    sim_explore_limits_t limits = {2, 1, 0, 0};
    sim_explore_t explore;
    char error[256];
    scen_t scen;
    double start;
    uint64_t seed;

    scen_default(&scen, 2, 2);
    printf("\n| exhaustive, 2 batches, 2 workers, <= 2 faults, <= 1 reordering | "
           "schedules | seconds |\n|---|---:|---:|\n");
    for (seed = 1; seed <= 2; seed++) {
        start = bench_now();
        if (sim_explore(world, &scen, core_policy_find("phase-split"), seed, &limits,
                        &explore, error, sizeof(error)) != 0) {
            printf("| seed %" PRIu64 " | failed: %s | |\n", seed, error);
            continue;
        }
        printf("| phase-split, seed %" PRIu64 " (path %s) | %" PRIu64 " | %.2f |\n", seed,
               scen_path_name(world->draw.path), explore.schedules, bench_now() - start);
    }
}

#define BENCH_SEED_LIMIT 20000
#define BENCH_SCHEDULE_LIMIT 200000

static void bench_cell(uint64_t found, uint64_t limit)
{
    if (found == 0) {
        printf(" > %" PRIu64 " |", limit);
    } else {
        printf(" %" PRIu64 " |", found);
    }
}

int main(void)
{
    const core_policy_t *reference = core_policy_find("phase-split");
    sim_world_t *world = malloc(sizeof(*world));
    scen_t *scens = malloc(2 * sizeof(*scens));
    int missed = 0;
    int kind;
    int m;

    if (world == NULL || scens == NULL || sim_world_create(world) != 0) {
        fprintf(stderr, "mutants_bench: out of memory\n");
        return 1;
    }
    scen_default(&scens[0], 8, 4);
    scen_default(&scens[1], 8, 4);
    for (kind = FAULT_F1; kind < FAULT_KIND_COUNT; kind++) {
        scens[1].swarm_range.kinds_mask |= 1u << kind;
    }

    printf("| shrink: policy | property | seed | events | runs | median seconds |\n"
           "|---|---|---:|---:|---:|---:|\n");
    bench_shrink(world, &scens[0], "blind", 5, SIM_PROP_S4);
    bench_shrink(world, &scens[0], "blind", 5, SIM_PROP_S10);
    bench_shrink(world, &scens[0], "reused-guard", 5, SIM_PROP_S4);
    bench_shrink(world, &scens[0], "no-retry", 3, SIM_PROP_L1);
    bench_shrink(world, &scens[0], "phase-split-late", 8, SIM_PROP_S11);
    bench_explore(world);
    printf("\n");

    printf("| mutant | random F1-F5 | PCT F1-F5 | exhaustive F1-F5 | random all kinds | "
           "PCT all kinds | exhaustive all kinds |\n|---|---|---|---|---|---|---|\n");
    for (m = 0; m < core_mutant_count(); m++) {
        const core_policy_t *mutant = core_mutant_at(m);
        bool caught = false;
        int s;
        int st;

        printf("| %s |", mutant->name);
        for (s = 0; s < 2; s++) {
            for (st = 0; st < SIM_STRATEGY_COUNT; st++) {
                uint64_t limit = st == SIM_STRATEGY_EXHAUSTIVE ? BENCH_SCHEDULE_LIMIT
                                                               : BENCH_SEED_LIMIT;
                uint64_t found = sim_mutant_detect(world, &scens[s], mutant, reference,
                                                   (sim_strategy_t)st, limit);

                caught = caught || found != 0;
                bench_cell(found, limit);
            }
        }
        printf("\n");
        missed += !caught;
    }
    printf("\nmutants caught: %d of %d\n", core_mutant_count() - missed, core_mutant_count());
    sim_world_destroy(world);
    free(world);
    free(scens);
    return missed == 0 ? 0 : 1;
}
