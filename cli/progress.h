/*
 * progress — report how far a long sweep has come, on stderr.
 *
 * Three modes:
 *  - bar: on a terminal, one line redrawn in place with the runs done, the
 *    share, the rate and the time left, at most every
 *    CLI_PROGRESS_REDRAW_MS milliseconds;
 *  - lines: when the stream is not a terminal, CI is set or TERM is dumb,
 *    one plain line per tenth of the runs, and one at least every
 *    CLI_PROGRESS_LINE_S seconds while a tenth takes longer;
 *  - quiet: nothing (--quiet).
 *
 * The caller counts runs: start with the total, update with the runs done
 * so far, finish once. Before printing to stdout while a bar is drawn, the
 * caller clears it, and the next update draws it again.
 *
 * Invariants:
 *  1. Progress reads the wall clock for the reader only, and no run depends
 *     on it. That is why this module lives in cli/ and not in sim/.
 *  2. The lines mode prints at most one line per tenth plus one per
 *     CLI_PROGRESS_LINE_S seconds, and finish prints the last state once;
 *     a sweep that ran nothing prints nothing.
 */
#ifndef BARRIERSIM_PROGRESS_H
#define BARRIERSIM_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_PROGRESS_REDRAW_MS 100
#define CLI_PROGRESS_LINE_S 10
#define CLI_PROGRESS_LABEL_MAX 32
#define CLI_PROGRESS_TEXT_MAX 256
#define CLI_PROGRESS_BAR_WIDTH 24     /* characters between the brackets */

typedef enum {
    CLI_PROGRESS_QUIET,
    CLI_PROGRESS_LINES,
    CLI_PROGRESS_BAR,
} cli_progress_mode_t;

typedef struct {
    FILE *out;
    cli_progress_mode_t mode;
    char label[CLI_PROGRESS_LABEL_MAX];
    uint64_t total;
    uint64_t done;
    double start_s;          /* the clock when the sweep started */
    double drawn_s;          /* the clock at the last bar or line */
    int tenth_printed;       /* lines: the last tenth printed a line for */
    uint64_t done_printed;   /* lines: the run count of the last line */
    bool bar_visible;        /* bar: a bar is on the screen */
    int columns;             /* bar: the terminal's width, 0 when unknown */
} cli_progress_t;

/* The mode for out: quiet when asked; lines when out is not a terminal,
 * $CI is set (to anything but "" or "false") or $TERM is "dumb"; else bar. */
cli_progress_mode_t cli_progress_mode_for(FILE *out, bool quiet);

/* Start reporting a sweep of total runs (at least 1) named label. */
void cli_progress_start(cli_progress_t *progress, FILE *out, cli_progress_mode_t mode,
                        const char *label, uint64_t total);

/* The same at a given clock reading, in seconds on any monotonic scale
 * that the caller then keeps for the whole sweep (tests pass their own). */
void cli_progress_start_at(cli_progress_t *progress, FILE *out, cli_progress_mode_t mode,
                           const char *label, uint64_t total, double now_s);

/* Record that done runs (at most total) have finished, and redraw or print
 * a line when one is due. */
void cli_progress_update(cli_progress_t *progress, uint64_t done);

/* The same at a given clock reading on the scale of cli_progress_start_at. */
void cli_progress_update_at(cli_progress_t *progress, uint64_t done, double now_s);

/* Erase a visible bar, so that the next output starts on a clean line. */
void cli_progress_clear(cli_progress_t *progress);

/* Print the final state: the bar with the elapsed time and a newline, or a
 * last line unless one was printed for this count already. */
void cli_progress_finish(cli_progress_t *progress);
void cli_progress_finish_at(cli_progress_t *progress, double now_s);

/* Format the status of done out of total after elapsed_s seconds: with a
 * bar of bar_width characters when bar_width > 0, the time left while
 * running and the time taken once finished. Returns the text's length. */
int cli_progress_text(char *buf, size_t buf_size, const char *label, uint64_t done,
                      uint64_t total, double elapsed_s, int bar_width, bool finished);

/* The runs of a sweep: seeds times policies, or UINT64_MAX when that does
 * not fit (the shares then only get coarse); 0 for an empty sweep. */
uint64_t cli_progress_runs(uint64_t seed_first, uint64_t seed_last, uint64_t policy_count);

/* Seconds on the monotonic clock, the scale cli_progress_update uses. */
double cli_progress_now_s(void);

#endif
