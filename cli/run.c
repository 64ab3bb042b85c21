/* run — the run, replay and list subcommands. */
#include "cli.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scenarios/expect.h"

static int cli_sweep(const cli_options_t *options, sim_world_t *world);
static int cli_sweep_status(const scen_t *scen, bool violated, bool matched, bool covered);
static bool cli_print_expectations(const cli_options_t *options,
                                   const scen_tally_t *tallies);
static void cli_format_mask(uint32_t mask, char *buf, size_t buf_size);
static bool cli_print_coverage(const sim_coverage_t *coverage, const scen_t *scen);
static void cli_print_draw(FILE *out, const scen_t *scen, uint64_t seed);

int cli_run(const cli_options_t *options)
{
    sim_world_t *world = cli_world_new(options);
    int rc;

    if (world == NULL) {
        return CLI_EXIT_INTERNAL;
    }
    rc = cli_sweep(options, world);
    cli_world_free(world);
    return rc;
}

/* replay --check: two runs, compared step by step. */
static int cli_replay_check(sim_world_t *world, const cli_options_t *options)
{
    const core_policy_t *policy = options->policies[0];
    sim_determinism_t check;

    if (sim_determinism_check(world, options->selected, policy, options->seed_first, 0,
                              &check) != 0) {
        fprintf(stderr, "barriersim replay: out of memory comparing the two runs\n");
        return CLI_EXIT_INTERNAL;
    }
    if (check.same) {
        printf("determinism: seed %" PRIu64 " under %s ran twice to the same %" PRIu32
               " steps, trace_hash=%016" PRIx64 " both times\n",
               options->seed_first, policy->name, check.steps, check.trace_hash[0]);
        return CLI_EXIT_OK;
    }
    printf("determinism: seed %" PRIu64 " under %s: the runs differ first at step %" PRIu32
           " (trace_hash %016" PRIx64 " then %016" PRIx64 ")\n"
           "first run, step %" PRIu32 ":\n%s"
           "second run, step %" PRIu32 ":\n%s",
           options->seed_first, policy->name, check.step, check.trace_hash[0],
           check.trace_hash[1], check.step, check.lines[0] ? check.lines[0] : "",
           check.step, check.lines[1] ? check.lines[1] : "");
    sim_determinism_free(&check);
    return CLI_EXIT_INTERNAL;
}

int cli_replay(const cli_options_t *options)
{
    const core_policy_t *policy = options->policies[0];
    sim_world_t *world = cli_world_new(options);
    sim_result_t result;
    char violated[128];
    int prop;

    if (world == NULL) {
        return CLI_EXIT_INTERNAL;
    }
    if (options->check) {
        int rc = cli_replay_check(world, options);

        cli_world_free(world);
        return rc;
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

    cli_world_free(world);
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
    if (what != NULL && strcmp(what, "mutants") == 0) {
        for (i = 0; i < core_mutant_count(); i++) {
            const core_policy_t *p = core_mutant_at(i);

            printf("%-20s %s\n", p->name, p->summary);
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
                    "policies, mutants; got \"%s\"\n", what == NULL ? "" : what);
    return CLI_EXIT_USAGE;
}

void cli_run_seeds(sim_world_t *world, const scen_t *scen,
                   const core_policy_t *const *policies, int policy_count,
                   uint64_t seed_first, uint64_t seed_last, bool verbose,
                   report_policy_t *reports, scen_tally_t *tallies)
{
    cli_run_seeds_progress(world, scen, policies, policy_count, seed_first, seed_last,
                           verbose, NULL, reports, tallies);
}

void cli_run_seeds_progress(sim_world_t *world, const scen_t *scen,
                            const core_policy_t *const *policies, int policy_count,
                            uint64_t seed_first, uint64_t seed_last, bool verbose,
                            cli_progress_t *progress, report_policy_t *reports,
                            scen_tally_t *tallies)
{
    uint64_t done = 0;
    uint64_t seed;
    int i;

    assert(seed_first <= seed_last);
    for (seed = seed_first;; seed++) {
        if (verbose) {
            if (progress != NULL) {
                cli_progress_clear(progress);
            }
            cli_print_draw(stdout, scen, seed);
            fflush(stdout);
        }
        for (i = 0; i < policy_count; i++) {
            sim_result_t result;

            sim_world_run(world, scen, policies[i], seed, 0, NULL, &result);
            report_policy_add(&reports[i], &result);
            scen_tally_add(&tallies[i], seed, result.outcome, result.violated_mask);
        }
        done += (uint64_t)policy_count;
        if (progress != NULL) {
            cli_progress_update(progress, done);
        }
        /* Checked here rather than in the loop condition, so that a range
         * ending at UINT64_MAX does not wrap. */
        if (seed == seed_last) {
            break;
        }
    }
}

int cli_scenario_policies(const scen_t *scen, const core_policy_t **policies_out)
{
    int count = 0;
    int i;

    if (scen->policy_count == 0) {
        for (i = 0; i < core_policy_count() && i < CLI_POLICY_MAX; i++) {
            policies_out[count++] = core_policy_at(i);
        }
        return count;
    }
    for (i = 0; i < scen->policy_count && i < CLI_POLICY_MAX; i++) {
        /* The loader accepts known policy names only. */
        policies_out[count] = core_policy_find(scen->policies[i]);
        assert(policies_out[count] != NULL);
        count++;
    }
    return count;
}

static int cli_sweep(const cli_options_t *options, sim_world_t *world)
{
    const scen_t *scen = options->selected;
    report_policy_t reports[CLI_POLICY_MAX];
    scen_tally_t tallies[CLI_POLICY_MAX];
    report_replay_t replay = {options->program, options->extra_args};
    cli_progress_t progress;
    bool violated = false;
    bool matched = true;
    bool covered = true;
    int i;

    for (i = 0; i < options->policy_count; i++) {
        report_policy_init(&reports[i], options->policies[i]);
        scen_tally_init(&tallies[i], scen, options->policies[i]->name);
    }

    printf("barriersim run: scenario=%s batches=%d workers=%d seeds=%" PRIu64
           "..%" PRIu64 "\n",
           scen->name, scen->batch_count, scen->worker_count, options->seed_first,
           options->seed_last);
    if (options->file_path[0] != '\0') {
        printf("file: %s\nsummary: %s\n", options->file_path, scen->summary);
    }
    printf("\n");

    if (options->coverage || scen->coverage_required) {
        world->coverage = calloc(1, sizeof(*world->coverage));
        if (world->coverage == NULL) {
            fprintf(stderr, "barriersim run: out of memory for the coverage counts\n");
            return CLI_EXIT_INTERNAL;
        }
    }
    cli_progress_start(&progress, stderr, cli_progress_mode_for(stderr, options->quiet),
                       "run",
                       cli_progress_runs(options->seed_first, options->seed_last,
                                         (uint64_t)options->policy_count));
    cli_run_seeds_progress(world, scen, options->policies, options->policy_count,
                           options->seed_first, options->seed_last, options->verbose,
                           &progress, reports, tallies);
    cli_progress_finish(&progress);
    for (i = 0; i < options->policy_count; i++) {
        violated |= tallies[i].seen_mask != 0;
    }

    report_print_table(stdout, reports, options->policy_count, &replay);
    if (world->coverage != NULL) {
        covered = cli_print_coverage(world->coverage, scen);
        free(world->coverage);
        world->coverage = NULL;
    }
    if (scen->expect_count > 0) {
        matched = cli_print_expectations(options, tallies);
    }
    if (options->json_path != NULL &&
        report_write_json(options->json_path, scen, options->seed_first,
                          options->seed_last, reports, options->policy_count,
                          &replay) != 0) {
        return CLI_EXIT_INTERNAL;
    }
    return cli_sweep_status(scen, violated, matched, covered);
}

/* A file's expectations judge its runs, so a violation they expect passes.
 * An unstruck fault cell fails only a file with coverage: faults; under
 * run --coverage alone the table is for reading. */
static int cli_sweep_status(const scen_t *scen, bool violated, bool matched, bool covered)
{
    if (!matched || (scen->coverage_required && !covered)) {
        return CLI_EXIT_MISMATCH;
    }
    if (scen->expect_count == 0 && violated) {
        return CLI_EXIT_VIOLATION;
    }
    return CLI_EXIT_OK;
}

/* The coverage table; false when an enabled fault cell was never struck. */
static bool cli_print_coverage(const sim_coverage_t *coverage, const scen_t *scen)
{
    char unreached[1024];
    int count = sim_coverage_unreached(coverage, scen, unreached, sizeof(unreached));

    printf("\n");
    sim_coverage_print(stdout, coverage, scen);
    if (count == 0) {
        printf("coverage: every fault cell the scenario enables was struck\n");
        return true;
    }
    printf("coverage: %d enabled fault cell(s) never struck: %s\n", count, unreached);
    return false;
}

/* One line per policy: how its seeds ended, which properties any seed
 * violated, and whether that matches the file. Returns true when all match. */
static bool cli_print_expectations(const cli_options_t *options,
                                   const scen_tally_t *tallies)
{
    report_replay_t replay = {options->program, options->extra_args};
    bool all_match = true;
    int i;
    int r;

    printf("\nexpectations:\n%-17s %-9s %-20s %s\n", "policy", "outcome", "violated",
           "match");
    for (i = 0; i < options->policy_count; i++) {
        int outcome = scen_tally_common_outcome(&tallies[i]);
        scen_verdict_t verdict;
        char violated[128];
        char command[CLI_COMMAND_MAX];

        scen_tally_judge(&tallies[i], &verdict);
        all_match &= verdict.match;
        cli_format_mask(tallies[i].seen_mask, violated, sizeof(violated));
        printf("%-17s %-9s %-20s %s", options->policies[i]->name,
               outcome < 0 ? "mixed" : scen_outcome_name((scen_outcome_t)outcome),
               violated[0] ? violated : "-", verdict.match ? "yes" : "NO:");
        for (r = 0; r < verdict.reason_count; r++) {
            printf("%s %s", r > 0 ? ";" : "", verdict.reasons[r]);
        }
        printf("\n");
        if (!verdict.match && verdict.has_failing_seed) {
            report_replay_command(&replay, options->policies[i]->name,
                                  verdict.failing_seed, command, sizeof(command));
            printf("    replay: %s --trace\n", command);
        }
    }
    return all_match;
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

