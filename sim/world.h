/*
 * world — one simulated run: actors on fibers, the simulated server and
 * connections, the queue, the status API, the callback sink, the trace and
 * the oracle, all driven by one seed on a virtual clock.
 *
 * Invariants:
 *  1. A run is a pure function of (scenario, seed, policy, build): every
 *     choice comes from the seed's sub-streams, time from now_us.
 *  2. Exactly one actor runs at a time; it gives control back at every
 *     ops-table call, sleep, status API call and lock wait.
 *  3. Actors, connections and messages are kept in arrays and visited in
 *     index order; no decision depends on an address.
 */
#ifndef BARRIERSIM_WORLD_H
#define BARRIERSIM_WORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/barrier.h"
#include "../faults/fault.h"
#include "../scenarios/scen.h"
#include "choice.h"
#include "cost.h"
#include "coverage.h"
#include "fiber.h"
#include "oracle.h"
#include "pct.h"
#include "prng.h"
#include "server.h"
#include "trace.h"

#define SIM_REAPER_MAX 2
#define SIM_ACTOR_MAX (SCEN_WORKER_MAX + 2 + SIM_REAPER_MAX)
#define SIM_ACTOR_NAME_SIZE 16
#define SIM_CONN_MAX 8192
#define SIM_MSG_MAX 256
#define SIM_DELIVERY_MAX 5         /* a message read more often is dropped as poison */
#define SIM_FIBER_STACK_SIZE (64 * 1024)
#define SIM_ORCHESTRATOR 0
#define SIM_TAPE_CAP (1 << 16)     /* choices one recorded run keeps */
#define SIM_ROLE_COUNT 3           /* an actor's connections: barrier, dispatch, consumer */

_Static_assert(SIM_ACTOR_MAX <= SIM_COST_ACTOR_MAX, "cost.h tracks every actor");

/* Bugs a test can plant to prove a checker fires. */
#define SIM_BUG_DEC_SKIPS_APPEND SIM_SERVER_BUG_DEC_SKIPS_APPEND /* S5 */
#define SIM_BUG_FIRE_TWICE 0x2u         /* the sink records every fire twice (S1) */
#define SIM_BUG_NO_RETENTION SIM_SERVER_BUG_NO_RETENTION /* L7 */
#define SIM_BUG_DRIFT 0x8u              /* every other run's hops take 1 us longer */

typedef enum {
    SIM_ACTOR_KIND_ORCHESTRATOR,
    SIM_ACTOR_KIND_WORKER,
    SIM_ACTOR_KIND_REAPER,
} sim_actor_kind_t;

typedef enum {
    SIM_ACTOR_READY,
    SIM_ACTOR_BLOCKED_TXN,
    SIM_ACTOR_BLOCKED_QUEUE,
    SIM_ACTOR_DONE,
} sim_actor_state_t;

typedef enum {
    SIM_STATUS_EXECUTING,
    SIM_STATUS_ERROR,
    SIM_STATUS_COMPLETED,
} sim_status_t;

typedef enum {
    SIM_MSG_HEADER,
    SIM_MSG_LINK,
} sim_msg_kind_t;

/* Kinds of the rows in the PG queue (Q-SEND's $1). */
#define SIM_MSG_KIND_HEADER 0
#define SIM_MSG_KIND_CALLBACK 1

typedef struct {
    sim_msg_kind_t kind;
    int32_t batch_index;
    int delivery_count;
    bool outstanding;         /* not yet acknowledged or dropped */
    int holders;              /* workers running it now */
    int64_t lapse_at_us;      /* a lapsed lease makes it visible again (F12); 0 never */
    bool wait_rearm;          /* a PG queue message whose lease lapses waits for the reaper */
    int64_t visible_at_us;
    conn_element_t result;    /* a link message carries the header's result */
    int64_t db_id;            /* its pg_queue_message row, 0 for a broker message */
    int64_t generation;       /* the arming it was dispatched for (server truth) */
    int64_t core_generation;  /* the generation the core passed along (policy n) */
} sim_msg_t;

typedef struct sim_world sim_world_t;

/* A mirror runs every server-side action of a run on a real server as well
 * (confirm/mirror.c) and compares the replies; NULL in the simulator. The
 * hooks observe: they never change what the simulated run does. conn_id is
 * the simulated connection's id. */
typedef struct {
    void (*connect)(void *mirror, int conn_id);
    /* The statement reached the server and the simulated server answered
     * (after any lock wait); the mirror runs it and compares the reply.
     * batched: it went as "BEGIN; statement; COMMIT" in one string. */
    void (*exec)(void *mirror, int conn_id, const stmt_t *stmt,
                 const conn_params_t *params, bool batched, const conn_raw_t *sim_raw);
    /* The statement reached the server and waits for a row lock. */
    void (*wait)(void *mirror, int conn_id, const stmt_t *stmt,
                 const conn_params_t *params, bool batched);
    void (*begin_caller)(void *mirror, int conn_id);                 /* F10 */
    void (*logical_error)(void *mirror, int conn_id, const char *sqlstate); /* F6 */
    void (*rollback)(void *mirror, int conn_id);
    /* The client's socket broke; an open transaction lives on in its backend
     * until terminate. */
    void (*lost)(void *mirror, int conn_id, bool txn_open);
    /* The backend ends now: an idle reap, F9, or a dead peer noticed. */
    void (*terminate)(void *mirror, int conn_id);
    void (*close)(void *mirror, int conn_id);
    /* A session outside the run ran stmt to completion (F14's sibling
     * abort); the mirror runs it on a connection of its own. */
    void (*external)(void *mirror, const stmt_t *stmt, const conn_params_t *params,
                     const conn_raw_t *sim_raw);
} sim_mirror_ops_t;

/* A simulated client connection and its backend. */
typedef struct {
    int id;
    int actor_index;
    sim_world_t *world;
    bool closed;              /* client side: libpq's CONNECTION_BAD */
    bool server_gone;         /* server side closed it; the client learns at its next I/O */
    conn_txn_t txn_status;    /* client view */
    int txn;                  /* server transaction of the backend; 0 none */
    bool caller_txn;          /* txn was opened by the caller, not the core (F10) */
    stmt_id_t txn_stmt;       /* the transaction's main statement once sent */
    int64_t idle_since_us;    /* last time it went idle outside a transaction */
} sim_conn_t;

typedef struct sim_actor sim_actor_t;

/* The backend argument of sim_conn_ops.connect: which actor opens a
 * connection, and for which of its roles (0 barrier, 1 dispatch, 2
 * consumer), so that a reconnect is distinguished from a first connection. */
typedef struct {
    sim_actor_t *actor;
    int role_index;
} sim_role_t;

struct sim_actor {
    int index;
    sim_actor_kind_t kind;
    sim_fiber_entry_cb entry;  /* what the actor runs, again after a crash */
    sim_world_t *world;
    sim_fiber_t fiber;
    sim_actor_state_t state;
    int64_t ready_at_us;
    int blocked_txn;
    core_ctx_t core;          /* the barrier connection (_local.conn) */
    core_ctx_t dispatch;      /* the PG queue client that sends */
    core_ctx_t consumer;      /* the consumer's connection that acknowledges */
    sim_prng_t latency_prng;
    sim_prng_t fault_prng;
    sim_prng_t restart_prng;
    sim_call_t call;
    bool work_started;        /* the current task got past its claim */
    int task_msg;             /* message of the running task, -1 when none */
    int acking_msg;           /* message whose acknowledgement runs, -1 when none */
    int task_run;             /* 0, or the task framework's retry number */
    bool task_dec_committed;  /* a decrement of the current task committed */
    int occurrences[STMT_COUNT][3]; /* sends per (statement, point), for schedules */
    int point_occurrences[FAULT_POINT_COUNT]; /* arrivals at the other points */
    bool crash_pending;       /* crashed inside its fiber; the scheduler restarts it */
    uint64_t wait_seq;        /* when its statement started to wait for a lock */
    sim_role_t roles[SIM_ROLE_COUNT];
    bool role_connected[SIM_ROLE_COUNT]; /* the role opened a connection this run */
};

typedef struct {
    int txn;
    int64_t at_us;
} sim_zombie_t;

/* A callback message waiting for its consumer (F13 ambiguous or duplicate). */
typedef struct {
    bool pending;
    int64_t at_us;
} sim_callback_t;

#define SIM_CALLBACK_MAX 8

/* Parameters drawn from the seed and printed first. */
typedef struct {
    scen_path_t path;
    uint32_t restart_rate;    /* out of 1024 per task */
    fault_plan_t plan;
} sim_draw_t;

/* The result of one run. */
typedef struct {
    uint64_t seed;
    uint32_t violated_mask;
    uint32_t first_step[SIM_PROP_COUNT];
    scen_outcome_t outcome;
    int fire_count;
    int64_t end_remaining;    /* barrier row's remaining, or INT64_MIN when gone */
    uint32_t steps;
    int64_t end_us;
    uint64_t trace_hash;
    int decrement_count;      /* committed Q-DEC transactions */
    int64_t min_remaining;    /* lowest remaining any committed Q-DEC left */
    int strike_count;         /* faults that struck, idle reaps included */
    int strikes_at[SIM_PROP_COUNT]; /* strikes up to each property's first violation */
    int64_t terminal_us;      /* when the status last became COMPLETED or ERROR, or -1
                                 when the run ended with the execution not terminal */
    bool reaper_marked;       /* the final ERROR is a reaper's mark: the run was
                                 stranded until the reaper recovered it */
    sim_cost_t cost;          /* retries, reconnects, extra round trips (cost.h) */
} sim_result_t;

struct sim_world {
    const scen_t *scen;
    const core_policy_t *policy;
    uint64_t seed;
    uint32_t bugs;
    sim_draw_t draw;

    int64_t now_us;
    uint32_t step;
    int running;              /* index of the running actor, -1 in the scheduler */
    int last_actor;           /* the actor of the last step, for violation events */

    sim_server_t server;
    int conn_count;
    sim_conn_t conns[SIM_CONN_MAX];
    int zombie_count;
    sim_zombie_t zombies[SIM_CONN_MAX];
    int callback_count;
    sim_callback_t callbacks[SIM_CALLBACK_MAX];

    int actor_count;
    sim_actor_t actors[SIM_ACTOR_MAX];
    sim_prng_t work_prng;
    sim_prng_t sched_prng;

    int msg_count;
    sim_msg_t msgs[SIM_MSG_MAX];
    int delivery_count;       /* header deliveries so far: the source of delivery ids */
    int assigned_next[SCEN_WORKER_MAX];

    sim_status_t status;
    int64_t terminal_us;      /* when status last became terminal, -1 while EXECUTING */
    bool terminal_by_reaper;  /* a reaper's mark set the terminal status */
    int64_t workers_done_us;  /* when the last worker finished, 0 before */
    int duplicate_orchestrator; /* actor index of the F19 redelivery, -1 none */
    char actor_names[SIM_ACTOR_MAX][SIM_ACTOR_NAME_SIZE];
    const char *actor_name_ptrs[SIM_ACTOR_MAX];
    int fire_count;
    int decrement_count;
    int64_t min_remaining;

    sim_oracle_t oracle;
    sim_trace_t trace;

    /* Choice recording and following (choice.h); NULL in a plain sweep. */
    sim_tape_t *tape;
    sim_tape_t pinned_tape;                  /* follows a scenario's pinned choices */
    sim_choice_t pinned_follow[SCEN_CHOICE_MAX];
    sim_tape_t strategy_tape;                /* records the runs PCT schedules */
    sim_pct_t pct;
    uint32_t point_kinds[FAULT_POINT_COUNT]; /* kinds a fault choice may take */
    uint32_t point_kinds_for;                /* the kinds mask point_kinds was made for */
    bool point_kinds_ready;
    FILE *transcript;                        /* one line per step, or NULL */
    uint64_t run_count;                      /* runs of this world (SIM_BUG_DRIFT) */
    uint64_t wait_seq_next;                  /* the lock queue's arrival counter */
    int strike_count;                        /* faults that struck this run */
    int strikes_at[SIM_PROP_COUNT];          /* strike_count when each property broke */
    sim_coverage_t *coverage;                /* counts over runs (coverage.h), or NULL */
    sim_cost_track_t cost;                   /* this run's retry costs (cost.h) */
    const sim_mirror_ops_t *mirror_ops;      /* a real server mirrored, or NULL */
    void *mirror;
};

/* Create a world whose fibers and buffers are reused by every run. */
int sim_world_create(sim_world_t *world);
void sim_world_destroy(sim_world_t *world);

/* Schedule every later run with PCT (pct.h) at this depth, over runs of
 * about steps scheduler steps. Returns -1 when out of memory. */
int sim_world_use_pct(sim_world_t *world, int depth, uint32_t steps);

/* Run one seed to quiescence or to the step limit. trace_out, when given,
 * receives the text trace. */
void sim_world_run(sim_world_t *world, const scen_t *scen,
                   const core_policy_t *policy, uint64_t seed, uint32_t bugs,
                   FILE *trace_out, sim_result_t *result_out);

/* Draw the seed's parameters without running (what --verbose prints). */
void sim_world_draw(const scen_t *scen, uint64_t seed, sim_draw_t *draw_out);
void sim_draw_describe(const sim_draw_t *draw, char *buf, int buf_size);

/* Give the actor its three connection roles, none open: the barrier, the
 * dispatch client and the consumer. */
void sim_actor_init_conns(sim_actor_t *actor);

/* Inside an actor: advance its clock by duration_us and let others run. */
void sim_actor_sleep(sim_actor_t *actor, int64_t duration_us);
/* Inside an actor: wait until transaction txn ends. */
void sim_actor_block_on_txn(sim_actor_t *actor, int txn);
/* Inside an actor: one network hop's latency. */
int64_t sim_actor_latency(sim_actor_t *actor);

void sim_world_emit(sim_world_t *world, int actor, sim_event_kind_t kind,
                    int32_t a, int32_t b, int32_t c, int64_t d);

/* A swarm draw at a strike point. Once the workers and orchestrators are
 * done, faults stop (liveness is judged after faults stop), so only the
 * scheduled strikes remain. */
fault_kind_t sim_world_draw_fault(const sim_world_t *world, sim_prng_t *prng,
                                  int actor, fault_point_t point);

/* Change the execution's status; by_reaper is true for a reaper's mark.
 * Records when it became terminal, for the run's time to terminal. */
void sim_world_set_status(sim_world_t *world, sim_status_t status, bool by_reaper);

/* Whether a committed dedup marker (not a policy k record) is left. */
bool sim_world_markers_left(const sim_world_t *world);

/* Assert the world's invariants; the scheduler calls it after every step. */
void sim_world_check(const sim_world_t *world);

/* Server events that wake waiters and feed the oracle. */
void sim_world_txn_end(sim_world_t *world, int txn, bool commit, int reason);
void sim_world_schedule_zombie(sim_world_t *world, int txn, int conn_id);

extern const conn_ops_t sim_conn_ops;
extern const core_env_ops_t sim_env_ops;

/* The reaper's re-arm committed: lapsed leases of PG queue messages end. */
void sim_queue_rearm(sim_world_t *world);

/* A Q-SEND or Q-ACK committed: publish or retire the in-memory message. */
void sim_queue_on_commit(sim_world_t *world, stmt_id_t stmt, int64_t msg_id);

/* Start the F19 redelivery of the orchestrator message delay_us from now. */
void sim_world_spawn_duplicate(sim_world_t *world, int64_t delay_us);

/* Actor bodies (actors.c). */
void sim_orchestrator_main(void *arg);
void sim_worker_main(void *arg);
void sim_reaper_main(void *arg);

/* Faults drawn before a worker's step (F9, F11). Returns true when the
 * actor crashed and must not be resumed. */
bool sim_actor_step_faults(sim_actor_t *actor);
/* Run a callback message whose time has come. */
void sim_callback_run(sim_world_t *world, int callback);
/* The fault at a strike point outside the connection: a scheduled strike
 * or a swarm draw (actors.c). *variant_out gets the kind's form. A crash
 * (F11) does not return: the actor's process is gone. */
fault_kind_t sim_actor_draw(sim_actor_t *actor, fault_point_t point, int *variant_out);
/* Record a strike that hit no statement send: a FAULT event in the trace, and
 * the oracle's count of faults. conn_id is -1 when no connection is involved. */
void sim_actor_strike(sim_actor_t *actor, int32_t conn_id, stmt_id_t stmt,
                      fault_point_t point, fault_kind_t kind);

#endif
