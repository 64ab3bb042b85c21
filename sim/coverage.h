/*
 * coverage — what a sweep exercised: each fault kind at each strike point,
 * and the "sometimes" conditions a good sweep must reach now and then.
 *
 * Counts are fed from the world's events (one hook in sim_world_emit) and
 * add up over every run that has the same counter attached. A scenario
 * enables a set of cells: the kinds its swarm may draw at the points they
 * fit (F1, which time decides, at the BEGIN of a transaction on a cached
 * connection), or the strikes its schedule names. A cell the scenario
 * enables that no run reached means the sweep tested less than it claims.
 *
 * Invariants:
 *  1. Counting reads events and the world and never changes a run.
 */
#ifndef BARRIERSIM_COVERAGE_H
#define BARRIERSIM_COVERAGE_H

#include <stdint.h>
#include <stdio.h>

#include "../faults/fault.h"
#include "../scenarios/scen.h"
#include "trace.h"

/* X(id, name, what happened) */
#define SIM_SOMETIMES_MAP(X)                                                   \
    X(RETRY, "retry", "a decrement or claim ran a second attempt")             \
    X(LOCK_WAIT, "lock_wait", "a statement waited on a row lock")              \
    X(ZOMBIE_LOCK, "zombie_lock", "a statement waited on a lock that a dead "  \
      "client's backend still held")                                           \
    X(AMBIGUOUS, "ambiguous_decrement", "a decrement's COMMIT was applied and " \
      "its acknowledgement lost")                                              \
    X(AMBIGUOUS_LAST, "ambiguous_last", "the decrement that reached 0 was "    \
      "ambiguous")                                                             \
    X(REDELIVERY, "redelivery", "a message was delivered more than once")      \
    X(CLAIM_SKIP, "claim_skip", "a delivery lost the claim and skipped its "   \
      "batch")                                                                 \
    X(NEGATIVE, "negative", "a decrement saw remaining < 0")                   \
    X(REAPER_RECOVERY, "reaper_recovery", "the reaper tore down a stranded "   \
      "barrier")                                                               \
    X(RESTART, "restart", "a worker process restarted before a task")          \
    X(FIRE, "fire", "the callback fired")

typedef enum {
#define SIM_SOMETIMES_ENUM(id, name, text) SIM_SOMETIMES_##id,
    SIM_SOMETIMES_MAP(SIM_SOMETIMES_ENUM)
#undef SIM_SOMETIMES_ENUM
    SIM_SOMETIMES_COUNT
} sim_sometimes_t;

typedef struct {
    uint64_t runs;
    uint64_t strikes[FAULT_KIND_COUNT][FAULT_POINT_COUNT];
    uint64_t sometimes[SIM_SOMETIMES_COUNT];
} sim_coverage_t;

typedef struct sim_world sim_world_t;

/* Count what one event shows (world.c calls it for every event). */
void sim_coverage_on_event(sim_coverage_t *coverage, const sim_world_t *world,
                           const sim_event_t *event);

/* Whether scen enables the cell (kind, point). */
bool sim_coverage_enabled(const scen_t *scen, fault_kind_t kind, fault_point_t point);

/* The enabled cells no run reached, as "F3@commit F5@commit ..." in buf;
 * returns their count. */
int sim_coverage_unreached(const sim_coverage_t *coverage, const scen_t *scen,
                           char *buf, size_t buf_size);

/* The counts as a table: a row per enabled kind, a column per point. */
void sim_coverage_print(FILE *out, const sim_coverage_t *coverage, const scen_t *scen);

const char *sim_sometimes_name(sim_sometimes_t condition);
const char *sim_sometimes_text(sim_sometimes_t condition);

#endif
