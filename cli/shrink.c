/* shrink — reduce a failing seed to a minimal counterexample, print it as a
 * transcript and write it as a scenario file that replays it. */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../sim/transcript.h"

#define CLI_SHRINK_COMMENT_MAX (CLI_COMMAND_MAX + 1024)

static void cli_shrink_report(const cli_options_t *options, const sim_shrink_t *shrink,
                              const char *path, double seconds);
static void cli_shrink_transcript(sim_world_t *world, const scen_t *scen,
                                  const core_policy_t *policy, uint64_t seed);
static json_t *cli_shrink_json(const cli_options_t *options, const sim_shrink_t *shrink,
                               const char *path, double seconds);
static double cli_seconds_since(const struct timespec *start);

int cli_shrink(const cli_options_t *options)
{
    return cli_shrink_scenario(options, options->selected);
}

int cli_shrink_scenario(const cli_options_t *options, const scen_t *scen)
{
    const core_policy_t *policy = options->policies[0];
    uint64_t seed = options->seed_first;
    char error[CLI_ERROR_MAX];
    char comment[CLI_SHRINK_COMMENT_MAX];
    char path[PATH_MAX];
    struct timespec start;
    sim_shrink_t shrink;
    sim_world_t *world = cli_world_new(options);
    scen_t *out = malloc(sizeof(*out));
    double seconds;
    int rc = CLI_EXIT_INTERNAL;

    if (world == NULL) {
        goto done;
    }
    if (out == NULL) {
        fprintf(stderr, "barriersim shrink: out of memory\n");
        goto done;
    }
    if (options->save_path != NULL) {
        snprintf(path, sizeof(path), "%s", options->save_path);
    } else {
        snprintf(path, sizeof(path), "shrunk-%s-%" PRIu64 ".yaml", policy->name, seed);
    }

    /* Wall-clock time measures the shrinker for the user, and no run reads it. */
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (sim_shrink(world, scen, policy, seed, options->property,
                   options->budget, &shrink, error, sizeof(error)) != 0) {
        fprintf(stderr, "barriersim shrink: %s\n", error);
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    seconds = cli_seconds_since(&start);

    if (sim_shrink_scenario(&shrink, policy->name, seed, out) != 0) {
        fprintf(stderr, "barriersim shrink: the shrunk run pins %d choices, more than a "
                        "scenario file holds (%d)\n", shrink.choice_count, SCEN_CHOICE_MAX);
        sim_shrink_free(&shrink);
        goto done;
    }
    snprintf(out->name, sizeof(out->name), "shrunk-%s-%" PRIu64, policy->name, seed);
    snprintf(out->summary, sizeof(out->summary),
             "%s under %s in %d event(s), shrunk from seed %" PRIu64 " of %s",
             sim_prop_name((sim_prop_t)shrink.prop), policy->name, shrink.events, seed,
             scen->name);
    snprintf(comment, sizeof(comment),
             "Written by barriersim shrink: the smallest run found that breaks %s\n"
             "under policy %s (%d event(s), from %d; %d runs tried).\n"
             "Replay: %s replay --scenario %s --policy %s --seed %" PRIu64 " --trace",
             sim_prop_name((sim_prop_t)shrink.prop), policy->name, shrink.events,
             shrink.first_events, shrink.runs, options->program, path, policy->name, seed);

    cli_shrink_transcript(world, out, policy, seed);
    rc = cli_save_write(path, out, comment);
    if (rc == 0) {
        rc = cli_save_verify(world, path, policy, &shrink.result);
    }
    if (rc == 0) {
        cli_shrink_report(options, &shrink, path, seconds);
    }
    if (rc == 0 && options->json_path != NULL) {
        json_t *root = cli_shrink_json(options, &shrink, path, seconds);

        rc = cli_write_json(options->json_path, root) != 0 ? CLI_EXIT_INTERNAL : 0;
        json_decref(root);
    }
    sim_shrink_free(&shrink);

done:
    cli_world_free(world);
    free(out);
    return rc;
}

/* The shrunk run, replayed from the scenario it will be written as. */
static void cli_shrink_transcript(sim_world_t *world, const scen_t *scen,
                                  const core_policy_t *policy, uint64_t seed)
{
    sim_result_t result;

    printf("transcript of the shrunk run (policy %s, seed %" PRIu64 ", %d batch(es), "
           "%d worker(s)):\n",
           policy->name, seed, scen->batch_count, scen->worker_count);
    sim_transcript_header(stdout);
    world->transcript = stdout;
    sim_world_run(world, scen, policy, seed, 0, NULL, &result);
    world->transcript = NULL;
    printf("\n");
}

static void cli_shrink_report(const cli_options_t *options, const sim_shrink_t *shrink,
                              const char *path, double seconds)
{
    const char *policy = options->policies[0]->name;
    int cls;
    int i;

    printf("barriersim shrink: %s under %s, seed %" PRIu64 ": %d event(s) -> %d, "
           "%d batch(es) and %d worker(s), %d runs in %.3f s\n",
           sim_prop_name((sim_prop_t)shrink->prop), policy, options->seed_first,
           shrink->first_events, shrink->events, shrink->scen.batch_count,
           shrink->scen.worker_count, shrink->runs, seconds);
    for (i = 0; i < shrink->choice_count; i++) {
        const sim_choice_t *choice = &shrink->choices[i];

        cls = choice->cls;
        if (!sim_choice_is_event(choice)) {
            continue;
        }
        printf("  event: %s %s\n", sim_choice_class_name((sim_choice_class_t)cls),
               cls == SIM_CHOICE_FAULT ? fault_kind_name((fault_kind_t)choice->value)
                                       : "(not the default)");
    }
    for (i = 0; i < shrink->scen.fixed_plan.entry_count; i++) {
        printf("  event: scheduled strike %s\n",
               fault_kind_name(shrink->scen.fixed_plan.entries[i].kind));
    }
    printf("wrote %s\nreplay: %s replay --scenario %s --policy %s --seed %" PRIu64 "\n",
           path, options->program, path, policy, options->seed_first);
}

static json_t *cli_shrink_json(const cli_options_t *options, const sim_shrink_t *shrink,
                               const char *path, double seconds)
{
    json_t *root = json_object();
    json_t *choices = json_array();
    int i;

    for (i = 0; i < shrink->choice_count; i++) {
        json_array_append_new(
            choices, json_pack("{s:s,s:I}", "class",
                               sim_choice_class_name((sim_choice_class_t)shrink->choices[i].cls),
                               "value", (json_int_t)shrink->choices[i].value));
    }
    json_object_set_new(root, "schema", json_integer(1));
    json_object_set_new(root, "policy", json_string(options->policies[0]->name));
    json_object_set_new(root, "seed", json_integer((json_int_t)options->seed_first));
    json_object_set_new(root, "property", json_string(sim_prop_name((sim_prop_t)shrink->prop)));
    json_object_set_new(root, "events_before", json_integer(shrink->first_events));
    json_object_set_new(root, "events", json_integer(shrink->events));
    json_object_set_new(root, "batches", json_integer(shrink->scen.batch_count));
    json_object_set_new(root, "workers", json_integer(shrink->scen.worker_count));
    json_object_set_new(root, "runs", json_integer(shrink->runs));
    json_object_set_new(root, "seconds", json_real(seconds));
    json_object_set_new(root, "scenario", json_string(path));
    json_object_set_new(root, "trace_hash", json_sprintf("%016" PRIx64,
                                                         shrink->result.trace_hash));
    json_object_set_new(root, "choices", choices);
    return root;
}

static double cli_seconds_since(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}
