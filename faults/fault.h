/*
 * fault — the fault catalogue and a run's fault plan.
 *
 * Faults are data: a plan is either a swarm mix drawn from the seed (each
 * kind enabled or not, each with its own rate) or an explicit schedule of
 * (actor, statement, occurrence, kind) entries. The simulated server decides
 * what a fault means for durability.
 *
 * Invariants:
 *  1. The plan is a pure function of (scenario, seed); drawing it uses the
 *     seed's own sub-stream, so every policy of a sweep meets the same mix.
 *  2. A strike decision never reads anything but the plan and the actor's
 *     fault stream.
 */
#ifndef BARRIERSIM_FAULT_H
#define BARRIERSIM_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/stmt.h"
#include "../sim/prng.h"

/* X(id, name, description) */
#define FAULT_KIND_MAP(X)                                                      \
    X(NONE, "none", "no fault")                                                \
    X(F1, "F1", "idle reap: a cached connection idle past the threshold is "   \
                "closed server-side; the next statement fails, server did nothing") \
    X(F2, "F2", "lost before the server: the statement fails on send; an open " \
                "transaction is rolled back when the backend notices")         \
    X(F3, "F3", "executed, reply lost: the statement ran and holds its locks " \
                "until the backend notices the dead peer and rolls back")      \
    X(F4, "F4", "COMMIT lost before the server: the transaction is rolled "    \
                "back when the backend notices")                               \
    X(F5, "F5", "COMMIT applied, acknowledgement lost: durable, yet the "      \
                "client sees a dead connection")

typedef enum {
#define FAULT_KIND_ENUM(id, name, text) FAULT_##id,
    FAULT_KIND_MAP(FAULT_KIND_ENUM)
#undef FAULT_KIND_ENUM
    FAULT_KIND_COUNT
} fault_kind_t;

/* Where in a transaction a statement is sent. */
typedef enum {
    FAULT_AT_BEGIN,
    FAULT_AT_STATEMENT,
    FAULT_AT_COMMIT,
} fault_point_t;

#define FAULT_SCHEDULE_MAX 16
#define FAULT_RATE_DENOMINATOR 1024

/* One explicit strike: the occurrence-th time (1-based) that actor sends the
 * point of a transaction whose main statement is stmt. */
typedef struct {
    int actor_index;
    stmt_id_t stmt;
    fault_point_t point;
    int occurrence;
    fault_kind_t kind;
} fault_entry_t;

/* Swarm ranges a scenario allows; the seed draws inside them. */
typedef struct {
    uint32_t kinds_mask;          /* bit per fault_kind_t allowed in the mix */
    int64_t reap_idle_min_us;
    int64_t reap_idle_max_us;
    int64_t detect_delay_min_us;
    int64_t detect_delay_max_us;
} fault_swarm_t;

typedef struct {
    bool swarm;
    uint32_t rate[FAULT_KIND_COUNT];  /* per strike point, out of FAULT_RATE_DENOMINATOR */
    int64_t reap_idle_us;             /* F1 threshold; 0 = connections never reaped */
    int64_t detect_delay_us;          /* backend's dead-peer detection delay */
    int entry_count;
    fault_entry_t entries[FAULT_SCHEDULE_MAX];
} fault_plan_t;

/* Draw a swarm plan: each allowed kind is enabled with probability 1/2 and
 * gets a rate from a small ladder. */
void fault_plan_draw(fault_plan_t *plan, const fault_swarm_t *swarm, uint64_t seed);

/* Decide the fault for one send, from the swarm rates. Only kinds that can
 * strike at this point are considered; F1 is timer-driven, never drawn. */
fault_kind_t fault_draw(const fault_plan_t *plan, sim_prng_t *prng,
                        fault_point_t point);

/* The scheduled fault for this send, or FAULT_NONE. */
fault_kind_t fault_scheduled(const fault_plan_t *plan, int actor_index,
                             stmt_id_t stmt, fault_point_t point, int occurrence);

const char *fault_kind_name(fault_kind_t kind);
const char *fault_kind_text(fault_kind_t kind);
const char *fault_point_name(fault_point_t point);

/* Write "F2=32/1024 F5=128/1024 reap_idle_us=... detect_delay_us=..." into buf;
 * reap_idle_us=0 means F1 is off for this seed. */
void fault_plan_describe(const fault_plan_t *plan, char *buf, int buf_size);

#endif
