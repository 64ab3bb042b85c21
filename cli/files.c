/* files — where scenario files are found, and paths in replay commands. */
#include "cli.h"

#include <errno.h>
#include <fts.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLI_FILE_MAX 100000        /* scenario files one check loads */

static bool cli_add_path(char ***paths, int *capacity, int *count, const char *path);
static bool cli_is_dir(const char *path);
static bool cli_has_suffix(const char *text, const char *suffix);
static int cli_compare_paths(const void *left, const void *right);

void cli_scenarios_dir(char *buf, size_t buf_size)
{
    /* Built in place, the binary sits in bin/ next to scenarios/; installed
     * by make install, in PREFIX/bin next to PREFIX/share/barriersim. */
    static const char *const beside_exe[] = {"/../scenarios",
                                             "/../share/barriersim/scenarios"};
    const char *env = getenv("BARRIERSIM_SCENARIOS");
    char exe[PATH_MAX];
    char resolved[PATH_MAX];
    char *slash = NULL;
    ssize_t length;
    size_t i;

    if (env != NULL && env[0] != '\0') {
        snprintf(buf, buf_size, "%s", env);
        return;
    }

    length = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (length > 0) {
        exe[length] = '\0';
        slash = strrchr(exe, '/');
    }
    for (i = 0; slash != NULL && i < sizeof(beside_exe) / sizeof(beside_exe[0]); i++) {
        snprintf(slash, sizeof(exe) - (size_t)(slash - exe), "%s", beside_exe[i]);
        if (realpath(exe, resolved) != NULL && cli_is_dir(resolved) &&
            snprintf(buf, buf_size, "%s", resolved) < (int)buf_size) {
            return;
        }
    }
    snprintf(buf, buf_size, "scenarios");
}

void cli_print_cases(FILE *out, const char *dir)
{
    char cases[PATH_MAX];
    char **paths = NULL;
    int count;
    int i;

    snprintf(cases, sizeof(cases), "%s/cases", dir);
    count = cli_is_dir(cases) ? cli_find_yaml(cases, &paths) : 0;
    if (count <= 0) {
        fprintf(out, "no cases found there (set BARRIERSIM_SCENARIOS to the scenarios "
                     "folder)\n");
        free(paths);
        return;
    }
    fprintf(out, "cases there:");
    for (i = 0; i < count; i++) {
        const char *name = strrchr(paths[i], '/');

        name = name == NULL ? paths[i] : name + 1;
        fprintf(out, "%s %.*s", i > 0 ? "," : "", (int)(strlen(name) - 5), name);
        free(paths[i]);
    }
    fprintf(out, "\n");
    free(paths);
}

int cli_shell_quote(const char *text, char *buf, size_t buf_size)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789/._-+,:=@%";
    size_t used = 0;
    size_t i;

    if (text[0] != '\0' && strspn(text, safe) == strlen(text)) {
        return snprintf(buf, buf_size, "%s", text) < (int)buf_size ? 0 : -1;
    }

    /* Single quotes keep everything literal; a quote itself becomes '\''. */
    if (buf_size < 3) {
        return -1;
    }
    buf[used++] = '\'';
    for (i = 0; text[i] != '\0'; i++) {
        const char *piece = text[i] == '\'' ? "'\\''" : NULL;
        size_t piece_length = piece != NULL ? 4 : 1;

        if (used + piece_length + 2 > buf_size) {
            return -1;
        }
        if (piece != NULL) {
            memcpy(buf + used, piece, piece_length);
        } else {
            buf[used] = text[i];
        }
        used += piece_length;
    }
    buf[used++] = '\'';
    buf[used] = '\0';
    return 0;
}

int cli_find_yaml(const char *dir, char ***paths_out)
{
    char *roots[] = {(char *)dir, NULL};
    char **paths = NULL;
    int capacity = 0;
    int count = 0;
    bool failed = false;
    FTS *fts;
    FTSENT *entry;

    *paths_out = NULL;
    if (!cli_is_dir(dir)) {
        fprintf(stderr, "barriersim: \"%s\" is not a folder: %s\n", dir,
                errno != 0 ? strerror(errno) : "not a directory");
        return -1;
    }
    fts = fts_open(roots, FTS_LOGICAL | FTS_NOCHDIR, NULL);
    if (fts == NULL) {
        fprintf(stderr, "barriersim: could not read folder \"%s\": %s\n", dir,
                strerror(errno));
        return -1;
    }

    while (!failed && (entry = fts_read(fts)) != NULL) {
        if (entry->fts_info == FTS_DNR || entry->fts_info == FTS_ERR ||
            entry->fts_info == FTS_NS) {
            fprintf(stderr, "barriersim: could not read \"%s\": %s\n", entry->fts_path,
                    strerror(entry->fts_errno));
            failed = true;
        } else if (entry->fts_info == FTS_F && cli_has_suffix(entry->fts_name, ".yaml")) {
            failed = cli_add_path(&paths, &capacity, &count, entry->fts_path);
        }
    }
    fts_close(fts);

    if (failed) {
        while (count > 0) {
            free(paths[--count]);
        }
        free(paths);
        return -1;
    }
    qsort(paths, (size_t)count, sizeof(*paths), cli_compare_paths);
    *paths_out = paths;
    return count;
}

/* Append a copy of path; returns true on failure, after printing why. */
static bool cli_add_path(char ***paths, int *capacity, int *count, const char *path)
{
    char **grown;

    if (*count == CLI_FILE_MAX) {
        fprintf(stderr, "barriersim: more than %d scenario files; check a smaller "
                        "folder\n", CLI_FILE_MAX);
        return true;
    }
    if (*count == *capacity) {
        int grown_capacity = *capacity == 0 ? 64 : *capacity * 2;

        grown = realloc(*paths, sizeof(**paths) * (size_t)grown_capacity);
        if (grown == NULL) {
            fprintf(stderr, "barriersim: out of memory listing scenario files\n");
            return true;
        }
        *paths = grown;
        *capacity = grown_capacity;
    }
    (*paths)[*count] = strdup(path);
    if ((*paths)[*count] == NULL) {
        fprintf(stderr, "barriersim: out of memory listing scenario files\n");
        return true;
    }
    (*count)++;
    return false;
}

static bool cli_is_dir(const char *path)
{
    struct stat st;

    errno = 0;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool cli_has_suffix(const char *text, const char *suffix)
{
    size_t length = strlen(text);
    size_t suffix_length = strlen(suffix);

    return length > suffix_length &&
           strcmp(text + length - suffix_length, suffix) == 0;
}

static int cli_compare_paths(const void *left, const void *right)
{
    return strcmp(*(char *const *)left, *(char *const *)right);
}
