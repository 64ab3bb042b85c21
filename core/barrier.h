/*
 * barrier — the fan-in barrier protocol on a connection ops table.
 *
 * Straight-line code in the shape of upstream's pg_barrier module: arm,
 * claim, run batch, decrement with its retry policy, abort, and the
 * connection plumbing (get_conn, recover-after-error, the transaction
 * helpers). It does not depend on the simulator: time, logs, the callback
 * fire and the status API come through core_env_ops_t, the database through
 * conn_t.
 *
 * Invariants:
 *  1. Every statement runs inside an explicit BEGIN; libpq has no implicit
 *     transaction, and an autocommitted decrement would make the
 *     execute-phase retry a double decrement.
 *  2. A failed COMMIT is never retried by the phase-split policies: its
 *     outcome is ambiguous.
 *  3. A dead connection is closed and forgotten (ctx->conn.handle = NULL),
 *     so the next get_conn() reconnects.
 *  4. Attempts per call are bounded by the policy's attempt_max; every retry
 *     is preceded by exactly one backoff of CORE_RETRY_BACKOFF_US.
 *  5. A batch's decrement fires the callback before deleting the row, so a
 *     failed fire leaves the row for the reaper.
 */
#ifndef BARRIERSIM_BARRIER_H
#define BARRIERSIM_BARRIER_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"
#include "policy.h"

#define CORE_RETRY_BACKOFF_US 500000
#define CORE_CONNECT_ATTEMPT_MAX 3
#define CORE_CONNECT_BACKOFF_US 500000
#define CORE_CONNECT_BACKOFF_CAP_US 5000000
#define CORE_BARRIER_TTL_S 21600

/* Results of core calls; 0 is success. The order only grows. */
#define CORE_RC_MAP(X)                                                         \
    X(CORE_OK, "ok")                                                           \
    X(CORE_E_DEAD, "connection is dead")                                       \
    X(CORE_E_LOGICAL, "statement failed")                                      \
    X(CORE_E_DATA, "result rejected by the server (data exception)")           \
    X(CORE_E_CONNECT, "could not connect")                                     \
    X(CORE_E_OPEN_TXN, "caller left a transaction open")                       \
    X(CORE_E_FIRE, "callback dispatch failed")                                 \
    X(CORE_E_WORK, "batch work failed")                                        \
    X(CORE_E_STATUS, "status API call failed")                                \
    X(CORE_E_TYPE, "result cannot be encoded as JSON")                         \
    X(CORE_E_DISPATCH, "header dispatch failed")

typedef enum {
#define CORE_RC_ENUM(name, text) name,
    CORE_RC_MAP(CORE_RC_ENUM)
#undef CORE_RC_ENUM
} core_rc_t;

/* Where a transaction failed: before the reply was in hand, or at COMMIT. */
typedef enum {
    CORE_PHASE_NONE,
    CORE_PHASE_CONNECT,
    CORE_PHASE_EXECUTE,
    CORE_PHASE_COMMIT,
} core_phase_t;

/* Log events, one per line upstream would log; structured for traces. */
#define CORE_LOG_MAP(X)                                                        \
    X(CORE_LOG_CALL_BEGIN, "call_begin")                                       \
    X(CORE_LOG_CALL_END, "call_end")                                           \
    X(CORE_LOG_RETRY, "retry")                                                 \
    X(CORE_LOG_GIVE_UP, "give_up")                                             \
    X(CORE_LOG_COMMIT_FAILED, "commit_failed_not_retrying")                    \
    X(CORE_LOG_CONN_DISCARDED, "conn_discarded")                               \
    X(CORE_LOG_ROLLBACK_FAILED, "rollback_failed")                             \
    X(CORE_LOG_CONNECT_RETRY, "connect_retry")                                 \
    X(CORE_LOG_ABANDONED, "abandoned")                                         \
    X(CORE_LOG_NEGATIVE, "remaining_negative")                                 \
    X(CORE_LOG_CLEANUP_FAILED, "cleanup_failed")                               \
    X(CORE_LOG_ABORT_FAILED, "abort_failed_reaper_will_recover")               \
    X(CORE_LOG_MARK_UNCONFIRMED, "mark_unconfirmed_row_left")                 \
    X(CORE_LOG_BAD_RESULT, "result_not_encodable")                             \
    X(CORE_LOG_DISPATCH_FAILED, "dispatch_failed_barrier_removed")           \
    X(CORE_LOG_LEADER, "reaper_leader")                                        \
    X(CORE_LOG_STEP_DOWN, "reaper_step_down")                                  \
    X(CORE_LOG_SWEEP, "reaper_sweep")                                          \
    X(CORE_LOG_RESOLVING, "commit_failed_resolving")                          \
    X(CORE_LOG_RESOLVED, "commit_resolved")                                    \
    X(CORE_LOG_ALREADY_APPLIED, "decrement_already_applied")

/* Outcomes of a commit resolution, the value of a CORE_LOG_RESOLVED event:
 * pg_xact_status's results, and the naive resolver's guess after its query
 * failed (logged apart, because it is no proof). 0 means the queries ran out. */
typedef enum {
    CORE_XACT_COMMITTED = 1,
    CORE_XACT_ABORTED = 2,
    CORE_XACT_IN_PROGRESS = 3,
    CORE_XACT_ASSUMED_ABORTED = 4,
} core_xact_t;

typedef enum {
#define CORE_LOG_ENUM(name, text) name,
    CORE_LOG_MAP(CORE_LOG_ENUM)
#undef CORE_LOG_ENUM
} core_log_kind_t;

typedef struct {
    core_log_kind_t kind;
    stmt_id_t stmt;     /* the statement of the call */
    int attempt;        /* 1-based attempt of the call, 0 when not relevant */
    core_rc_t rc;
    int64_t value;      /* remaining, status, ... */
} core_log_t;

/* The last failure, with what the caller needs to classify it. */
typedef struct {
    core_rc_t rc;
    stmt_id_t stmt;       /* the transaction's main statement */
    stmt_id_t sent;       /* what was being sent: BEGIN, a statement or COMMIT */
    int sent_index;       /* index of the failed statement in its transaction */
    core_phase_t phase;
    char sqlstate[CONN_SQLSTATE_SIZE];
} core_error_t;

/* An execution's status as the status API reports it. */
typedef enum {
    CORE_STATUS_NONE,       /* no status recorded */
    CORE_STATUS_GONE,       /* confirmed 404: the execution no longer exists */
    CORE_STATUS_EXECUTING,
    CORE_STATUS_ERROR,
    CORE_STATUS_COMPLETED,
    CORE_STATUS_STOPPED,
} core_status_t;

typedef struct core_env_ops {
    /* Block the caller for duration_us; backoffs go through here. */
    void (*sleep_us)(void *env, int64_t duration_us);

    /* Record one log event; must not fail. */
    void (*log)(void *env, const core_log_t *event);

    /* Dispatch the aggregating callback with the results in commit order.
     * Returns CORE_OK and the callback id, or CORE_E_FIRE. */
    core_rc_t (*fire)(void *env, const char *exec_id, const conn_element_t *results,
                      int result_count, int64_t *callback_id_out);

    /* Mark the execution ERROR through the status API. Returns CORE_OK with
     * *confirmed_out true only on a confirmed write (a mark of an already
     * final execution counts as confirmed). */
    core_rc_t (*mark_error)(void *env, const char *exec_id, const char *org_id,
                            bool *confirmed_out);

    /* Read the execution's status (the reaper needs it). Returns CORE_OK
     * with the status, or CORE_E_STATUS when the read failed. */
    core_rc_t (*status_read)(void *env, const char *exec_id, const char *org_id,
                             core_status_t *status_out);
} core_env_ops_t;

/* Per-thread barrier state: upstream's _local.conn plus the run's policy. */
typedef struct {
    conn_t conn;
    const core_policy_t *policy;
    const core_env_ops_t *env_ops;
    void *env;
    core_error_t error;
} core_ctx_t;

/* The barrier context a header carries. */
typedef struct {
    const char *exec_id;
    const char *org_id;
    int32_t batch_index;
    int32_t delivery_id;  /* unique per delivery; the claim key of delivery-dedup */
    int64_t generation;   /* the arming the header was sent for (policy n), 0 unknown */
} core_batch_t;

typedef enum {
    CORE_DEC_PENDING,
    CORE_DEC_COMPLETE,
    CORE_DEC_ABANDONED,
} core_dec_status_t;

typedef struct {
    core_dec_status_t status;
    int64_t remaining;
    int64_t callback_id;
    int aggregated_count;
} core_dec_t;

typedef enum {
    CORE_RB_SKIPPED_REDELIVERY, /* the claim returned false: no work done */
    CORE_RB_SKIPPED_TERMINAL,   /* the work saw a terminal execution */
    CORE_RB_DECREMENTED,        /* see the core_dec_t */
} core_rb_status_t;

typedef struct {
    core_rb_status_t status;
    core_dec_t dec;
} core_rb_t;

/* The batch's work. Returns CORE_OK with the result, or with *skipped_out
 * set when the execution was already terminal; any other value is a failure
 * of the work itself. */
typedef core_rc_t (*core_work_cb)(void *arg, const core_batch_t *batch,
                                  conn_element_t *result_out, bool *skipped_out);

void core_ctx_init(core_ctx_t *ctx, const conn_ops_t *ops, void *backend,
                   const core_policy_t *policy, const core_env_ops_t *env_ops,
                   void *env);

/* Drop the cached connection, as a process restart does. */
void core_ctx_forget_conn(core_ctx_t *ctx);

/* SEND (the PG queue client): insert a message and commit on the client's
 * own connection. After a dead connection the whole insert runs once more,
 * but only when the client had a connection at entry (the reused-guard).
 * A message whose COMMIT landed before the connection died is then enqueued
 * twice, and the consumers' idempotency must absorb it. *msg_id_out gets the
 * new message's id. */
core_rc_t core_send(core_ctx_t *ctx, int32_t msg_kind, const core_batch_t *batch,
                    int64_t *msg_id_out);

/* ACK: delete the message, with the same reused-guard; deleting a message
 * that is already gone is a no-op, so any ambiguity is safe. */
core_rc_t core_ack(core_ctx_t *ctx, int64_t msg_id);

/* Send header batch_index of arming generation (0 when the policy does not
 * track generations) to the queue. Returns CORE_OK or CORE_E_DISPATCH (the
 * message may have been enqueued all the same). */
typedef core_rc_t (*core_dispatch_cb)(void *arg, int32_t batch_index, int64_t generation);

/* What an orchestrator delivery did. */
typedef enum {
    CORE_ORC_ARMED,           /* claimed, armed and dispatched every header */
    CORE_ORC_DUPLICATE,       /* the claim was taken: a redelivery, nothing done */
    CORE_ORC_TERMINAL,        /* claimed, but the execution was already terminal */
    CORE_ORC_FAILED,          /* arming or dispatch failed; ERROR was marked */
} core_orc_t;

/* The orchestrator (ORC): take the single-winner orchestration claim unless
 * take_claim is false (the API-deployment orchestrator takes none), then
 * enqueue. A claim failure raises after marking ERROR; an enqueue failure
 * marks ERROR and returns CORE_OK with CORE_ORC_FAILED, because the
 * orchestrator acknowledges its message either way. The claim row stays
 * after success as a tombstone. */
core_rc_t core_orchestrate(core_ctx_t *ctx, const char *exec_id, const char *org_id,
                           int64_t count, bool take_claim, core_dispatch_cb dispatch,
                           void *arg, core_orc_t *out);

/* ENQ: arm the barrier, then dispatch the count headers in order. When a
 * dispatch fails, delete the row and clear the markers (HDR.2, errors
 * suppressed) and return the failure; headers already sent will find no
 * row. */
core_rc_t core_enqueue(core_ctx_t *ctx, const char *exec_id, const char *org_id,
                       int64_t count, core_dispatch_cb dispatch, void *arg);

/* Arm the barrier for count headers (ENQ.4): upsert the row and wipe the
 * markers in one transaction, retried once on a dead connection. */
core_rc_t core_arm(core_ctx_t *ctx, const char *exec_id, const char *org_id,
                   int64_t count);

/* Claim batch_index for this delivery (CLM): *won_out is true when this
 * delivery owns the single decrement. */
core_rc_t core_claim_batch(core_ctx_t *ctx, const core_batch_t *batch,
                           bool *won_out);

/* The in-body path (RB): claim, work, decrement, and the error path that
 * marks ERROR first and aborts keeping the markers only after a confirmed
 * mark. Returns the work's or the decrement's failure after the error path. */
core_rc_t core_run_batch(core_ctx_t *ctx, const core_batch_t *batch,
                         core_work_cb work, void *work_arg, core_rb_t *out);

/* The decrement (DEC): one committed Q-DEC per call at most, then fire on 0. */
core_rc_t core_decrement(core_ctx_t *ctx, const core_batch_t *batch,
                         const conn_element_t *result, core_dec_t *out);

/* Abort (ABT): *won_out is true when this caller deleted the row. */
core_rc_t core_abort(core_ctx_t *ctx, const char *exec_id, bool preserve_markers,
                     bool *won_out);

const char *core_rc_name(core_rc_t rc);
const char *core_log_name(core_log_kind_t kind);
const char *core_dec_status_name(core_dec_status_t status);

#endif
