/* fuzz_cli — the option parsers of the subcommands on arbitrary arguments. */
#include "fuzz.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli.h"

/* The commands whose options cli_parse reads, and check's own parser. */
static const char *const fuzz_commands[] = {
    "run", "replay", "save", "shrink", "explore", "confirm", "check",
};

static int fuzz_split(char *text, size_t size, char **argv, int argv_max);
static const char *fuzz_command(const char *line);
static void fuzz_cli_reference(void);

int fuzz_cli_one(const uint8_t *data, size_t size)
{
    char *argv[FUZZ_ARG_MAX + 2];
    char *text = malloc(size + 1);
    cli_options_t *options = calloc(1, sizeof(*options));
    const char *command;
    int argc;
    int rc;

    if (text == NULL || options == NULL) {
        free(text);
        free(options);
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';

    /* argv[0] is the command, as main() passes it on. */
    argc = fuzz_split(text, size, argv, FUZZ_ARG_MAX + 1);
    command = fuzz_command(argc > 0 ? argv[0] : "");
    argv[0] = (char *)command;
    argc = argc > 0 ? argc : 1;
    argv[argc] = NULL;

    options->program = "barriersim";
    if (strcmp(command, "check") == 0) {
        cli_check_args_t args = {NULL, NULL, NULL, NULL};

        rc = cli_check_parse(argc, argv, &args);
        assert(rc != 0 || args.dir != NULL);
    } else {
        rc = cli_parse(argc, argv, command, options);
    }
    assert(rc == 0 || rc == CLI_EXIT_USAGE);

    free(options);
    free(text);
    fuzz_cli_reference();
    return 0;
}

/* Invariant 3: whatever the input left behind (getopt keeps state between
 * calls), the next parse of a valid command line gives its values. */
static void fuzz_cli_reference(void)
{
    char *argv[] = {"replay", "--policy", "blind", "--seed", "5", NULL};
    cli_options_t *options = calloc(1, sizeof(*options));
    int rc;

    if (options == NULL) {
        return;
    }
    options->program = "barriersim";
    rc = cli_parse(5, argv, "replay", options);
    assert(rc == 0);
    assert(options->seed_first == 5);
    assert(options->policy_count == 1);
    free(options);
}

/* Cut text at each newline into at most argv_max strings; returns the count.
 * A NUL byte ends its line early, as it would end a real argument. */
static int fuzz_split(char *text, size_t size, char **argv, int argv_max)
{
    int argc = 0;
    size_t start = 0;

    for (size_t index = 0; index <= size && argc < argv_max; index++) {
        if (index == size || text[index] == '\n') {
            text[index] = '\0';
            argv[argc++] = text + start;
            start = index + 1;
        }
    }
    return argc;
}

static const char *fuzz_command(const char *line)
{
    for (size_t index = 0; index < sizeof(fuzz_commands) / sizeof(fuzz_commands[0]);
         index++) {
        if (strcmp(line, fuzz_commands[index]) == 0) {
            return fuzz_commands[index];
        }
    }
    return "run";
}
