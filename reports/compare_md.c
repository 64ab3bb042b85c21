/* compare_md — the comparison report as GitHub-flavoured Markdown, short
 * enough for a CI job summary ($GITHUB_STEP_SUMMARY takes up to 1 MiB):
 * tables only, with the transcripts left to report.html and report.json. */
#include "compare.h"

#include <inttypes.h>
#include <string.h>

static void report_md_header(FILE *out, const report_compare_t *report);
static void report_md_scenario(FILE *out, const report_compare_t *report, int scenario);
static void report_md_violations(FILE *out, const report_compare_t *report, int scenario);
static void report_md_outcomes(FILE *out, const report_compare_t *report, int scenario);
static void report_md_firsts(FILE *out, const report_compare_t *report, int scenario);
static void report_md_confirmation(FILE *out, const report_compare_t *report,
                                   int scenario);
static void report_md_text(FILE *out, const char *text);
static void report_md_metric(FILE *out, const report_histo_t *histo, bool duration);

void report_compare_write_md(FILE *out, const report_compare_t *report)
{
    int s;

    report_md_header(out, report);
    for (s = 0; s < report->scenario_count; s++) {
        report_md_scenario(out, report, s);
    }
}

static void report_md_header(FILE *out, const report_compare_t *report)
{
    uint64_t done;
    uint64_t total;

    fprintf(out, "# barriersim policy comparison\n\n");
    fprintf(out, "%d scenario(s), %d policies; shrink budget %d runs per counterexample; "
                 "report schema %d.\n",
            report->scenario_count, report->policy_count, report->shrink_budget,
            REPORT_SCHEMA_VERSION);
    if (report->shard_count > 0) {
        fprintf(out, "\nShard %d of %d: seed s of a scenario whose seeds start at A belongs "
                     "to shard ((s - A) mod %d) + 1. Merge the shards with `%s merge`.\n",
                report->shard_index, report->shard_count, report->shard_count,
                REPORT_PROGRAM);
    }
    if (!report->complete) {
        report_compare_progress(report, &done, &total);
        fprintf(out, "\n> **Partial report**: the sweep was interrupted after %" PRIu64
                     " of %" PRIu64 " seeds; counterexamples are shrunk after the last seed. "
                     "`%s compare --resume DIR` continues it.\n",
                done, total, REPORT_PROGRAM);
    }
    if (report->confirm_unmatched > 0) {
        fprintf(out, "\n%" PRIu64 " confirmed run(s) of the --confirm-json files belong to "
                     "no scenario and policy of this report, so no table counts them.\n",
                report->confirm_unmatched);
    }
    fprintf(out, "\nViolations count runs; outcomes: completed (the callback fired), error "
                 "(marked ERROR), stranded until reaper (a reaper marked it ERROR), "
                 "stranded (still EXECUTING at the end), lost (no barrier row and no "
                 "callback). Time to terminal counts runs that ended completed or ERROR; "
                 "each cost column gives p50 / p99 per run.\n");
}

static void report_md_scenario(FILE *out, const report_compare_t *report, int scenario)
{
    const report_scenario_t *s = &report->scenarios[scenario];

    fprintf(out, "\n## Scenario %s\n\n", s->name);
    report_md_text(out, s->summary);
    fprintf(out, "\n\nSeeds %" PRIu64 "..%" PRIu64 ", %d batches, %d workers, %d reaper(s); ",
            s->seed_first, s->seed_last, s->batch_count, s->worker_count, s->reaper_count);
    if (s->file[0] != '\0') {
        fprintf(out, "file `%s`.\n", s->file);
    } else {
        fprintf(out, "the built-in default scenario.\n");
    }
    report_md_violations(out, report, scenario);
    report_md_outcomes(out, report, scenario);
    report_md_firsts(out, report, scenario);
    report_md_confirmation(out, report, scenario);
}

static void report_md_violations(FILE *out, const report_compare_t *report, int scenario)
{
    uint32_t mask = report_scenario_violated_mask(report, scenario);
    int p;
    int prop;

    fprintf(out, "\n### Violations per 10,000 seeds\n\n");
    if (mask == 0) {
        fprintf(out, "No policy violated any property.\n");
        return;
    }
    fprintf(out, "| policy |");
    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        if ((mask & (1u << prop)) != 0) {
            fprintf(out, " %s |", sim_prop_name((sim_prop_t)prop));
        }
    }
    fprintf(out, "\n|---|");
    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        fprintf(out, "%s", (mask & (1u << prop)) != 0 ? "---:|" : "");
    }
    fprintf(out, "\n");
    for (p = 0; p < report->policy_count; p++) {
        const report_cell_t *cell = report_compare_cell(report, scenario, p);

        fprintf(out, "| %s |", report->policies[p]->name);
        for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
            char rate[32];

            if ((mask & (1u << prop)) == 0) {
                continue;
            }
            report_format_rate(report_cell_rate(cell, prop), rate, sizeof(rate));
            fprintf(out, " %s |", rate);
        }
        fprintf(out, "\n");
    }
    fprintf(out, "\nNo policy violated: ");
    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        if ((mask & (1u << prop)) == 0) {
            fprintf(out, "%s ", sim_prop_name((sim_prop_t)prop));
        }
    }
    fprintf(out, "(`%s list properties` describes each).\n", REPORT_PROGRAM);
}

static void report_md_outcomes(FILE *out, const report_compare_t *report, int scenario)
{
    int p;
    int i;

    fprintf(out, "\n### Outcomes and costs\n\n| policy | runs | completed | error | "
                 "stranded until reaper | stranded | lost | time to terminal | retries | "
                 "reconnects | extra round trips |\n|---|---:|---:|---:|---:|---:|---:|"
                 "---:|---:|---:|---:|\n");
    for (p = 0; p < report->policy_count; p++) {
        const report_cell_t *cell = report_compare_cell(report, scenario, p);

        fprintf(out, "| %s | %" PRIu64 " |", report->policies[p]->name, cell->runs);
        for (i = 0; i < REPORT_OUTCOME_COUNT; i++) {
            fprintf(out, " %" PRIu64 " |", cell->outcomes[i]);
        }
        for (i = 0; i < REPORT_METRIC_COUNT; i++) {
            report_md_metric(out, &cell->metrics[i], i == REPORT_METRIC_TERMINAL);
        }
        fprintf(out, "\n");
    }
}

static void report_md_firsts(FILE *out, const report_compare_t *report, int scenario)
{
    bool any = false;
    int p;
    int prop;

    for (p = 0; p < report->policy_count; p++) {
        const report_cell_t *cell = report_compare_cell(report, scenario, p);

        for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
            const report_example_t *e = &cell->examples[prop];
            char command[PATH_MAX + 256];

            if (!cell->has_first[prop]) {
                continue;
            }
            if (!any) {
                fprintf(out, "\n### First violations and counterexamples\n\n| policy | "
                             "property | seeds to first | replay | shrunk to |\n"
                             "|---|---|---:|---|---|\n");
                any = true;
            }
            report_compare_replay(report, scenario, report->policies[p],
                                  cell->first_seed[prop], command, sizeof(command));
            fprintf(out, "| %s | %s | %" PRIu64 " | `%s` | ", report->policies[p]->name,
                    sim_prop_name((sim_prop_t)prop),
                    cell->first_seed[prop] - report->scenarios[scenario].seed_first + 1,
                    command);
            if (!e->present) {
                fprintf(out, "not shrunk |\n");
            } else if (e->error != NULL) {
                fprintf(out, "failed: ");
                report_md_text(out, e->error);
                fprintf(out, " |\n");
            } else {
                fprintf(out, "%d event(s) from %d, %d batch(es), %d worker(s) |\n",
                        e->events, e->events_before, e->batch_count, e->worker_count);
            }
        }
    }
    if (any) {
        fprintf(out, "\nThe transcripts of the shrunk runs are in report.html and "
                     "report.json.\n");
    }
}

static void report_md_confirmation(FILE *out, const report_compare_t *report,
                                   int scenario)
{
    int p;
    int v;

    if (report->confirm_file_count == 0) {
        return;
    }
    fprintf(out, "\n### Simulator and real PostgreSQL\n\n| policy | confirmed |");
    for (v = 0; v < REPORT_VERDICT_COUNT; v++) {
        fprintf(out, " %s |", confirm_verdict_name((confirm_verdict_t)v));
    }
    fprintf(out, "\n|---|---:|");
    for (v = 0; v < REPORT_VERDICT_COUNT; v++) {
        fprintf(out, "---:|");
    }
    fprintf(out, "\n");
    for (p = 0; p < report->policy_count; p++) {
        const report_cell_t *cell = report_compare_cell(report, scenario, p);
        uint64_t runs = 0;

        for (v = 0; v < REPORT_VERDICT_COUNT; v++) {
            runs += cell->verdicts[v];
        }
        if (runs == 0) {
            continue;
        }
        fprintf(out, "| %s | %" PRIu64 " |", report->policies[p]->name, runs);
        for (v = 0; v < REPORT_VERDICT_COUNT; v++) {
            fprintf(out, " %" PRIu64 " |", cell->verdicts[v]);
        }
        fprintf(out, "\n");
    }
}

/* Text inside a table or paragraph: no line breaks, no table pipes. */
static void report_md_text(FILE *out, const char *text)
{
    for (; *text != '\0'; text++) {
        if (*text == '|') {
            fputs("\\|", out);
        } else if (*text == '\n' || *text == '\r') {
            fputc(' ', out);
        } else {
            fputc(*text, out);
        }
    }
}

static void report_md_metric(FILE *out, const report_histo_t *histo, bool duration)
{
    char text[72];

    fprintf(out, " %s |",
            report_format_p50_p99(histo, duration, text, sizeof(text)) ? text : "-");
}
