/* help — the usage of each subcommand, the exit statuses and the version. */
#include "cli.h"

#include <string.h>

#include "version.h"

/* One subcommand's help. A synopsis line that starts with the command name
 * gets the program name in front. A line that starts with spaces continues
 * the form above it. */
typedef struct {
    const char *name;
    const char *synopsis;
    const char *summary; /* one line for the list of every command */
    const char *text;    /* what it does, indented by the printer */
    const char *exits;  /* its exit statuses, one per line */
} cli_help_t;

static const cli_help_t cli_helps[] = {
    {"run",
     "run [--policy NAME|all] [--seeds A..B] [--batches N] [--workers W]\n"
     "    [--json PATH] [--verbose] [--pct D] [--coverage] [--quiet]\n"
     "run --scenario FILE [--policy NAME|all] [--seeds A..B] [--json PATH]\n"
     "    [--verbose] [--pct D] [--coverage] [--quiet]\n"
     "run --case NAME [--policy NAME|all] [--seeds A..B] [...]\n",
     "sweep seeds and print the violations per policy",
     "Sweep seeds of the default scenario and print the violations per policy,\n"
     "with a replay command for the first failing seed of each property.\n"
     "--pct D schedules with PCT at bug depth D (1..8); --coverage prints the\n"
     "fault cells struck and the sometimes conditions reached; --verbose\n"
     "prints each seed's drawn parameters (fault mix, path, restart rate).\n"
     "--policy takes one name or all (compare takes a list).\n"
     "--scenario FILE runs a scenario file's policies and seeds (the options\n"
     "override them) and compares each policy with the file's expectations.\n"
     "--case NAME does the same for <scenarios>/cases/NAME.yaml, where\n"
     "<scenarios> is $BARRIERSIM_SCENARIOS, else ../scenarios or\n"
     "../share/barriersim/scenarios next to the executable, else ./scenarios.\n"
     "Progress goes to stderr: a bar on a terminal, a line every 10% of the\n"
     "runs when stderr is not a terminal or CI is set; --quiet turns it off.\n",
     "0  no violation (with expectations: every policy matched)\n"
     "1  a property violation (a scenario without expectations)\n"
     "5  an expectation mismatch, or a fault cell never struck in a file with\n"
     "   coverage: faults\n"},
    {"check",
     "check DIR [--json PATH] [--junit PATH] [--tap PATH]\n",
     "run a folder of scenario files against their expectations",
     "Run every *.yaml scenario under DIR against its expectations and print\n"
     "PASS or FAIL per scenario and policy, with a replay command for each\n"
     "failure. A file with coverage: faults adds one check for its fault cells.\n"
     "--json PATH writes the verdicts as JSON; --junit PATH writes them as\n"
     "JUnit XML and --tap PATH as TAP version 13, one test case per scenario\n"
     "and policy (and per coverage check). Each file is written to a temporary\n"
     "name and renamed into place.\n",
     "0  every expectation matched\n"
     "5  an expectation mismatch\n"},
    {"replay",
     "replay --policy NAME --seed S [--scenario FILE | --case NAME]\n"
     "    [--batches N] [--workers W] [--trace] [--pct D] [--check]\n",
     "re-run one seed with its verdict, trace and trace hash",
     "Re-run one seed and print its drawn parameters, its verdict and the trace\n"
     "hash; --trace prints one line per event. --check runs the seed twice and\n"
     "names the first step where the runs differ.\n",
     "0  no violation (--check: both runs are the same)\n"
     "1  a property violation\n"
     "3  an internal failure; --check: the two runs differ\n"},
    {"shrink",
     "shrink --policy NAME (--seed S | --scenario FILE | --case NAME)\n"
     "    [--property P] [--to PATH] [--name NAME] [--json PATH] [--budget RUNS]\n"
     "    [--pct D]\n",
     "reduce a failing run to a minimal counterexample",
     "Reduce a failing run to a minimal one that breaks the same property, print\n"
     "it as a transcript and write a scenario file that replays it (default\n"
     "PATH: shrunk-POLICY-PROPERTY-SEED.yaml). With a file, the seed defaults to\n"
     "the file's first seed. An existing PATH is never replaced.\n",
     "0  shrunk, and the scenario file written\n"
     "2  a usage error, a scenario file that does not load, a run that breaks\n"
     "   no property, or PATH exists\n"},
    {"explore",
     "explore --policy NAME [--seed S] [--batches N --workers W |\n"
     "    --scenario FILE] [--faults F] [--picks K] [--max-schedules N]\n"
     "    [--property P] [--to PATH] [--name NAME]\n",
     "run every schedule of a small scenario within bounds",
     "Run every schedule of a small scenario (default 2 batches, 2 workers)\n"
     "with at most F faults (2) and K out-of-order picks (1); stop at the first\n"
     "violation and shrink it as shrink does. --max-schedules 0 (the default)\n"
     "sets no limit.\n",
     "0  no schedule within the bounds broke a property\n"
     "1  a property violation, shrunk and written\n"},
    {"save",
     "save --policy NAME --seed S [--scenario FILE | --case NAME |\n"
     "    --batches N --workers W] --to PATH [--name NAME]\n",
     "pin one seed's outcome as a scenario file",
     "Run one seed and write a scenario file that pins its outcome and\n"
     "violations, for check. An existing PATH is never replaced.\n",
     "0  the scenario file was written and replays the seed\n"},
    {"confirm",
     "confirm [--policy NAME] [--seed S | --seeds A..B] [--scenario FILE |\n"
     "    --case NAME] [--pg CONNINFO] [--json PATH] [--plant dec-skips-append]\n"
     "    [--quiet]\n",
     "replay seeds on a real PostgreSQL server and compare",
     "Replay each seed on a real PostgreSQL server (--pg, else\n"
     "$BARRIERSIM_PG_CONNINFO, else a throwaway one started and stopped here)\n"
     "and compare it with the simulator: agree, sim-only, real-only, disagree\n"
     "or lock-race, with both transcripts when they do not agree. --plant puts\n"
     "a bug in the simulated server to show a disagreement. Progress goes to\n"
     "stderr as for run; --quiet turns it off.\n",
     "0  every run agreed (or ended in a lock race)\n"
     "2  a usage error, or a --pg connection string that does not parse\n"
     "4  an environment error: the server cannot be started, reached or used\n"
     "5  a run where the real server did not match the simulator's prediction\n"},
    {"compare",
     "compare [--scenario FILE|DIR]... [--policy LIST] [--seeds A..B] --out DIR\n"
     "    [--shard K/N] [--shrink-budget RUNS] [--confirm-json PATH]... [--quiet]\n"
     "compare --resume DIR [--quiet]\n",
     "write a policy comparison report in JSON, Markdown and HTML",
     "Sweep the built-in default scenario and the files named under each policy\n"
     "of LIST (names separated by commas, or all, the default) and write\n"
     "DIR/report.json, report.md and report.html: violations per 10,000 seeds,\n"
     "seeds to the first violation, outcomes, time to terminal, retry costs, a\n"
     "shrunk counterexample per violated property, and sim-vs-real agreement\n"
     "from confirm --json files. --shard K/N runs the seeds s with\n"
     "(s - A) mod N = K - 1 and writes that shard's report.json, for merge.\n"
     "SIGINT or SIGTERM writes a partial report and prints the --resume\n"
     "command; --resume DIR continues it to the report of an uninterrupted run.\n"
     "Progress goes to stderr as for run; --quiet turns it off.\n",
     "0    the report was written, whatever it shows\n"
     "2    a usage error, or a scenario file that does not load\n"
     "3    an internal error (a file could not be written)\n"
     "130  interrupted: a partial report was written\n"},
    {"merge",
     "merge OUT_DIR SHARD.json|SHARD_DIR... [--confirm-json PATH]...\n",
     "combine shard reports of one sweep into a single report",
     "Combine the report.json files of compare --shard K/N runs of one sweep\n"
     "into OUT_DIR, identical to the report of one process over the same seeds.\n"
     "Shards of another sweep, missing, overlapping or partial shards are\n"
     "rejected with the reason.\n",
     "0  the report was written\n"
     "2  a usage error, or shards that do not make one sweep\n"
     "3  an internal error (a file could not be written)\n"},
    {"list",
     "list faults|properties|policies|mutants\n",
     "list the faults, properties, policies or mutants",
     "Print the fault catalogue, the properties, the retry policies or the\n"
     "planted bugs (mutants), one per line.\n",
     "0  the list was printed\n"},
    {"help",
     "help [COMMAND]\n",
     "print this list, or one command's usage",
     "Print the usage of every command, or of one. \"COMMAND --help\" prints\n"
     "the same as \"help COMMAND\"; --version prints the version.\n",
     "0  the usage was printed\n"},
};

#define CLI_HELP_COUNT ((int)(sizeof(cli_helps) / sizeof(cli_helps[0])))

/* The classes every command shares, for a status it does not describe
 * itself. */
static const char cli_exits_common[] =
    "2  a usage error, or a scenario file that does not load (with file:line)\n"
    "3  an internal failure, or an output file that cannot be written\n";

static void cli_print_synopsis(FILE *out, const char *program, const cli_help_t *help);
static void cli_print_indented(FILE *out, const char *text, const char *indent);
static void cli_print_exit_lines(FILE *out, const char *exits, const char *status);
static bool cli_has_exit_line(const char *exits, const char *status);
static bool cli_exit_line_is(const char *line, const char *status);

void cli_usage(FILE *out, const char *program)
{
    int i;

    fprintf(out, "usage:\n");
    for (i = 0; i < CLI_HELP_COUNT; i++) {
        cli_print_synopsis(out, program, &cli_helps[i]);
        fprintf(out, "      %s\n", cli_helps[i].summary);
    }
    fprintf(out, "  %s --version\n\n", program);
    fprintf(out, "Run \"%s help COMMAND\" or \"%s COMMAND --help\" for what a command\n"
                 "does and its exit statuses.\n\n",
            program, program);
    cli_print_exit_statuses(out);
}

void cli_print_exit_statuses(FILE *out)
{
    fprintf(out,
            "exit status:\n"
            "  0  pass: no violation, or every expectation matched\n"
            "  1  property violation: a run broke a property (run without\n"
            "     expectations, replay, explore)\n"
            "  2  usage error, or a scenario file that does not load\n"
            "  3  internal failure, or an output file that cannot be written\n"
            "  4  environment error: the real server cannot be used (confirm)\n"
            "  5  expectation mismatch: a result differs from the scenario's\n"
            "     expectations (run --scenario, check) or from the simulator's\n"
            "     prediction (confirm)\n"
            "  130  interrupted: compare wrote a partial report (SIGINT, SIGTERM)\n");
}

int cli_help_command(FILE *out, const char *program, const char *command)
{
    static const char *const statuses[] = {"0", "1", "2", "3", "4", "5", "130"};
    const cli_help_t *help = NULL;
    size_t s;
    int i;

    for (i = 0; i < CLI_HELP_COUNT; i++) {
        if (strcmp(cli_helps[i].name, command) == 0) {
            help = &cli_helps[i];
        }
    }
    if (help == NULL) {
        fprintf(stderr, "barriersim help: unknown command \"%s\"; the commands are:",
                command);
        for (i = 0; i < CLI_HELP_COUNT; i++) {
            fprintf(stderr, " %s", cli_helps[i].name);
        }
        fprintf(stderr, "\n");
        return CLI_EXIT_USAGE;
    }

    fprintf(out, "usage:\n");
    cli_print_synopsis(out, program, help);
    fprintf(out, "\n");
    cli_print_indented(out, help->text, "  ");
    fprintf(out, "\nexit status:\n");
    for (s = 0; s < sizeof(statuses) / sizeof(statuses[0]); s++) {
        cli_print_exit_lines(out, help->exits, statuses[s]);
        if (!cli_has_exit_line(help->exits, statuses[s])) {
            cli_print_exit_lines(out, cli_exits_common, statuses[s]);
        }
    }
    return CLI_EXIT_OK;
}

void cli_print_version(FILE *out)
{
    if (CLI_VERSION_GIT[0] != '\0') {
        fprintf(out, "barriersim %s (git %s)\n", CLI_VERSION, CLI_VERSION_GIT);
    } else {
        fprintf(out, "barriersim %s\n", CLI_VERSION);
    }
}

bool cli_is_command(const char *command)
{
    int i;

    for (i = 0; i < CLI_HELP_COUNT; i++) {
        if (strcmp(cli_helps[i].name, command) == 0) {
            return true;
        }
    }
    return false;
}

static void cli_print_synopsis(FILE *out, const char *program, const cli_help_t *help)
{
    const char *line = help->synopsis;

    while (*line != '\0') {
        const char *end = strchr(line, '\n');
        int length = end == NULL ? (int)strlen(line) : (int)(end - line);

        if (line[0] == ' ') {
            fprintf(out, "  %*s%.*s\n", (int)strlen(program), "", length, line);
        } else {
            fprintf(out, "  %s %.*s\n", program, length, line);
        }
        line += length + (end != NULL ? 1 : 0);
    }
}

static void cli_print_indented(FILE *out, const char *text, const char *indent)
{
    const char *line = text;

    while (*line != '\0') {
        const char *end = strchr(line, '\n');
        int length = end == NULL ? (int)strlen(line) : (int)(end - line);

        fprintf(out, "%s%.*s\n", indent, length, line);
        line += length + (end != NULL ? 1 : 0);
    }
}

/* Whether a line of exits describes status. */
static bool cli_has_exit_line(const char *exits, const char *status)
{
    const char *line;

    for (line = exits; line != NULL && *line != '\0'; line = strchr(line, '\n')) {
        if (*line == '\n') {
            line++;
        }
        if (cli_exit_line_is(line, status)) {
            return true;
        }
    }
    return false;
}

/* Whether line starts with status and a space ("1" is not "130"). */
static bool cli_exit_line_is(const char *line, const char *status)
{
    size_t length = strlen(status);

    return strncmp(line, status, length) == 0 && line[length] == ' ';
}

/* Print the lines of exits that describe status: the line that starts with
 * its digit and the indented lines that continue it. */
static void cli_print_exit_lines(FILE *out, const char *exits, const char *status)
{
    const char *line = exits;
    bool inside = false;

    while (*line != '\0') {
        const char *end = strchr(line, '\n');
        int length = end == NULL ? (int)strlen(line) : (int)(end - line);

        if (line[0] != ' ') {
            inside = cli_exit_line_is(line, status);
        }
        if (inside) {
            fprintf(out, "  %.*s\n", length, line);
        }
        line += length + (end != NULL ? 1 : 0);
    }
}
