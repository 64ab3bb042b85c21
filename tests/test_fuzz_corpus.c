/*
 * Replays the fuzz corpus (fuzz/corpus/<target>/) through the fuzz targets,
 * without libFuzzer, so every test run checks the parsers on every input the
 * fuzzer ever kept. A target fails by crashing or by an assertion of its
 * contract (fuzz/fuzz.h). The file also contains the regression test of
 * each bug the fuzzer found.
 *
 * The corpus folder is $FUZZ_CORPUS_DIR, else fuzz/corpus (the tests run
 * from the repository root).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli/cli.h"
#include "../fuzz/fuzz.h"

#define TEST_INPUT_SIZE_MAX (1024 * 1024)
#define TEST_FILE_COUNT_MAX 100000

typedef int (*test_target_cb)(const uint8_t *data, size_t size);

/* The input being replayed, for the crash handler. */
static char test_current_path[1024];

static int test_replay_folder(const char *target, test_target_cb one);
static void test_on_crash(int signo);
static int test_replay_file(const char *path, test_target_cb one);
static int test_quiet_stderr(void);
static void test_restore_stderr(int saved_fd);

/* Every kept scenario input parses or fails with a message that names the
 * file. */
static void test_fuzz_corpus_scen_file(void **state)
{
    (void)state;
    int count = test_replay_folder("scen_file", fuzz_scen_file_one);

    /* An empty or missing corpus would pass without testing anything. */
    assert_true(count > 0);
}

/* Every kept command line parses or fails with the usage status. */
static void test_fuzz_corpus_cli(void **state)
{
    (void)state;
    int count = test_replay_folder("cli", fuzz_cli_one);

    assert_true(count > 0);
}

/*
 * Regression (found by fuzz_cli): cli_parse reset getopt with optind = 1,
 * so after "run -xy" stopped inside "-xy", glibc's getopt read on from the
 * old argument, freed by then, and the next parse failed on a valid line.
 */
static void test_fuzz_cli_parse_forgets_option_cluster(void **state)
{
    (void)state;
    char cluster[] = "-xy";
    char *bad_argv[] = {"run", cluster, NULL};
    char *good_argv[] = {"replay", "--policy", "blind", "--seed", "5", NULL};
    cli_options_t *options = calloc(1, sizeof(*options));
    int saved_fd;
    int rc;

    assert_non_null(options);
    options->program = "barriersim";
    saved_fd = test_quiet_stderr();
    rc = cli_parse(2, bad_argv, "run", options);
    test_restore_stderr(saved_fd);
    assert_int_equal(rc, CLI_EXIT_USAGE);

    /* Overwrite the old argument, as a reused buffer would be. */
    memset(cluster, 'z', 3);
    memset(options, 0, sizeof(*options));
    options->program = "barriersim";
    rc = cli_parse(5, good_argv, "replay", options);
    assert_int_equal(rc, 0);
    assert_int_equal(options->seed_first, 5);
    free(options);
}

/* The same for check's own parser. */
static void test_fuzz_check_parse_forgets_option_cluster(void **state)
{
    (void)state;
    char cluster[] = "-xy";
    char *bad_argv[] = {"check", cluster, NULL};
    char *good_argv[] = {"check", "scenarios", NULL};
    cli_check_args_t args = {NULL, NULL, NULL, NULL};
    int saved_fd;
    int rc;

    saved_fd = test_quiet_stderr();
    rc = cli_check_parse(2, bad_argv, &args);
    test_restore_stderr(saved_fd);
    assert_int_equal(rc, CLI_EXIT_USAGE);

    memset(cluster, 'z', 3);
    rc = cli_check_parse(2, good_argv, &args);
    assert_int_equal(rc, 0);
    assert_string_equal(args.dir, "scenarios");
}

int main(void)
{
    static const int crash_signals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_corpus_scen_file),
        cmocka_unit_test(test_fuzz_corpus_cli),
        cmocka_unit_test(test_fuzz_cli_parse_forgets_option_cluster),
        cmocka_unit_test(test_fuzz_check_parse_forgets_option_cluster),
    };

    for (size_t index = 0; index < sizeof(crash_signals) / sizeof(crash_signals[0]);
         index++) {
        signal(crash_signals[index], test_on_crash);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Name the input that crashed a target, whose own message went to
 * /dev/null with stderr, then die of the signal. */
static void test_on_crash(int signo)
{
    static const char prefix[] = "\ntest_fuzz_corpus: a target crashed on ";
    static const char suffix[] = "; rerun it with the fuzzer binary for the report\n";
    size_t length = strlen(test_current_path);
    bool written = true;

    if (length > 0) {
        written = write(STDOUT_FILENO, prefix, sizeof(prefix) - 1) > 0 &&
                  write(STDOUT_FILENO, test_current_path, length) > 0 &&
                  write(STDOUT_FILENO, suffix, sizeof(suffix) - 1) > 0;
    }
    (void)written; /* nothing more a dying process can do */
    signal(signo, SIG_DFL);
    raise(signo);
}

/* Feed every file of <corpus>/<target> to one, in name order. Returns the
 * count of files. */
static int test_replay_folder(const char *target, test_target_cb one)
{
    const char *corpus = getenv("FUZZ_CORPUS_DIR");
    char folder[512];
    struct dirent **entries = NULL;
    int entry_count;
    int file_count = 0;

    snprintf(folder, sizeof(folder), "%s/%s", corpus != NULL ? corpus : "fuzz/corpus",
             target);
    entry_count = scandir(folder, &entries, NULL, alphasort);
    if (entry_count < 0) {
        fail_msg("could not read the corpus folder %s; run the tests from the "
                 "repository root or set FUZZ_CORPUS_DIR", folder);
    }
    assert_true(entry_count <= TEST_FILE_COUNT_MAX);

    for (int index = 0; index < entry_count; index++) {
        char path[1024];

        if (entries[index]->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", folder, entries[index]->d_name);
            file_count += test_replay_file(path, one);
        }
        free(entries[index]);
    }
    free(entries);
    print_message("replayed %d inputs of %s\n", file_count, folder);
    return file_count;
}

/* Run one on the content of path, with the parsers' messages silenced.
 * Returns 1. */
static int test_replay_file(const char *path, test_target_cb one)
{
    FILE *file = fopen(path, "rb");
    uint8_t *data = malloc(TEST_INPUT_SIZE_MAX);
    size_t size;
    int saved_fd;

    if (file == NULL || data == NULL) {
        fail_msg("could not read %s", path);
    }
    size = fread(data, 1, TEST_INPUT_SIZE_MAX, file);
    assert_false(ferror(file));
    fclose(file);

    /* A crash still shows: the test binary then ends without its summary. */
    snprintf(test_current_path, sizeof(test_current_path), "%s", path);
    saved_fd = test_quiet_stderr();
    one(data, size);
    test_restore_stderr(saved_fd);
    test_current_path[0] = '\0';
    free(data);
    return 1;
}

/* Point stderr at /dev/null; returns the saved descriptor. */
static int test_quiet_stderr(void)
{
    int saved_fd = dup(STDERR_FILENO);
    int null_fd = open("/dev/null", O_WRONLY);

    assert_true(saved_fd >= 0);
    assert_true(null_fd >= 0);
    fflush(stderr);
    dup2(null_fd, STDERR_FILENO);
    close(null_fd);
    return saved_fd;
}

static void test_restore_stderr(int saved_fd)
{
    fflush(stderr);
    dup2(saved_fd, STDERR_FILENO);
    close(saved_fd);
}
