/*
 * compare_svg — the charts of report.html as inline SVG: no script, no
 * external font or stylesheet, so the page reads the same offline.
 *
 * Each chart is one <svg> element with its own legend and a <title> per
 * mark, which browsers show on hover without script.
 *
 * Invariants:
 *  1. Every label sits in space reserved for it: a chart's width and
 *     height follow from its rows and columns, never from the data values.
 */
#ifndef BARRIERSIM_COMPARE_SVG_H
#define BARRIERSIM_COMPARE_SVG_H

#include <stdio.h>

#include "compare.h"

/* Violations per 10,000 seeds: a policy per row, a violated property per
 * column, darker for higher rates on a logarithmic scale. */
void report_svg_heatmap(FILE *out, const report_compare_t *report, int scenario);

/* How runs ended: one bar per policy split by outcome. */
void report_svg_outcomes(FILE *out, const report_compare_t *report, int scenario);

/* Time to terminal: p50 and p99 per policy on a shared axis. */
void report_svg_terminal(FILE *out, const report_compare_t *report, int scenario);

/* Write text with &, <, > and " escaped for HTML and SVG. */
void report_html_text(FILE *out, const char *text);

#endif
