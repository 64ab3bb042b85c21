/*
 * cli — the barriersim command line: run, replay, list.
 *
 * Exit status: 0 success (no violation, or every case matched), 1 a violation
 * was found (or a case did not match), 2 usage error, 3 internal failure.
 */
#ifndef BARRIERSIM_CLI_H
#define BARRIERSIM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/policy.h"
#include "../scenarios/scen.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_VIOLATION 1
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_INTERNAL 3
#define CLI_POLICY_MAX 16

typedef struct {
    const char *program;
    int policy_count;
    const core_policy_t *policies[CLI_POLICY_MAX];
    uint64_t seed_first;
    uint64_t seed_last;
    bool seeds_given;
    int batch_count;
    int worker_count;
    const char *json_path;
    const char *case_name;
    bool verbose;
    bool trace;
    scen_t scen;              /* the default scenario with the sizes applied */
    const scen_t *selected;   /* &scen or a built-in case */
    char extra_args[128];     /* options a replay needs to select the scenario */
} cli_options_t;

/* Parse argv after the subcommand. Returns 0 or CLI_EXIT_USAGE after
 * printing what was wrong. */
int cli_parse(int argc, char **argv, const char *command, cli_options_t *options);

int cli_run(const cli_options_t *options);
int cli_replay(const cli_options_t *options);
int cli_list(const char *what);
void cli_usage(FILE *out, const char *program);

#endif
