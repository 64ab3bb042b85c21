/* options — parse and check the command-line options of each subcommand. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scenarios/scen_file.h"

/* Values from CLI_OPTION_FIRST up, never characters, so that getopt's
 * optopt separates a long option's error from an unknown short option. */
enum {
    OPT_POLICY = CLI_OPTION_FIRST,
    OPT_SEEDS,
    OPT_SEED,
    OPT_BATCHES,
    OPT_WORKERS,
    OPT_JSON,
    OPT_CASE,
    OPT_SCENARIO,
    OPT_VERBOSE,
    OPT_TRACE,
    OPT_TO,
    OPT_NAME,
    OPT_PROPERTY,
    OPT_BUDGET,
    OPT_CHECK,
    OPT_FAULTS,
    OPT_PICKS,
    OPT_MAX_SCHEDULES,
    OPT_PCT,
    OPT_COVERAGE,
    OPT_PG,
    OPT_PLANT,
    OPT_QUIET,
};

static int cli_parse_policy(const char *value, cli_options_t *options);
static int cli_parse_u64(const char *option, const char *value, uint64_t *out);
static int cli_parse_seeds(const char *value, cli_options_t *options);
static int cli_parse_count(const char *option, const char *value, int max, int *out);
static int cli_parse_option(int opt, const char *arg, cli_options_t *options);
static int cli_parse_property(const char *value, int *out);
static int cli_parse_plant(const char *value, uint32_t *bugs);
static int cli_pct_args(cli_options_t *options);
static int cli_parse_range(const char *option, const char *value, int min, int max,
                           int *out);
static int cli_finish(const char *command, cli_options_t *options);
static int cli_check_command_options(const char *command, bool save, bool one_seed,
                                     const cli_options_t *options);
static int cli_select_file(const char *command, cli_options_t *options);
static int cli_case_file(const char *command, cli_options_t *options);
static int cli_load_file(const char *command, cli_options_t *options);

int cli_parse(int argc, char **argv, const char *command, cli_options_t *options)
{
    static const struct option long_options[] = {
        {"policy", required_argument, NULL, OPT_POLICY},
        {"seeds", required_argument, NULL, OPT_SEEDS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"batches", required_argument, NULL, OPT_BATCHES},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {"json", required_argument, NULL, OPT_JSON},
        {"case", required_argument, NULL, OPT_CASE},
        {"scenario", required_argument, NULL, OPT_SCENARIO},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"trace", no_argument, NULL, OPT_TRACE},
        {"to", required_argument, NULL, OPT_TO},
        {"name", required_argument, NULL, OPT_NAME},
        {"property", required_argument, NULL, OPT_PROPERTY},
        {"budget", required_argument, NULL, OPT_BUDGET},
        {"check", no_argument, NULL, OPT_CHECK},
        {"faults", required_argument, NULL, OPT_FAULTS},
        {"picks", required_argument, NULL, OPT_PICKS},
        {"max-schedules", required_argument, NULL, OPT_MAX_SCHEDULES},
        {"pct", required_argument, NULL, OPT_PCT},
        {"coverage", no_argument, NULL, OPT_COVERAGE},
        {"pg", required_argument, NULL, OPT_PG},
        {"plant", required_argument, NULL, OPT_PLANT},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {NULL, 0, NULL, 0},
    };
    int opt;
    int rc = 0;

    /* explore walks every schedule, so its built-in scenario is small. */
    options->batch_default = strcmp(command, "explore") == 0 ? 2 : 8;
    options->worker_default = strcmp(command, "explore") == 0 ? 2 : 4;
    options->batch_count = options->batch_default;
    options->worker_count = options->worker_default;
    options->seed_first = 1;
    options->seed_last = strcmp(command, "explore") == 0 ? 1 : 1000;
    options->property = -1;
    options->budget = SIM_SHRINK_RUNS_DEFAULT;
    options->fault_max = -1;
    options->pick_max = -1;
    /* 0, not 1: only 0 makes glibc forget the rest of a "-xy" that an
     * earlier call stopped in, which it would read on from freed memory. */
    optind = 0;
    opterr = 0;

    while (rc == 0 && (opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        rc = cli_parse_option(opt, optarg, options);
        if (rc == -1) {
            char problem[CLI_ERROR_MAX];

            cli_describe_bad_option(argc, argv, problem, sizeof(problem));
            fprintf(stderr, "barriersim %s: %s; run \"%s help %s\" for the options\n",
                    command, problem, options->program, command);
            rc = CLI_EXIT_USAGE;
        }
    }
    if (rc == 0 && optind < argc) {
        fprintf(stderr, "barriersim %s: unexpected argument \"%s\"\n", command,
                argv[optind]);
        rc = CLI_EXIT_USAGE;
    }
    return rc == 0 ? cli_finish(command, options) : rc;
}

void cli_describe_bad_option(int argc, char *const *argv, char *buf, size_t buf_size)
{
    /* After a long option's error getopt has moved past it. */
    const char *previous = optind > 0 && optind <= argc ? argv[optind - 1] : "";

    if (optopt >= CLI_OPTION_FIRST && strchr(previous, '=') != NULL) {
        snprintf(buf, buf_size, "option \"%s\" takes no value", previous);
    } else if (optopt >= CLI_OPTION_FIRST) {
        snprintf(buf, buf_size, "option \"%s\" needs a value", previous);
    } else if (optopt != 0) {
        /* getopt stays inside "-xy", so no whole argument names the
         * character; barriersim has no short options at all. */
        snprintf(buf, buf_size, "unknown option \"-%c\"", optopt);
    } else {
        snprintf(buf, buf_size, "unknown option \"%s\"", previous);
    }
}

/* Apply one option. Returns 0, CLI_EXIT_USAGE after printing why, or -1 for
 * an option getopt did not recognise, which the caller reports with its
 * text. */
static int cli_parse_option(int opt, const char *arg, cli_options_t *options)
{
    switch (opt) {
    case OPT_POLICY:
        return cli_parse_policy(arg, options);
    case OPT_SEEDS:
        return cli_parse_seeds(arg, options);
    case OPT_SEED:
        options->seeds_given = true;
        if (cli_parse_u64("--seed", arg, &options->seed_first) != 0) {
            return CLI_EXIT_USAGE;
        }
        options->seed_last = options->seed_first;
        return 0;
    case OPT_BATCHES:
        return cli_parse_count("--batches", arg, SCEN_BATCH_MAX, &options->batch_count);
    case OPT_WORKERS:
        return cli_parse_count("--workers", arg, SCEN_WORKER_MAX, &options->worker_count);
    case OPT_JSON:
        options->json_path = arg;
        return 0;
    case OPT_CASE:
        options->case_name = arg;
        return 0;
    case OPT_SCENARIO:
        options->scenario_path = arg;
        return 0;
    case OPT_VERBOSE:
        options->verbose = true;
        return 0;
    case OPT_TRACE:
        options->trace = true;
        return 0;
    case OPT_TO:
        options->save_path = arg;
        return 0;
    case OPT_NAME:
        options->save_name = arg;
        return 0;
    case OPT_PROPERTY:
        return cli_parse_property(arg, &options->property);
    case OPT_BUDGET:
        return cli_parse_count("--budget", arg, 100000000, &options->budget);
    case OPT_CHECK:
        options->check = true;
        return 0;
    case OPT_FAULTS:
        return cli_parse_range("--faults", arg, 0, 8, &options->fault_max);
    case OPT_PICKS:
        return cli_parse_range("--picks", arg, 0, 8, &options->pick_max);
    case OPT_COVERAGE:
        options->coverage = true;
        return 0;
    case OPT_PG:
        options->pg_conninfo = arg;
        return 0;
    case OPT_PLANT:
        return cli_parse_plant(arg, &options->bugs);
    case OPT_QUIET:
        options->quiet = true;
        return 0;
    case OPT_PCT:
        return cli_parse_count("--pct", arg, SIM_PCT_DEPTH_MAX, &options->pct_depth);
    case OPT_MAX_SCHEDULES:
        return cli_parse_u64("--max-schedules", arg, &options->schedule_max);
    default:
        return -1;
    }
}

/* Select the scenario and fill what a replay command must repeat. */
static int cli_finish(const char *command, cli_options_t *options)
{
    bool sized = options->batch_count != options->batch_default ||
                 options->worker_count != options->worker_default;
    bool save = strcmp(command, "save") == 0;
    bool shrink = strcmp(command, "shrink") == 0 || strcmp(command, "explore") == 0;
    bool one_seed = save || shrink || strcmp(command, "replay") == 0;
    int rc = cli_check_command_options(command, save || shrink, one_seed, options);

    if (rc != 0) {
        return rc;
    }
    if (options->case_name != NULL || options->scenario_path != NULL) {
        if (sized) {
            fprintf(stderr, "barriersim %s: --batches and --workers do not apply to "
                            "--case or --scenario, whose file sets the sizes\n",
                    command);
            return CLI_EXIT_USAGE;
        }
        rc = cli_select_file(command, options);
        return rc != 0 ? rc : cli_pct_args(options);
    }

    if (options->policy_count == 0) {
        options->policies[options->policy_count++] =
            core_policy_find(CORE_POLICY_DEFAULT);
    }
    scen_default(&options->scen, options->batch_count, options->worker_count);
    options->selected = &options->scen;
    if (sized) {
        snprintf(options->extra_args, sizeof(options->extra_args),
                 "--batches %d --workers %d", options->batch_count,
                 options->worker_count);
    }
    return cli_pct_args(options);
}

/* A PCT seed replays only under PCT, so its replay commands include --pct. */
static int cli_pct_args(cli_options_t *options)
{
    size_t used = strlen(options->extra_args);

    if (options->pct_depth > 0) {
        snprintf(options->extra_args + used, sizeof(options->extra_args) - used,
                 "%s--pct %d", used > 0 ? " " : "", options->pct_depth);
    }
    return 0;
}

sim_world_t *cli_world_new(const cli_options_t *options)
{
    sim_world_t *world = malloc(sizeof(*world));

    if (world == NULL || sim_world_create(world) != 0) {
        fprintf(stderr, "barriersim: could not allocate the simulator's memory\n");
        free(world);
        return NULL;
    }
    if (options != NULL && cli_world_strategy(world, options) != 0) {
        cli_world_free(world);
        return NULL;
    }
    return world;
}

void cli_world_free(sim_world_t *world)
{
    if (world != NULL) {
        sim_world_destroy(world);
        free(world);
    }
}

int cli_world_strategy(sim_world_t *world, const cli_options_t *options)
{
    if (options->pct_depth > 0 &&
        sim_world_use_pct(world, options->pct_depth, CLI_PCT_STEPS) != 0) {
        fprintf(stderr, "barriersim: out of memory for the PCT scheduler\n");
        return CLI_EXIT_INTERNAL;
    }
    return 0;
}

/* Check the options of replay and save, which run one policy on one seed.
 * --to and --name belong to save, which needs --to. */
static int cli_check_command_options(const char *command, bool save, bool one_seed,
                                     const cli_options_t *options)
{
    bool from_file = options->case_name != NULL || options->scenario_path != NULL;
    bool explore = strcmp(command, "explore") == 0;
    bool seed_optional = explore || (from_file && strcmp(command, "shrink") == 0);

    if (one_seed && options->policy_count == 0) {
        fprintf(stderr, "barriersim %s: --policy NAME is required\n", command);
        return CLI_EXIT_USAGE;
    }
    if (one_seed && !options->seeds_given && !seed_optional) {
        fprintf(stderr, "barriersim %s: --seed S is required\n", command);
        return CLI_EXIT_USAGE;
    }
    if (save && (options->policy_count != 1 ||
                 (options->seeds_given && options->seed_first != options->seed_last))) {
        fprintf(stderr, "barriersim %s: give one --policy NAME and one --seed S; "
                        "it works on one policy and one seed\n", command);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(command, "save") == 0 && options->save_path == NULL) {
        fprintf(stderr, "barriersim save: --to PATH is required: the scenario file "
                        "to write\n");
        return CLI_EXIT_USAGE;
    }
    if (!save && (options->save_path != NULL || options->save_name != NULL)) {
        fprintf(stderr, "barriersim %s: --to and --name apply to save, shrink and "
                        "explore only\n",
                command);
        return CLI_EXIT_USAGE;
    }
    if (!explore && (options->fault_max >= 0 || options->pick_max >= 0 ||
                     options->schedule_max != 0)) {
        fprintf(stderr, "barriersim %s: --faults, --picks and --max-schedules apply to "
                        "explore only\n", command);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(command, "shrink") != 0 && !explore &&
        (options->property >= 0 || options->budget != SIM_SHRINK_RUNS_DEFAULT)) {
        fprintf(stderr, "barriersim %s: --property and --budget apply to shrink and "
                        "explore only\n",
                command);
        return CLI_EXIT_USAGE;
    }
    if (options->pct_depth > 0 && (explore || save)) {
        if (strcmp(command, "shrink") != 0) {
            fprintf(stderr, "barriersim %s: --pct applies to run, replay and shrink\n",
                    command);
            return CLI_EXIT_USAGE;
        }
    }
    if ((options->pg_conninfo != NULL || options->bugs != 0) &&
        strcmp(command, "confirm") != 0) {
        fprintf(stderr, "barriersim %s: --pg and --plant apply to confirm only\n", command);
        return CLI_EXIT_USAGE;
    }
    if (options->quiet && strcmp(command, "run") != 0 && strcmp(command, "confirm") != 0) {
        fprintf(stderr, "barriersim %s: --quiet applies to run and confirm, whose "
                        "progress it turns off\n", command);
        return CLI_EXIT_USAGE;
    }
    if (options->coverage && strcmp(command, "run") != 0) {
        fprintf(stderr, "barriersim %s: --coverage applies to run only\n", command);
        return CLI_EXIT_USAGE;
    }
    if (options->check && strcmp(command, "replay") != 0) {
        fprintf(stderr, "barriersim %s: --check applies to replay only\n", command);
        return CLI_EXIT_USAGE;
    }
    if (options->check && options->trace) {
        fprintf(stderr, "barriersim replay: --check compares two runs and prints the first "
                        "step where they differ; run --trace without --check\n");
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* --case NAME or --scenario FILE: load the file; its policies and seeds
 * apply unless the command line gives its own. */
static int cli_select_file(const char *command, cli_options_t *options)
{
    char quoted[CLI_ARGS_MAX - 16]; /* room for "--scenario " */
    int rc;

    if (options->case_name != NULL && options->scenario_path != NULL) {
        fprintf(stderr, "barriersim %s: give --case or --scenario, not both\n", command);
        return CLI_EXIT_USAGE;
    }
    rc = options->case_name != NULL ? cli_case_file(command, options)
                                    : cli_load_file(command, options);
    if (rc != 0) {
        return rc;
    }

    if (options->case_name != NULL) {
        snprintf(options->extra_args, sizeof(options->extra_args), "--case %s",
                 options->case_name);
    } else if (cli_shell_quote(options->file_path, quoted, sizeof(quoted)) == 0) {
        snprintf(options->extra_args, sizeof(options->extra_args), "--scenario %s",
                 quoted);
    } else {
        fprintf(stderr, "barriersim %s: scenario path is too long: %s\n", command,
                options->file_path);
        return CLI_EXIT_USAGE;
    }

    if (!options->policies_given) {
        options->policy_count = cli_scenario_policies(&options->scen, options->policies);
    }
    if (!options->seeds_given) {
        options->seed_first = options->scen.seed_first;
        options->seed_last = options->scen.seed_last;
    }
    return 0;
}

/* <scenarios dir>/cases/NAME.yaml; an unknown name lists the cases there. */
static int cli_case_file(const char *command, cli_options_t *options)
{
    const char *name = options->case_name;
    char dir[PATH_MAX];
    struct stat st;

    /* A case is a file name inside cases/, never a path. */
    cli_scenarios_dir(dir, sizeof(dir));
    if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL ||
        snprintf(options->file_path, sizeof(options->file_path), "%s/cases/%s.yaml", dir,
                 name) >= (int)sizeof(options->file_path) ||
        stat(options->file_path, &st) != 0) {
        fprintf(stderr, "barriersim %s: unknown case \"%s\": no file %s/cases/%s.yaml; ",
                command, name, dir, name);
        cli_print_cases(stderr, dir);
        return CLI_EXIT_USAGE;
    }
    return cli_load_file(command, options);
}

static int cli_load_file(const char *command, cli_options_t *options)
{
    char error[CLI_ERROR_MAX];

    if (options->scenario_path != NULL &&
        snprintf(options->file_path, sizeof(options->file_path), "%s",
                 options->scenario_path) >= (int)sizeof(options->file_path)) {
        fprintf(stderr, "barriersim %s: scenario path is too long: %s\n", command,
                options->scenario_path);
        return CLI_EXIT_USAGE;
    }
    if (scen_file_load(options->file_path, &options->scen, error, sizeof(error)) != 0) {
        fprintf(stderr, "barriersim %s: %s\n", command, error);
        return CLI_EXIT_USAGE;
    }
    options->selected = &options->scen;
    return 0;
}

static int cli_parse_policy(const char *value, cli_options_t *options)
{
    const core_policy_t *policy;
    int i;

    if (strcmp(value, "all") == 0) {
        options->policy_count = 0;
        for (i = 0; i < core_policy_count() && i < CLI_POLICY_MAX; i++) {
            options->policies[options->policy_count++] = core_policy_at(i);
        }
        options->policies_given = true;
        return 0;
    }

    policy = core_policy_find(value);
    if (policy == NULL) {
        fprintf(stderr, "barriersim: unknown policy \"%s\"; choose one of:", value);
        for (i = 0; i < core_policy_count(); i++) {
            fprintf(stderr, " %s", core_policy_at(i)->name);
        }
        fprintf(stderr, ", or all\n");
        return CLI_EXIT_USAGE;
    }
    if (options->policy_count == CLI_POLICY_MAX) {
        fprintf(stderr, "barriersim: too many --policy options (at most %d)\n",
                CLI_POLICY_MAX);
        return CLI_EXIT_USAGE;
    }
    options->policies[options->policy_count++] = policy;
    options->policies_given = true;
    return 0;
}

static int cli_parse_u64(const char *option, const char *value, uint64_t *out)
{
    char *end = NULL;
    unsigned long long parsed;

    errno = 0;
    parsed = strtoull(value, &end, 10);
    if (value[0] == '\0' || value[0] == '-' || *end != '\0' || errno != 0) {
        fprintf(stderr, "barriersim: invalid value \"%s\" for %s: expected a "
                        "non-negative integer\n", value, option);
        return CLI_EXIT_USAGE;
    }
    *out = (uint64_t)parsed;
    return 0;
}

static int cli_parse_seeds(const char *value, cli_options_t *options)
{
    char first[32];
    const char *dots = strstr(value, "..");
    size_t length = dots == NULL ? 0 : (size_t)(dots - value);

    if (dots == NULL || length == 0 || length >= sizeof(first)) {
        fprintf(stderr, "barriersim: invalid value \"%s\" for --seeds: expected "
                        "A..B, for example 1..10000\n", value);
        return CLI_EXIT_USAGE;
    }
    memcpy(first, value, length);
    first[length] = '\0';
    if (cli_parse_u64("--seeds", first, &options->seed_first) != 0 ||
        cli_parse_u64("--seeds", dots + 2, &options->seed_last) != 0) {
        return CLI_EXIT_USAGE;
    }
    if (options->seed_first > options->seed_last) {
        fprintf(stderr, "barriersim: invalid value \"%s\" for --seeds: the first "
                        "seed is larger than the last\n", value);
        return CLI_EXIT_USAGE;
    }
    options->seeds_given = true;
    return 0;
}

static int cli_parse_property(const char *value, int *out)
{
    int prop;

    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        if (strcmp(value, sim_prop_name((sim_prop_t)prop)) == 0) {
            *out = prop;
            return 0;
        }
    }
    fprintf(stderr, "barriersim: unknown property \"%s\" for --property; choose one of:",
            value);
    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        fprintf(stderr, " %s", sim_prop_name((sim_prop_t)prop));
    }
    fprintf(stderr, "\n");
    return CLI_EXIT_USAGE;
}

/* A simulator bug to plant, so that confirm shows what a model bug looks
 * like: the simulated server's decrement does not append its result. */
static int cli_parse_plant(const char *value, uint32_t *bugs)
{
    if (strcmp(value, "dec-skips-append") == 0) {
        *bugs |= SIM_BUG_DEC_SKIPS_APPEND;
        return 0;
    }
    fprintf(stderr, "barriersim: unknown simulator bug \"%s\" for --plant; the one "
                    "there is: dec-skips-append\n", value);
    return CLI_EXIT_USAGE;
}

/* A count of min (0 or 1) to max. */
static int cli_parse_range(const char *option, const char *value, int min, int max,
                           int *out)
{
    uint64_t parsed;

    if (cli_parse_u64(option, value, &parsed) != 0) {
        return CLI_EXIT_USAGE;
    }
    if (parsed < (uint64_t)min || parsed > (uint64_t)max) {
        fprintf(stderr, "barriersim: invalid value \"%s\" for %s: expected %d..%d\n",
                value, option, min, max);
        return CLI_EXIT_USAGE;
    }
    *out = (int)parsed;
    return 0;
}

static int cli_parse_count(const char *option, const char *value, int max, int *out)
{
    return cli_parse_range(option, value, 1, max, out);
}
