/* progress — a bar on a terminal, plain lines elsewhere, for long sweeps. */
#include "progress.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define CLI_PROGRESS_DURATION_MAX 32

static void cli_progress_draw_bar(cli_progress_t *progress, double now_s, bool finished);
static void cli_progress_print_line(cli_progress_t *progress, double now_s, bool finished);
static uint64_t cli_progress_share(uint64_t done, uint64_t total, uint64_t scale);
static void cli_progress_duration(char *buf, size_t buf_size, double seconds);
static int cli_progress_columns(FILE *out);

cli_progress_mode_t cli_progress_mode_for(FILE *out, bool quiet)
{
    const char *ci = getenv("CI");
    const char *term = getenv("TERM");

    if (quiet) {
        return CLI_PROGRESS_QUIET;
    }
    if (ci != NULL && ci[0] != '\0' && strcmp(ci, "false") != 0) {
        return CLI_PROGRESS_LINES;
    }
    if (term != NULL && strcmp(term, "dumb") == 0) {
        return CLI_PROGRESS_LINES;
    }
    return isatty(fileno(out)) ? CLI_PROGRESS_BAR : CLI_PROGRESS_LINES;
}

void cli_progress_start(cli_progress_t *progress, FILE *out, cli_progress_mode_t mode,
                        const char *label, uint64_t total)
{
    cli_progress_start_at(progress, out, mode, label, total, cli_progress_now_s());
}

void cli_progress_start_at(cli_progress_t *progress, FILE *out, cli_progress_mode_t mode,
                           const char *label, uint64_t total, double now_s)
{
    memset(progress, 0, sizeof(*progress));
    progress->out = out;
    progress->mode = mode;
    snprintf(progress->label, sizeof(progress->label), "%s", label);
    progress->total = total > 0 ? total : 1;
    progress->start_s = now_s;
    progress->drawn_s = now_s;
    progress->columns = mode == CLI_PROGRESS_BAR ? cli_progress_columns(out) : 0;
}

void cli_progress_update(cli_progress_t *progress, uint64_t done)
{
    if (progress->mode != CLI_PROGRESS_QUIET) {
        cli_progress_update_at(progress, done, cli_progress_now_s());
    }
}

void cli_progress_update_at(cli_progress_t *progress, uint64_t done, double now_s)
{
    int tenth;

    progress->done = done < progress->total ? done : progress->total;
    if (progress->mode == CLI_PROGRESS_BAR) {
        if (!progress->bar_visible ||
            now_s - progress->drawn_s >= CLI_PROGRESS_REDRAW_MS / 1000.0) {
            cli_progress_draw_bar(progress, now_s, false);
        }
        return;
    }
    if (progress->mode != CLI_PROGRESS_LINES || progress->done == progress->total) {
        return; /* quiet, or the last line, which finish prints */
    }
    tenth = (int)cli_progress_share(progress->done, progress->total, 10);
    if (tenth > progress->tenth_printed || now_s - progress->drawn_s >= CLI_PROGRESS_LINE_S) {
        cli_progress_print_line(progress, now_s, false);
        progress->tenth_printed = tenth;
    }
}

void cli_progress_clear(cli_progress_t *progress)
{
    if (progress->mode == CLI_PROGRESS_BAR && progress->bar_visible) {
        fputs("\r\033[K", progress->out);
        fflush(progress->out);
        progress->bar_visible = false;
    }
}

void cli_progress_finish(cli_progress_t *progress)
{
    if (progress->mode != CLI_PROGRESS_QUIET) {
        cli_progress_finish_at(progress, cli_progress_now_s());
    }
}

void cli_progress_finish_at(cli_progress_t *progress, double now_s)
{
    if (progress->mode == CLI_PROGRESS_BAR && (progress->done > 0 || progress->bar_visible)) {
        cli_progress_draw_bar(progress, now_s, true);
        fputc('\n', progress->out);
        progress->bar_visible = false;
    } else if (progress->mode == CLI_PROGRESS_LINES &&
               progress->done_printed != progress->done) {
        cli_progress_print_line(progress, now_s, true);
    }
    progress->mode = CLI_PROGRESS_QUIET; /* finish prints once */
}

int cli_progress_text(char *buf, size_t buf_size, const char *label, uint64_t done,
                      uint64_t total, double elapsed_s, int bar_width, bool finished)
{
    char bar[CLI_PROGRESS_BAR_WIDTH + 3] = "";
    char rate_text[32] = "-";
    char time_text[CLI_PROGRESS_DURATION_MAX] = "-:--";
    int percent = (int)cli_progress_share(done, total, 100);
    double rate = elapsed_s > 0 && done > 0 ? (double)done / elapsed_s : 0.0;

    if (bar_width > CLI_PROGRESS_BAR_WIDTH) {
        bar_width = CLI_PROGRESS_BAR_WIDTH;
    }
    if (bar_width > 0) {
        int filled = (int)cli_progress_share(done, total, (uint64_t)bar_width);

        memset(bar + 1, '#', (size_t)filled);
        memset(bar + 1 + filled, '.', (size_t)(bar_width - filled));
        bar[0] = '[';
        bar[bar_width + 1] = ']';
        bar[bar_width + 2] = '\0';
    }
    if (rate > 0) {
        snprintf(rate_text, sizeof(rate_text), rate >= 100 ? "%.0f" : "%.1f", rate);
    }
    if (finished) {
        cli_progress_duration(time_text, sizeof(time_text), elapsed_s);
    } else if (rate > 0) {
        cli_progress_duration(time_text, sizeof(time_text), (double)(total - done) / rate);
    }

    if (bar_width > 0) {
        return snprintf(buf, buf_size, "%s %s %" PRIu64 "/%" PRIu64 " runs %3d%% %s runs/s %s %s",
                        label, bar, done, total, percent, rate_text, time_text,
                        finished ? "elapsed" : "left");
    }
    return snprintf(buf, buf_size, "%s: %" PRIu64 "/%" PRIu64 " runs (%d%%), %s runs/s, %s %s",
                    label, done, total, percent, rate_text, time_text,
                    finished ? "elapsed" : "left");
}

uint64_t cli_progress_runs(uint64_t seed_first, uint64_t seed_last, uint64_t policy_count)
{
    uint64_t seed_span = seed_last - seed_first;

    if (seed_last < seed_first || policy_count == 0) {
        return 0;
    }
    if (seed_span == UINT64_MAX || seed_span + 1 > UINT64_MAX / policy_count) {
        return UINT64_MAX;
    }
    return (seed_span + 1) * policy_count;
}

double cli_progress_now_s(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Redraw the bar in place. On a narrow terminal the bar shrinks first and
 * the text is cut to the width last, so that the line never wraps. */
static void cli_progress_draw_bar(cli_progress_t *progress, double now_s, bool finished)
{
    char text[CLI_PROGRESS_TEXT_MAX];
    int bar_width = CLI_PROGRESS_BAR_WIDTH;
    double elapsed_s = now_s - progress->start_s;
    int length = cli_progress_text(text, sizeof(text), progress->label, progress->done,
                                   progress->total, elapsed_s, bar_width, finished);

    if (progress->columns > 0 && length >= progress->columns) {
        bar_width -= length - progress->columns + 1;
        bar_width = bar_width < 4 ? 0 : bar_width;
        length = cli_progress_text(text, sizeof(text), progress->label, progress->done,
                                   progress->total, elapsed_s, bar_width, finished);
    }
    if (progress->columns > 0 && length >= progress->columns) {
        text[progress->columns - 1] = '\0';
    }
    fprintf(progress->out, "\r%s\033[K", text);
    fflush(progress->out);
    progress->bar_visible = true;
    progress->drawn_s = now_s;
}

static void cli_progress_print_line(cli_progress_t *progress, double now_s, bool finished)
{
    char text[CLI_PROGRESS_TEXT_MAX];

    cli_progress_text(text, sizeof(text), progress->label, progress->done, progress->total,
                      now_s - progress->start_s, 0, finished);
    fprintf(progress->out, "%s\n", text);
    fflush(progress->out);
    progress->drawn_s = now_s;
    progress->done_printed = progress->done;
}

/* floor(done * scale / total) for done <= total, without overflow. */
static uint64_t cli_progress_share(uint64_t done, uint64_t total, uint64_t scale)
{
    if (total == 0) {
        return 0;
    }
    if (done <= UINT64_MAX / scale) {
        return done * scale / total;
    }
    return done / (total / scale) < scale ? done / (total / scale) : scale;
}

/* m:ss, or h:mm:ss from an hour on. */
static void cli_progress_duration(char *buf, size_t buf_size, double seconds)
{
    /* An estimate from a very slow start can be huge, so show at most 999999 h. */
    double capped = seconds < 999999.0 * 3600 ? seconds : 999999.0 * 3600;
    uint64_t whole = capped > 0 ? (uint64_t)(capped + 0.5) : 0;

    if (whole >= 3600) {
        snprintf(buf, buf_size, "%u:%02u:%02u", (unsigned)(whole / 3600),
                 (unsigned)(whole / 60 % 60), (unsigned)(whole % 60));
    } else {
        snprintf(buf, buf_size, "%u:%02u", (unsigned)(whole / 60), (unsigned)(whole % 60));
    }
}

static int cli_progress_columns(FILE *out)
{
    struct winsize size;

    if (ioctl(fileno(out), TIOCGWINSZ, &size) != 0) {
        return 0;
    }
    return size.ws_col;
}
