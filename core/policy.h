/*
 * policy — retry-policy variants as data.
 *
 * A policy decides, at the retrying call sites of the decrement and the
 * batch claim, whether a failed attempt runs again and how: the whole
 * transaction, the execute phase only, or just the failed statement. It also
 * carries the other choices the protocol's history and the field cases vary:
 * how a transaction is sent, how errors are classified, the order of the
 * error path, and what the claim is keyed on. The variants can then be
 * compared on the same seeds and schedules.
 *
 * Invariants:
 *  1. Policies are immutable; a run holds a pointer to one table row.
 *  2. Every policy bounds attempts by attempt_max (at least 1).
 */
#ifndef BARRIERSIM_POLICY_H
#define BARRIERSIM_POLICY_H

#include <stdbool.h>

typedef enum {
    CORE_RETRY_NONE,             /* run the transaction once */
    CORE_RETRY_WHOLE,            /* re-run statement and COMMIT after a failure */
    CORE_RETRY_PHASE_SPLIT,      /* retry only an execute-phase death; COMMIT never */
    CORE_RETRY_STATEMENT_REPLAY, /* re-send only the failed statement on a new connection */
    CORE_RETRY_SAME_HANDLE,      /* re-send on the same dead handle, never reconnecting */
} core_retry_t;

typedef enum {
    CORE_SAMPLE_BEFORE_GUARD, /* "reused" read before get_conn() can cache one */
    CORE_SAMPLE_AFTER_GUARD,  /* read after get_conn(): always true */
} core_sample_t;

/* How a transaction reaches the server. */
typedef enum {
    CORE_SEND_EXPLICIT,   /* BEGIN, statements, COMMIT: one round trip each */
    CORE_SEND_AUTOCOMMIT, /* no BEGIN: each statement commits on its own */
    CORE_SEND_BATCHED,    /* BEGIN; statement; COMMIT as one query string */
} core_send_t;

/* Which errors count as a dead connection. */
typedef enum {
    CORE_CLASSIFY_PSYCOPG, /* upstream: every class psycopg2 calls OperationalError */
    CORE_CLASSIFY_STRICT,  /* only a lost connection and SQLSTATE 08xxx / 57P0x */
} core_classify_t;

/* The order of the in-body error path. */
typedef enum {
    CORE_ERROR_PATH_MARK_FIRST,   /* mark ERROR; abort keeping markers only if confirmed */
    CORE_ERROR_PATH_DELETE_FIRST, /* abort and clear markers, then mark (the old order) */
} core_error_path_t;

/* How a decrement whose COMMIT failed learns what happened. */
typedef enum {
    CORE_RESOLVE_NONE,        /* it does not: the failure is reported */
    CORE_RESOLVE_IDEMPOTENT,  /* applied record + pg_xact_status, query retried */
    CORE_RESOLVE_NAIVE,       /* pg_xact_status only; a failed query means aborted */
} core_resolve_t;

/* What the claim's dedup marker is keyed on. */
typedef enum {
    CORE_CLAIM_BATCH,    /* (execution, batch index): one owner per batch */
    CORE_CLAIM_DELIVERY, /* the delivery id: every redelivery owns the batch again */
    CORE_CLAIM_NONE,     /* no claim: every delivery decrements */
} core_claim_t;

typedef struct {
    const char *name;
    char letter;              /* the variant's letter in the protocol's table, '+' for ours */
    const char *summary;
    core_retry_t retry;
    bool retry_any_error;     /* a whole retry also follows logical errors */
    bool reuse_gate;          /* retries only on a connection cached at entry */
    core_sample_t reuse_sample;
    int attempt_max;
    core_send_t send;
    core_classify_t classify;
    core_error_path_t error_path;
    bool abort_retry;         /* abort through the idempotent helper */
    int task_retry_max;       /* the task framework re-runs a failed task this often */
    core_claim_t claim;
    bool generation_guard;    /* statements match the header's arming generation */
    core_resolve_t resolve;
    bool two_step_abort;      /* abort flags the row, then deletes it (the first design) */
    bool fused_claim;         /* the claim runs in the decrement's transaction, after work */
    unsigned mutation;        /* CORE_MUT_* bits: planted bugs of the mutant table */
} core_policy_t;

/* Planted bugs that no policy field expresses; only mutants set them. */
#define CORE_MUT_FIRE_BELOW_ZERO 0x1u   /* a decrement that sees remaining < 0 fires */
#define CORE_MUT_DELETE_FIRST 0x2u      /* the row is deleted before the fire */
#define CORE_MUT_ROLLBACK_LIVE 0x4u     /* a failed rollback leaves the connection cached */

#define CORE_POLICY_DEFAULT "phase-split"

/* Look a policy or a mutant up by name; NULL when there is none. */
const core_policy_t *core_policy_find(const char *name);

/* The mutants: phase-split with one planted bug each, selectable by name
 * like a policy but left out of core_policy_at and --policy all, so that
 * sweeps and corpora compare the real variants only. */
int core_mutant_count(void);
const core_policy_t *core_mutant_at(int index);
int core_policy_count(void);
const core_policy_t *core_policy_at(int index);

#endif
