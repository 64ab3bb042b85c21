/* check — run every scenario file under a folder against its expectations. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../scenarios/scen_file.h"

/* The scenario files of one check, loaded. */
typedef struct {
    int count;
    char **paths;
    scen_t *scens;
} cli_corpus_t;

/* Totals of one check. */
typedef struct {
    int policy_check_count;
    int failed_count;
} cli_check_totals_t;

static int cli_corpus_load(const char *dir, cli_corpus_t *corpus);
static int cli_corpus_names_unique(const cli_corpus_t *corpus);
static void cli_corpus_free(cli_corpus_t *corpus);
static json_t *cli_check_coverage(const sim_coverage_t *coverage, const scen_t *scen,
                                  cli_check_totals_t *totals);
static json_t *cli_check_scenario(sim_world_t *world, const char *program,
                                  const char *path, const scen_t *scen,
                                  cli_check_totals_t *totals);
static void cli_check_print(const char *program, const char *path, const scen_t *scen,
                            const char *policy, const scen_verdict_t *verdict);
static json_t *cli_verdict_json(const scen_verdict_t *verdict);

int cli_check(int argc, char **argv, const char *program)
{
    cli_check_totals_t totals = {0, 0};
    cli_corpus_t corpus = {0, NULL, NULL};
    const char *json_path = NULL;
    const char *dir = NULL;
    sim_world_t *world;
    json_t *scenarios;
    int rc;
    int i;

    rc = cli_check_parse(argc, argv, &dir, &json_path);
    if (rc != 0) {
        return rc;
    }
    rc = cli_corpus_load(dir, &corpus);
    if (rc != 0) {
        return rc;
    }
    world = cli_world_new(NULL);
    if (world == NULL) {
        cli_corpus_free(&corpus);
        return CLI_EXIT_INTERNAL;
    }

    printf("barriersim check: %d scenario file%s under %s\n\n", corpus.count,
           corpus.count == 1 ? "" : "s", dir);
    scenarios = json_object();
    for (i = 0; i < corpus.count; i++) {
        json_object_set_new(scenarios, corpus.scens[i].name,
                            cli_check_scenario(world, program, corpus.paths[i],
                                               &corpus.scens[i], &totals));
    }
    printf("\n%d scenarios, %d policy checks, %d failed\n", corpus.count,
           totals.policy_check_count, totals.failed_count);
    rc = totals.failed_count > 0 ? CLI_EXIT_VIOLATION : CLI_EXIT_OK;

    if (json_path != NULL) {
        json_t *root = json_object();

        json_object_set_new(root, "schema", json_integer(1));
        json_object_set_new(root, "scenarios", scenarios);
        rc = cli_write_json(json_path, root) != 0 ? CLI_EXIT_INTERNAL : rc;
        json_decref(root);
    } else {
        json_decref(scenarios);
    }
    cli_world_free(world);
    cli_corpus_free(&corpus);
    return rc;
}

/* check DIR [--json PATH] */
int cli_check_parse(int argc, char **argv, const char **dir_out,
                    const char **json_out)
{
    static const struct option long_options[] = {
        {"json", required_argument, NULL, CLI_OPTION_FIRST},
        {NULL, 0, NULL, 0},
    };
    int opt;

    optind = 0; /* a full reset, as in cli_parse */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        if (opt != CLI_OPTION_FIRST) {
            char problem[CLI_ERROR_MAX];

            cli_describe_bad_option(argc, argv, problem, sizeof(problem));
            fprintf(stderr, "barriersim check: %s; usage: check DIR [--json PATH]\n",
                    problem);
            return CLI_EXIT_USAGE;
        }
        *json_out = optarg;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "barriersim check: expected one folder of scenario files; "
                        "usage: check DIR [--json PATH]\n");
        return CLI_EXIT_USAGE;
    }
    *dir_out = argv[optind];
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
static json_t *cli_check_scenario(sim_world_t *world, const char *program,
                                  const char *path, const scen_t *scen,
                                  cli_check_totals_t *totals)
{
    const core_policy_t *policies[CLI_POLICY_MAX];
    report_policy_t reports[CLI_POLICY_MAX];
    scen_tally_t tallies[CLI_POLICY_MAX];
    json_t *entry = json_object();
    json_t *verdicts = json_object();
    int policy_count = cli_scenario_policies(scen, policies);
    int i;

    for (i = 0; i < policy_count; i++) {
        report_policy_init(&reports[i], policies[i]);
        scen_tally_init(&tallies[i], scen, policies[i]->name);
    }
    world->coverage = scen->coverage_required ? calloc(1, sizeof(*world->coverage)) : NULL;
    cli_run_seeds(world, scen, policies, policy_count, scen->seed_first, scen->seed_last,
                  false, reports, tallies);
    if (world->coverage != NULL) {
        json_object_set_new(entry, "coverage",
                            cli_check_coverage(world->coverage, scen, totals));
        free(world->coverage);
        world->coverage = NULL;
    }

    for (i = 0; i < policy_count; i++) {
        scen_verdict_t verdict;

        scen_tally_judge(&tallies[i], &verdict);
        cli_check_print(program, path, scen, policies[i]->name, &verdict);
        totals->policy_check_count++;
        totals->failed_count += verdict.match ? 0 : 1;
        json_object_set_new(verdicts, policies[i]->name, cli_verdict_json(&verdict));
    }
    json_object_set_new(entry, "file", json_string(path));
    json_object_set_new(entry, "policies", verdicts);
    return entry;
}

/* coverage: faults — every fault cell the scenario enables was struck. */
static json_t *cli_check_coverage(const sim_coverage_t *coverage, const scen_t *scen,
                                  cli_check_totals_t *totals)
{
    char unreached[1024];
    int count = sim_coverage_unreached(coverage, scen, unreached, sizeof(unreached));

    totals->policy_check_count++;
    if (count == 0) {
        printf("PASS %s coverage: every enabled fault cell was struck\n", scen->name);
    } else {
        totals->failed_count++;
        printf("FAIL %s coverage: %d enabled fault cell(s) never struck in %" PRIu64
               " runs: %s; widen the seed range or the rates, or narrow faults.kinds\n",
               scen->name, count, coverage->runs, unreached);
    }
    return json_pack("{s:b,s:I,s:s}", "match", count == 0, "runs",
                     (json_int_t)coverage->runs, "unreached", unreached);
}

static void cli_check_print(const char *program, const char *path, const scen_t *scen,
                            const char *policy, const scen_verdict_t *verdict)
{
    char extra[CLI_ARGS_MAX + 16];
    char quoted[CLI_ARGS_MAX];
    char command[CLI_COMMAND_MAX];
    report_replay_t replay = {program, extra};
    int r;

    if (verdict->match) {
        printf("PASS %s %s\n", scen->name, policy);
        return;
    }
    printf("FAIL %s %s:", scen->name, policy);
    for (r = 0; r < verdict->reason_count; r++) {
        printf("%s %s", r > 0 ? ";" : "", verdict->reasons[r]);
    }
    printf("\n");

    /* "violates" and a missing expectation have no seed to replay. */
    if (!verdict->has_failing_seed) {
        return;
    }
    if (cli_shell_quote(path, quoted, sizeof(quoted)) != 0) {
        snprintf(quoted, sizeof(quoted), "%s", path);
    }
    snprintf(extra, sizeof(extra), "--scenario %s", quoted);
    report_replay_command(&replay, policy, verdict->failing_seed, command,
                          sizeof(command));
    printf("    replay: %s --trace\n", command);
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
