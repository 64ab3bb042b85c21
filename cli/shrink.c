/* shrink — reduce a failing seed to a minimal counterexample, print it as a
 * transcript and write it as a scenario file that replays it. */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../scenarios/scen_file.h"
#include "../sim/transcript.h"

#define CLI_SHRINK_COMMENT_MAX (CLI_COMMAND_MAX + PATH_MAX + 1024)

static int cli_shrink_write(sim_world_t *world, const cli_options_t *options,
                            const scen_t *scen, const sim_shrink_t *shrink,
                            const char *path);
static void cli_shrink_transcript(sim_world_t *world, const scen_t *scen,
                                  const core_policy_t *policy, uint64_t seed);
static void cli_shrink_report(sim_world_t *world, const cli_options_t *options,
                              const sim_shrink_t *shrink, const char *path,
                              double seconds);
static void cli_shrink_events(sim_world_t *world, const char *path,
                              const core_policy_t *policy, uint64_t seed,
                              const sim_shrink_t *shrink);
static json_t *cli_shrink_json(const cli_options_t *options, const sim_shrink_t *shrink,
                               const char *path, double seconds);

int cli_shrink(const cli_options_t *options)
{
    return cli_shrink_scenario(options, options->selected, "shrink");
}

int cli_shrink_scenario(const cli_options_t *options, const scen_t *scen, const char *command)
{
    const core_policy_t *policy = options->policies[0];
    uint64_t seed = options->seed_first;
    char error[CLI_ERROR_MAX];
    char path[PATH_MAX];
    struct timespec start;
    sim_shrink_t shrink;
    sim_world_t *world;
    double seconds;
    int rc;

    if (options->save_path != NULL) {
        rc = cli_check_target(command, options->save_name, options->save_path);
        if (rc != 0) {
            return rc;
        }
    }
    world = cli_world_new(options);
    if (world == NULL) {
        return CLI_EXIT_INTERNAL;
    }

    /* Wall-clock time measures the shrinker for the user, and no run reads it. */
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (sim_shrink(world, scen, policy, seed, options->property, options->budget, &shrink,
                   error, sizeof(error)) != 0) {
        fprintf(stderr, "barriersim %s: %s\n", command, error);
        cli_world_free(world);
        return CLI_EXIT_USAGE;
    }
    seconds = cli_seconds_since(&start);

    /* The pinned choices replay the run without the strategy that found it. */
    world->tape = NULL;
    if (options->save_path != NULL) {
        snprintf(path, sizeof(path), "%s", options->save_path);
        rc = 0;
    } else {
        snprintf(path, sizeof(path), "shrunk-%s-%s-%" PRIu64 ".yaml", policy->name,
                 sim_prop_name((sim_prop_t)shrink.prop), seed);
        rc = cli_check_target(command, options->save_name, path);
    }
    if (rc == 0) {
        rc = cli_shrink_write(world, options, scen, &shrink, path);
    }
    if (rc == 0) {
        cli_shrink_report(world, options, &shrink, path, seconds);
    }
    if (rc == 0 && options->json_path != NULL) {
        json_t *root = cli_shrink_json(options, &shrink, path, seconds);

        rc = cli_write_json(options->json_path, root) != 0 ? CLI_EXIT_INTERNAL : 0;
        json_decref(root);
    }
    sim_shrink_free(&shrink);
    cli_world_free(world);
    return rc;
}

/* Print the transcript, then write the scenario file and check that it
 * replays the shrunk run. */
static int cli_shrink_write(sim_world_t *world, const cli_options_t *options,
                            const scen_t *scen, const sim_shrink_t *shrink,
                            const char *path)
{
    const core_policy_t *policy = options->policies[0];
    const char *prop = sim_prop_name((sim_prop_t)shrink->prop);
    uint64_t seed = options->seed_first;
    char comment[CLI_SHRINK_COMMENT_MAX];
    scen_t *out = malloc(sizeof(*out));
    int rc;

    if (out == NULL) {
        fprintf(stderr, "barriersim shrink: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    if (sim_shrink_scenario(shrink, policy->name, seed, out) != 0) {
        fprintf(stderr, "barriersim shrink: the shrunk run pins %d choices, more than a "
                        "scenario file holds (%d)\n", shrink->choice_count, SCEN_CHOICE_MAX);
        free(out);
        return CLI_EXIT_INTERNAL;
    }
    if (options->save_name != NULL) {
        snprintf(out->name, sizeof(out->name), "%s", options->save_name);
    } else {
        snprintf(out->name, sizeof(out->name), "shrunk-%s-%s-%" PRIu64, policy->name, prop,
                 seed);
    }
    snprintf(out->summary, sizeof(out->summary),
             "%s under %s in %d event(s), shrunk from seed %" PRIu64 " of %s", prop,
             policy->name, shrink->events, seed, scen->name);
    snprintf(comment, sizeof(comment),
             "Written by barriersim shrink: the smallest run found that breaks %s\n"
             "under policy %s (%d event(s), from %d; %d runs tried).\n"
             "Replay: %s replay --scenario %s --policy %s --seed %" PRIu64 " --trace",
             prop, policy->name, shrink->events, shrink->first_events, shrink->runs,
             options->program, path, policy->name, seed);

    cli_shrink_transcript(world, out, policy, seed);
    rc = cli_save_write(path, out, comment);
    if (rc == 0) {
        rc = cli_save_verify(world, path, policy, &shrink->result);
    }
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

static void cli_shrink_report(sim_world_t *world, const cli_options_t *options,
                              const sim_shrink_t *shrink, const char *path,
                              double seconds)
{
    const char *policy = options->policies[0]->name;

    printf("barriersim shrink: %s under %s, seed %" PRIu64 ": %d event(s) -> %d, "
           "%d batch(es) and %d worker(s), %d runs in %.3f s\n",
           sim_prop_name((sim_prop_t)shrink->prop), policy, options->seed_first,
           shrink->first_events, shrink->events, shrink->scen.batch_count,
           shrink->scen.worker_count, shrink->runs, seconds);
    cli_shrink_events(world, path, options->policies[0], options->seed_first, shrink);
    printf("wrote %s\nreplay: %s replay --scenario %s --policy %s --seed %" PRIu64 "\n",
           path, options->program, path, policy, options->seed_first);
}

/* The events the shrinker counts, from the written file's trace: strikes
 * and restarts up to the violation, and actors run out of time order. */
static void cli_shrink_events(sim_world_t *world, const char *path,
                              const core_policy_t *policy, uint64_t seed,
                              const sim_shrink_t *shrink)
{
    unsigned long broke = shrink->result.first_step[shrink->prop];
    char error[CLI_ERROR_MAX];
    scen_t *loaded = malloc(sizeof(*loaded));
    char *text = NULL;
    size_t size = 0;
    FILE *trace = NULL;
    sim_result_t result;
    char *line;
    int i;

    if (loaded == NULL || scen_file_load(path, loaded, error, sizeof(error)) != 0 ||
        (trace = open_memstream(&text, &size)) == NULL) {
        free(loaded);
        return;
    }
    sim_world_run(world, loaded, policy, seed, 0, trace, &result);
    fclose(trace);
    for (line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        const char *step = strstr(line, " step=");

        if (step != NULL && strtoul(step + 6, NULL, 10) <= broke &&
            (strstr(line, " event=fault ") != NULL || strstr(line, " event=restart") != NULL)) {
            printf("  event: %s\n", step + 1);
        }
    }
    for (i = 0; i < shrink->choice_count; i++) {
        if (shrink->choices[i].cls == SIM_CHOICE_PICK && shrink->choices[i].value != 0) {
            printf("  event: %s ran out of time order (pick %" PRIu64 ")\n",
                   world->actor_names[shrink->choices[i].actor], shrink->choices[i].value);
        }
    }
    free(text);
    free(loaded);
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
    json_object_set_new(root, "milliseconds", json_integer((json_int_t)(seconds * 1000.0)));
    json_object_set_new(root, "scenario", json_string(path));
    json_object_set_new(root, "trace_hash", json_sprintf("%016" PRIx64,
                                                         shrink->result.trace_hash));
    json_object_set_new(root, "choices", choices);
    return root;
}

double cli_seconds_since(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}
