/* compare_html — the comparison report as one self-contained HTML page:
 * inline CSS and SVG, no script, no external resource. */
#include "compare.h"

#include <inttypes.h>
#include <string.h>

#include "compare_svg.h"

static const char report_html_style[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px auto;max-width:1180px;"
    "padding:0 16px;color:#1a1a1a;line-height:1.4}\n"
    "h1{font-size:26px}h2{font-size:21px;margin-top:40px;border-bottom:2px solid #333;"
    "padding-bottom:4px}h3{font-size:16px;margin:24px 0 8px}\n"
    "table{border-collapse:collapse;font-size:13px;margin:8px 0}\n"
    "th,td{padding:3px 9px;border-bottom:1px solid #ddd;text-align:right;"
    "white-space:nowrap}\n"
    "th{background:#f4f4f4}th:first-child,td:first-child{text-align:left}\n"
    "td.cmd{text-align:left;font-family:'DejaVu Sans Mono',monospace;font-size:12px}\n"
    "pre{font-size:11px;overflow-x:auto;background:#f7f7f7;padding:8px;border:1px solid "
    "#e2e2e2}\n"
    "details{margin:4px 0}summary{cursor:pointer}.note{color:#555;font-size:14px}\n"
    ".partial{background:#fff4d6;border:1px solid #e0b84c;padding:8px 12px}\n"
    "svg{display:block;margin:6px 0 12px}\n";

static void report_html_header(FILE *out, const report_compare_t *report);
static void report_html_scenario(FILE *out, const report_compare_t *report, int scenario);
static void report_html_table(FILE *out, const report_compare_t *report, int scenario);
static void report_html_examples(FILE *out, const report_compare_t *report, int scenario);
static void report_html_example(FILE *out, const report_compare_t *report, int scenario,
                                int policy, int prop);
static void report_html_confirmation(FILE *out, const report_compare_t *report,
                                     int scenario);
static void report_html_metric(FILE *out, const report_histo_t *histo, bool duration);

void report_compare_write_html(FILE *out, const report_compare_t *report)
{
    int s;

    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<title>barriersim policy comparison</title>\n<style>\n%s</style>\n"
                 "</head>\n<body>\n",
            report_html_style);
    report_html_header(out, report);
    for (s = 0; s < report->scenario_count; s++) {
        report_html_scenario(out, report, s);
    }
    fprintf(out, "</body>\n</html>\n");
}

static void report_html_header(FILE *out, const report_compare_t *report)
{
    uint64_t done;
    uint64_t total;
    int s;

    fprintf(out, "<h1>barriersim policy comparison</h1>\n<p class=\"note\">%d scenario(s), "
                 "%d policies, shrink budget %d runs per counterexample, report schema "
                 "%d. Each run is a pure function of scenario, seed and policy; every "
                 "number below replays with the command shown.</p>\n",
            report->scenario_count, report->policy_count, report->shrink_budget,
            REPORT_SCHEMA_VERSION);
    if (report->shard_count > 0) {
        fprintf(out, "<p class=\"partial\">Shard %d of %d: seed s of a scenario whose seeds "
                     "start at A belongs to shard ((s &minus; A) mod %d) + 1. Merge the "
                     "shards with <code>%s merge</code>.</p>\n",
                report->shard_index, report->shard_count, report->shard_count,
                REPORT_PROGRAM);
    }
    if (!report->complete) {
        report_compare_progress(report, &done, &total);
        fprintf(out, "<p class=\"partial\"><b>Partial report.</b> The sweep was "
                     "interrupted after %" PRIu64 " of %" PRIu64 " seeds; "
                     "counterexamples are shrunk after the last seed. <code>%s compare --resume DIR</code> "
                     "continues it.</p>\n",
                done, total, REPORT_PROGRAM);
    }
    if (report->confirm_unmatched > 0) {
        fprintf(out, "<p class=\"note\">%" PRIu64 " confirmed run(s) of the --confirm-json "
                     "files belong to no scenario and policy of this report, so no table "
                     "counts them.</p>\n", report->confirm_unmatched);
    }
    fprintf(out, "<p>Scenarios:</p>\n<ul>\n");
    for (s = 0; s < report->scenario_count; s++) {
        fprintf(out, "<li><a href=\"#scenario-%d\">", s + 1);
        report_html_text(out, report->scenarios[s].name);
        fprintf(out, "</a>: ");
        report_html_text(out, report->scenarios[s].summary);
        fprintf(out, "</li>\n");
    }
    fprintf(out, "</ul>\n");
}

static void report_html_scenario(FILE *out, const report_compare_t *report, int scenario)
{
    const report_scenario_t *s = &report->scenarios[scenario];

    fprintf(out, "<section id=\"scenario-%d\">\n<h2>Scenario ", scenario + 1);
    report_html_text(out, s->name);
    fprintf(out, "</h2>\n<p>");
    report_html_text(out, s->summary);
    fprintf(out, "<br><span class=\"note\">Seeds %" PRIu64 "..%" PRIu64 ", %d batches, %d "
                 "workers, %d reaper(s); ",
            s->seed_first, s->seed_last, s->batch_count, s->worker_count, s->reaper_count);
    if (s->file[0] != '\0') {
        fprintf(out, "file <code>");
        report_html_text(out, s->file);
        fprintf(out, "</code>.</span></p>\n");
    } else {
        fprintf(out, "the built-in default scenario.</span></p>\n");
    }

    fprintf(out, "<h3>Violations per 10,000 seeds</h3>\n");
    if (report_scenario_violated_mask(report, scenario) == 0) {
        fprintf(out, "<p>No policy violated any property.</p>\n");
    } else {
        fprintf(out, "<p class=\"note\">A column per property that some policy violated "
                     "(<code>%s list properties</code> describes each); hover a cell for "
                     "the count.</p>\n", REPORT_PROGRAM);
        report_svg_heatmap(out, report, scenario);
    }
    fprintf(out, "<h3>How runs ended</h3>\n");
    report_svg_outcomes(out, report, scenario);
    fprintf(out, "<h3>Time to terminal</h3>\n<p class=\"note\">Virtual time until the "
                 "execution last became COMPLETED or ERROR, over the runs that did; the "
                 "text gives p50 / p99.</p>\n");
    report_svg_terminal(out, report, scenario);
    report_html_table(out, report, scenario);
    report_html_examples(out, report, scenario);
    report_html_confirmation(out, report, scenario);
    fprintf(out, "</section>\n");
}

static void report_html_table(FILE *out, const report_compare_t *report, int scenario)
{
    int p;
    int i;

    fprintf(out, "<h3>Outcomes and costs</h3>\n<p class=\"note\">Costs per run as p50 / "
                 "p99: retries re-run a transaction or a task; reconnects open a "
                 "connection again after the first of its role; extra round trips are "
                 "those the retries sent.</p>\n<table>\n<tr><th>policy</th><th>runs</th>");
    for (i = 0; i < REPORT_OUTCOME_COUNT; i++) {
        fprintf(out, "<th title=\"%s\">%s</th>", report_outcome_text((report_outcome_t)i),
                report_outcome_label((report_outcome_t)i));
    }
    fprintf(out, "<th>time to terminal</th><th>retries</th><th>reconnects</th>"
                 "<th>extra round trips</th></tr>\n");
    for (p = 0; p < report->policy_count; p++) {
        const report_cell_t *cell = report_compare_cell(report, scenario, p);

        fprintf(out, "<tr><td>%s</td><td>%" PRIu64 "</td>", report->policies[p]->name,
                cell->runs);
        for (i = 0; i < REPORT_OUTCOME_COUNT; i++) {
            fprintf(out, "<td>%" PRIu64 "</td>", cell->outcomes[i]);
        }
        for (i = 0; i < REPORT_METRIC_COUNT; i++) {
            report_html_metric(out, &cell->metrics[i], i == REPORT_METRIC_TERMINAL);
        }
        fprintf(out, "</tr>\n");
    }
    fprintf(out, "</table>\n");
}

static void report_html_examples(FILE *out, const report_compare_t *report, int scenario)
{
    bool any = false;
    int p;
    int prop;

    for (p = 0; p < report->policy_count; p++) {
        const report_cell_t *cell = report_compare_cell(report, scenario, p);

        for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
            if (!cell->has_first[prop]) {
                continue;
            }
            if (!any) {
                fprintf(out, "<h3>First violations and counterexamples</h3>\n<p "
                             "class=\"note\">For each policy and property: the first seed "
                             "that violated it, the command that replays it, and that "
                             "run shrunk to a small one that still violates it (open a "
                             "line for its transcript).</p>\n");
                any = true;
            }
            report_html_example(out, report, scenario, p, prop);
        }
    }
}

static void report_html_example(FILE *out, const report_compare_t *report, int scenario,
                                int policy, int prop)
{
    const report_cell_t *cell = report_compare_cell(report, scenario, policy);
    const report_example_t *e = &cell->examples[prop];
    uint64_t first = cell->first_seed[prop];
    char command[PATH_MAX + 256];

    report_compare_replay(report, scenario, report->policies[policy], first, command,
                          sizeof(command));
    fprintf(out, "<details><summary><b>%s %s</b>: first at seed %" PRIu64 " (%" PRIu64
                 " seeds in); ",
            report->policies[policy]->name, sim_prop_name((sim_prop_t)prop), first,
            first - report->scenarios[scenario].seed_first + 1);
    if (!e->present) {
        fprintf(out, "not shrunk");
    } else if (e->error != NULL) {
        fprintf(out, "shrinking failed: ");
        report_html_text(out, e->error);
    } else {
        fprintf(out, "shrunk to %d event(s) from %d, %d batch(es), %d worker(s)", e->events,
                e->events_before, e->batch_count, e->worker_count);
    }
    fprintf(out, "</summary>\n<p><code>");
    report_html_text(out, command);
    fprintf(out, "</code></p>\n");
    if (e->present && e->error == NULL) {
        report_compare_shrink_command(report, scenario, report->policies[policy], e->seed,
                                      prop, command, sizeof(command));
        fprintf(out, "<p class=\"note\">%s: %s. Shrunk in %d runs, trace hash %016" PRIx64
                     "; <code>", sim_prop_name((sim_prop_t)prop),
                sim_prop_text((sim_prop_t)prop), e->runs, e->trace_hash);
        report_html_text(out, command);
        fprintf(out, "</code> writes it as a scenario file.</p>\n<pre>");
        report_html_text(out, e->transcript != NULL ? e->transcript : "");
        fprintf(out, "</pre>\n");
    }
    fprintf(out, "</details>\n");
}

static void report_html_confirmation(FILE *out, const report_compare_t *report,
                                     int scenario)
{
    int p;
    int v;

    if (report->confirm_file_count == 0) {
        return;
    }
    fprintf(out, "<h3>Simulator and real PostgreSQL</h3>\n<p class=\"note\">Runs replayed "
                 "on a real server by <code>%s confirm</code>, by verdict; lock-race runs "
                 "prove nothing either way.</p>\n<table>\n<tr><th>policy</th>"
                 "<th>confirmed</th>", REPORT_PROGRAM);
    for (v = 0; v < REPORT_VERDICT_COUNT; v++) {
        fprintf(out, "<th>%s</th>", confirm_verdict_name((confirm_verdict_t)v));
    }
    fprintf(out, "</tr>\n");
    for (p = 0; p < report->policy_count; p++) {
        const report_cell_t *cell = report_compare_cell(report, scenario, p);
        uint64_t runs = 0;

        for (v = 0; v < REPORT_VERDICT_COUNT; v++) {
            runs += cell->verdicts[v];
        }
        if (runs == 0) {
            continue;
        }
        fprintf(out, "<tr><td>%s</td><td>%" PRIu64 "</td>", report->policies[p]->name, runs);
        for (v = 0; v < REPORT_VERDICT_COUNT; v++) {
            fprintf(out, "<td>%" PRIu64 "</td>", cell->verdicts[v]);
        }
        fprintf(out, "</tr>\n");
    }
    fprintf(out, "</table>\n");
}

static void report_html_metric(FILE *out, const report_histo_t *histo, bool duration)
{
    char text[72];

    fprintf(out, "<td>%s</td>",
            report_format_p50_p99(histo, duration, text, sizeof(text)) ? text : "-");
}
