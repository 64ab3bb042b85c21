/* main — dispatch the subcommand. */
#include "cli.h"

#include <string.h>

void cli_usage(FILE *out, const char *program)
{
    fprintf(out,
            "usage:\n"
            "  %s run [--policy NAME|all] [--seeds A..B] [--batches N] [--workers W]\n"
            "        [--json PATH] [--verbose]\n"
            "      sweep seeds of the default scenario; print violations per policy\n"
            "  %s run --case C1|C3 [--policy NAME|all]\n"
            "      run a built-in field case and compare with its expected outcomes\n"
            "  %s replay --policy NAME --seed S [--case C] [--batches N] [--workers W]\n"
            "        [--trace]\n"
            "      re-run one seed; print its verdict, its trace and the trace hash\n"
            "  %s list faults|properties|policies\n"
            "\n"
            "exit status: 0 no violation (cases: all matched), 1 violation found\n"
            "(cases: a mismatch), 2 usage error, 3 internal failure\n",
            program, program, program, program);
}

int main(int argc, char **argv)
{
    cli_options_t options;
    const char *command;
    int rc;

    memset(&options, 0, sizeof(options));
    options.program = argv[0];
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        cli_usage(argc < 2 ? stderr : stdout, argv[0]);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }

    command = argv[1];
    if (strcmp(command, "list") == 0) {
        return cli_list(argc > 2 ? argv[2] : NULL);
    }
    if (strcmp(command, "run") != 0 && strcmp(command, "replay") != 0) {
        fprintf(stderr, "barriersim: unknown command \"%s\"; run \"%s help\"\n",
                command, argv[0]);
        return CLI_EXIT_USAGE;
    }

    rc = cli_parse(argc - 1, argv + 1, command, &options);
    if (rc != 0) {
        return rc;
    }
    return strcmp(command, "run") == 0 ? cli_run(&options) : cli_replay(&options);
}
