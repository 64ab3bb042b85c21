/*
 * fault — the fault catalogue and a run's fault plan.
 *
 * Faults are data: a plan is either a swarm mix drawn from the seed (each
 * kind enabled or not, each with its own rate) or an explicit schedule of
 * (actor, statement, occurrence, kind) entries. The simulated server decides
 * what a fault means for durability.
 *
 * Invariants:
 *  1. The plan is a pure function of (scenario, seed). Drawing it uses the
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

/* X(id, name, simulated, description). simulated is false for kinds the
 * simulator cannot inject yet; a scenario that enables one is rejected. */
#define FAULT_KIND_MAP(X)                                                      \
    X(NONE, "none", true, "no fault")                                          \
    X(F1, "F1", true, "idle reap: a cached connection idle past the threshold " \
      "is closed server-side; the next statement fails, server did nothing")   \
    X(F2, "F2", true, "lost before the server: the statement fails on send; "  \
      "an open transaction is rolled back when the backend notices")           \
    X(F3, "F3", true, "executed, reply lost: the statement ran and holds its " \
      "locks until the backend notices the dead peer and rolls back")          \
    X(F4, "F4", true, "COMMIT lost before the server: the transaction is "     \
      "rolled back when the backend notices")                                  \
    X(F5, "F5", true, "COMMIT applied, acknowledgement lost: durable, yet the " \
      "client sees a dead connection")                                         \
    X(F6, "F6", true, "logical statement error on a live connection: "         \
      "statement timeout, deadlock, lock timeout or serialization failure")    \
    X(F7, "F7", true, "rollback failure during recover-after-error: the error " \
      "counts as a dead connection")                                           \
    X(F8, "F8", true, "connect failure: one attempt of the connect loop fails") \
    X(F9, "F9", true, "backend terminated at an arbitrary instant: an open "   \
      "transaction rolls back at once, the client learns at its next I/O")     \
    X(F10, "F10", true, "a caller left a transaction open on the barrier "     \
      "connection before the decrement")                                       \
    X(F11, "F11", true, "worker crash between two steps: its connections "     \
      "close, its message comes back after the lease")                         \
    X(F12, "F12", true, "redelivery: a lease lapses while the task runs, or "  \
      "an acknowledgement is lost after the task")                             \
    X(F13, "F13", true, "callback dispatch failure: clean, ambiguous "         \
      "(enqueued, then raised) or duplicate enqueue")                          \
    X(F14, "F14", true, "concurrent row removal between claim and decrement: " \
      "a failing sibling marks ERROR and deletes the row first")               \
    X(F15, "F15", true, "status API fault: read fails, mark fails, mark "      \
      "unconfirmed, or mark applied but reported failed")                      \
    X(F16, "F16", true, "clock advance: a batch runs past the stuck timeout, "  \
      "so the reaper takes the live barrier for a crashed one")                \
    X(F17, "F17", true, "bad result: a NUL byte (rejected as 22P05 by jsonb) " \
      "or a value JSON cannot encode")                                         \
    X(F18, "F18", true, "header dispatch fails mid-loop: clean or after the "  \
      "message was enqueued")                                                  \
    X(F19, "F19", true, "duplicate orchestration: the orchestrator message "   \
      "is delivered again while or after the first delivery runs")

typedef enum {
#define FAULT_KIND_ENUM(id, name, simulated, text) FAULT_##id,
    FAULT_KIND_MAP(FAULT_KIND_ENUM)
#undef FAULT_KIND_ENUM
    FAULT_KIND_COUNT
} fault_kind_t;

/* Strike points: the three sends of a transaction, then the other places
 * where a fault can be drawn. */
typedef enum {
    FAULT_AT_BEGIN,
    FAULT_AT_STATEMENT,
    FAULT_AT_COMMIT,
    FAULT_AT_ROLLBACK,  /* REC's rollback */
    FAULT_AT_CONNECT,   /* one attempt of the connect loop */
    FAULT_AT_STEP,      /* a scheduler step of a worker */
    FAULT_AT_CALL,      /* entry of a decrement */
    FAULT_AT_FIRE,      /* the callback dispatch */
    FAULT_AT_API,       /* a status API call */
    FAULT_AT_RESULT,    /* a batch's result */
    FAULT_AT_TAKE,      /* a message taken from the queue */
    FAULT_AT_ACK,       /* a message acknowledged */
    FAULT_AT_DISPATCH,  /* a header enqueued by the orchestrator */
    FAULT_AT_ORCHESTRATE, /* an orchestrator delivery starts */
    FAULT_POINT_COUNT
} fault_point_t;

#define FAULT_SCHEDULE_MAX 16
#define FAULT_RATE_DENOMINATOR 65536

/* One explicit strike. At a send point (begin, statement, commit), it hits
 * the occurrence-th time (1-based) that the actor sends that point of a
 * transaction whose main statement is stmt. At any other point, it hits the
 * occurrence-th time the actor reaches it, and stmt is STMT_BEGIN. variant
 * picks the form of kinds that have several; FAULT_VARIANT_DRAWN draws it
 * from the seed. */
typedef struct {
    int actor_index;
    stmt_id_t stmt;
    fault_point_t point;
    int occurrence;
    fault_kind_t kind;
    int variant;
} fault_entry_t;

/* Forms of the kinds that have several (fault_entry_t.variant). */
#define FAULT_VARIANT_DRAWN -1
enum { FAULT_F13_CLEAN, FAULT_F13_AMBIGUOUS, FAULT_F13_DUPLICATE, FAULT_F13_VARIANTS };
enum { FAULT_F15_FAILED, FAULT_F15_UNCONFIRMED, FAULT_F15_APPLIED_UNCONFIRMED,
       FAULT_F15_VARIANTS };
enum { FAULT_F17_NUL, FAULT_F17_UNENCODABLE, FAULT_F17_VARIANTS };
enum { FAULT_F18_CLEAN, FAULT_F18_AMBIGUOUS, FAULT_F18_VARIANTS };
enum { FAULT_F6_STATEMENT_TIMEOUT, FAULT_F6_DEADLOCK, FAULT_F6_LOCK_TIMEOUT,
       FAULT_F6_SERIALIZATION, FAULT_F6_VARIANTS };

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
    uint32_t point_rate[FAULT_POINT_COUNT]; /* sum of the rates that fit each point */
    /* Per point, the kinds with a rate that fit it, in kind order, and the
     * running sum of their rates: fault_draw's table (fault_plan_prepare). */
    uint8_t point_kind_count[FAULT_POINT_COUNT];
    uint8_t point_kinds[FAULT_POINT_COUNT][FAULT_KIND_COUNT];
    uint32_t point_cumulative[FAULT_POINT_COUNT][FAULT_KIND_COUNT];
} fault_plan_t;

/* Draw a swarm plan: each allowed kind is enabled with probability 1/2 and
 * gets a rate from a small ladder. */
void fault_plan_draw(fault_plan_t *plan, const fault_swarm_t *swarm, uint64_t seed);

/* Sum the rates per strike point; fault_plan_draw does it, and a caller
 * that fills a plan by hand must call it before fault_draw. */
void fault_plan_prepare(fault_plan_t *plan);

/* Decide the fault at one strike point, from the swarm rates. Only kinds
 * that can strike at this point are considered; F1 is timer-driven, never
 * drawn. */
fault_kind_t fault_draw(const fault_plan_t *plan, sim_prng_t *prng,
                        fault_point_t point);

/* Whether kind can strike at point. */
bool fault_kind_fits(fault_kind_t kind, fault_point_t point);
bool fault_kind_simulated(fault_kind_t kind);

/* The scheduled strike at this point, or NULL. */
const fault_entry_t *fault_scheduled(const fault_plan_t *plan, int actor_index,
                                     stmt_id_t stmt, fault_point_t point,
                                     int occurrence);

/* Whether an explicit schedule may place kind at point: the swarm's points,
 * plus a crash (F11) at any point an actor reaches outside a send, and a
 * backend termination (F9) at a decrement's entry. */
bool fault_kind_schedulable(fault_kind_t kind, fault_point_t point);

/* How many forms kind has (1 for most). */
int fault_variant_count(fault_kind_t kind);

/* The names of kind's forms, in the order of its FAULT_<kind>_* enum, as
 * scenario files write them. Returns their count, or 0 for a kind with a
 * single form. */
int fault_variant_names(fault_kind_t kind, const char *const **names_out);

const char *fault_kind_name(fault_kind_t kind);
const char *fault_kind_text(fault_kind_t kind);
const char *fault_point_name(fault_point_t point);

/* Write "F2=32/1024 F5=128/1024 reap_idle_us=... detect_delay_us=..." into buf;
 * reap_idle_us=0 means F1 is off for this seed. */
void fault_plan_describe(const fault_plan_t *plan, char *buf, int buf_size);

#endif
