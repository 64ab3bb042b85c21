/* confirm — replay seeds on a real PostgreSQL server and compare each with
 * the simulator's prediction; print both transcripts where they part. */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "../confirm/confirm.h"
#include "../server/pg_server.h"

#define CLI_CONNINFO_ENV "BARRIERSIM_PG_CONNINFO"

/* The verdicts counted so far, and the sweep's progress on stderr. */
typedef struct {
    int counts[CONFIRM_ENVIRONMENT + 1];
    uint64_t done;
    cli_progress_t progress;
} cli_confirm_tally_t;

static int cli_confirm_seed(sim_world_t *world, confirm_mirror_t *mirror,
                            const cli_options_t *options, const core_policy_t *policy,
                            uint64_t seed, cli_confirm_tally_t *tally, json_t *runs);
static void cli_confirm_print_diffs(const confirm_report_t *report);
static json_t *cli_confirm_json(const core_policy_t *policy, uint64_t seed,
                                const confirm_report_t *report);
static int cli_confirm_server(const cli_options_t *options, pg_server_t *server);
static int cli_confirm_conninfo_parses(const char *conninfo, const char *source);
static int cli_confirm_all(const cli_options_t *options, const char *conninfo);

int cli_confirm(const cli_options_t *options)
{
    pg_server_t server;
    bool managed;
    int rc = cli_confirm_server(options, &server);

    if (rc == CLI_EXIT_OK) {
        rc = cli_confirm_all(options, server.direct_conninfo);
    }
    if (server.kind == PG_SERVER_NONE) {
        return rc;
    }
    managed = server.kind == PG_SERVER_MANAGED;
    if (pg_server_stop(&server) != PG_SERVER_OK) {
        fprintf(stderr, "barriersim confirm: %s\n", server.error);
        rc = rc == CLI_EXIT_OK ? CLI_EXIT_ENVIRONMENT : rc;
    } else if (managed) {
        printf("barriersim confirm: stopped the throwaway PostgreSQL and removed its folder\n");
    }
    return rc;
}

/* A connection string that does not parse is the user's mistake (exit 2).
 * One that parses but reaches no server is the environment's (exit 4),
 * because the same command works once the server is up. libpq's message
 * names the bad part, and the whole string is not printed because it may
 * contain a password. */
static int cli_confirm_conninfo_parses(const char *conninfo, const char *source)
{
    char *message = NULL;
    PQconninfoOption *parsed = PQconninfoParse(conninfo, &message);

    if (parsed != NULL) {
        PQconninfoFree(parsed);
        return 0;
    }
    fprintf(stderr, "barriersim confirm: invalid connection string in %s: %s; expected "
                    "key=value pairs such as \"host=/tmp port=5432 dbname=barriersim\" "
                    "or a postgresql:// URI\n",
            source, message != NULL ? strtok(message, "\n") : "out of memory");
    PQfreemem(message);
    return -1;
}

/* The user's server (--pg, else $BARRIERSIM_PG_CONNINFO), whose barriersim
 * schema is created when missing and nothing else touched; or by default a
 * throwaway server of our own, stopped at the end and on SIGINT. */
static int cli_confirm_server(const cli_options_t *options, pg_server_t *server)
{
    const char *conninfo = options->pg_conninfo != NULL ? options->pg_conninfo
                                                        : getenv(CLI_CONNINFO_ENV);
    char error[CLI_ERROR_MAX];

    memset(server, 0, sizeof(*server));
    if (conninfo != NULL && conninfo[0] != '\0') {
        if (cli_confirm_conninfo_parses(conninfo, options->pg_conninfo != NULL
                                                      ? "--pg"
                                                      : "$" CLI_CONNINFO_ENV) != 0) {
            return CLI_EXIT_USAGE;
        }
        if (pg_server_use_external(server, conninfo, NULL, error, sizeof(error)) !=
                PG_SERVER_OK ||
            pg_server_create_schema(conninfo, error, sizeof(error)) != PG_SERVER_OK) {
            fprintf(stderr, "barriersim confirm: %s\n", error);
            return CLI_EXIT_ENVIRONMENT;
        }
        return CLI_EXIT_OK;
    }
    if (pg_server_start(server, NULL, error, sizeof(error)) != PG_SERVER_OK) {
        fprintf(stderr, "barriersim confirm: could not start a throwaway PostgreSQL: %s; "
                        "give --pg CONNINFO to use a server of your own\n", error);
        return CLI_EXIT_ENVIRONMENT;
    }
    if (pg_server_stop_on_signal(server) != PG_SERVER_OK) {
        fprintf(stderr, "barriersim confirm: could not register the server for SIGINT\n");
    }
    printf("barriersim confirm: started a throwaway PostgreSQL under %s\n",
           server->base_path);
    return CLI_EXIT_OK;
}

static int cli_confirm_all(const cli_options_t *options, const char *conninfo)
{
    cli_confirm_tally_t tally;
    confirm_mirror_t *mirror;
    sim_world_t *world;
    char error[CLI_ERROR_MAX];
    json_t *runs = json_array();
    int rc = CLI_EXIT_OK;
    int p;

    memset(&tally, 0, sizeof(tally));
    world = cli_world_new(NULL);
    mirror = calloc(1, sizeof(*mirror));
    if (world == NULL || mirror == NULL) {
        cli_world_free(world);
        free(mirror);
        json_decref(runs);
        return CLI_EXIT_INTERNAL;
    }
    if (confirm_mirror_open(mirror, conninfo, world, error, sizeof(error)) != 0) {
        fprintf(stderr, "barriersim confirm: %s\n", error);
        rc = CLI_EXIT_ENVIRONMENT;
    }

    cli_progress_start(&tally.progress, stderr,
                       cli_progress_mode_for(stderr, options->quiet), "confirm",
                       cli_progress_runs(options->seed_first, options->seed_last,
                                         options->policy_count));
    for (p = 0; rc == CLI_EXIT_OK && p < options->policy_count; p++) {
        uint64_t seed;

        for (seed = options->seed_first; rc == CLI_EXIT_OK; seed++) {
            rc = cli_confirm_seed(world, mirror, options, options->policies[p], seed, &tally,
                                  runs);
            if (seed == options->seed_last) {
                break;
            }
        }
    }
    cli_progress_finish(&tally.progress);
    if (rc == CLI_EXIT_OK || rc == CLI_EXIT_MISMATCH) {
        printf("barriersim confirm: %d agree, %d sim-only, %d real-only, %d disagree, "
               "%d lock-race\n",
               tally.counts[CONFIRM_AGREE], tally.counts[CONFIRM_SIM_ONLY],
               tally.counts[CONFIRM_REAL_ONLY], tally.counts[CONFIRM_DISAGREE],
               tally.counts[CONFIRM_LOCK_RACE]);
    }
    if (options->json_path != NULL && rc != CLI_EXIT_INTERNAL) {
        /* compare --confirm-json files the runs under this scenario name. */
        json_t *root = json_pack("{s:i,s:s,s:O}", "schema", 1, "scenario",
                                 options->selected->name, "runs", runs);

        if (cli_write_json(options->json_path, root) != 0) {
            rc = CLI_EXIT_INTERNAL;
        }
        json_decref(root);
    }
    json_decref(runs);
    if (mirror->admin != NULL) {
        confirm_mirror_close(mirror);
    }
    free(mirror);
    cli_world_free(world);
    return rc;
}

/* One seed: a line with the verdict; on anything but agree, the mirrored
 * run's transcript (each real reply under the simulated one) and the
 * differences. Returns the exit status so far. */
static int cli_confirm_seed(sim_world_t *world, confirm_mirror_t *mirror,
                            const cli_options_t *options, const core_policy_t *policy,
                            uint64_t seed, cli_confirm_tally_t *tally, json_t *runs)
{
    confirm_report_t *report = malloc(sizeof(*report));
    char *text = NULL;
    size_t size = 0;
    FILE *transcript = open_memstream(&text, &size);
    confirm_verdict_t verdict;
    int rc = CLI_EXIT_OK;

    if (report == NULL || transcript == NULL) {
        free(report);
        if (transcript != NULL) {
            fclose(transcript);
        }
        free(text);
        return CLI_EXIT_INTERNAL;
    }
    verdict = confirm_run(world, mirror, options->selected, policy, seed, options->bugs,
                          transcript, report);
    fclose(transcript);
    tally->counts[verdict]++;
    cli_progress_clear(&tally->progress);
    printf("%-17s seed %-8" PRIu64 " %-11s %d %s compared, %d differ\n", policy->name, seed,
           confirm_verdict_name(verdict), report->statements,
           report->statements == 1 ? "reply" : "replies", report->diff_count);
    fflush(stdout); /* an interrupted sweep keeps the lines of the seeds it ran */

    if (verdict == CONFIRM_ENVIRONMENT) {
        fprintf(stderr, "barriersim confirm: %s\n", report->reason);
        rc = CLI_EXIT_ENVIRONMENT;
    } else if (report->hash_changed) {
        fprintf(stderr, "barriersim confirm: the mirrored run's trace hash differs from the "
                        "prediction's; the mirror changed the run (a bug)\n");
        rc = CLI_EXIT_INTERNAL;
    } else if (verdict == CONFIRM_LOCK_RACE) {
        printf("    %s; the run proves nothing either way\n", report->reason);
    } else if (verdict != CONFIRM_AGREE) {
        printf("\nsimulated run with the real server's replies (policy %s, seed %" PRIu64
               "):\n%s\n", policy->name, seed, text != NULL ? text : "");
        cli_confirm_print_diffs(report);
        rc = CLI_EXIT_MISMATCH; /* the real server did not do what the simulator predicted */
    }
    json_array_append_new(runs, cli_confirm_json(policy, seed, report));
    free(text);
    free(report);
    tally->done++;
    cli_progress_update(&tally->progress, tally->done);
    return rc;
}

static void cli_confirm_print_diffs(const confirm_report_t *report)
{
    int i;

    printf("differences (simulator | real server):\n");
    for (i = 0; i < report->diff_count && i < CONFIRM_DIFF_MAX; i++) {
        const confirm_diff_t *diff = &report->diffs[i];

        printf("  step %-6u conn %-4d %-16s %-30s | %s\n", diff->step, diff->conn_id,
               stmt_label(diff->stmt), diff->sim, diff->real);
    }
    printf("  barrier row: %s remaining %" PRId64 ", results [%s] | %s remaining %" PRId64
           ", results [%s]\n\n",
           report->sim_row.exists ? "exists," : "gone;", report->sim_row.remaining,
           report->sim_row.batches, report->real_row.exists ? "exists," : "gone;",
           report->real_row.remaining, report->real_row.batches);
}

static json_t *cli_confirm_json(const core_policy_t *policy, uint64_t seed,
                                const confirm_report_t *report)
{
    json_t *diffs = json_array();
    int i;

    for (i = 0; i < report->diff_count && i < CONFIRM_DIFF_MAX; i++) {
        json_array_append_new(diffs, json_pack("{s:i,s:i,s:s,s:s,s:s}", "step",
                                               (int)report->diffs[i].step, "conn",
                                               report->diffs[i].conn_id, "statement",
                                               stmt_label(report->diffs[i].stmt), "sim",
                                               report->diffs[i].sim, "real",
                                               report->diffs[i].real));
    }
    return json_pack("{s:s,s:I,s:s,s:i,s:o,s:{s:b,s:I,s:s},s:{s:b,s:I,s:s}}", "policy",
                     policy->name, "seed", (json_int_t)seed, "verdict",
                     confirm_verdict_name(report->verdict), "replies", report->statements,
                     "differences", diffs, "sim_row", "exists", report->sim_row.exists,
                     "remaining", (json_int_t)report->sim_row.remaining, "results",
                     report->sim_row.batches, "real_row", "exists",
                     report->real_row.exists, "remaining",
                     (json_int_t)report->real_row.remaining, "results",
                     report->real_row.batches);
}

