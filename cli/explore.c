/* explore — the exhaustive mode: every schedule of a small scenario within
 * bounds, stopping at the first violation, which is then shrunk and written
 * like shrink's. */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../sim/explore.h"

#define CLI_EXPLORE_FAULTS 2
#define CLI_EXPLORE_PICKS 1

static int cli_explore_found(const cli_options_t *options, const sim_explore_t *explore);

int cli_explore(const cli_options_t *options)
{
    const core_policy_t *policy = options->policies[0];
    sim_explore_limits_t limits;
    sim_explore_t explore;
    char error[CLI_ERROR_MAX];
    char violated[128];
    struct timespec start;
    double seconds;
    sim_world_t *world = cli_world_new(NULL);
    int rc;

    if (world == NULL) {
        return CLI_EXIT_INTERNAL;
    }
    limits.fault_max = options->fault_max >= 0 ? options->fault_max : CLI_EXPLORE_FAULTS;
    limits.pick_max = options->pick_max >= 0 ? options->pick_max : CLI_EXPLORE_PICKS;
    limits.schedule_max = options->schedule_max;
    limits.stop_mask = options->property >= 0 ? 1u << options->property : UINT32_MAX;

    printf("barriersim explore: policy %s, scenario %s (%d batches, %d workers), seed %"
           PRIu64 ", at most %d fault(s) and %d out-of-order pick(s) per schedule\n",
           policy->name, options->selected->name, options->selected->batch_count,
           options->selected->worker_count, options->seed_first, limits.fault_max,
           limits.pick_max);

    /* Wall-clock time is reported to the user only. */
    clock_gettime(CLOCK_MONOTONIC, &start);
    rc = sim_explore(world, options->selected, policy, options->seed_first, &limits,
                     &explore, error, sizeof(error));
    seconds = cli_seconds_since(&start);
    cli_world_free(world);
    if (rc != 0) {
        fprintf(stderr, "barriersim explore: %s\n", error);
        return CLI_EXIT_USAGE;
    }

    printf("explored %" PRIu64 " schedule(s) in %.2f s: %s\n", explore.schedules,
           seconds,
           explore.found       ? "stopped at the first violation"
           : explore.exhausted ? "every schedule within the bounds ran, no violation"
                               : "stopped at --max-schedules, no violation");
    if (!explore.found) {
        return CLI_EXIT_OK;
    }
    scen_mask_format(explore.result.violated_mask, violated, sizeof(violated));
    printf("schedule %" PRIu64 " violated: %s\n\n", explore.schedules, violated);
    rc = cli_explore_found(options, &explore);
    sim_explore_free(&explore);
    return rc == 0 ? CLI_EXIT_VIOLATION : rc;
}

/* Pin the schedule's choices (each class without its trailing zeros) and
 * hand the scenario to the shrinker, which writes the counterexample. */
static int cli_explore_found(const cli_options_t *options, const sim_explore_t *explore)
{
    scen_t *scen = malloc(sizeof(*scen));
    sim_choice_t *trimmed = malloc(((size_t)explore->choice_count + 1) * sizeof(*trimmed));
    int count;
    int rc = CLI_EXIT_INTERNAL;
    int i;

    if (scen == NULL || trimmed == NULL) {
        fprintf(stderr, "barriersim explore: out of memory\n");
        goto done;
    }
    count = sim_choice_trim(explore->choices, explore->choice_count, trimmed);
    if (count > SCEN_CHOICE_MAX) {
        fprintf(stderr, "barriersim explore: the schedule pins %d choices, more than a "
                        "scenario file holds (%d)\n", count, SCEN_CHOICE_MAX);
        goto done;
    }
    *scen = *options->selected;
    for (i = 0; i < count; i++) {
        scen->choice_class[i] = trimmed[i].cls;
        scen->choice_value[i] = trimmed[i].value;
    }
    scen->choice_count = count;
    rc = cli_shrink_scenario(options, scen, "explore");

done:
    free(scen);
    free(trimmed);
    return rc;
}
