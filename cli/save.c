/* save — pin one seed's result as a scenario file of the corpus. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../scenarios/scen_file.h"
#include "../scenarios/scen_write.h"

#define CLI_COMMENT_MAX (PATH_MAX + CLI_COMMAND_MAX + 1024) /* fits the base path and a replay command */

static void cli_save_scenario(const cli_options_t *options, const core_policy_t *policy,
                              const sim_result_t *result, scen_t *saved);
static void cli_save_comment(const cli_options_t *options, const core_policy_t *policy,
                             const sim_result_t *result, char *buf, size_t buf_size);
static int cli_save_place(const char *tmp_path, const char *path);
static void cli_save_replay(const cli_options_t *options, const char *policy,
                            char *buf, size_t buf_size);

int cli_save(const cli_options_t *options)
{
    const core_policy_t *policy = options->policies[0];
    char comment[CLI_COMMENT_MAX];
    char violated[128];
    sim_result_t result;
    sim_world_t *world;
    scen_t *saved;
    int rc = cli_check_target("save", options->save_name, options->save_path);

    if (rc != 0) {
        return rc;
    }
    world = cli_world_new(NULL);
    saved = malloc(sizeof(*saved));
    if (world == NULL || saved == NULL) {
        if (saved == NULL) {
            fprintf(stderr, "barriersim save: out of memory\n");
        }
        cli_world_free(world);
        free(saved);
        return CLI_EXIT_INTERNAL;
    }

    sim_world_run(world, options->selected, policy, options->seed_first, 0, NULL,
                  &result);
    cli_save_scenario(options, policy, &result, saved);
    cli_save_comment(options, policy, &result, comment, sizeof(comment));
    rc = cli_save_write(options->save_path, saved, comment);
    if (rc == 0) {
        rc = cli_save_verify(world, options->save_path, policy, &result);
    }

    if (rc == 0) {
        scen_mask_format(result.violated_mask, violated, sizeof(violated));
        printf("barriersim save: seed %" PRIu64 " under %s ended %s, violated: %s\n"
               "wrote %s (scenario %s)\n",
               options->seed_first, policy->name, scen_outcome_name(result.outcome),
               violated, options->save_path, saved->name);
    }
    cli_world_free(world);
    free(saved);
    return rc;
}

/* cli_save_place checks the target again when it creates the file. */
int cli_check_target(const char *command, const char *name, const char *path)
{
    struct stat st;

    if (name != NULL && (name[0] == '\0' || strlen(name) >= SCEN_NAME_MAX ||
                         strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789-_.") != strlen(name))) {
        fprintf(stderr, "barriersim %s: invalid value \"%s\" for --name: expected 1 to "
                        "%d letters, digits, '-', '_' and '.'\n", command, name,
                SCEN_NAME_MAX - 1);
        return CLI_EXIT_USAGE;
    }
    if (stat(path, &st) == 0) {
        fprintf(stderr, "barriersim %s: %s already exists; give another --to PATH or "
                        "remove the file first\n", command, path);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* The base scenario with every setting kept, restricted to this policy and
 * seed, expecting exactly what the run produced. */
static void cli_save_scenario(const cli_options_t *options, const core_policy_t *policy,
                              const sim_result_t *result, scen_t *saved)
{
    const scen_t *base = options->selected;
    scen_expect_t *expect;
    char violated[128];

    *saved = *base;
    if (options->save_name != NULL) {
        snprintf(saved->name, sizeof(saved->name), "%s", options->save_name);
    } else {
        snprintf(saved->name, sizeof(saved->name), "%.40s-%s-%" PRIu64, base->name,
                 policy->name, options->seed_first);
    }
    scen_mask_format(result->violated_mask, violated, sizeof(violated));
    snprintf(saved->summary, sizeof(saved->summary),
             "seed %" PRIu64 " of %s under %s: %s, violated: %s", options->seed_first,
             base->name, policy->name, scen_outcome_name(result->outcome), violated);

    saved->policy_count = 1;
    snprintf(saved->policies[0], SCEN_NAME_MAX, "%s", policy->name);
    saved->seed_first = options->seed_first;
    saved->seed_last = options->seed_first;

    saved->expect_count = 1;
    expect = &saved->expect[0];
    memset(expect, 0, sizeof(*expect));
    snprintf(expect->policy, sizeof(expect->policy), "%s", policy->name);
    expect->has_outcome = true;
    expect->outcome = result->outcome;
    expect->has_violated = true;
    expect->violated_mask = result->violated_mask;
}

/* When and what was captured, from which base, and how to replay it. */
static void cli_save_comment(const cli_options_t *options, const core_policy_t *policy,
                             const sim_result_t *result, char *buf, size_t buf_size)
{
    char when[64] = "an unknown time";
    char violated[128];
    char base[PATH_MAX + 96];
    char replay[CLI_COMMAND_MAX];
    time_t now = time(NULL);
    struct tm tm;

    if (now != (time_t)-1 && gmtime_r(&now, &tm) != NULL) {
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
    }
    if (options->file_path[0] != '\0') {
        snprintf(base, sizeof(base), "the scenario file %s", options->file_path);
    } else {
        snprintf(base, sizeof(base), "the built-in default scenario with --batches %d "
                 "--workers %d", options->batch_count, options->worker_count);
    }
    scen_mask_format(result->violated_mask, violated, sizeof(violated));
    cli_save_replay(options, policy->name, replay, sizeof(replay));
    snprintf(buf, buf_size,
             "Saved by barriersim save on %s: seed %" PRIu64 " of scenario %s under\n"
             "policy %s ended %s with %d fire(s), violated: %s.\n"
             "Every setting is copied from %s;\n"
             "only the policies, the seeds and the expectation are narrowed to this run.\n"
             "\n"
             "Replay: %s --trace\n",
             when, options->seed_first, options->selected->name, policy->name,
             scen_outcome_name(result->outcome), result->fire_count, violated, base,
             replay);
}

/* Write a temporary file next to path, then move it into place without
 * replacing anything that appeared at path meanwhile. */
int cli_save_write(const char *path, const scen_t *saved, const char *comment)
{
    char tmp_path[PATH_MAX];
    char error[CLI_ERROR_MAX];
    FILE *out;
    int fd;
    int rc;

    if (snprintf(tmp_path, sizeof(tmp_path), "%s.tmp.XXXXXX", path) >=
        (int)sizeof(tmp_path)) {
        fprintf(stderr, "barriersim: --to path is too long: %s\n", path);
        return CLI_EXIT_USAGE;
    }
    fd = mkstemp(tmp_path);
    out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (out == NULL) {
        fprintf(stderr, "barriersim: could not create a file next to %s: %s; "
                        "check that the folder exists and is writable\n",
                path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp_path);
        }
        return CLI_EXIT_INTERNAL;
    }

    rc = scen_write(out, saved, comment, error, sizeof(error));
    if (fclose(out) != 0 && rc == 0) {
        snprintf(error, sizeof(error), "could not write the file: %s", strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        fprintf(stderr, "barriersim: %s: %s\n", path, error);
        unlink(tmp_path);
        return CLI_EXIT_INTERNAL;
    }
    return cli_save_place(tmp_path, path);
}

/* Move the file into place with link(), which fails with EEXIST where
 * rename() would replace. Where the file system has no hard links, fall back
 * to a check and a rename. */
static int cli_save_place(const char *tmp_path, const char *path)
{
    struct stat st;
    int rc = link(tmp_path, path);
    int link_errno = errno;

    if (rc != 0 && link_errno != EEXIST && stat(path, &st) != 0) {
        rc = rename(tmp_path, path);
        link_errno = errno;
    }
    unlink(tmp_path);
    if (rc == 0) {
        return 0;
    }
    if (link_errno == EEXIST || stat(path, &st) == 0) {
        fprintf(stderr, "barriersim: %s already exists; give another --to PATH or "
                        "remove the file first\n", path);
        return CLI_EXIT_USAGE;
    }
    fprintf(stderr, "barriersim: could not create %s: %s\n", path,
            strerror(link_errno));
    return CLI_EXIT_INTERNAL;
}

/* Check that the file loads and reproduces the run with the same trace
 * hash. A file that does not is removed rather than left in the corpus. */
int cli_save_verify(sim_world_t *world, const char *path,
                    const core_policy_t *policy, const sim_result_t *result)
{
    char error[CLI_ERROR_MAX];
    sim_result_t again;
    scen_t *loaded = malloc(sizeof(*loaded));
    int rc = CLI_EXIT_INTERNAL;

    if (loaded == NULL) {
        fprintf(stderr, "barriersim: out of memory checking %s\n", path);
    } else if (scen_file_load(path, loaded, error, sizeof(error)) != 0) {
        fprintf(stderr, "barriersim: the written file does not load: %s\n", error);
    } else {
        sim_world_run(world, loaded, policy, result->seed, 0, NULL, &again);
        if (again.trace_hash == result->trace_hash) {
            rc = 0;
        } else {
            fprintf(stderr, "barriersim: the written file does not reproduce the "
                            "run (trace hash %016" PRIx64 ", expected %016" PRIx64 ")\n",
                    again.trace_hash, result->trace_hash);
        }
    }
    if (rc != 0) {
        fprintf(stderr, "barriersim: removed %s\n", path);
        remove(path);
    }
    free(loaded);
    return rc;
}

static void cli_save_replay(const cli_options_t *options, const char *policy,
                            char *buf, size_t buf_size)
{
    char quoted[CLI_ARGS_MAX];

    if (cli_shell_quote(options->save_path, quoted, sizeof(quoted)) != 0) {
        snprintf(quoted, sizeof(quoted), "%s", options->save_path);
    }
    snprintf(buf, buf_size, "%s replay --scenario %s --policy %s --seed %" PRIu64,
             options->program, quoted, policy, options->seed_first);
}
