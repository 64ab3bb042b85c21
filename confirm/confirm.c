/* confirm — the prediction, the mirrored run and the verdict. */
#include "confirm.h"

#include <stdlib.h>
#include <string.h>

#include "../sim/transcript.h"

static void confirm_sim_row(const sim_world_t *world, int batch_count, confirm_row_t *row);
static bool confirm_real_row(confirm_mirror_t *mirror, int batch_count, confirm_row_t *row);
static void confirm_row_flags(const int *counts, int batch_count, confirm_row_t *row);
static confirm_verdict_t confirm_judge(const confirm_report_t *report);

confirm_verdict_t confirm_run(sim_world_t *world, confirm_mirror_t *mirror,
                              const scen_t *scen, const core_policy_t *policy,
                              uint64_t seed, uint32_t bugs, FILE *transcript,
                              confirm_report_t *out)
{
    sim_result_t predicted;

    memset(out, 0, sizeof(*out));
    sim_world_run(world, scen, policy, seed, bugs, NULL, &predicted);
    if (confirm_mirror_reset(mirror) != 0) {
        out->verdict = CONFIRM_ENVIRONMENT;
        snprintf(out->reason, sizeof(out->reason), "%s", mirror->env_error);
        return out->verdict;
    }

    world->mirror_ops = &confirm_mirror_ops;
    world->mirror = mirror;
    world->transcript = transcript;
    if (transcript != NULL) {
        sim_transcript_header(transcript);
    }
    sim_world_run(world, scen, policy, seed, bugs, NULL, &out->result);
    world->mirror_ops = NULL;
    world->mirror = NULL;
    world->transcript = NULL;

    out->hash_changed = out->result.trace_hash != predicted.trace_hash;
    out->statements = mirror->statements;
    out->diff_count = mirror->diff_count;
    memcpy(out->diffs, mirror->diffs, sizeof(out->diffs));
    confirm_sim_row(world, scen->batch_count, &out->sim_row);
    if (!mirror->stopped) {
        confirm_real_row(mirror, scen->batch_count, &out->real_row);
    }
    if (mirror->env_failed) {
        out->verdict = CONFIRM_ENVIRONMENT;
        snprintf(out->reason, sizeof(out->reason), "%s", mirror->env_error);
        return out->verdict;
    }
    if (mirror->lock_race) {
        out->verdict = CONFIRM_LOCK_RACE;
        snprintf(out->reason, sizeof(out->reason), "the real server served competing lock "
                 "waiters in another order than the simulator (an EvalPlanQual race)");
        return out->verdict;
    }
    out->verdict = confirm_judge(out);
    return out->verdict;
}

const char *confirm_verdict_name(confirm_verdict_t verdict)
{
    static const char *const names[] = {"agree",     "sim-only",    "real-only",
                                        "disagree",  "lock-race",   "environment"};

    return verdict >= 0 && verdict <= CONFIRM_ENVIRONMENT ? names[verdict] : "?";
}

static void confirm_sim_row(const sim_world_t *world, int batch_count, confirm_row_t *row)
{
    const sim_row_value_t *value = &world->server.row.committed;
    int counts[SCEN_BATCH_MAX] = {0};
    int i;

    memset(row, 0, sizeof(*row));
    row->exists = value->exists;
    if (!row->exists) {
        return;
    }
    row->remaining = value->remaining;
    row->result_count = value->element_count;
    for (i = 0; i < value->element_count; i++) {
        int batch = value->elements[i].batch_index;

        if (batch >= 0 && batch < SCEN_BATCH_MAX) {
            counts[batch]++;
        }
    }
    confirm_row_flags(counts, batch_count, row);
}

static bool confirm_real_row(confirm_mirror_t *mirror, int batch_count, confirm_row_t *row)
{
    static const char *const sql =
        "SELECT remaining, (e->>'batch')::int FROM barriersim.pg_barrier_state "
        "LEFT JOIN LATERAL jsonb_array_elements(results) e ON true "
        "WHERE execution_id = $1";
    const char *values[1] = {SIM_EXEC_ID};
    int counts[SCEN_BATCH_MAX] = {0};
    PGresult *res = PQexecParams(mirror->admin, sql, 1, NULL, values, NULL, NULL, 0);
    int i;

    memset(row, 0, sizeof(*row));
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(mirror->env_error, sizeof(mirror->env_error),
                 "could not read the barrier row: %s", PQerrorMessage(mirror->admin));
        mirror->env_failed = true;
        PQclear(res);
        return false;
    }
    row->exists = PQntuples(res) > 0;
    for (i = 0; i < PQntuples(res); i++) {
        row->remaining = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        if (!PQgetisnull(res, i, 1)) {
            int batch = atoi(PQgetvalue(res, i, 1));

            row->result_count++;
            if (batch >= 0 && batch < SCEN_BATCH_MAX) {
                counts[batch]++;
            }
        }
    }
    PQclear(res);
    if (row->exists) {
        confirm_row_flags(counts, batch_count, row);
    }
    return true;
}

/* The batches as "0 1 1 3" and the two signatures of a broken barrier. */
static void confirm_row_flags(const int *counts, int batch_count, confirm_row_t *row)
{
    size_t used = 0;
    int batch;
    int n;

    for (batch = 0; batch < SCEN_BATCH_MAX; batch++) {
        for (n = 0; n < counts[batch] && used < sizeof(row->batches); n++) {
            used += (size_t)snprintf(row->batches + used, sizeof(row->batches) - used,
                                     "%s%d", used > 0 ? " " : "", batch);
        }
        row->duplicate = row->duplicate || counts[batch] > 1;
    }
    row->conserved = row->remaining == batch_count - row->result_count;
}

static confirm_verdict_t confirm_judge(const confirm_report_t *report)
{
    const confirm_row_t *sim = &report->sim_row;
    const confirm_row_t *real = &report->real_row;
    bool sim_broken = sim->exists && (sim->duplicate || !sim->conserved);
    bool real_broken = real->exists && (real->duplicate || !real->conserved);
    bool rows_same = sim->exists == real->exists &&
                     (!sim->exists || (sim->remaining == real->remaining &&
                                       strcmp(sim->batches, real->batches) == 0));

    if (report->diff_count == 0 && rows_same) {
        return CONFIRM_AGREE;
    }
    if (sim_broken && !real_broken) {
        return CONFIRM_SIM_ONLY;
    }
    if (real_broken && !sim_broken) {
        return CONFIRM_REAL_ONLY;
    }
    return CONFIRM_DISAGREE;
}
