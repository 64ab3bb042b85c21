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
    X(S6, "safety", "a decrement that sees remaining < 0 never fires and removes the row") \
    X(S7, "safety", "abort finality: after an abort commits, no decrement affects a row and nothing fires") \
    X(S8, "safety", "no retry without proof of non-commit: a decrement or claim is re-run only after an uncommitted attempt") \
    X(S9, "safety", "mark before erase: the barrier row is deleted only after the fire or a confirmed terminal status") \
    X(S10, "safety", "a failed COMMIT of a decrement or claim is never retried") \
    X(S11, "safety", "a failure on a connection opened within the call is never retried") \
    X(S12, "safety", "claim authority: one delivery per batch and marker lifetime claims true, the one whose INSERT committed") \
    X(S13, "safety", "own transaction: no decrement runs inside a transaction a caller left open") \
    X(S14, "safety", "generation isolation: a header's decrement changes only the arming it was sent for") \
    X(R1, "safety", "the reaper never marks a COMPLETED execution ERROR") \
    X(R2, "safety", "the reaper never marks or tears down a barrier that progressed after its re-check") \
    X(L1, "liveness", "idle-reap transparency: idle reaps alone never change the outcome; it completes with one fire") \
    X(L2, "liveness", "every execution that is not terminal keeps a recovery handle (barrier row or message)") \
    X(L3, "liveness", "bounded termination: the run reaches quiescence within the step limit") \
    X(L4, "liveness", "bounded retries: at most 2 statement attempts per decrement or claim call") \
    X(L5, "liveness", "execute-phase faults on a cached connection at a claim or decrement heal after one retry") \
    X(L6, "liveness", "fail-fast: an in-body batch failure with the status API up ends ERROR with the row removed in the same task") \
    X(L7, "liveness", "markers are reclaimed: with a reaper running, no dedup marker outlives the run")

typedef enum {
#define SIM_PROP_ENUM(id, kind, text) SIM_PROP_##id,
    SIM_PROP_MAP(SIM_PROP_ENUM)
#undef SIM_PROP_ENUM
    SIM_PROP_COUNT
} sim_prop_t;

#define SIM_CALL_TXN_MAX 8

/* One retrying call of an actor, as the oracle follows it. */
typedef struct {
    stmt_id_t stmt;           /* STMT_DEC or STMT_CLAIM; STMT_BEGIN when none */
    int conn_id_first_fresh;  /* connections with this id or more were opened within the call */
    int attempt;              /* times the call's statement reached the server */
    int failure_count;        /* dead replies within the call so far */
    bool main_done;           /* the call's transaction committed */
    bool resolving;           /* policy k is asking the server about a COMMIT */
    int last_txn;             /* server transaction of the previous attempt */
    bool last_failed_commit;
    bool last_failed_fresh;
    bool saw_negative;        /* a decrement of this call returned remaining < 0 */
    int32_t batch_index;      /* the batch the call is about */
    int txn_count;
    int txns[SIM_CALL_TXN_MAX]; /* server transactions of the call's attempts */
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
    int claims_won[SCEN_BATCH_MAX]; /* claim calls that returned true, per marker lifetime */
    bool mark_confirmed;      /* a terminal status was confirmed for this execution */
    bool api_fault;           /* a status API fault struck: L6 does not apply */
    int recheck_dec_total;    /* committed decrements when the reaper re-checked */
    bool recheck_pending;     /* a re-check awaits its mark (the barrier sweep) */

    int strike_count;
    bool strike_not_reap;     /* some fault other than F1 struck: L1 does not apply */
    bool strike_not_l5;       /* some fault outside L5's premise struck */
} sim_oracle_t;

void sim_oracle_reset(sim_oracle_t *oracle, int batch_count);

/* Server side: a transaction with these effects committed. status_terminal
 * is true when the execution's status was terminal at that moment. */
void sim_oracle_on_commit(sim_oracle_t *oracle, uint32_t step, stmt_id_t stmt,
                          int32_t batch_index, int64_t value, bool status_terminal);
/* The status API confirmed a terminal mark. A later write of EXECUTING does
 * not undo it for S9: the row was erased after a confirmed mark. */
void sim_oracle_on_mark_confirmed(sim_oracle_t *oracle);
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
/* A claim call returned won; committed is true when any of its attempts'
 * transactions committed. */
void sim_oracle_on_claim_return(sim_oracle_t *oracle, uint32_t step,
                                const sim_call_t *call, bool won, bool committed);
/* The callback ran (its consumer executed it). */
void sim_oracle_on_callback_run(sim_oracle_t *oracle, uint32_t step);
/* A decrement statement was sent inside a caller's transaction. */
void sim_oracle_on_decrement_in_caller_txn(sim_oracle_t *oracle, uint32_t step);
/* A fire by an actor whose current decrement call saw remaining < 0. */
void sim_oracle_on_negative_fire(sim_oracle_t *oracle, uint32_t step);
/* DEC.7 finished: the row must be gone. */
void sim_oracle_on_negative_cleanup(sim_oracle_t *oracle, uint32_t step,
                                    bool row_exists);
/* A statement of a decrement or claim call reached the server. */
void sim_oracle_on_statement(sim_oracle_t *oracle, uint32_t step,
                             const sim_call_t *call);
/* An in-body task ended through the error path with the status API up. */
void sim_oracle_on_error_path_end(sim_oracle_t *oracle, uint32_t step,
                                  bool status_terminal, bool row_exists);

/* The reaper's re-check found the row stranded. */
void sim_oracle_on_reaper_recheck(sim_oracle_t *oracle);
/* The reaper marks ERROR. was_completed is true when the status was
 * COMPLETED, so the mark overwrote it. */
void sim_oracle_on_reaper_mark(sim_oracle_t *oracle, uint32_t step, bool was_completed);

/* At quiescence (or at the step limit, with reached false). With a reaper
 * running, a barrier still stranded at the end was never recovered. */
void sim_oracle_finish(sim_oracle_t *oracle, uint32_t step, bool reached,
                       scen_outcome_t outcome, bool reaper);
/* At the end of a run with a reaper: a marker was left behind. */
void sim_oracle_on_markers_left(sim_oracle_t *oracle, uint32_t step);

void sim_oracle_violate(sim_oracle_t *oracle, uint32_t step, sim_prop_t prop);

const char *sim_prop_name(sim_prop_t prop);
const char *sim_prop_kind(sim_prop_t prop);
const char *sim_prop_text(sim_prop_t prop);
/* Parse a property id ("S4"); -1 when unknown. */
int sim_prop_parse(const char *name);

#endif
