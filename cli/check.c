/* check — run every scenario file under a folder against its expectations. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../reports/suite.h"
#include "../scenarios/scen_file.h"

/* The scenario files of one check, loaded. */
typedef struct {
    int count;
    char **paths;
    scen_t *scens;
} cli_corpus_t;

/* The state of one check: its totals and, when --junit or --tap asked for
 * them, its test cases. */
typedef struct {
    const char *program;
    int policy_check_count;
    int failed_count;
    report_suite_t *suite;      /* NULL without --junit and --tap */
    bool suite_failed;          /* out of memory while adding a case */
} cli_check_state_t;

#define CLI_CHECK_USAGE "usage: check DIR [--json PATH] [--junit PATH] [--tap PATH]"

static int cli_check_run(const cli_check_args_t *args, const cli_corpus_t *corpus,
                         cli_check_state_t *state, json_t *scenarios);
static int cli_check_write(const cli_check_args_t *args, const cli_check_state_t *state,
                           json_t *scenarios);
static int cli_corpus_load(const char *dir, cli_corpus_t *corpus);
static int cli_corpus_names_unique(const cli_corpus_t *corpus);
static void cli_corpus_free(cli_corpus_t *corpus);
static json_t *cli_check_coverage(const sim_coverage_t *coverage, const char *path,
                                  const scen_t *scen, cli_check_state_t *state);
static json_t *cli_check_scenario(sim_world_t *world, const char *path,
                                  const scen_t *scen, cli_check_state_t *state);
static void cli_check_verdict(cli_check_state_t *state, const char *path,
                              const scen_t *scen, const char *policy,
                              const scen_verdict_t *verdict);
static void cli_check_command(const cli_check_state_t *state, const char *path,
                              const char *policy, const scen_verdict_t *verdict,
                              char *command, size_t command_size);
static void cli_check_case(cli_check_state_t *state, const char *name, bool passed,
                           const char *message, const char *command);
static json_t *cli_verdict_json(const scen_verdict_t *verdict);

int cli_check(int argc, char **argv, const char *program)
{
    cli_check_args_t args = {NULL, NULL, NULL, NULL};
    cli_check_state_t state = {program, 0, 0, NULL, false};
    cli_corpus_t corpus = {0, NULL, NULL};
    report_suite_t suite;
    char suite_name[PATH_MAX + 32];
    json_t *scenarios;
    int rc;

    rc = cli_check_parse(argc, argv, &args);
    if (rc != 0) {
        return rc;
    }
    rc = cli_corpus_load(args.dir, &corpus);
    if (rc != 0) {
        return rc;
    }
    if (args.junit_path != NULL || args.tap_path != NULL) {
        snprintf(suite_name, sizeof(suite_name), "barriersim check %s", args.dir);
        if (report_suite_init(&suite, suite_name) != 0) {
            fprintf(stderr, "barriersim check: out of memory for the test cases\n");
            cli_corpus_free(&corpus);
            return CLI_EXIT_INTERNAL;
        }
        state.suite = &suite;
    }

    scenarios = json_object();
    rc = cli_check_run(&args, &corpus, &state, scenarios);
    if (rc == CLI_EXIT_OK || rc == CLI_EXIT_MISMATCH) {
        int write_rc = cli_check_write(&args, &state, scenarios);

        rc = write_rc != 0 ? write_rc : rc;
    }
    json_decref(scenarios);
    if (state.suite != NULL) {
        report_suite_free(state.suite);
    }
    cli_corpus_free(&corpus);
    return rc;
}

/* Run every scenario of the corpus, adding its verdicts to scenarios. */
static int cli_check_run(const cli_check_args_t *args, const cli_corpus_t *corpus,
                         cli_check_state_t *state, json_t *scenarios)
{
    sim_world_t *world = cli_world_new(NULL);
    int i;

    if (world == NULL) {
        return CLI_EXIT_INTERNAL;
    }
    printf("barriersim check: %d scenario file%s under %s\n\n", corpus->count,
           corpus->count == 1 ? "" : "s", args->dir);
    for (i = 0; i < corpus->count; i++) {
        json_object_set_new(scenarios, corpus->scens[i].name,
                            cli_check_scenario(world, corpus->paths[i], &corpus->scens[i],
                                               state));
    }
    printf("\n%d scenarios, %d policy checks, %d failed\n", corpus->count,
           state->policy_check_count, state->failed_count);
    cli_world_free(world);
    if (state->suite_failed) {
        fprintf(stderr, "barriersim check: out of memory for the test cases\n");
        return CLI_EXIT_INTERNAL;
    }
    return state->failed_count > 0 ? CLI_EXIT_MISMATCH : CLI_EXIT_OK;
}

/* Write each file the command line names; every one is tried even when an
 * earlier one fails. Returns 0 or CLI_EXIT_INTERNAL. */
static int cli_check_write(const cli_check_args_t *args, const cli_check_state_t *state,
                           json_t *scenarios)
{
    int rc = 0;

    if (args->json_path != NULL) {
        json_t *root = json_object();

        json_object_set_new(root, "schema", json_integer(1));
        json_object_set(root, "scenarios", scenarios);
        rc |= cli_write_json(args->json_path, root) != 0;
        json_decref(root);
    }
    if (args->junit_path != NULL) {
        rc |= report_write_junit(args->junit_path, state->suite) != 0;
    }
    if (args->tap_path != NULL) {
        rc |= report_write_tap(args->tap_path, state->suite) != 0;
    }
    return rc != 0 ? CLI_EXIT_INTERNAL : 0;
}

/* check DIR [--json PATH] [--junit PATH] [--tap PATH] */
int cli_check_parse(int argc, char **argv, cli_check_args_t *args)
{
    static const struct option long_options[] = {
        {"json", required_argument, NULL, 'j'},
        {"junit", required_argument, NULL, 'x'},
        {"tap", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    int opt;

    optind = 0; /* a full reset, as in cli_parse */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        if (opt == 'j') {
            args->json_path = optarg;
        } else if (opt == 'x') {
            args->junit_path = optarg;
        } else if (opt == 't') {
            args->tap_path = optarg;
        } else {
            char problem[CLI_ERROR_MAX];

            cli_describe_bad_option(argc, argv, problem, sizeof(problem));
            fprintf(stderr, "barriersim check: %s; " CLI_CHECK_USAGE "\n", problem);
            return CLI_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "barriersim check: expected one folder of scenario files; "
                        CLI_CHECK_USAGE "\n");
        return CLI_EXIT_USAGE;
    }
    args->dir = argv[optind];
    return 0;
}

/* Load every file, reporting each one that does not load; nothing runs
 * unless all of them load and their names are distinct. */
static int cli_corpus_load(const char *dir, cli_corpus_t *corpus)
{
    char error[CLI_ERROR_MAX];
    int bad_count = 0;
    int i;

    corpus->count = cli_find_yaml(dir, &corpus->paths);
    if (corpus->count < 0) {
        corpus->count = 0;
        return CLI_EXIT_USAGE;
    }
    if (corpus->count == 0) {
        fprintf(stderr, "barriersim check: no *.yaml files under \"%s\"\n", dir);
        cli_corpus_free(corpus);
        return CLI_EXIT_USAGE;
    }
    corpus->scens = calloc((size_t)corpus->count, sizeof(*corpus->scens));
    if (corpus->scens == NULL) {
        fprintf(stderr, "barriersim check: out of memory loading %d scenario files\n",
                corpus->count);
        cli_corpus_free(corpus);
        return CLI_EXIT_INTERNAL;
    }

    for (i = 0; i < corpus->count; i++) {
        if (scen_file_load(corpus->paths[i], &corpus->scens[i], error,
                           sizeof(error)) != 0) {
            fprintf(stderr, "barriersim check: %s\n", error);
            bad_count++;
        }
    }
    if (bad_count == 0 && cli_corpus_names_unique(corpus) != 0) {
        bad_count++;
    }
    if (bad_count > 0) {
        fprintf(stderr, "barriersim check: %d of %d scenario files did not load; "
                        "nothing was run\n", bad_count, corpus->count);
        cli_corpus_free(corpus);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* Scenario names key the results, so two files must not share one. */
static int cli_corpus_names_unique(const cli_corpus_t *corpus)
{
    int rc = 0;
    int i;
    int j;

    for (i = 0; i < corpus->count; i++) {
        for (j = 0; j < i; j++) {
            if (strcmp(corpus->scens[i].name, corpus->scens[j].name) == 0) {
                fprintf(stderr, "barriersim check: %s: scenario name \"%s\" is also "
                                "used by %s; give each scenario its own name\n",
                        corpus->paths[i], corpus->scens[i].name, corpus->paths[j]);
                rc = -1;
            }
        }
    }
    return rc;
}

static void cli_corpus_free(cli_corpus_t *corpus)
{
    int i;

    for (i = 0; i < corpus->count; i++) {
        free(corpus->paths[i]);
    }
    free(corpus->paths);
    free(corpus->scens);
    corpus->count = 0;
    corpus->paths = NULL;
    corpus->scens = NULL;
}

/* Run one scenario's policies and seeds; print and return its verdicts. */
static json_t *cli_check_scenario(sim_world_t *world, const char *path,
                                  const scen_t *scen, cli_check_state_t *state)
{
    const core_policy_t *policies[CLI_POLICY_MAX];
    report_policy_t reports[CLI_POLICY_MAX];
    scen_tally_t tallies[CLI_POLICY_MAX];
    json_t *entry = json_object();
    json_t *verdicts = json_object();
    int policy_count = cli_scenario_policies(scen, policies);
    struct timespec start;
    int i;

    if (state->suite != NULL && report_suite_group(state->suite, scen->name, path) != 0) {
        state->suite_failed = true;
    }
    for (i = 0; i < policy_count; i++) {
        report_policy_init(&reports[i], policies[i]);
        scen_tally_init(&tallies[i], scen, policies[i]->name);
    }

    /* Wall time goes to the JUnit report only; no run reads it. */
    clock_gettime(CLOCK_MONOTONIC, &start);
    world->coverage = scen->coverage_required ? calloc(1, sizeof(*world->coverage)) : NULL;
    cli_run_seeds(world, scen, policies, policy_count, scen->seed_first, scen->seed_last,
                  false, reports, tallies);
    if (state->suite != NULL) {
        report_suite_group_time(state->suite, cli_seconds_since(&start));
    }
    if (world->coverage != NULL) {
        json_object_set_new(entry, "coverage",
                            cli_check_coverage(world->coverage, path, scen, state));
        free(world->coverage);
        world->coverage = NULL;
    }

    for (i = 0; i < policy_count; i++) {
        scen_verdict_t verdict;

        scen_tally_judge(&tallies[i], &verdict);
        cli_check_verdict(state, path, scen, policies[i]->name, &verdict);
        json_object_set_new(verdicts, policies[i]->name, cli_verdict_json(&verdict));
    }
    json_object_set_new(entry, "file", json_string(path));
    json_object_set_new(entry, "policies", verdicts);
    return entry;
}

/* coverage: faults — every fault cell the scenario enables was struck. */
static json_t *cli_check_coverage(const sim_coverage_t *coverage, const char *path,
                                  const scen_t *scen, cli_check_state_t *state)
{
    char unreached[1024];
    char message[1200];
    char quoted[CLI_ARGS_MAX];
    char command[CLI_COMMAND_MAX];
    int count = sim_coverage_unreached(coverage, scen, unreached, sizeof(unreached));

    state->policy_check_count++;
    if (count == 0) {
        printf("PASS %s coverage: every enabled fault cell was struck\n", scen->name);
        cli_check_case(state, "coverage", true, NULL, NULL);
    } else {
        state->failed_count++;
        snprintf(message, sizeof(message),
                 "%d enabled fault cell(s) never struck in %" PRIu64 " runs: %s; widen "
                 "the seed range or the rates, or narrow faults.kinds",
                 count, coverage->runs, unreached);
        if (cli_shell_quote(path, quoted, sizeof(quoted)) != 0) {
            snprintf(quoted, sizeof(quoted), "%s", path);
        }
        snprintf(command, sizeof(command), "%s run --scenario %s --coverage",
                 state->program, quoted);
        printf("FAIL %s coverage: %s\n    rerun: %s\n", scen->name, message, command);
        cli_check_case(state, "coverage", false, message, command);
    }
    return json_pack("{s:b,s:I,s:s}", "match", count == 0, "runs",
                     (json_int_t)coverage->runs, "unreached", unreached);
}

/* Count, print and record one policy's verdict. A failure prints the
 * command that reproduces it: a replay of the first seed that broke the
 * expectation, or a rerun of the scenario when no single seed did. */
static void cli_check_verdict(cli_check_state_t *state, const char *path,
                              const scen_t *scen, const char *policy,
                              const scen_verdict_t *verdict)
{
    char message[SCEN_REASON_MAX * (SCEN_REASON_SIZE + 2)];
    char command[CLI_COMMAND_MAX];
    size_t used = 0;
    int r;

    state->policy_check_count++;
    if (verdict->match) {
        printf("PASS %s %s\n", scen->name, policy);
        cli_check_case(state, policy, true, NULL, NULL);
        return;
    }
    state->failed_count++;
    message[0] = '\0';
    for (r = 0; r < verdict->reason_count && used < sizeof(message); r++) {
        used += (size_t)snprintf(message + used, sizeof(message) - used, "%s%s",
                                 r > 0 ? "; " : "", verdict->reasons[r]);
    }
    cli_check_command(state, path, policy, verdict, command, sizeof(command));
    printf("FAIL %s %s: %s\n", scen->name, policy, message);
    printf("    %s: %s\n", verdict->has_failing_seed ? "replay" : "rerun", command);
    cli_check_case(state, policy, false, message, command);
}

static void cli_check_command(const cli_check_state_t *state, const char *path,
                              const char *policy, const scen_verdict_t *verdict,
                              char *command, size_t command_size)
{
    char extra[CLI_ARGS_MAX + 16];
    char quoted[CLI_ARGS_MAX];
    report_replay_t replay = {state->program, extra};
    size_t used;

    if (cli_shell_quote(path, quoted, sizeof(quoted)) != 0) {
        snprintf(quoted, sizeof(quoted), "%s", path);
    }

    /* "violates" and a missing expectation have no seed to replay. */
    if (!verdict->has_failing_seed) {
        snprintf(command, command_size, "%s run --scenario %s --policy %s",
                 state->program, quoted, policy);
        return;
    }
    snprintf(extra, sizeof(extra), "--scenario %s", quoted);
    report_replay_command(&replay, policy, verdict->failing_seed, command, command_size);
    used = strlen(command);
    snprintf(command + used, command_size - used, " --trace");
}

/* Add a test case for --junit and --tap, when they were asked for. */
static void cli_check_case(cli_check_state_t *state, const char *name, bool passed,
                           const char *message, const char *command)
{
    if (state->suite != NULL &&
        report_suite_add(state->suite, name, passed, message, command) != 0) {
        state->suite_failed = true;
    }
}

static json_t *cli_verdict_json(const scen_verdict_t *verdict)
{
    json_t *entry = json_object();
    json_t *reasons = json_array();
    int r;

    for (r = 0; r < verdict->reason_count; r++) {
        json_array_append_new(reasons, json_string(verdict->reasons[r]));
    }
    json_object_set_new(entry, "match", json_boolean(verdict->match));
    json_object_set_new(entry, "reasons", reasons);
    json_object_set_new(entry, "first_failing_seed",
                        verdict->has_failing_seed
                            ? json_integer((json_int_t)verdict->failing_seed)
                            : json_null());
    return entry;
}

/* Write to a temporary name and rename, so a failed write leaves no
 * half-written file at path. */
int cli_write_json(const char *path, json_t *root)
{
    char tmp_path[PATH_MAX];
    int rc;

    if (snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", path) >= (int)sizeof(tmp_path)) {
        fprintf(stderr, "barriersim: JSON path is too long: %s\n", path);
        return -1;
    }
    rc = json_dump_file(root, tmp_path, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (rc != 0 || rename(tmp_path, path) != 0) {
        fprintf(stderr, "barriersim: could not write JSON results \"%s\": %s; "
                        "check that the folder exists and is writable\n",
                path, strerror(errno));
        remove(tmp_path);
        return -1;
    }
    return 0;
}
