/*
 * server — the simulated PostgreSQL: the barrier row, the dedup markers,
 * transactions with row locks, a durable commit record.
 *
 * READ COMMITTED as the barrier needs it. A write takes the row lock and
 * keeps a pending version until COMMIT. Another writer of a locked row, or of
 * a unique key in flight, waits for the lock holder. It then re-runs its
 * statement against the newest committed version, and a deleted row gives
 * 0 rows.
 *
 * Invariants (checked by sim_server_check):
 *  1. Every lock belongs to an active transaction, and that transaction's
 *     lock set names it.
 *  2. A pending version exists only while its row or marker is locked.
 *  3. A transaction ends exactly once: committed or aborted.
 */
#ifndef BARRIERSIM_SERVER_H
#define BARRIERSIM_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/conn.h"
#include "../scenarios/scen.h"

/* Transactions are never recycled, because pg_xact_status may ask about any
 * of them. A reaper ticking every 5 s through the default 9000 s stuck
 * timeout begins over 3600. A run that nears the end of the table stops as
 * if it hit step_max (world.c). */
#define SIM_TXN_MAX 32768

_Static_assert(CONN_ELEMENTS_MAX >= 4 * SCEN_BATCH_MAX,
               "a barrier row needs room for duplicate results past the batch count");
#define SIM_EFFECT_MAX 4
/* Marker keys: batch indexes, or delivery ids under delivery-dedup; the
 * upper half contains the applied records of policy k. */
#define SIM_MARKER_MAX 1024
#define SIM_APPLIED_BASE (SIM_MARKER_MAX / 2)
#define SIM_POST_NULL INT64_MIN   /* an applied record's NULL post_remaining */
#define SIM_MARKER_WORDS (SIM_MARKER_MAX / 64)
#define SIM_EXEC_ID "exec-1"
#define SIM_ORG_ID "org-1"

/* A planted bug for the S5 checker's test: Q-DEC does not append its result. */
#define SIM_SERVER_BUG_DEC_SKIPS_APPEND 0x1u
/* A planted bug for the L7 checker's test: the retention sweep deletes nothing. */
#define SIM_SERVER_BUG_NO_RETENTION 0x4u

typedef enum {
    SIM_TXN_FREE,
    SIM_TXN_ACTIVE,
    SIM_TXN_COMMITTED,
    SIM_TXN_ABORTED,
} sim_txn_state_t;

typedef struct {
    bool exists;
    bool org_known;           /* organization_id is not "" */
    int64_t remaining;
    int64_t last_progress_us;
    int64_t expires_us;
    int64_t generation;       /* which arming this version belongs to */
    bool aborted;             /* the first design's abort flag (policy j) */
    int element_count;
    conn_element_t elements[CONN_ELEMENTS_MAX];
} sim_row_value_t;

typedef struct {
    sim_row_value_t committed;
    sim_row_value_t pending;
    int lock_txn;             /* 0 = unlocked */
} sim_row_t;

typedef struct {
    bool committed_exists;
    bool pending_exists;
    int lock_txn;
    int64_t committed_post;   /* applied records: the value the decrement left */
    int64_t pending_post;
    int64_t created_us;       /* created_at / claimed_at of the inserted row */
    bool generation_keyed;    /* a row of pg_batch_dedup_gen, not pg_batch_dedup */
} sim_marker_t;

/* pg_orchestrator_lock's single row: the reaper's leader lease. */
typedef struct {
    char leader[CONN_TEXT_SIZE]; /* "" = free */
    int64_t acquired_us;
} sim_lease_value_t;

typedef struct {
    sim_lease_value_t committed;
    sim_lease_value_t pending;
    int lock_txn;
} sim_lease_t;

/* What a transaction did, for the oracle once it commits. */
typedef struct {
    stmt_id_t stmt;
    int32_t batch_index;      /* Q-DEC: the result's batch; Q-CLAIM: the key */
    int64_t value;            /* Q-DEC: remaining after it; others: rows */
    int64_t generation;       /* Q-DEC: the arming of the row it changed */
} sim_effect_t;

typedef struct {
    sim_txn_state_t state;
    int conn_id;
    int64_t start_us;         /* now() of its statements: PostgreSQL's transaction start */
    bool holds_row;
    bool holds_lease;
    bool holds_oclaim;
    int queue_row_held;       /* the queue row it inserted or deleted, 0 none */
    uint64_t markers_held[SIM_MARKER_WORDS]; /* bit per marker key */
    int effect_count;
    sim_effect_t effects[SIM_EFFECT_MAX];
} sim_txn_t;

/* pg_queue_message rows, indexed by msg_id (1-based). */
#define SIM_QUEUE_ROW_MAX 512

typedef struct {
    bool committed_exists;
    bool pending_exists;
    int lock_txn;
    int32_t kind;             /* 0 header, 1 callback */
    int32_t batch_index;
    int64_t generation;
} sim_queue_row_t;

typedef struct {
    int batch_count;
    uint32_t bugs;            /* planted bugs (SIM_BUG_*), 0 in real runs */
    sim_row_t row;
    sim_lease_t lease;
    sim_marker_t oclaim;      /* pg_orchestration_claim's row for the execution */
    int queue_row_count;      /* msg_ids 1..queue_row_count were used */
    sim_queue_row_t queue_rows[SIM_QUEUE_ROW_MAX + 1];
    int64_t generation_count; /* armings so far: the generation sequence */
    int64_t now_us;           /* now() of the statement being run */
    int marker_count;         /* keys 0..marker_count-1 have been used */
    sim_marker_t markers[SIM_MARKER_MAX];
    int txn_count;            /* ids 1..txn_count are in use */
    bool changed;             /* begin, exec or an end ran since the last check */
    sim_txn_t txns[SIM_TXN_MAX];
} sim_server_t;

/* Outcome of sending one statement to the server. */
typedef enum {
    SIM_EXEC_DONE,
    SIM_EXEC_WAIT,            /* blocked: *wait_txn_out holds the lock */
} sim_exec_t;

void sim_server_init(sim_server_t *server, int batch_count);

/* BEGIN at now_us: a new active transaction for conn_id; returns its id. */
int sim_server_begin(sim_server_t *server, int conn_id, int64_t now_us);

/* Run stmt inside txn, whose start time is its statements' now(). On
 * SIM_EXEC_DONE, raw_out contains the reply. */
sim_exec_t sim_server_exec(sim_server_t *server, int txn, stmt_id_t stmt,
                           const conn_params_t *params, conn_raw_t *raw_out,
                           int *wait_txn_out);

/* End a transaction, installing or discarding its pending versions and
 * releasing its locks. */
void sim_server_commit(sim_server_t *server, int txn);
void sim_server_abort(sim_server_t *server, int txn);

const sim_txn_t *sim_server_txn(const sim_server_t *server, int txn);

/* Assert the invariants above when begin, exec or an end changed the
 * server since the last check; called after every scheduler step. */
void sim_server_check(sim_server_t *server);

#endif
