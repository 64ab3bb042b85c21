/* main — dispatch the subcommand. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

void cli_usage(FILE *out, const char *program)
{
    fprintf(out,
            "usage:\n"
            "  %s run [--policy NAME|all] [--seeds A..B] [--batches N] [--workers W]\n"
            "        [--json PATH] [--verbose] [--pct D] [--coverage]\n"
            "      sweep seeds of the default scenario; print violations per policy;\n"
            "      --pct D schedules with PCT at bug depth D (1..8), --coverage prints\n"
            "      the fault cells struck and the sometimes conditions reached\n"
            "  %s run --scenario FILE [--policy NAME|all] [--seeds A..B] [--json PATH]\n"
            "        [--verbose]\n"
            "      run a scenario file's policies and seeds (the options override them)\n"
            "      and compare each policy with the file's expectations\n"
            "  %s run --case NAME [--policy NAME|all] [--seeds A..B]\n"
            "      the same for the field case in <scenarios>/cases/NAME.yaml, where\n"
            "      <scenarios> is $BARRIERSIM_SCENARIOS, else ../scenarios next to the\n"
            "      executable, else ./scenarios\n"
            "  %s check DIR [--json PATH]\n"
            "      run every *.yaml scenario under DIR against its expectations; print\n"
            "      PASS or FAIL per scenario and policy with a replay command\n"
            "  %s replay --policy NAME --seed S [--scenario FILE | --case NAME]\n"
            "        [--batches N] [--workers W] [--trace] [--pct D] [--check]\n"
            "      re-run one seed; print its verdict, its trace and the trace hash;\n"
            "      --check runs it twice and names the first step where they differ\n"
            "  %s shrink --policy NAME (--seed S | --scenario FILE | --case NAME)\n"
            "        [--property P] [--to PATH] [--name NAME] [--json PATH] [--budget RUNS]\n"
            "        [--pct D]\n"
            "      reduce a failing run to a minimal one breaking the same property;\n"
            "      print it as a transcript and write a scenario file that replays it\n"
            "      (default PATH: shrunk-POLICY-PROPERTY-SEED.yaml); with a file, the\n"
            "      seed defaults to the file's first seed\n"
            "  %s explore --policy NAME [--seed S] [--batches N --workers W |\n"
            "        --scenario FILE] [--faults F] [--picks K] [--max-schedules N]\n"
            "        [--property P] [--to PATH] [--name NAME]\n"
            "      run every schedule of a small scenario (default 2 batches, 2 workers)\n"
            "      with at most F faults (2) and K out-of-order picks (1); stop at the\n"
            "      first violation and shrink it like shrink does; --max-schedules 0\n"
            "      (the default) sets no limit\n"
            "  %s save --policy NAME --seed S [--scenario FILE | --case NAME |\n"
            "        --batches N --workers W] --to PATH [--name NAME]\n"
            "      run one seed and write a scenario file that pins its outcome and\n"
            "      violations, for check; an existing PATH is never overwritten\n"
            "  %s confirm [--policy NAME] [--seed S | --seeds A..B] [--scenario FILE |\n"
            "        --case NAME] [--pg CONNINFO] [--json PATH] [--plant dec-skips-append]\n"
            "      replay each seed on a real PostgreSQL server (--pg, else\n"
            "      $BARRIERSIM_PG_CONNINFO, else a throwaway one started and stopped\n"
            "      here) and compare with the simulator: agree,\n"
            "      sim-only, real-only or disagree, with both transcripts when not agree;\n"
            "      --plant puts a bug in the simulated server to show a disagreement\n"
            "  %s compare [--scenario FILE|DIR]... [--policy LIST] [--seeds A..B]\n"
            "        --out DIR [--shard K/N] [--shrink-budget RUNS] [--confirm-json PATH]...\n"
            "      sweep the built-in default scenario and the files named under each\n"
            "      policy of LIST (names separated by commas, or all, the default) and\n"
            "      write DIR/report.json, report.md and report.html: violations per\n"
            "      10,000 seeds, outcomes, time to terminal, retry costs, a shrunk\n"
            "      counterexample per violated property, sim-vs-real agreement from\n"
            "      confirm --json files; --shard K/N runs seeds s with (s - A) mod N =\n"
            "      K - 1 and writes that shard's report.json; SIGINT writes a partial\n"
            "      report and exits 130\n"
            "  %s compare --resume DIR\n"
            "      continue the partial report in DIR to the report of an uninterrupted run\n"
            "  %s merge OUT_DIR SHARD.json|SHARD_DIR... [--confirm-json PATH]...\n"
            "      combine the shard reports of one sweep into the report of a single run\n"
            "  %s list faults|properties|policies|mutants\n"
            "\n"
            "exit status: 0 no violation (with expectations: all matched), 1 violation\n"
            "found (with expectations: a mismatch; with coverage: a fault cell never\n"
            "struck; confirm: a run that does not agree), 2 usage error or a scenario\n"
            "file that does not load, 3 internal failure (replay --check: the two runs\n"
            "differ), 4 environment error (confirm: the server cannot be used);\n"
            "compare and merge exit 0 once the report is written, whatever it shows,\n"
            "and compare exits 130 after writing a partial report on SIGINT or SIGTERM\n",
            program, program, program, program, program, program, program, program,
            program, program, program, program, program);
}

int main(int argc, char **argv)
{
    cli_options_t *options;
    const char *command;
    int rc;

    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        cli_usage(argc < 2 ? stderr : stdout, argv[0]);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }

    command = argv[1];

    /* "barriersim COMMAND --help" prints the same usage as "help". */
    if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        cli_usage(stdout, argv[0]);
        return CLI_EXIT_OK;
    }
    if (strcmp(command, "list") == 0) {
        return cli_list(argc > 2 ? argv[2] : NULL);
    }
    if (strcmp(command, "check") == 0) {
        return cli_check(argc - 1, argv + 1, argv[0]);
    }
    if (strcmp(command, "compare") == 0) {
        return cli_compare(argc - 1, argv + 1, argv[0]);
    }
    if (strcmp(command, "merge") == 0) {
        return cli_merge(argc - 1, argv + 1, argv[0]);
    }
    if (strcmp(command, "run") != 0 && strcmp(command, "replay") != 0 &&
        strcmp(command, "save") != 0 && strcmp(command, "shrink") != 0 &&
        strcmp(command, "explore") != 0 && strcmp(command, "confirm") != 0) {
        fprintf(stderr, "barriersim: unknown command \"%s\"; run \"%s help\"\n",
                command, argv[0]);
        return CLI_EXIT_USAGE;
    }

    /* The options hold a scenario and paths: too large for a small stack. */
    options = calloc(1, sizeof(*options));
    if (options == NULL) {
        fprintf(stderr, "barriersim: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    options->program = argv[0];
    rc = cli_parse(argc - 1, argv + 1, command, options);
    if (rc == 0) {
        if (strcmp(command, "run") == 0) {
            rc = cli_run(options);
        } else if (strcmp(command, "replay") == 0) {
            rc = cli_replay(options);
        } else if (strcmp(command, "confirm") == 0) {
            rc = cli_confirm(options);
        } else if (strcmp(command, "explore") == 0) {
            rc = cli_explore(options);
        } else if (strcmp(command, "shrink") == 0) {
            rc = cli_shrink(options);
        } else {
            rc = cli_save(options);
        }
    }
    free(options);
    return rc;
}
