/* merge — combine the shard reports of one compare sweep into the report a
 * single process writes over the same seeds. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../reports/compare.h"

#define CLI_MERGE_USAGE "usage: merge OUT_DIR SHARD.json|SHARD_DIR... [--confirm-json PATH]..."

static int cli_merge_parse(int argc, char **argv, char **confirm_paths,
                           int *confirm_count);
static int cli_merge_read(int count, char **args, report_compare_t *shards,
                          char (*paths)[PATH_MAX]);
static int cli_merge_confirm(report_compare_t *merged, int count, char **paths);

int cli_merge(int argc, char **argv, const char *program)
{
    char *confirm_paths[REPORT_CONFIRM_FILE_MAX];
    int confirm_count = 0;
    report_compare_t merged;
    report_compare_t *shards;
    char (*paths)[PATH_MAX];
    const char **names;
    char error[CLI_ERROR_MAX];
    int shard_count;
    int rc;
    int i;

    (void)program;
    rc = cli_merge_parse(argc, argv, confirm_paths, &confirm_count);
    if (rc != 0) {
        return rc;
    }
    shard_count = argc - optind - 1;

    shards = calloc((size_t)shard_count, sizeof(*shards));
    paths = calloc((size_t)shard_count, sizeof(*paths));
    names = calloc((size_t)shard_count, sizeof(*names));
    memset(&merged, 0, sizeof(merged));
    rc = shards == NULL || paths == NULL || names == NULL ? CLI_EXIT_INTERNAL : 0;
    if (rc == 0) {
        rc = cli_merge_read(shard_count, argv + optind + 1, shards, paths);
    }
    for (i = 0; i < shard_count && rc == 0; i++) {
        names[i] = paths[i];
    }
    if (rc == 0 && report_compare_merge(&merged, shards, names, shard_count, error,
                                        sizeof(error)) != 0) {
        fprintf(stderr, "barriersim merge: %s\n", error);
        rc = CLI_EXIT_USAGE;
    }
    if (rc == 0 && confirm_count > 0) {
        rc = cli_merge_confirm(&merged, confirm_count, confirm_paths);
    }
    if (rc == 0 && report_make_dir(argv[optind], error, sizeof(error)) != 0) {
        fprintf(stderr, "barriersim merge: %s\n", error);
        rc = CLI_EXIT_USAGE;
    }
    if (rc == 0 && report_compare_write_dir(&merged, argv[optind], false, error,
                                            sizeof(error)) != 0) {
        fprintf(stderr, "barriersim merge: %s\n", error);
        rc = CLI_EXIT_INTERNAL;
    }
    if (rc == 0) {
        printf("barriersim merge: %d shards; wrote %s/report.json, report.md and "
               "report.html\n", shard_count, argv[optind]);
    }

    for (i = 0; shards != NULL && i < shard_count; i++) {
        report_compare_free(&shards[i]);
    }
    report_compare_free(&merged);
    free(shards);
    free(paths);
    free(names);
    return rc;
}

/* Collect --confirm-json options and check that an output folder and at
 * least one shard follow; optind then points at the output folder. */
static int cli_merge_parse(int argc, char **argv, char **confirm_paths,
                           int *confirm_count)
{
    static const struct option long_options[] = {
        {"confirm-json", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    int opt;

    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        if (opt != 'c' || *confirm_count == REPORT_CONFIRM_FILE_MAX) {
            fprintf(stderr, "barriersim merge: unknown or incomplete option \"%s\", or more "
                            "than %d --confirm-json; " CLI_MERGE_USAGE "\n",
                    argv[optind - 1], REPORT_CONFIRM_FILE_MAX);
            return CLI_EXIT_USAGE;
        }
        confirm_paths[(*confirm_count)++] = optarg;
    }
    if (argc - optind < 2) {
        fprintf(stderr, "barriersim merge: give the output folder and at least one shard "
                        "report; " CLI_MERGE_USAGE "\n");
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* Each argument is a report file, or a folder containing report.json. */
static int cli_merge_read(int count, char **args, report_compare_t *shards,
                          char (*paths)[PATH_MAX])
{
    char error[CLI_ERROR_MAX];
    struct stat st;
    int i;

    for (i = 0; i < count; i++) {
        bool dir = stat(args[i], &st) == 0 && S_ISDIR(st.st_mode);

        snprintf(paths[i], PATH_MAX, dir ? "%s/report.json" : "%s", args[i]);
        if (report_compare_read_file(paths[i], &shards[i], error, sizeof(error)) != 0) {
            fprintf(stderr, "barriersim merge: %s\n", error);
            return CLI_EXIT_USAGE;
        }
    }
    return 0;
}

/* --confirm-json on merge replaces the shards' confirmations. */
static int cli_merge_confirm(report_compare_t *merged, int count, char **paths)
{
    char error[CLI_ERROR_MAX];
    json_error_t json_error;
    int i;

    report_compare_confirm_clear(merged);
    for (i = 0; i < count; i++) {
        json_t *doc = json_load_file(paths[i], 0, &json_error);
        int rc;

        if (doc == NULL) {
            report_json_error(&json_error, error, sizeof(error));
            fprintf(stderr, "barriersim merge: could not read --confirm-json \"%s\": %s\n",
                    paths[i], error);
            return CLI_EXIT_USAGE;
        }
        rc = report_compare_confirm(merged, doc, paths[i], error, sizeof(error));
        json_decref(doc);
        if (rc != 0) {
            fprintf(stderr, "barriersim merge: %s\n", error);
            return CLI_EXIT_USAGE;
        }
    }
    return 0;
}
