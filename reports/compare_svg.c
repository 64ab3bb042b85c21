/* compare_svg — inline SVG charts for report.html. */
#include "compare_svg.h"

#include <inttypes.h>
#include <string.h>

#define SVG_LABEL_W 160      /* policy names, right-aligned before the plot */
#define SVG_ROW_H 22
#define SVG_LEGEND_H 30
#define SVG_HEAT_COL_W 50
#define SVG_BAR_W 560
#define SVG_NOTE_W 200       /* text right of a bar or a range */
#define SVG_AXIS_H 46
#define SVG_RATE_CLASS_COUNT 7
#define SVG_TICK_MAX 8

/* Rate classes of the heat map: upper bounds (per 10,000), fills, and
 * whether the number in the cell needs white text. */
static const double svg_rate_upper[SVG_RATE_CLASS_COUNT] = {0.0, 1.0, 10.0, 100.0,
                                                            1000.0, 5000.0, 10001.0};
static const char *const svg_rate_fill[SVG_RATE_CLASS_COUNT] = {
    "#f2f2f2", "#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15"};
static const char *const svg_rate_label[SVG_RATE_CLASS_COUNT] = {
    "0", "under 1", "1 to 10", "10 to 100", "100 to 1,000", "1,000 to 5,000", "5,000+"};

static const char *const svg_outcome_fill[REPORT_OUTCOME_COUNT] = {
    "#2e8b57", "#f28e2b", "#8e6bbf", "#9aa0a6", "#c0392b"};

static int svg_rate_class(double rate);
static void svg_open(FILE *out, int width, int height, const char *label);
static void svg_policy_label(FILE *out, const char *name, int y);
static void svg_heat_legend(FILE *out, int y);
static uint64_t svg_tick_step(uint64_t max_us);
static void svg_terminal_axis(FILE *out, int y, uint64_t axis_max_us, uint64_t step_us);

void report_svg_heatmap(FILE *out, const report_compare_t *report, int scenario)
{
    uint32_t mask = report_scenario_violated_mask(report, scenario);
    int columns = __builtin_popcount(mask);
    int top = 26;
    int width = SVG_LABEL_W + columns * SVG_HEAT_COL_W + 20;
    int height;
    int p;
    int prop;
    int column;

    /* The legend needs about 640 px whatever the number of columns. */
    width = width < 660 ? 660 : width;
    height = top + report->policy_count * SVG_ROW_H + 12 + SVG_LEGEND_H;
    svg_open(out, width, height, "violations per 10,000 seeds by policy and property");
    for (prop = 0, column = 0; prop < SIM_PROP_COUNT; prop++) {
        if ((mask & (1u << prop)) != 0) {
            fprintf(out, "<text x=\"%d\" y=\"18\" text-anchor=\"middle\" font-size=\"12\" "
                         "font-weight=\"bold\">%s</text>\n",
                    SVG_LABEL_W + column * SVG_HEAT_COL_W + SVG_HEAT_COL_W / 2,
                    sim_prop_name((sim_prop_t)prop));
            column++;
        }
    }

    for (p = 0; p < report->policy_count; p++) {
        const report_cell_t *cell = report_compare_cell(report, scenario, p);
        int y = top + p * SVG_ROW_H;

        svg_policy_label(out, report->policies[p]->name, y);
        for (prop = 0, column = 0; prop < SIM_PROP_COUNT; prop++) {
            double rate = report_cell_rate(cell, prop);
            int cls = svg_rate_class(rate);
            int x = SVG_LABEL_W + column * SVG_HEAT_COL_W;
            char text[32];

            if ((mask & (1u << prop)) == 0) {
                continue;
            }
            column++;
            report_format_rate(rate, text, sizeof(text));
            fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                         "<title>%s, %s: %" PRIu64 " of %" PRIu64 " runs (%s per 10,000)"
                         "</title></rect>\n",
                    x + 1, y + 1, SVG_HEAT_COL_W - 2, SVG_ROW_H - 2, svg_rate_fill[cls],
                    report->policies[p]->name, sim_prop_name((sim_prop_t)prop),
                    cell->violations[prop], cell->runs, text);
            if (cls > 0) {
                fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
                             "font-size=\"11\" fill=\"%s\">%s</text>\n",
                        x + SVG_HEAT_COL_W / 2, y + 15, cls >= 5 ? "#ffffff" : "#1a1a1a",
                        text);
            }
        }
    }
    svg_heat_legend(out, top + report->policy_count * SVG_ROW_H + 12);
    fprintf(out, "</svg>\n");
}

void report_svg_outcomes(FILE *out, const report_compare_t *report, int scenario)
{
    int height = SVG_LEGEND_H + report->policy_count * SVG_ROW_H + 8;
    int legend_x = SVG_LABEL_W;
    int p;
    int i;

    svg_open(out, SVG_LABEL_W + SVG_BAR_W + SVG_NOTE_W, height,
             "how runs ended, per policy");
    for (i = 0; i < REPORT_OUTCOME_COUNT; i++) {
        fprintf(out, "<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                     "<text x=\"%d\" y=\"16\" font-size=\"12\">%s</text>\n",
                legend_x, svg_outcome_fill[i], legend_x + 16, report_outcome_label((report_outcome_t)i));
        legend_x += 28 + 7 * (int)strlen(report_outcome_label((report_outcome_t)i));
    }

    for (p = 0; p < report->policy_count; p++) {
        const report_cell_t *cell = report_compare_cell(report, scenario, p);
        int y = SVG_LEGEND_H + p * SVG_ROW_H;
        double x = SVG_LABEL_W;

        svg_policy_label(out, report->policies[p]->name, y);
        for (i = 0; i < REPORT_OUTCOME_COUNT && cell->runs > 0; i++) {
            double w = (double)cell->outcomes[i] * SVG_BAR_W / (double)cell->runs;

            if (cell->outcomes[i] == 0) {
                continue;
            }
            fprintf(out, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" "
                         "fill=\"%s\"><title>%s, %s: %" PRIu64 " of %" PRIu64
                         " runs</title></rect>\n",
                    x, y + 3, w, SVG_ROW_H - 6, svg_outcome_fill[i],
                    report->policies[p]->name, report_outcome_label((report_outcome_t)i), cell->outcomes[i],
                    cell->runs);
            x += w;
        }
        fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%.1f %% completed</text>\n",
                SVG_LABEL_W + SVG_BAR_W + 8, y + 15,
                cell->runs > 0 ? 100.0 * (double)cell->outcomes[REPORT_OUTCOME_COMPLETED] /
                                     (double)cell->runs
                               : 0.0);
    }
    fprintf(out, "</svg>\n");
}

void report_svg_terminal(FILE *out, const report_compare_t *report, int scenario)
{
    int plot_top = SVG_LEGEND_H;
    int height = plot_top + report->policy_count * SVG_ROW_H + SVG_AXIS_H;
    uint64_t max_us = 1000;
    uint64_t step_us;
    uint64_t axis_max_us;
    int p;

    for (p = 0; p < report->policy_count; p++) {
        const report_histo_t *h =
            &report_compare_cell(report, scenario, p)->metrics[REPORT_METRIC_TERMINAL];
        uint64_t p99 = report_histo_percentile(h, 99);

        max_us = p99 > max_us ? p99 : max_us;
    }
    step_us = svg_tick_step(max_us);
    axis_max_us = (max_us + step_us - 1) / step_us * step_us;

    svg_open(out, SVG_LABEL_W + SVG_BAR_W + SVG_NOTE_W, height,
             "time to terminal per policy: p50 and p99");
    fprintf(out, "<circle cx=\"%d\" cy=\"12\" r=\"5\" fill=\"#1f77b4\"/>"
                 "<text x=\"%d\" y=\"16\" font-size=\"12\">p50 (median)</text>\n"
                 "<rect x=\"%d\" y=\"4\" width=\"3\" height=\"16\" fill=\"#c0392b\"/>"
                 "<text x=\"%d\" y=\"16\" font-size=\"12\">p99</text>\n",
            SVG_LABEL_W + 6, SVG_LABEL_W + 16, SVG_LABEL_W + 120, SVG_LABEL_W + 128);
    svg_terminal_axis(out, plot_top + report->policy_count * SVG_ROW_H, axis_max_us, step_us);

    for (p = 0; p < report->policy_count; p++) {
        const report_histo_t *h =
            &report_compare_cell(report, scenario, p)->metrics[REPORT_METRIC_TERMINAL];
        int y = plot_top + p * SVG_ROW_H + SVG_ROW_H / 2;
        uint64_t p50 = report_histo_percentile(h, 50);
        uint64_t p99 = report_histo_percentile(h, 99);
        double x50 = SVG_LABEL_W + (double)p50 * SVG_BAR_W / (double)axis_max_us;
        double x99 = SVG_LABEL_W + (double)p99 * SVG_BAR_W / (double)axis_max_us;
        char t50[32];
        char t99[32];

        svg_policy_label(out, report->policies[p]->name, y - SVG_ROW_H / 2);
        if (h->count == 0) {
            fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#555\">no run "
                         "ended COMPLETED or ERROR</text>\n", SVG_LABEL_W + 4, y + 4);
            continue;
        }
        report_format_us(p50, t50, sizeof(t50));
        report_format_us(p99, t99, sizeof(t99));
        fprintf(out, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#888\" "
                     "stroke-width=\"2\"/>\n"
                     "<rect x=\"%.2f\" y=\"%d\" width=\"3\" height=\"14\" fill=\"#c0392b\">"
                     "<title>%s: p99 %s</title></rect>\n"
                     "<circle cx=\"%.2f\" cy=\"%d\" r=\"5\" fill=\"#1f77b4\">"
                     "<title>%s: p50 %s</title></circle>\n"
                     "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s / %s (%" PRIu64
                     " runs)</text>\n",
                x50, y, x99, y, x99 - 1.5, y - 7, report->policies[p]->name, t99, x50, y,
                report->policies[p]->name, t50, SVG_LABEL_W + SVG_BAR_W + 8, y + 4, t50,
                t99, h->count);
    }
    fprintf(out, "</svg>\n");
}

void report_html_text(FILE *out, const char *text)
{
    for (; *text != '\0'; text++) {
        switch (*text) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        default:
            fputc(*text, out);
            break;
        }
    }
}

static int svg_rate_class(double rate)
{
    int cls;

    if (rate == 0.0) {
        return 0;
    }
    for (cls = 1; cls < SVG_RATE_CLASS_COUNT - 1; cls++) {
        if (rate < svg_rate_upper[cls]) {
            return cls;
        }
    }
    return SVG_RATE_CLASS_COUNT - 1;
}

static void svg_open(FILE *out, int width, int height, const char *label)
{
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                 "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\" "
                 "font-family=\"DejaVu Sans, Arial, sans-serif\">\n",
            width, height, width, height, label);
}

static void svg_policy_label(FILE *out, const char *name, int y)
{
    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"12\">%s</text>\n",
            SVG_LABEL_W - 8, y + 15, name);
}

static void svg_heat_legend(FILE *out, int y)
{
    int x = 8;
    int cls;

    fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#555\">per 10,000:</text>\n",
            x, y + 13);
    x += 80;
    for (cls = 0; cls < SVG_RATE_CLASS_COUNT; cls++) {
        fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\" "
                     "stroke=\"#ccc\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n",
                x, y + 2, svg_rate_fill[cls], x + 18, y + 13, svg_rate_label[cls]);
        x += 26 + 6 * (int)strlen(svg_rate_label[cls]);
    }
}

/* A step of 1, 2 or 5 times a power of ten that gives at most SVG_TICK_MAX
 * ticks up to max_us. */
static uint64_t svg_tick_step(uint64_t max_us)
{
    static const uint64_t multipliers[] = {1, 2, 5};
    uint64_t power = 1000;
    int decade;
    int i;

    /* From 1 ms up, 13 decades pass REPORT_HISTO_VALUE_MAX. */
    for (decade = 0; decade < 13; decade++) {
        for (i = 0; i < 3; i++) {
            uint64_t step = multipliers[i] * power;

            if ((max_us + step - 1) / step <= SVG_TICK_MAX) {
                return step;
            }
        }
        power *= 10;
    }
    return power;
}

static void svg_terminal_axis(FILE *out, int y, uint64_t axis_max_us, uint64_t step_us)
{
    uint64_t tick;

    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n",
            SVG_LABEL_W, y + 2, SVG_LABEL_W + SVG_BAR_W, y + 2);
    for (tick = 0; tick <= axis_max_us; tick += step_us) {
        double x = SVG_LABEL_W + (double)tick * SVG_BAR_W / (double)axis_max_us;
        char text[32];

        report_format_us(tick, text, sizeof(text));
        fprintf(out, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#e0e0e0\"/>"
                     "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" "
                     "fill=\"#555\">%s</text>\n",
                x, SVG_LEGEND_H - 4, x, y + 6, x, y + 20, tick == 0 ? "0" : text);
    }
    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" "
                 "fill=\"#555\">virtual time from the start of the run</text>\n",
            SVG_LABEL_W + SVG_BAR_W / 2, y + 36);
}
