/* oracle — property checks fed by the server and the simulated clients. */
#include "oracle.h"

#include <assert.h>
#include <string.h>

static const char *const sim_prop_names[] = {
#define SIM_PROP_NAME(id, kind, text) #id,
    SIM_PROP_MAP(SIM_PROP_NAME)
#undef SIM_PROP_NAME
};

static const char *const sim_prop_kinds[] = {
#define SIM_PROP_KIND(id, kind, text) kind,
    SIM_PROP_MAP(SIM_PROP_KIND)
#undef SIM_PROP_KIND
};

static const char *const sim_prop_texts[] = {
#define SIM_PROP_TEXT(id, kind, text) text,
    SIM_PROP_MAP(SIM_PROP_TEXT)
#undef SIM_PROP_TEXT
};

_Static_assert(SIM_PROP_COUNT <= 32, "violated_mask holds one bit per property");

static bool sim_oracle_results_complete(const sim_oracle_t *oracle,
                                        const conn_element_t *results,
                                        int result_count);

void sim_oracle_reset(sim_oracle_t *oracle, int batch_count)
{
    memset(oracle, 0, sizeof(*oracle));
    oracle->batch_count = batch_count;
}

void sim_oracle_on_commit(sim_oracle_t *oracle, uint32_t step, stmt_id_t stmt,
                          int32_t batch_index, int64_t value, bool status_terminal)
{
    switch (stmt) {
    case STMT_ARM_UPSERT:
        /* A new generation: counts start again. */
        /* Properties quantify over one (execution, generation): a new
         * arming starts every count again, its markers included. */
        oracle->armed_count = value;
        oracle->committed_dec_total = 0;
        memset(oracle->committed_dec, 0, sizeof(oracle->committed_dec));
        memset(oracle->claims_won, 0, sizeof(oracle->claims_won));
        oracle->zero_commits = 0;
        oracle->fire_count = 0;
        oracle->abort_committed = false;
        break;
    case STMT_ARM_WIPE:
    case STMT_CLEAR:
        /* The markers' lifetime ends: a later claim may win again. */
        memset(oracle->claims_won, 0, sizeof(oracle->claims_won));
        break;
    case STMT_ABORT_FLAG:
        /* The first design's abort: from here on nothing may fire. */
        oracle->abort_committed = true;
        break;
    case STMT_DEL:
    case STMT_ABORT:
    case STMT_RPR_DELETE:
        if (value > 0 && oracle->fire_count == 0 && !status_terminal &&
            !oracle->mark_confirmed) {
            sim_oracle_violate(oracle, step, SIM_PROP_S9);
        }
        if (stmt == STMT_ABORT && value > 0) {
            oracle->abort_committed = true;
        }
        break;
    case STMT_DEC:
        assert(batch_index >= 0);
        assert(batch_index < oracle->batch_count);
        if (oracle->abort_committed) {
            sim_oracle_violate(oracle, step, SIM_PROP_S7);
        }
        oracle->committed_dec_total++;
        oracle->committed_dec[batch_index]++;
        if (oracle->committed_dec[batch_index] > 1) {
            sim_oracle_violate(oracle, step, SIM_PROP_S4);
        }
        if (value == 0) {
            oracle->zero_commits++;
            if (oracle->zero_commits > 1) {
                sim_oracle_violate(oracle, step, SIM_PROP_S1);
            }
        }
        break;
    default:
        break;
    }
}

void sim_oracle_check_row(sim_oracle_t *oracle, uint32_t step, bool exists,
                          int64_t remaining, int element_count)
{
    if (!exists) {
        return;
    }
    if (remaining != oracle->armed_count - oracle->committed_dec_total) {
        sim_oracle_violate(oracle, step, SIM_PROP_S5);
    }
    if (element_count != oracle->committed_dec_total) {
        sim_oracle_violate(oracle, step, SIM_PROP_S5);
    }
}

void sim_oracle_on_attempt(sim_oracle_t *oracle, uint32_t step,
                           const sim_call_t *call, bool prev_committed)
{
    /* Only a statement sent after a failure of the same call is a retry. */
    if (call->failure_count == 0) {
        return;
    }
    if (prev_committed) {
        sim_oracle_violate(oracle, step, SIM_PROP_S8);
    }
    if (call->last_failed_commit) {
        sim_oracle_violate(oracle, step, SIM_PROP_S10);
    }
    if (call->last_failed_fresh) {
        sim_oracle_violate(oracle, step, SIM_PROP_S11);
    }
}

void sim_oracle_on_strike(sim_oracle_t *oracle, fault_kind_t kind, stmt_id_t stmt,
                          fault_point_t point, bool fresh, int attempt)
{
    bool execute_phase = kind == FAULT_F1 || kind == FAULT_F2 || kind == FAULT_F3;
    bool retried_site = stmt == STMT_DEC || stmt == STMT_CLAIM;

    oracle->strike_count++;
    if (kind == FAULT_F15) {
        oracle->api_fault = true;
    }
    if (kind != FAULT_F1) {
        oracle->strike_not_reap = true;
    }
    if (!execute_phase || point == FAULT_AT_COMMIT || !retried_site || fresh ||
        attempt != 1) {
        oracle->strike_not_l5 = true;
    }
}

void sim_oracle_on_work_done(sim_oracle_t *oracle, int32_t batch_index)
{
    assert(batch_index >= 0);
    assert(batch_index < oracle->batch_count);
    oracle->work_done[batch_index] = true;
}

void sim_oracle_on_fire(sim_oracle_t *oracle, uint32_t step,
                        const conn_element_t *results, int result_count)
{
    int i;

    oracle->fire_count++;
    if (oracle->fire_count > 1) {
        sim_oracle_violate(oracle, step, SIM_PROP_S1);
    }

    for (i = 0; i < oracle->batch_count; i++) {
        if (!oracle->work_done[i]) {
            sim_oracle_violate(oracle, step, SIM_PROP_S2);
        }
    }
    if (oracle->abort_committed) {
        sim_oracle_violate(oracle, step, SIM_PROP_S2);
        sim_oracle_violate(oracle, step, SIM_PROP_S7);
    }

    if (!sim_oracle_results_complete(oracle, results, result_count)) {
        sim_oracle_violate(oracle, step, SIM_PROP_S3);
    }
}

void sim_oracle_on_dec_return(sim_oracle_t *oracle, uint32_t step,
                              int32_t batch_index, bool applied)
{
    assert(batch_index >= 0);
    assert(batch_index < oracle->batch_count);
    if (applied && oracle->committed_dec[batch_index] != 1) {
        sim_oracle_violate(oracle, step, SIM_PROP_S4);
    }
}

void sim_oracle_on_callback_run(sim_oracle_t *oracle, uint32_t step)
{
    if (oracle->abort_committed) {
        sim_oracle_violate(oracle, step, SIM_PROP_S7);
    }
}

void sim_oracle_on_decrement_in_caller_txn(sim_oracle_t *oracle, uint32_t step)
{
    sim_oracle_violate(oracle, step, SIM_PROP_S13);
}

void sim_oracle_on_mark_confirmed(sim_oracle_t *oracle)
{
    oracle->mark_confirmed = true;
}

void sim_oracle_on_claim_return(sim_oracle_t *oracle, uint32_t step,
                                const sim_call_t *call, bool won, bool committed)
{
    int32_t batch = call->batch_index;

    assert(batch >= 0);
    assert(batch < oracle->batch_count);
    if (!won && committed) {
        /* This delivery's INSERT committed, yet the claim returned false. */
        sim_oracle_violate(oracle, step, SIM_PROP_S12);
    }
    if (won) {
        oracle->claims_won[batch]++;
        if (oracle->claims_won[batch] > 1) {
            sim_oracle_violate(oracle, step, SIM_PROP_S12);
        }
    }
}

void sim_oracle_on_negative_fire(sim_oracle_t *oracle, uint32_t step)
{
    sim_oracle_violate(oracle, step, SIM_PROP_S6);
}

void sim_oracle_on_negative_cleanup(sim_oracle_t *oracle, uint32_t step,
                                    bool row_exists)
{
    if (row_exists) {
        sim_oracle_violate(oracle, step, SIM_PROP_S6);
    }
}

void sim_oracle_on_statement(sim_oracle_t *oracle, uint32_t step,
                             const sim_call_t *call)
{
    if (call->attempt > 2) {
        sim_oracle_violate(oracle, step, SIM_PROP_L4);
    }
}

void sim_oracle_on_error_path_end(sim_oracle_t *oracle, uint32_t step,
                                  bool status_terminal, bool row_exists)
{
    if (oracle->api_fault) {
        return;
    }
    if (!status_terminal || row_exists) {
        sim_oracle_violate(oracle, step, SIM_PROP_L6);
    }
}

void sim_oracle_on_reaper_recheck(sim_oracle_t *oracle)
{
    oracle->recheck_dec_total = oracle->committed_dec_total;
    oracle->recheck_pending = true;
}

void sim_oracle_on_reaper_mark(sim_oracle_t *oracle, uint32_t step, bool was_completed)
{
    if (was_completed) {
        sim_oracle_violate(oracle, step, SIM_PROP_R1);
    }

    /* The residual race: a decrement committed between the re-check and
     * the mark, so a live execution is marked ERROR. The orphan-claim
     * sweep marks without a barrier re-check and is not concerned. */
    if (oracle->recheck_pending &&
        oracle->committed_dec_total != oracle->recheck_dec_total) {
        sim_oracle_violate(oracle, step, SIM_PROP_R2);
    }
    oracle->recheck_pending = false;
}

void sim_oracle_finish(sim_oracle_t *oracle, uint32_t step, bool reached,
                       scen_outcome_t outcome, bool reaper)
{
    bool healed = outcome == SCEN_OUTCOME_COMPLETE && oracle->fire_count == 1;

    if (!reached) {
        sim_oracle_violate(oracle, step, SIM_PROP_L3);
        return;
    }
    if (outcome == SCEN_OUTCOME_LOST) {
        sim_oracle_violate(oracle, step, SIM_PROP_L2);
    }
    if (reaper && outcome == SCEN_OUTCOME_STRANDED) {
        sim_oracle_violate(oracle, step, SIM_PROP_L3);
    }
    if (!oracle->strike_not_reap && !healed) {
        sim_oracle_violate(oracle, step, SIM_PROP_L1);
    }
    if (!oracle->strike_not_l5 && !healed) {
        sim_oracle_violate(oracle, step, SIM_PROP_L5);
    }
}

void sim_oracle_on_markers_left(sim_oracle_t *oracle, uint32_t step)
{
    sim_oracle_violate(oracle, step, SIM_PROP_L7);
}

void sim_oracle_violate(sim_oracle_t *oracle, uint32_t step, sim_prop_t prop)
{
    uint32_t bit = 1u << prop;

    if ((oracle->violated_mask & bit) != 0) {
        return;
    }
    oracle->violated_mask |= bit;
    oracle->fresh_mask |= bit;
    oracle->first_step[prop] = step;
}

const char *sim_prop_name(sim_prop_t prop)
{
    assert(prop >= 0);
    assert(prop < SIM_PROP_COUNT);
    return sim_prop_names[prop];
}

const char *sim_prop_kind(sim_prop_t prop)
{
    assert(prop >= 0);
    assert(prop < SIM_PROP_COUNT);
    return sim_prop_kinds[prop];
}

const char *sim_prop_text(sim_prop_t prop)
{
    assert(prop >= 0);
    assert(prop < SIM_PROP_COUNT);
    return sim_prop_texts[prop];
}

int sim_prop_parse(const char *name)
{
    int i;

    for (i = 0; i < SIM_PROP_COUNT; i++) {
        if (strcmp(sim_prop_names[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

/* The fired results must hold each batch index exactly once. */
static bool sim_oracle_results_complete(const sim_oracle_t *oracle,
                                        const conn_element_t *results,
                                        int result_count)
{
    int seen[SCEN_BATCH_MAX] = {0};
    int i;

    if (result_count != oracle->batch_count) {
        return false;
    }
    for (i = 0; i < result_count; i++) {
        int32_t batch = results[i].batch_index;

        if (batch < 0 || batch >= oracle->batch_count || seen[batch] != 0) {
            return false;
        }
        seen[batch] = 1;
    }
    return true;
}
