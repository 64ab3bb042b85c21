/*
 * tests/test_progress.c: unit tests for cli/progress (the status text, the
 * bar's redraw limit, the plain lines, the mode chosen for a stream).
 *
 * Every test passes its own clock readings, so none depends on how fast the
 * machine is. A pseudo-terminal plays the part of a user's terminal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli/progress.h"

enum {
    TEST_RUN_COUNT = 1000,
    TEST_NARROW_COLUMNS = 60,
    TEST_TINY_COLUMNS = 30,
};

/* An in-memory stream whose text the test reads after fflush. */
typedef struct {
    FILE *out;
    char *text;
    size_t size;
} test_stream_t;

static void test_stream_open(test_stream_t *stream)
{
    stream->text = NULL;
    stream->size = 0;
    stream->out = open_memstream(&stream->text, &stream->size);
    assert_non_null(stream->out);
}

static const char *test_stream_text(test_stream_t *stream)
{
    assert_int_equal(fflush(stream->out), 0);
    return stream->text;
}

static void test_stream_close(test_stream_t *stream)
{
    fclose(stream->out);
    free(stream->text);
}

static int test_count_char(const char *text, char target)
{
    int count = 0;

    for (; *text != '\0'; text++) {
        count += *text == target ? 1 : 0;
    }
    return count;
}

static void test_progress_text_bar_midway(void **state)
{
    char text[CLI_PROGRESS_TEXT_MAX];

    (void)state;
    cli_progress_text(text, sizeof(text), "run", 50, 100, 10.0, 10, false);
    assert_string_equal(text, "run [#####.....] 50/100 runs  50% 5.0 runs/s 0:10 left");
}

static void test_progress_text_line_finished(void **state)
{
    char text[CLI_PROGRESS_TEXT_MAX];

    (void)state;
    cli_progress_text(text, sizeof(text), "run", 1000, 1000, 125.0, 0, true);
    assert_string_equal(text, "run: 1000/1000 runs (100%), 8.0 runs/s, 2:05 elapsed");
}

static void test_progress_text_before_first_run(void **state)
{
    char text[CLI_PROGRESS_TEXT_MAX];

    (void)state;
    cli_progress_text(text, sizeof(text), "confirm", 0, 10, 3.0, 0, false);
    assert_string_equal(text, "confirm: 0/10 runs (0%), - runs/s, -:-- left");
}

static void test_progress_text_hours_left(void **state)
{
    char text[CLI_PROGRESS_TEXT_MAX];

    (void)state;
    cli_progress_text(text, sizeof(text), "run", 1, 10000, 1.0, 0, false);
    assert_string_equal(text, "run: 1/10000 runs (0%), 1.0 runs/s, 2:46:39 left");
}

static void test_progress_text_high_rate_whole(void **state)
{
    char text[CLI_PROGRESS_TEXT_MAX];

    (void)state;
    cli_progress_text(text, sizeof(text), "run", 30000, 60000, 2.0, 0, false);
    assert_string_equal(text, "run: 30000/60000 runs (50%), 15000 runs/s, 0:02 left");
}

/* One run per millisecond over a second: a line at each tenth from the
 * updates, and the last one from finish. */
static void test_progress_lines_one_per_tenth(void **state)
{
    test_stream_t stream;
    cli_progress_t progress;
    const char *text;
    uint64_t done;

    (void)state;
    test_stream_open(&stream);
    cli_progress_start_at(&progress, stream.out, CLI_PROGRESS_LINES, "run", TEST_RUN_COUNT,
                          0.0);
    for (done = 1; done <= TEST_RUN_COUNT; done++) {
        cli_progress_update_at(&progress, done, (double)done / 1000.0);
    }
    cli_progress_finish_at(&progress, 1.0);
    text = test_stream_text(&stream);

    assert_int_equal(test_count_char(text, '\n'), 10);
    assert_non_null(strstr(text, "run: 100/1000 runs (10%)"));
    assert_non_null(strstr(text, "run: 900/1000 runs (90%)"));
    assert_non_null(strstr(text, "run: 1000/1000 runs (100%), 1000 runs/s, 0:01 elapsed\n"));
    assert_null(strchr(text, '\r'));
    test_stream_close(&stream);
}

/* A tenth that takes longer than CLI_PROGRESS_LINE_S still gets a line
 * every CLI_PROGRESS_LINE_S seconds. */
static void test_progress_lines_every_ten_seconds(void **state)
{
    test_stream_t stream;
    cli_progress_t progress;
    const char *text;

    (void)state;
    test_stream_open(&stream);
    cli_progress_start_at(&progress, stream.out, CLI_PROGRESS_LINES, "run", TEST_RUN_COUNT,
                          0.0);
    cli_progress_update_at(&progress, 1, 1.0);
    cli_progress_update_at(&progress, 2, 9.0);
    cli_progress_update_at(&progress, 3, 11.0);
    cli_progress_update_at(&progress, 4, 15.0);
    cli_progress_update_at(&progress, 5, 21.5);
    text = test_stream_text(&stream);

    assert_int_equal(test_count_char(text, '\n'), 2);
    assert_non_null(strstr(text, "run: 3/1000 runs (0%)"));
    assert_non_null(strstr(text, "run: 5/1000 runs (0%)"));
    test_stream_close(&stream);
}

static void test_progress_lines_nothing_run(void **state)
{
    test_stream_t stream;
    cli_progress_t progress;

    (void)state;
    test_stream_open(&stream);
    cli_progress_start_at(&progress, stream.out, CLI_PROGRESS_LINES, "confirm", 3, 0.0);
    cli_progress_finish_at(&progress, 5.0);
    assert_string_equal(test_stream_text(&stream), "");
    test_stream_close(&stream);
}

/* A thousand updates over one second redraw the bar about ten times. */
static void test_progress_bar_redraw_limited(void **state)
{
    test_stream_t stream;
    cli_progress_t progress;
    const char *text;
    uint64_t done;
    int draw_count;

    (void)state;
    test_stream_open(&stream);
    cli_progress_start_at(&progress, stream.out, CLI_PROGRESS_BAR, "run", TEST_RUN_COUNT,
                          0.0);
    for (done = 1; done <= TEST_RUN_COUNT; done++) {
        cli_progress_update_at(&progress, done, (double)done / 1000.0);
    }
    cli_progress_finish_at(&progress, 1.0);
    text = test_stream_text(&stream);
    draw_count = test_count_char(text, '\r');

    assert_in_range(draw_count, 10, 12);
    assert_int_equal(test_count_char(text, '\n'), 1);
    assert_non_null(strstr(text, "[########################] 1000/1000 runs 100%"));
    assert_non_null(strstr(text, "0:01 elapsed\033[K\n"));
    test_stream_close(&stream);
}

static void test_progress_bar_clear_once(void **state)
{
    test_stream_t stream;
    cli_progress_t progress;
    const char *text;
    size_t drawn_size;

    (void)state;
    test_stream_open(&stream);
    cli_progress_start_at(&progress, stream.out, CLI_PROGRESS_BAR, "run", 10, 0.0);
    cli_progress_update_at(&progress, 1, 0.5);
    drawn_size = strlen(test_stream_text(&stream));
    cli_progress_clear(&progress);
    cli_progress_clear(&progress);
    text = test_stream_text(&stream);

    assert_string_equal(text + drawn_size, "\r\033[K");
    test_stream_close(&stream);
}

/* On a terminal 60 columns wide the bar shrinks so that the line fits in 59. */
static void test_progress_bar_narrow_terminal(void **state)
{
    test_stream_t stream;
    cli_progress_t progress;
    const char *text;
    const char *end;

    (void)state;
    test_stream_open(&stream);
    cli_progress_start_at(&progress, stream.out, CLI_PROGRESS_BAR, "run", TEST_RUN_COUNT,
                          0.0);
    progress.columns = TEST_NARROW_COLUMNS;
    cli_progress_update_at(&progress, 500, 1.0);
    text = test_stream_text(&stream);
    end = strstr(text, "\033[K");

    assert_int_equal(text[0], '\r');
    assert_non_null(end);
    assert_true(end - (text + 1) < TEST_NARROW_COLUMNS);
    assert_non_null(strstr(text, "run ["));
    assert_null(strstr(text, "[########################]"));
    test_stream_close(&stream);
}

/* On a terminal 30 columns wide even the text without a bar is cut. */
static void test_progress_bar_tiny_terminal(void **state)
{
    test_stream_t stream;
    cli_progress_t progress;
    const char *text;
    const char *end;

    (void)state;
    test_stream_open(&stream);
    cli_progress_start_at(&progress, stream.out, CLI_PROGRESS_BAR, "run", TEST_RUN_COUNT,
                          0.0);
    progress.columns = TEST_TINY_COLUMNS;
    cli_progress_update_at(&progress, 500, 1.0);
    text = test_stream_text(&stream);
    end = strstr(text, "\033[K");

    assert_non_null(end);
    assert_int_equal(end - (text + 1), TEST_TINY_COLUMNS - 1);
    assert_null(strstr(text, "run ["));
    assert_non_null(strstr(text, "run: 500/1000"));
    test_stream_close(&stream);
}

static void test_progress_quiet_silent(void **state)
{
    test_stream_t stream;
    cli_progress_t progress;

    (void)state;
    test_stream_open(&stream);
    cli_progress_start_at(&progress, stream.out, CLI_PROGRESS_QUIET, "run", 10, 0.0);
    cli_progress_update_at(&progress, 5, 20.0);
    cli_progress_clear(&progress);
    cli_progress_finish_at(&progress, 40.0);
    assert_string_equal(test_stream_text(&stream), "");
    test_stream_close(&stream);
}

static void test_progress_mode_for_stream(void **state)
{
    test_stream_t stream;

    (void)state;
    test_stream_open(&stream);
    assert_int_equal(setenv("TERM", "xterm", 1), 0);
    assert_int_equal(unsetenv("CI"), 0);
    assert_int_equal(cli_progress_mode_for(stream.out, true), CLI_PROGRESS_QUIET);
    assert_int_equal(cli_progress_mode_for(stream.out, false), CLI_PROGRESS_LINES);
    test_stream_close(&stream);
}

/* A pseudo-terminal gets the bar, unless CI is set or TERM is dumb. */
static void test_progress_mode_for_terminal(void **state)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    FILE *terminal;

    (void)state;
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    terminal = fopen(ptsname(master), "w");
    assert_non_null(terminal);

    assert_int_equal(setenv("TERM", "xterm", 1), 0);
    assert_int_equal(unsetenv("CI"), 0);
    assert_int_equal(cli_progress_mode_for(terminal, false), CLI_PROGRESS_BAR);
    assert_int_equal(setenv("CI", "false", 1), 0);
    assert_int_equal(cli_progress_mode_for(terminal, false), CLI_PROGRESS_BAR);
    assert_int_equal(setenv("CI", "true", 1), 0);
    assert_int_equal(cli_progress_mode_for(terminal, false), CLI_PROGRESS_LINES);
    assert_int_equal(unsetenv("CI"), 0);
    assert_int_equal(setenv("TERM", "dumb", 1), 0);
    assert_int_equal(cli_progress_mode_for(terminal, false), CLI_PROGRESS_LINES);
    assert_int_equal(cli_progress_mode_for(terminal, true), CLI_PROGRESS_QUIET);

    fclose(terminal);
    close(master);
}

static void test_progress_runs_count(void **state)
{
    (void)state;
    assert_true(cli_progress_runs(1, 10, 22) == 220);
    assert_true(cli_progress_runs(7, 7, 1) == 1);
    assert_true(cli_progress_runs(5, 4, 1) == 0);
    assert_true(cli_progress_runs(1, 10, 0) == 0);
    assert_true(cli_progress_runs(0, UINT64_MAX, 1) == UINT64_MAX);
    assert_true(cli_progress_runs(1, UINT64_MAX / 2, 3) == UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progress_text_bar_midway),
        cmocka_unit_test(test_progress_text_line_finished),
        cmocka_unit_test(test_progress_text_before_first_run),
        cmocka_unit_test(test_progress_text_hours_left),
        cmocka_unit_test(test_progress_text_high_rate_whole),
        cmocka_unit_test(test_progress_lines_one_per_tenth),
        cmocka_unit_test(test_progress_lines_every_ten_seconds),
        cmocka_unit_test(test_progress_lines_nothing_run),
        cmocka_unit_test(test_progress_bar_redraw_limited),
        cmocka_unit_test(test_progress_bar_clear_once),
        cmocka_unit_test(test_progress_bar_narrow_terminal),
        cmocka_unit_test(test_progress_bar_tiny_terminal),
        cmocka_unit_test(test_progress_quiet_silent),
        cmocka_unit_test(test_progress_mode_for_stream),
        cmocka_unit_test(test_progress_mode_for_terminal),
        cmocka_unit_test(test_progress_runs_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
