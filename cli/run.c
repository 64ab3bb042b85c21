/* run — the run, replay and list subcommands. */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reports/summary.h"
#include "../sim/world.h"

static int cli_sweep(const cli_options_t *options, sim_world_t *world);
static int cli_case(const cli_options_t *options, sim_world_t *world);
static bool cli_case_matches(const scen_t *scen, const core_policy_t *policy,
                             const sim_result_t *result, const scen_expect_t **expect_out);
static void cli_format_mask(uint32_t mask, char *buf, size_t buf_size);
static void cli_print_draw(FILE *out, const scen_t *scen, uint64_t seed);

int cli_run(const cli_options_t *options)
{
    sim_world_t *world = malloc(sizeof(*world));
    int rc;

    if (world == NULL || sim_world_create(world) != 0) {
        fprintf(stderr, "barriersim: could not allocate the simulator's memory\n");
        free(world);
        return CLI_EXIT_INTERNAL;
    }
    rc = options->case_name != NULL ? cli_case(options, world)
                                    : cli_sweep(options, world);
    sim_world_destroy(world);
    free(world);
    return rc;
}

int cli_replay(const cli_options_t *options)
{
    const core_policy_t *policy = options->policies[0];
    sim_world_t *world = malloc(sizeof(*world));
    sim_result_t result;
    char violated[128];
    int prop;

    if (world == NULL || sim_world_create(world) != 0) {
        fprintf(stderr, "barriersim: could not allocate the simulator's memory\n");
        free(world);
        return CLI_EXIT_INTERNAL;
    }

    printf("seed=%" PRIu64 " policy=%s scenario=%s batches=%d workers=%d\n",
           options->seed_first, policy->name, options->selected->name,
           options->selected->batch_count, options->selected->worker_count);
    cli_print_draw(stdout, options->selected, options->seed_first);
    sim_world_run(world, options->selected, policy, options->seed_first, 0,
                  options->trace ? stdout : NULL, &result);

    cli_format_mask(result.violated_mask, violated, sizeof(violated));
    printf("verdict: outcome=%s fires=%d violations=%s steps=%" PRIu32
           " end_t_us=%" PRId64 "\n",
           scen_outcome_name(result.outcome), result.fire_count,
           violated[0] ? violated : "none", result.steps, result.end_us);
    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        if ((result.violated_mask & (1u << prop)) != 0) {
            printf("violation: %s at step %" PRIu32 ": %s\n",
                   sim_prop_name((sim_prop_t)prop), result.first_step[prop],
                   sim_prop_text((sim_prop_t)prop));
        }
    }
    printf("trace_hash=%016" PRIx64 "\n", result.trace_hash);

    sim_world_destroy(world);
    free(world);
    return result.violated_mask != 0 ? CLI_EXIT_VIOLATION : CLI_EXIT_OK;
}

int cli_list(const char *what)
{
    int i;

    if (what != NULL && strcmp(what, "policies") == 0) {
        for (i = 0; i < core_policy_count(); i++) {
            const core_policy_t *p = core_policy_at(i);

            printf("%-17s (%c) %s\n", p->name, p->letter, p->summary);
        }
        return CLI_EXIT_OK;
    }
    if (what != NULL && strcmp(what, "properties") == 0) {
        for (i = 0; i < SIM_PROP_COUNT; i++) {
            printf("%-4s %-8s %s\n", sim_prop_name((sim_prop_t)i),
                   sim_prop_kind((sim_prop_t)i), sim_prop_text((sim_prop_t)i));
        }
        return CLI_EXIT_OK;
    }
    if (what != NULL && strcmp(what, "faults") == 0) {
        for (i = FAULT_F1; i < FAULT_KIND_COUNT; i++) {
            printf("%-4s %s\n", fault_kind_name((fault_kind_t)i),
                   fault_kind_text((fault_kind_t)i));
        }
        return CLI_EXIT_OK;
    }
    fprintf(stderr, "barriersim list: expected one of faults, properties, "
                    "policies; got \"%s\"\n", what == NULL ? "" : what);
    return CLI_EXIT_USAGE;
}

static int cli_sweep(const cli_options_t *options, sim_world_t *world)
{
    report_policy_t reports[CLI_POLICY_MAX];
    report_replay_t replay = {options->program, options->extra_args};
    bool violated = false;
    uint64_t seed;
    int i;

    for (i = 0; i < options->policy_count; i++) {
        report_policy_init(&reports[i], options->policies[i]);
    }

    printf("barriersim run: scenario=%s batches=%d workers=%d seeds=%" PRIu64
           "..%" PRIu64 "\n\n",
           options->selected->name, options->selected->batch_count,
           options->selected->worker_count, options->seed_first, options->seed_last);

    for (seed = options->seed_first;; seed++) {
        if (options->verbose) {
            cli_print_draw(stdout, options->selected, seed);
        }
        for (i = 0; i < options->policy_count; i++) {
            sim_result_t result;

            sim_world_run(world, options->selected, options->policies[i], seed, 0,
                          NULL, &result);
            report_policy_add(&reports[i], &result);
            violated |= result.violated_mask != 0;
        }
        if (seed == options->seed_last) {
            break;
        }
    }

    report_print_table(stdout, reports, options->policy_count, &replay);
    if (options->json_path != NULL &&
        report_write_json(options->json_path, options->selected, options->seed_first,
                          options->seed_last, reports, options->policy_count,
                          &replay) != 0) {
        return CLI_EXIT_INTERNAL;
    }
    return violated ? CLI_EXIT_VIOLATION : CLI_EXIT_OK;
}

static int cli_case(const cli_options_t *options, sim_world_t *world)
{
    const scen_t *scen = options->selected;
    bool all_match = true;
    int i;

    printf("case %s: %s (batches=%d workers=%d seed=%" PRIu64 ")\n\n", scen->name,
           scen->summary, scen->batch_count, scen->worker_count, options->seed_first);
    printf("%-17s %-9s %-20s %-9s %-20s %s\n", "policy", "outcome", "violated",
           "expected", "expected violated", "match");

    for (i = 0; i < options->policy_count; i++) {
        const scen_expect_t *expect = NULL;
        const char *expected_outcome;
        const char *expected_violated;
        char expected[128];
        sim_result_t result;
        char violated[128];
        char command[512];
        report_replay_t replay = {options->program, options->extra_args};
        bool match;

        sim_world_run(world, scen, options->policies[i], options->seed_first, 0, NULL,
                      &result);
        match = cli_case_matches(scen, options->policies[i], &result, &expect);
        all_match &= match;
        cli_format_mask(result.violated_mask, violated, sizeof(violated));
        expected_outcome = "?";
        expected_violated = "?";
        if (expect != NULL) {
            cli_format_mask(expect->violated_mask, expected, sizeof(expected));
            expected_outcome = scen_outcome_name(expect->outcome);
            expected_violated = expected[0] ? expected : "-";
        }
        printf("%-17s %-9s %-20s %-9s %-20s %s\n", options->policies[i]->name,
               scen_outcome_name(result.outcome), violated[0] ? violated : "-",
               expected_outcome, expected_violated, match ? "yes" : "NO");
        if (!match) {
            report_replay_command(&replay, options->policies[i]->name,
                                  options->seed_first, command, sizeof(command));
            printf("    replay: %s --trace\n", command);
        }
    }
    return all_match ? CLI_EXIT_OK : CLI_EXIT_VIOLATION;
}

/* A case matches when the outcome is the expected one and exactly the
 * expected properties were violated. */
static bool cli_case_matches(const scen_t *scen, const core_policy_t *policy,
                             const sim_result_t *result, const scen_expect_t **expect_out)
{
    int i;

    *expect_out = NULL;
    for (i = 0; i < scen->expect_count; i++) {
        if (strcmp(scen->expect[i].policy, policy->name) == 0) {
            *expect_out = &scen->expect[i];
            return result->outcome == scen->expect[i].outcome &&
                   result->violated_mask == scen->expect[i].violated_mask;
        }
    }
    return false;
}

static void cli_format_mask(uint32_t mask, char *buf, size_t buf_size)
{
    size_t used = 0;
    int prop;

    buf[0] = '\0';
    for (prop = 0; prop < SIM_PROP_COUNT && used < buf_size; prop++) {
        if ((mask & (1u << prop)) != 0) {
            used += (size_t)snprintf(buf + used, buf_size - used, "%s%s",
                                     used ? " " : "", sim_prop_name((sim_prop_t)prop));
        }
    }
}

static void cli_print_draw(FILE *out, const scen_t *scen, uint64_t seed)
{
    sim_draw_t draw;
    char text[512];

    sim_world_draw(scen, seed, &draw);
    sim_draw_describe(&draw, text, (int)sizeof(text));
    fprintf(out, "seed=%" PRIu64 " %s\n", seed, text);
}
