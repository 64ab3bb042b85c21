/* compare — sweep scenarios under several policies and write the policy
 * comparison report (reports/compare.h): report.json, report.md and
 * report.html, or a shard's report.json with --shard K/N. SIGINT or SIGTERM
 * writes the partial report, which --resume DIR continues. */
#include "cli.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../reports/compare.h"
#include "progress.h"
#include "../scenarios/scen_file.h"
#include "../sim/transcript.h"

#define CLI_COMPARE_ARG_MAX 64           /* --scenario options */
#define CLI_COMPARE_BUDGET_DEFAULT 200   /* shrink runs per counterexample */
#define CLI_TRANSCRIPT_AFTER 8           /* lines kept after the violation */
#define CLI_TRANSCRIPT_HEAD 40           /* lines kept from the start of a long run */
#define CLI_TRANSCRIPT_TAIL 160          /* lines kept up to the violation */
#define CLI_COMPARE_SEEDS_DEFAULT 1000   /* seeds of the built-in scenario */
#define CLI_COMPARE_INTERRUPTED 130      /* 128 + SIGINT, as shells report it */

typedef struct {
    const char *program;
    const char *out_dir;
    const char *resume_dir;
    bool quiet;                /* --quiet: no progress on stderr */
    int scenario_arg_count;
    const char *scenario_args[CLI_COMPARE_ARG_MAX];
    int policy_count;
    const core_policy_t *policies[CLI_POLICY_MAX];
    bool seeds_given;
    uint64_t seed_first;
    uint64_t seed_last;
    int shard_index;
    int shard_count;
    int shrink_budget;
    int confirm_count;
    const char *confirm_paths[REPORT_CONFIRM_FILE_MAX];
} cli_compare_options_t;

/* What a sweep runs: the scenarios, loaded, beside the report. */
typedef struct {
    report_compare_t report;
    scen_t *scens;             /* [report.scenario_count] */
    sim_world_t *world;
    const char *out_dir;
    const char *program;
    struct timespec start;
    cli_progress_t progress;
    bool quiet;
    uint64_t runs_before;      /* runs a resumed report had done already */
    uint64_t runs;             /* runs done by this process */
} cli_sweep_t;

static volatile sig_atomic_t cli_compare_stop;

static int cli_compare_parse(int argc, char **argv, cli_compare_options_t *options);
static int cli_compare_option(int opt, const char *arg, cli_compare_options_t *options);
static int cli_compare_setup(cli_compare_options_t *options, cli_sweep_t *sweep);
static int cli_compare_add_files(const char *arg, char ***files, int *count);
static int cli_compare_load(cli_sweep_t *sweep, int index, const char *file,
                            const cli_compare_options_t *options);
static int cli_compare_resume(const char *dir, cli_sweep_t *sweep);
static int cli_compare_confirm(report_compare_t *report, const char *path);
static bool cli_compare_sweep(cli_sweep_t *sweep);
static bool cli_compare_scenario(cli_sweep_t *sweep, int scenario);
static bool cli_compare_examples(cli_sweep_t *sweep);
static void cli_compare_example(sim_world_t *world, const scen_t *scen,
                                const core_policy_t *policy, uint64_t seed, int prop,
                                int budget, report_example_t *out);
static char *cli_compare_transcript(sim_world_t *world, const sim_shrink_t *shrink,
                                    const core_policy_t *policy, uint64_t seed);
static char *cli_compare_cut(char *text, int prop);
static int cli_compare_finish(cli_sweep_t *sweep, bool stopped);
static void cli_compare_progress(cli_sweep_t *sweep, int scenario, bool force);
static void cli_compare_progress_start(cli_sweep_t *sweep);
static void cli_compare_on_signal(int signo);
static int cli_compare_parse_list(const char *value, cli_compare_options_t *options);
static bool cli_compare_add_policy(cli_compare_options_t *options,
                                   const core_policy_t *policy);
static int cli_compare_parse_seeds(const char *value, cli_compare_options_t *options);
static int cli_compare_parse_shard(const char *value, cli_compare_options_t *options);
static void cli_sweep_free(cli_sweep_t *sweep);

int cli_compare(int argc, char **argv, const char *program)
{
    cli_compare_options_t options;
    struct sigaction action;
    struct sigaction old_int;
    struct sigaction old_term;
    cli_sweep_t sweep;
    bool stopped;
    int rc;

    memset(&options, 0, sizeof(options));
    memset(&sweep, 0, sizeof(sweep));
    options.program = program;
    sweep.program = program;
    rc = cli_compare_parse(argc, argv, &options);
    if (rc == 0) {
        rc = options.resume_dir != NULL
                 ? cli_compare_resume(options.resume_dir, &sweep)
                 : cli_compare_setup(&options, &sweep);
    }
    if (rc != 0) {
        cli_sweep_free(&sweep);
        return rc;
    }

    /* A signal only raises a flag; the sweep stops between seeds. */
    memset(&action, 0, sizeof(action));
    action.sa_handler = cli_compare_on_signal;
    sigemptyset(&action.sa_mask);
    cli_compare_stop = 0;
    sigaction(SIGINT, &action, &old_int);
    sigaction(SIGTERM, &action, &old_term);

    clock_gettime(CLOCK_MONOTONIC, &sweep.start);
    sweep.quiet = options.quiet;
    cli_compare_progress_start(&sweep);
    stopped = !cli_compare_sweep(&sweep);
    cli_progress_finish(&sweep.progress);
    stopped = stopped || !cli_compare_examples(&sweep);
    rc = cli_compare_finish(&sweep, stopped);

    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    cli_sweep_free(&sweep);
    return rc;
}

static int cli_compare_parse(int argc, char **argv, cli_compare_options_t *options)
{
    static const struct option long_options[] = {
        {"scenario", required_argument, NULL, 'f'},
        {"policy", required_argument, NULL, 'p'},
        {"seeds", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"shard", required_argument, NULL, 'k'},
        {"resume", required_argument, NULL, 'r'},
        {"shrink-budget", required_argument, NULL, 'b'},
        {"confirm-json", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    int rc = 0;

    options->shrink_budget = CLI_COMPARE_BUDGET_DEFAULT;
    optind = 1;
    opterr = 0;
    while (rc == 0 && (opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        rc = cli_compare_option(opt, optarg, options);
        if (rc == -1) {
            fprintf(stderr, "barriersim compare: unknown or incomplete option \"%s\"; run "
                            "\"%s help\" for the options\n", argv[optind - 1],
                    options->program);
            rc = CLI_EXIT_USAGE;
        }
    }
    if (rc == 0 && optind < argc) {
        fprintf(stderr, "barriersim compare: unexpected argument \"%s\"\n", argv[optind]);
        rc = CLI_EXIT_USAGE;
    }
    if (rc == 0 && options->resume_dir != NULL && argc != (options->quiet ? 4 : 3)) {
        fprintf(stderr, "barriersim compare: --resume DIR takes every other option from "
                        "the partial report in DIR; give it alone\n");
        rc = CLI_EXIT_USAGE;
    }
    if (rc == 0 && options->resume_dir == NULL && options->out_dir == NULL) {
        fprintf(stderr, "barriersim compare: --out DIR is required: the folder to write "
                        "report.json, report.md and report.html into\n");
        rc = CLI_EXIT_USAGE;
    }
    return rc;
}

/* Apply one option; -1 for one getopt did not recognise. */
static int cli_compare_option(int opt, const char *arg, cli_compare_options_t *options)
{
    if (opt == 'q') {
        options->quiet = true;
        return 0;
    }
    uint64_t budget;
    char *end = NULL;

    switch (opt) {
    case 'f':
        if (options->scenario_arg_count == CLI_COMPARE_ARG_MAX) {
            fprintf(stderr, "barriersim compare: too many --scenario options (at most %d); "
                            "name a folder instead\n", CLI_COMPARE_ARG_MAX);
            return CLI_EXIT_USAGE;
        }
        options->scenario_args[options->scenario_arg_count++] = arg;
        return 0;
    case 'p':
        return cli_compare_parse_list(arg, options);
    case 's':
        return cli_compare_parse_seeds(arg, options);
    case 'o':
        options->out_dir = arg;
        return 0;
    case 'k':
        return cli_compare_parse_shard(arg, options);
    case 'r':
        options->resume_dir = arg;
        return 0;
    case 'b':
        errno = 0;
        budget = strtoull(arg, &end, 10);
        if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 || budget > 1000000) {
            fprintf(stderr, "barriersim compare: invalid value \"%s\" for --shrink-budget: "
                            "expected 0..1000000 runs per counterexample (0 shrinks "
                            "nothing)\n", arg);
            return CLI_EXIT_USAGE;
        }
        options->shrink_budget = (int)budget;
        return 0;
    case 'c':
        if (options->confirm_count == REPORT_CONFIRM_FILE_MAX) {
            fprintf(stderr, "barriersim compare: too many --confirm-json options (at most "
                            "%d)\n", REPORT_CONFIRM_FILE_MAX);
            return CLI_EXIT_USAGE;
        }
        options->confirm_paths[options->confirm_count++] = arg;
        return 0;
    default:
        return -1;
    }
}

/* Load the scenarios, describe them in a new report, add confirmations. */
static int cli_compare_setup(cli_compare_options_t *options, cli_sweep_t *sweep)
{
    char error[CLI_ERROR_MAX];
    char **files = NULL;
    int file_count = 0;
    int rc = 0;
    int i;

    /* Without --policy, every policy: the report compares them all. */
    if (options->policy_count == 0) {
        for (i = 0; i < core_policy_count() && i < CLI_POLICY_MAX; i++) {
            options->policies[options->policy_count++] = core_policy_at(i);
        }
    }
    for (i = 0; rc == 0 && i < options->scenario_arg_count; i++) {
        rc = cli_compare_add_files(options->scenario_args[i], &files, &file_count);
    }
    if (rc == 0 && report_compare_init(&sweep->report, file_count + 1,
                                       options->policies, options->policy_count) != 0) {
        fprintf(stderr, "barriersim compare: out of memory\n");
        rc = CLI_EXIT_INTERNAL;
    }
    sweep->scens = rc == 0 ? calloc((size_t)file_count + 1, sizeof(scen_t)) : NULL;
    if (rc == 0 && sweep->scens == NULL) {
        fprintf(stderr, "barriersim compare: out of memory for %d scenarios\n", file_count);
        rc = CLI_EXIT_INTERNAL;
    }
    sweep->report.shard_index = options->shard_index;
    sweep->report.shard_count = options->shard_count;
    sweep->report.shrink_budget = options->shrink_budget;
    sweep->out_dir = options->out_dir;

    /* The built-in default scenario comes first, then the files named. */
    for (i = 0; rc == 0 && i <= file_count; i++) {
        rc = cli_compare_load(sweep, i, i == 0 ? "" : files[i - 1], options);
    }
    for (i = 0; rc == 0 && i < options->confirm_count; i++) {
        rc = cli_compare_confirm(&sweep->report, options->confirm_paths[i]);
    }
    for (i = 0; i < file_count; i++) {
        free(files[i]);
    }
    free(files);
    if (rc == 0) {
        sweep->world = cli_world_new(NULL);
        rc = sweep->world == NULL ? CLI_EXIT_INTERNAL : 0;
    }

    /* A folder that cannot be made fails now, not after the sweep: --out
     * naming a file is a usage error, any other failure the status of an
     * output that cannot be written. */
    if (rc == 0 && report_make_dir(options->out_dir, error, sizeof(error)) != 0) {
        struct stat info;
        bool file = stat(options->out_dir, &info) == 0 && !S_ISDIR(info.st_mode);

        fprintf(stderr, "barriersim compare: %s\n", error);
        rc = file ? CLI_EXIT_USAGE : CLI_EXIT_INTERNAL;
    }
    return rc;
}

/* A file, or every *.yaml under a folder in path order. */
static int cli_compare_add_files(const char *arg, char ***files, int *count)
{
    char **found = NULL;
    char **grown;
    int found_count = 1;
    struct stat st;
    int i;

    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
        found_count = cli_find_yaml(arg, &found);
        if (found_count < 0) {
            return CLI_EXIT_USAGE;
        }
    }
    if (*count + found_count > REPORT_SCENARIO_MAX - 1) {
        fprintf(stderr, "barriersim compare: more than %d scenario files; compare fewer "
                        "at a time\n", REPORT_SCENARIO_MAX - 1);
        return CLI_EXIT_USAGE;
    }
    grown = realloc(*files, (size_t)(*count + found_count + 1) * sizeof(char *));
    if (grown == NULL) {
        fprintf(stderr, "barriersim compare: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    *files = grown;
    for (i = 0; i < found_count; i++) {
        (*files)[(*count)++] = found != NULL ? found[i] : strdup(arg);
    }
    free(found);
    return 0;
}

/* Scenario index: the built-in default (file "") or a file, with the seeds
 * the options give, else the file's own, else 1..1000. */
static int cli_compare_load(cli_sweep_t *sweep, int index, const char *file,
                            const cli_compare_options_t *options)
{
    scen_t *scen = &sweep->scens[index];
    char error[CLI_ERROR_MAX];
    uint64_t first = 1;
    uint64_t last = CLI_COMPARE_SEEDS_DEFAULT;

    if (file[0] == '\0') {
        scen_default(scen, 8, 4);
    } else if (scen_file_load(file, scen, error, sizeof(error)) != 0) {
        fprintf(stderr, "barriersim compare: %s\n", error);
        return CLI_EXIT_USAGE;
    } else {
        first = scen->seed_first;
        last = scen->seed_last;
    }
    if (options != NULL && options->seeds_given) {
        first = options->seed_first;
        last = options->seed_last;
    }
    if (report_compare_scenario(&sweep->report, index, scen, file, first, last, error,
                                sizeof(error)) != 0) {
        fprintf(stderr, "barriersim compare: %s\n", error);
        return CLI_EXIT_INTERNAL;
    }
    return 0;
}

/* --resume DIR: the partial report gives every option; its scenario files
 * must still be the ones it ran. */
static int cli_compare_resume(const char *dir, cli_sweep_t *sweep)
{
    char path[PATH_MAX];
    char error[CLI_ERROR_MAX];
    char fingerprint[17];
    int s;

    snprintf(path, sizeof(path), "%s/report.json", dir);
    if (report_compare_read_file(path, &sweep->report, error, sizeof(error)) != 0) {
        fprintf(stderr, "barriersim compare: %s\n", error);
        return CLI_EXIT_USAGE;
    }
    if (sweep->report.complete) {
        fprintf(stderr, "barriersim compare: %s is a complete report, so there is nothing "
                        "to resume; run compare without --resume for a new one\n", path);
        return CLI_EXIT_USAGE;
    }
    sweep->out_dir = dir;
    sweep->scens = calloc((size_t)sweep->report.scenario_count + 1, sizeof(scen_t));
    if (sweep->scens == NULL) {
        fprintf(stderr, "barriersim compare: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    for (s = 0; s < sweep->report.scenario_count; s++) {
        const report_scenario_t *described = &sweep->report.scenarios[s];
        scen_t *scen = &sweep->scens[s];

        if (described->file[0] == '\0') {
            scen_default(scen, 8, 4);
        } else if (scen_file_load(described->file, scen, error, sizeof(error)) != 0) {
            fprintf(stderr, "barriersim compare: %s\n", error);
            return CLI_EXIT_USAGE;
        }
        if (report_scenario_fingerprint(scen, fingerprint, error, sizeof(error)) != 0 ||
            strcmp(fingerprint, described->fingerprint) != 0) {
            fprintf(stderr, "barriersim compare: scenario %s (%s) changed since the "
                            "partial report in %s was written, so its seeds cannot be "
                            "continued; run compare again without --resume\n",
                    described->name, described->file[0] ? described->file : "built-in",
                    dir);
            return CLI_EXIT_USAGE;
        }
    }
    sweep->world = cli_world_new(NULL);
    return sweep->world == NULL ? CLI_EXIT_INTERNAL : 0;
}

static int cli_compare_confirm(report_compare_t *report, const char *path)
{
    char error[CLI_ERROR_MAX];
    json_error_t json_error;
    json_t *doc = json_load_file(path, 0, &json_error);
    int rc;

    if (doc == NULL) {
        report_json_error(&json_error, error, sizeof(error));
        fprintf(stderr, "barriersim compare: could not read --confirm-json \"%s\": %s\n",
                path, error);
        return CLI_EXIT_USAGE;
    }
    rc = report_compare_confirm(report, doc, path, error, sizeof(error));
    json_decref(doc);
    if (rc != 0) {
        fprintf(stderr, "barriersim compare: %s\n", error);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* Run every scenario's seeds of this shard that are not done yet. Returns
 * false when a signal stopped it. */
static bool cli_compare_sweep(cli_sweep_t *sweep)
{
    int s;

    for (s = 0; s < sweep->report.scenario_count; s++) {
        if (!cli_compare_scenario(sweep, s)) {
            return false;
        }
    }
    return true;
}

static bool cli_compare_scenario(cli_sweep_t *sweep, int scenario)
{
    report_compare_t *report = &sweep->report;
    report_scenario_t *s = &report->scenarios[scenario];
    uint64_t total = report_compare_shard_seeds(report, scenario);
    uint64_t stride = report->shard_count > 0 ? (uint64_t)report->shard_count : 1;
    uint64_t offset = report->shard_count > 0 ? (uint64_t)(report->shard_index - 1) : 0;
    int p;

    cli_compare_progress(sweep, scenario, true);
    while (s->seeds_done < total) {
        /* The j-th seed of shard K: A + (K - 1) + j * N, never past B. */
        uint64_t seed = s->seed_first + offset + s->seeds_done * stride;

        if (cli_compare_stop) {
            return false;
        }
        for (p = 0; p < report->policy_count; p++) {
            sim_result_t result;

            sim_world_run(sweep->world, &sweep->scens[scenario], report->policies[p], seed,
                          0, NULL, &result);
            report_cell_add(report_compare_cell(report, scenario, p), &result);
        }
        sweep->runs += (uint64_t)report->policy_count;
        s->seeds_done++;
        cli_compare_progress(sweep, scenario, false);
    }
    return true;
}

/* Shrink the first violation of each property per scenario and policy,
 * skipping those a resumed report already holds. Returns false when a
 * signal stopped it. */
static bool cli_compare_examples(cli_sweep_t *sweep)
{
    report_compare_t *report = &sweep->report;
    int s;
    int p;
    int prop;

    if (report->shrink_budget == 0) {
        return true;
    }
    for (s = 0; s < report->scenario_count; s++) {
        for (p = 0; p < report->policy_count; p++) {
            report_cell_t *cell = report_compare_cell(report, s, p);

            for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
                report_example_t example;

                if (!cell->has_first[prop] || cell->examples[prop].present) {
                    continue;
                }
                if (cli_compare_stop) {
                    return false;
                }
                cli_compare_example(sweep->world, &sweep->scens[s], report->policies[p],
                                    cell->first_seed[prop], prop, report->shrink_budget,
                                    &example);
                report_cell_set_example(cell, prop, &example);
            }
        }
    }
    return true;
}

/* Shrink one failing seed and render the shrunk run's transcript. A failed
 * shrink is kept as the example's error, so that the report shows why. */
static void cli_compare_example(sim_world_t *world, const scen_t *scen,
                                const core_policy_t *policy, uint64_t seed, int prop,
                                int budget, report_example_t *out)
{
    char error[CLI_ERROR_MAX];
    sim_shrink_t shrink;

    memset(out, 0, sizeof(*out));
    out->present = true;
    out->seed = seed;
    if (sim_shrink(world, scen, policy, seed, prop, budget, &shrink, error,
                   sizeof(error)) != 0) {
        out->error = strdup(error);
        return;
    }
    out->events_before = shrink.first_events;
    out->events = shrink.events;
    out->batch_count = shrink.scen.batch_count;
    out->worker_count = shrink.scen.worker_count;
    out->runs = shrink.runs;
    out->trace_hash = shrink.result.trace_hash;
    out->transcript = cli_compare_transcript(world, &shrink, policy, seed);
    out->transcript = out->transcript != NULL ? cli_compare_cut(out->transcript, prop) : NULL;
    sim_shrink_free(&shrink);
    if (out->transcript == NULL) {
        out->error = strdup("out of memory rendering the transcript, or the replay of the "
                            "shrunk run did not give its trace hash");
    }
}

/* The shrunk run replayed from its choices with a transcript attached,
 * trailing blanks trimmed. NULL when memory runs out or the replay differs. */
static char *cli_compare_transcript(sim_world_t *world, const sim_shrink_t *shrink,
                                    const core_policy_t *policy, uint64_t seed)
{
    sim_result_t result;
    sim_tape_t tape;
    char *text = NULL;
    size_t size = 0;
    FILE *out;
    size_t from;
    size_t to = 0;

    if (sim_tape_create(&tape, SIM_TAPE_CAP) != 0) {
        return NULL;
    }
    out = open_memstream(&text, &size);
    if (out == NULL) {
        sim_tape_destroy(&tape);
        return NULL;
    }
    sim_transcript_header(out);
    sim_tape_rewind(&tape, shrink->choices, shrink->choice_count);
    world->tape = &tape;
    world->transcript = out;
    sim_world_run(world, &shrink->scen, policy, seed, 0, NULL, &result);
    world->transcript = NULL;
    world->tape = NULL;
    fclose(out);
    sim_tape_destroy(&tape);
    if (result.trace_hash != shrink->result.trace_hash) {
        free(text);
        return NULL;
    }

    for (from = 0; from < size; from++) {
        if (text[from] == '\n') {
            while (to > 0 && text[to - 1] == ' ') {
                to--;
            }
        }
        text[to++] = text[from];
    }
    text[to] = '\0';
    return text;
}

/* Shorten a transcript for a report. It ends a few lines after the
 * violation of prop, and of a long run only the start and the lines leading
 * to the violation stay. Reaper ticks can make a shrunk run thousands of
 * lines long, and `shrink` prints it whole. Takes text and returns the kept
 * text, or NULL when out of memory. */
static char *cli_compare_cut(char *text, int prop)
{
    char marker[64];
    const char *head_end;
    const char *tail;
    char *violation;
    char *end;
    char *kept;
    int count;
    int lines = 0;

    /* Cut CLI_TRANSCRIPT_AFTER lines past the violation line. */
    snprintf(marker, sizeof(marker), ">>> %s violated", sim_prop_name((sim_prop_t)prop));
    violation = strstr(text, marker);
    end = violation != NULL ? violation : text + strlen(text);
    for (count = 0; count <= CLI_TRANSCRIPT_AFTER && strchr(end, '\n') != NULL; count++) {
        end = strchr(end, '\n') + 1;
    }
    *end = '\0';
    for (tail = text; *tail != '\0'; tail++) {
        lines += *tail == '\n';
    }
    if (lines <= CLI_TRANSCRIPT_HEAD + CLI_TRANSCRIPT_TAIL) {
        return text;
    }

    /* The first lines, a note, and the last lines up to the cut. */
    head_end = text;
    for (count = 0; count < CLI_TRANSCRIPT_HEAD; count++) {
        head_end = strchr(head_end, '\n') + 1;
    }
    tail = head_end;
    for (count = 0; count < lines - CLI_TRANSCRIPT_HEAD - CLI_TRANSCRIPT_TAIL; count++) {
        tail = strchr(tail, '\n') + 1;
    }
    kept = malloc((size_t)(head_end - text) + sizeof(marker) + strlen(tail) + 1);
    if (kept != NULL) {
        count = snprintf(marker, sizeof(marker), "  ... %d lines left out ...\n",
                         lines - CLI_TRANSCRIPT_HEAD - CLI_TRANSCRIPT_TAIL);
        memcpy(kept, text, (size_t)(head_end - text));
        memcpy(kept + (head_end - text), marker, (size_t)count);
        memcpy(kept + (head_end - text) + count, tail, strlen(tail) + 1);
    }
    free(text);
    return kept;
}

/* Write the report (partial when stopped) and print where it went. */
static int cli_compare_finish(cli_sweep_t *sweep, bool stopped)
{
    report_compare_t *report = &sweep->report;
    bool shard = report->shard_count > 0;
    double seconds = cli_seconds_since(&sweep->start);
    char error[CLI_ERROR_MAX];
    uint64_t done;
    uint64_t total;

    report->complete = !stopped;
    if (report_compare_write_dir(report, sweep->out_dir, shard, error,
                                 sizeof(error)) != 0) {
        fprintf(stderr, "barriersim compare: %s\n", error);
        return CLI_EXIT_INTERNAL;
    }
    report_compare_progress(report, &done, &total);
    if (stopped) {
        fprintf(stderr, "barriersim compare: interrupted after %" PRIu64 " of %" PRIu64
                        " seeds; wrote the partial report to %s/report.json\n"
                        "resume with: %s compare --resume %s\n",
                done, total, sweep->out_dir, sweep->program, sweep->out_dir);
        return CLI_COMPARE_INTERRUPTED;
    }
    printf("barriersim compare: %" PRIu64 " seeds, %" PRIu64 " runs in this process, "
           "%.1f s; wrote %s/report.json%s\n",
           total, sweep->runs, seconds, sweep->out_dir,
           shard ? " (a shard: merge the shards with barriersim merge)"
                 : ", report.md and report.html");
    return CLI_EXIT_OK;
}

/* Count the runs of the whole sweep, those a resumed report did included,
 * for the progress display: a bar on a terminal, lines in CI. */
static void cli_compare_progress_start(cli_sweep_t *sweep)
{
    const report_compare_t *report = &sweep->report;
    uint64_t total = 0;
    int s;

    for (s = 0; s < report->scenario_count; s++) {
        total += report_compare_shard_seeds(report, s) * (uint64_t)report->policy_count;
        sweep->runs_before += report->scenarios[s].seeds_done * (uint64_t)report->policy_count;
    }
    cli_progress_start(&sweep->progress, stderr, cli_progress_mode_for(stderr, sweep->quiet),
                       "compare", total > 0 ? total : 1);
    cli_progress_update(&sweep->progress, sweep->runs_before);
}

/* A line per scenario as it starts, then the shared progress display. */
static void cli_compare_progress(cli_sweep_t *sweep, int scenario, bool force)
{
    const report_compare_t *report = &sweep->report;
    const report_scenario_t *s = &report->scenarios[scenario];

    if (force && !sweep->quiet) {
        cli_progress_clear(&sweep->progress);
        fprintf(stderr, "compare: scenario %d/%d %s: %" PRIu64 "/%" PRIu64 " seeds x %d "
                        "policies\n",
                scenario + 1, report->scenario_count, s->name, s->seeds_done,
                report_compare_shard_seeds(report, scenario), report->policy_count);
    }
    cli_progress_update(&sweep->progress, sweep->runs_before + sweep->runs);
}

static void cli_compare_on_signal(int signo)
{
    (void)signo;
    cli_compare_stop = 1;
}

/* --policy LIST: names separated by commas, or all; repeatable. A name
 * given twice is an error, but all adds only the policies not named yet. */
static int cli_compare_parse_list(const char *value, cli_compare_options_t *options)
{
    char copy[1024];
    char *save = NULL;
    char *name;
    int i;

    if (snprintf(copy, sizeof(copy), "%s", value) >= (int)sizeof(copy)) {
        fprintf(stderr, "barriersim compare: --policy list is too long\n");
        return CLI_EXIT_USAGE;
    }
    for (name = strtok_r(copy, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
        const core_policy_t *policy = core_policy_find(name);

        if (strcmp(name, "all") == 0) {
            for (i = 0; i < core_policy_count(); i++) {
                cli_compare_add_policy(options, core_policy_at(i));
            }
            continue;
        }
        if (policy == NULL) {
            fprintf(stderr, "barriersim compare: unknown policy \"%s\" in --policy; choose "
                            "from \"%s list policies\", or all\n", name, options->program);
            return CLI_EXIT_USAGE;
        }
        if (!cli_compare_add_policy(options, policy)) {
            fprintf(stderr, "barriersim compare: policy \"%s\" is named twice in --policy\n",
                    name);
            return CLI_EXIT_USAGE;
        }
    }
    return 0;
}

/* Add policy unless the list has it already; false when it had. */
static bool cli_compare_add_policy(cli_compare_options_t *options,
                                   const core_policy_t *policy)
{
    int i;

    for (i = 0; i < options->policy_count; i++) {
        if (options->policies[i] == policy) {
            return false;
        }
    }

    /* Every policy fits: CLI_POLICY_MAX is at least core_policy_count(). */
    assert(options->policy_count < CLI_POLICY_MAX);
    options->policies[options->policy_count++] = policy;
    return true;
}

static int cli_compare_parse_seeds(const char *value, cli_compare_options_t *options)
{
    unsigned long long first;
    unsigned long long last;
    int consumed = 0;

    if (sscanf(value, "%llu..%llu%n", &first, &last, &consumed) != 2 ||
        (size_t)consumed != strlen(value) || value[0] == '-' || strchr(value, '-') != NULL ||
        first > last || last > (unsigned long long)INT64_MAX) {
        fprintf(stderr, "barriersim compare: invalid value \"%s\" for --seeds: expected "
                        "A..B with A <= B <= %" PRId64 ", for example 1..10000\n", value,
                INT64_MAX);
        return CLI_EXIT_USAGE;
    }
    options->seed_first = first;
    options->seed_last = last;
    options->seeds_given = true;
    return 0;
}

static int cli_compare_parse_shard(const char *value, cli_compare_options_t *options)
{
    int index;
    int count;
    int consumed = 0;

    if (sscanf(value, "%d/%d%n", &index, &count, &consumed) != 2 ||
        (size_t)consumed != strlen(value) || count < 1 || count > REPORT_SHARD_MAX ||
        index < 1 || index > count) {
        fprintf(stderr, "barriersim compare: invalid value \"%s\" for --shard: expected "
                        "K/N with 1 <= K <= N <= %d, for example 2/3\n", value,
                REPORT_SHARD_MAX);
        return CLI_EXIT_USAGE;
    }
    options->shard_index = index;
    options->shard_count = count;
    return 0;
}

static void cli_sweep_free(cli_sweep_t *sweep)
{
    cli_world_free(sweep->world);
    free(sweep->scens);
    report_compare_free(&sweep->report);
}
