/*
 * oracle — the protocol's properties, checked while a run goes on.
 *
 * Two records feed it: what the server really did (commits of Q-ARM, Q-DEC,
 * Q-ABORT) and what clients saw (attempts, failures, fires, decrement
 * returns). Safety properties are checked at the event that could break them,
 * which is after every step; liveness properties at quiescence.
 *
 * Invariants:
 *  1. A property, once violated in a run, stays violated; the first step is kept.
 *  2. The oracle never changes the world it watches.
 */
#ifndef BARRIERSIM_ORACLE_H
#define BARRIERSIM_ORACLE_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/conn.h"
#include "../faults/fault.h"
#include "../scenarios/scen.h"

/* X(id, kind, summary) */
#define SIM_PROP_MAP(X)                                                        \
    X(S1, "safety", "single zero: at most one committed decrement reaches 0 and at most one fire") \
    X(S2, "safety", "fire only on full success: every batch's work returned and no abort committed") \
    X(S3, "safety", "result completeness: the fired results hold each batch exactly once") \
    X(S4, "safety", "exactly-once application: at most one committed decrement per batch, one when it returned pending or complete") \
    X(S5, "safety", "counter conservation: remaining = N - committed decrements = N - len(results)") \
    X(S8, "safety", "no retry without proof of non-commit: a decrement or claim is re-run only after an uncommitted attempt") \
    X(S10, "safety", "a failed COMMIT of a decrement or claim is never retried") \
    X(S11, "safety", "a failure on a connection opened within the call is never retried") \
    X(L1, "liveness", "idle-reap transparency: idle reaps alone never change the outcome; it completes with one fire") \
    X(L3, "liveness", "bounded termination: the run reaches quiescence within the step limit") \
    X(L5, "liveness", "execute-phase faults on a cached connection at a claim or decrement heal after one retry")

typedef enum {
#define SIM_PROP_ENUM(id, kind, text) SIM_PROP_##id,
    SIM_PROP_MAP(SIM_PROP_ENUM)
#undef SIM_PROP_ENUM
    SIM_PROP_COUNT
} sim_prop_t;

/* One retrying call of an actor, as the oracle follows it. */
typedef struct {
    stmt_id_t stmt;           /* STMT_DEC or STMT_CLAIM; STMT_BEGIN when none */
    int conn_id_first_fresh;  /* connections with this id or more were opened within the call */
    int attempt;              /* times the call's statement reached the server */
    int failure_count;        /* dead replies within the call so far */
    bool main_done;           /* the call's transaction committed */
    int last_txn;             /* server transaction of the previous attempt */
    bool last_failed_commit;
    bool last_failed_fresh;
} sim_call_t;

typedef struct {
    int batch_count;
    uint32_t violated_mask;
    uint32_t first_step[SIM_PROP_COUNT];
    uint32_t fresh_mask;      /* properties violated since the last drain */

    int64_t armed_count;
    int committed_dec_total;
    int committed_dec[SCEN_BATCH_MAX];
    int zero_commits;
    int fire_count;
    bool abort_committed;
    bool work_done[SCEN_BATCH_MAX];

    int strike_count;
    bool strike_not_reap;     /* some fault other than F1 struck: L1 does not apply */
    bool strike_not_l5;       /* some fault outside L5's premise struck */
} sim_oracle_t;

void sim_oracle_reset(sim_oracle_t *oracle, int batch_count);

/* Server side: a transaction with these effects committed. */
void sim_oracle_on_commit(sim_oracle_t *oracle, uint32_t step, stmt_id_t stmt,
                          int32_t batch_index, int64_t value);
/* Server side: the committed barrier row after a commit. */
void sim_oracle_check_row(sim_oracle_t *oracle, uint32_t step, bool exists,
                          int64_t remaining, int element_count);

/* Client side. */
void sim_oracle_on_attempt(sim_oracle_t *oracle, uint32_t step,
                           const sim_call_t *call, bool prev_committed);
/* A fault struck; attempt is 1 when no earlier failure of the same call
 * preceded it, 0 when the strike was outside a tracked call. */
void sim_oracle_on_strike(sim_oracle_t *oracle, fault_kind_t kind, stmt_id_t stmt,
                          fault_point_t point, bool fresh, int attempt);
void sim_oracle_on_work_done(sim_oracle_t *oracle, int32_t batch_index);
void sim_oracle_on_fire(sim_oracle_t *oracle, uint32_t step,
                        const conn_element_t *results, int result_count);
void sim_oracle_on_dec_return(sim_oracle_t *oracle, uint32_t step,
                              int32_t batch_index, bool applied);

/* At quiescence (or at the step limit, with reached false). */
void sim_oracle_finish(sim_oracle_t *oracle, uint32_t step, bool reached,
                       scen_outcome_t outcome);

void sim_oracle_violate(sim_oracle_t *oracle, uint32_t step, sim_prop_t prop);

const char *sim_prop_name(sim_prop_t prop);
const char *sim_prop_kind(sim_prop_t prop);
const char *sim_prop_text(sim_prop_t prop);
/* Parse a property id ("S4"); -1 when unknown. */
int sim_prop_parse(const char *name);

#endif
