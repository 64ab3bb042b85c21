/* main — dispatch the subcommand. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static bool cli_wants_help(int argc, char **argv);
static int cli_dispatch(int argc, char **argv, const char *command);

int main(int argc, char **argv)
{
    const char *command;

    if (argc < 2) {
        cli_usage(stderr, argv[0]);
        return CLI_EXIT_USAGE;
    }
    command = argv[1];

    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0) {
        cli_usage(stdout, argv[0]);
        return CLI_EXIT_OK;
    }
    if (strcmp(command, "--version") == 0) {
        cli_print_version(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(command, "help") == 0) {
        if (argc > 3) {
            fprintf(stderr, "barriersim help: expected at most one command, got \"%s\" "
                            "and more; usage: %s help [COMMAND]\n",
                    argv[3], argv[0]);
            return CLI_EXIT_USAGE;
        }
        if (argc == 3) {
            bool self = strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0;

            return cli_help_command(stdout, argv[0], self ? "help" : argv[2]);
        }
        cli_usage(stdout, argv[0]);
        return CLI_EXIT_OK;
    }
    if (!cli_is_command(command)) {
        fprintf(stderr, "barriersim: unknown command \"%s\"; run \"%s help\" for the "
                        "list\n",
                command, argv[0]);
        return CLI_EXIT_USAGE;
    }

    /* "barriersim COMMAND ... --help" prints that command's usage. */
    if (cli_wants_help(argc, argv)) {
        return cli_help_command(stdout, argv[0], command);
    }
    return cli_dispatch(argc, argv, command);
}

/* --help or -h anywhere after the command, before a "--". */
static bool cli_wants_help(int argc, char **argv)
{
    int i;

    for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return true;
        }
    }
    return false;
}

static int cli_dispatch(int argc, char **argv, const char *command)
{
    cli_options_t *options;
    int rc;

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
