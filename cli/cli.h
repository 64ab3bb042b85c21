/*
 * cli — the barriersim command line: run, check, replay, save, list.
 *
 * Exit status by class (CLI_EXIT_*): 0 pass, 1 a property violation, 2 a
 * usage error or a scenario file that does not load, 3 an internal failure,
 * 4 an environment error (the real server cannot be used), 5 an expectation
 * mismatch. A command that judges expectations reports a mismatch, not the
 * violations it expected; the values never change, because scripts and CI
 * jobs test them.
 */
#ifndef BARRIERSIM_CLI_H
#define BARRIERSIM_CLI_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <jansson.h>

#include "../core/policy.h"
#include "../reports/summary.h"
#include "../scenarios/expect.h"
#include "../scenarios/scen.h"
#include "../sim/determinism.h"
#include "../sim/shrink.h"
#include "../sim/world.h"
#include "progress.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_VIOLATION 1     /* a run broke a property */
#define CLI_EXIT_USAGE 2         /* bad options, or a scenario file that does not load */
#define CLI_EXIT_INTERNAL 3      /* a bug, out of memory, or an output that cannot be written */
#define CLI_EXIT_ENVIRONMENT 4   /* the real server could not be used */
#define CLI_EXIT_MISMATCH 5      /* a result differs from its expectation or prediction */
#define CLI_POLICY_MAX SCEN_POLICY_MAX
#define CLI_ARGS_MAX (PATH_MAX + 64)      /* "--scenario 'PATH'" with quoting */
#define CLI_COMMAND_MAX (CLI_ARGS_MAX + 256) /* a whole replay command */
#define CLI_ERROR_MAX 1024
#define CLI_OPTION_FIRST 256 /* getopt value of the first long option: no character */
#define CLI_PCT_STEPS 500   /* PCT's k: scheduler steps of a typical default run */

typedef struct {
    const char *program;
    int policy_count;
    const core_policy_t *policies[CLI_POLICY_MAX];
    bool policies_given;
    uint64_t seed_first;
    uint64_t seed_last;
    bool seeds_given;
    int batch_count;
    int worker_count;
    int batch_default;          /* the command's built-in sizes */
    int worker_default;
    const char *json_path;
    const char *case_name;
    const char *scenario_path;  /* --scenario FILE */
    bool verbose;
    bool quiet;                 /* --quiet: no progress on stderr */
    bool trace;
    char file_path[PATH_MAX];   /* the scenario file loaded, or "" for the built-in */
    scen_t scen;                /* the default scenario, or the file's */
    const scen_t *selected;     /* &scen */
    char extra_args[CLI_ARGS_MAX]; /* options a replay needs to select the scenario */
    const char *save_path;      /* save --to PATH */
    const char *save_name;      /* save --name NAME, or NULL for a derived name */
    int property;               /* shrink --property P, or -1 for the first broken */
    int budget;                 /* shrink --budget N: runs at most */
    bool check;                 /* replay --check: run twice, compare step hashes */
    int pct_depth;              /* --pct D: PCT scheduling at depth D; 0 random */
    bool coverage;              /* run --coverage: count fault cells and conditions */
    const char *pg_conninfo;    /* confirm --pg CONNINFO: the user's server */
    uint32_t bugs;              /* confirm --plant NAME: simulator bugs (world.h) */
    int fault_max;              /* explore --faults N */
    int pick_max;               /* explore --picks N */
    uint64_t schedule_max;      /* explore --max-schedules N, 0 for no limit */
} cli_options_t;

/* Parse argv after the subcommand and load the scenario it selects. Returns
 * 0, or CLI_EXIT_USAGE after printing what was wrong. */
int cli_parse(int argc, char **argv, const char *command, cli_options_t *options);

/* Describe the option for which getopt_long just returned '?', from optind
 * and optopt: 'unknown option "--colour"', 'unknown option "-x"' or
 * 'option "--policy" needs a value'. */
void cli_describe_bad_option(int argc, char *const *argv, char *buf, size_t buf_size);

int cli_run(const cli_options_t *options);
int cli_replay(const cli_options_t *options);
/* Run one policy on one seed and write a scenario file that pins its
 * outcome and violations (save.c). */
int cli_save(const cli_options_t *options);
int cli_check(int argc, char **argv, const char *program);
/* The command line of one check; a path is NULL when its option is absent. */
typedef struct {
    const char *dir;
    const char *json_path;
    const char *junit_path;
    const char *tap_path;
} cli_check_args_t;

/* Parse check's argv (argv[0] is "check") into args. Returns 0, or
 * CLI_EXIT_USAGE after printing what was wrong. */
int cli_check_parse(int argc, char **argv, cli_check_args_t *args);
int cli_list(const char *what);

/* Print every command's synopsis and the exit statuses (help.c). */
void cli_usage(FILE *out, const char *program);
/* Print one command's synopsis, description and exit statuses. Returns 0,
 * or CLI_EXIT_USAGE after naming an unknown command. */
int cli_help_command(FILE *out, const char *program, const char *command);
/* Print the exit status of each class. */
void cli_print_exit_statuses(FILE *out);
/* Print "barriersim VERSION", with git describe's output when the build had it. */
void cli_print_version(FILE *out);
/* True for a subcommand's name. */
bool cli_is_command(const char *command);

/* Run every seed of seed_first..seed_last under each policy, adding each
 * result to reports[i] and tallies[i] (both initialised by the caller).
 * verbose prints each seed's drawn parameters first. */
void cli_run_seeds(sim_world_t *world, const scen_t *scen,
                   const core_policy_t *const *policies, int policy_count,
                   uint64_t seed_first, uint64_t seed_last, bool verbose,
                   report_policy_t *reports, scen_tally_t *tallies);

/* The same, reporting each seed's runs to progress when it is not NULL. */
void cli_run_seeds_progress(sim_world_t *world, const scen_t *scen,
                            const core_policy_t *const *policies, int policy_count,
                            uint64_t seed_first, uint64_t seed_last, bool verbose,
                            cli_progress_t *progress, report_policy_t *reports,
                            scen_tally_t *tallies);

/* Reject an invalid --name and an existing target file before any work.
 * Returns 0 or CLI_EXIT_USAGE after printing why (save.c). */
int cli_check_target(const char *command, const char *name, const char *path);

/* Write saved with comment to path through a temporary file, never
 * replacing an existing file (save.c). Returns 0 or an exit status. */
int cli_save_write(const char *path, const scen_t *saved, const char *comment);
/* Check that the file at path loads and reproduces result's trace hash;
 * remove it when it does not. Returns 0 or an exit status. */
int cli_save_verify(sim_world_t *world, const char *path,
                    const core_policy_t *policy, const sim_result_t *result);

/* Allocate a world with the options' strategy (--pct) applied; options may
 * be NULL. Returns NULL after printing why. */
sim_world_t *cli_world_new(const cli_options_t *options);
void cli_world_free(sim_world_t *world);

/* Apply --pct to a new world. Returns 0, or CLI_EXIT_INTERNAL after
 * printing why. */
int cli_world_strategy(sim_world_t *world, const cli_options_t *options);

/* Write root as indented JSON through a temporary file (check.c). */
int cli_write_json(const char *path, json_t *root);

/* Return the seconds since start on the monotonic clock, for reports to
 * the user only (shrink.c). */
double cli_seconds_since(const struct timespec *start);

/* Shrink one failing seed (shrink.c). */
int cli_shrink(const cli_options_t *options);
/* Shrink the run of scen (pinned choices included) on the selected seed,
 * print the transcript and write the scenario file; command ("shrink" or
 * "explore") names the command in messages (shrink.c). */
int cli_shrink_scenario(const cli_options_t *options, const scen_t *scen, const char *command);
/* Walk every schedule of a small scenario within bounds (explore.c). */
int cli_explore(const cli_options_t *options);
/* Sweep scenarios under several policies and write the comparison report
 * (compare.c); argv starts at "compare". */
int cli_compare(int argc, char **argv, const char *program);
/* Merge shard reports of one compare sweep (merge.c); argv starts at "merge". */
int cli_merge(int argc, char **argv, const char *program);
/* Replay seeds on a real server and compare with the simulator (confirm.c). */
int cli_confirm(const cli_options_t *options);

/* The policies a scenario file names, all of them when it names none.
 * Returns the count. */
int cli_scenario_policies(const scen_t *scen, const core_policy_t **policies_out);

/* The folder of scenario files: $BARRIERSIM_SCENARIOS, else the first of
 * <folder of the executable>/../scenarios (a build in place) and
 * <folder of the executable>/../share/barriersim/scenarios (make install)
 * that exists, else ./scenarios. */
void cli_scenarios_dir(char *buf, size_t buf_size);

/* Print the case names found in <dir>/cases, for an unknown --case. */
void cli_print_cases(FILE *out, const char *dir);

/* Quote text for a POSIX shell when it contains anything but safe characters.
 * Returns 0, or -1 when buf is too small. */
int cli_shell_quote(const char *text, char *buf, size_t buf_size);

/* Collect the *.yaml files under dir, recursively, in sorted path order.
 * Returns the count (the caller frees each path and the array), or -1 after
 * printing why the folder could not be read. */
int cli_find_yaml(const char *dir, char ***paths_out);

#endif
