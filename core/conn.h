/*
 * conn — the connection ops table and the conn_*() wrappers.
 *
 * The barrier core talks to a database only through these wrappers. Two
 * backends implement the table: the simulated PostgreSQL in sim/ and libpq.
 * The table follows PostgreSQL's table-access-method routine: a version
 * field, one comment per callback, checked once at registration.
 *
 * Invariants:
 *  1. core/ never calls a backend directly; every call goes through conn_*().
 *  2. Every statement result is classified in exactly one place
 *     (conn_classify): rows, a logical error with its SQLSTATE (the
 *     connection stays usable), or a dead connection.
 *  3. A handle whose backend reported it closed is never sent another
 *     statement; the wrappers return CONN_DEAD without I/O, as libpq does
 *     once PQstatus() is CONNECTION_BAD.
 *  4. conn_rollback() does I/O only while a transaction is open, because
 *     that is when psycopg2 (whose behaviour the core reproduces) sends it.
 */
#ifndef BARRIERSIM_CONN_H
#define BARRIERSIM_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "stmt.h"

#define CONN_OPS_VERSION 1
/* Results one barrier row can carry: four times the scenario batch limit,
 * because re-applied decrements append duplicates past the batch count. */
#define CONN_ELEMENTS_MAX 256
#define CONN_SQLSTATE_SIZE 6
#define CONN_TEXT_MAX 2          /* text columns kept from the first row */
#define CONN_TEXT_SIZE 64

/* Result classes; the order only grows. */
#define CONN_STATUS_MAP(X)                                                     \
    X(CONN_OK, "ok")                                                           \
    X(CONN_LOGICAL, "logical error")                                           \
    X(CONN_DEAD, "dead connection")

typedef enum {
#define CONN_STATUS_ENUM(name, text) name,
    CONN_STATUS_MAP(CONN_STATUS_ENUM)
#undef CONN_STATUS_ENUM
} conn_status_t;

/* Client-side transaction status, as libpq's PQtransactionStatus() reports it. */
typedef enum {
    CONN_TXN_IDLE,
    CONN_TXN_ACTIVE,
    CONN_TXN_INTRANS,
    CONN_TXN_INERROR,
    CONN_TXN_UNKNOWN,
} conn_txn_t;

/* Flags of a batch result that make it a bad result. */
#define CONN_ELEMENT_NUL 0x1        /* carries a NUL byte: jsonb rejects it (22P05) */
#define CONN_ELEMENT_UNENCODABLE 0x2 /* a value JSON cannot encode */

/* One element of pg_barrier_state.results: a batch's result. */
typedef struct {
    int32_t batch_index;
    int32_t value;
    int32_t flags;      /* CONN_ELEMENT_*, 0 for a good result */
} conn_element_t;

/* Statement parameters; each statement uses the fields its descriptor names. */
typedef struct {
    const char *exec_id;
    const char *org_id;
    int64_t batch_index;
    int64_t count;
    int64_t ttl_s;
    conn_element_t result;
    const char *leader;       /* the reaper's leader id */
    int64_t stuck_s;          /* the reaper's stuck timeout */
    int64_t lease_s;          /* the reaper's leader lease */
    int64_t generation;       /* the arming a header belongs to (policy n) */
    int64_t xid;              /* a transaction id to resolve (policy k) */
    int64_t post_remaining;   /* the value a decrement left (policy k) */
    int64_t retention_s;      /* the reaper's marker retention */
    int32_t msg_kind;         /* Q-SEND: 0 header, 1 callback */
    int64_t msg_id;           /* Q-ACK: the message to delete */
} conn_params_t;

/* What a backend observed, before classification. */
typedef struct {
    bool answered;          /* a result came back from the server */
    bool connection_bad;    /* the client now knows the connection is gone */
    char sqlstate[CONN_SQLSTATE_SIZE]; /* "" when the server sent none */
    int row_count;
    int64_t value;          /* first integer column of the first row */
    int64_t value2;         /* third column when it is an integer (a transaction id) */
    char texts[CONN_TEXT_MAX][CONN_TEXT_SIZE]; /* text columns of the first row, in order */
    int element_count;      /* the results column, when the statement returns it */
    conn_element_t elements[CONN_ELEMENTS_MAX];
} conn_raw_t;

/* A classified result: what the core acts on. */
typedef struct {
    conn_status_t status;
    char sqlstate[CONN_SQLSTATE_SIZE];
    int row_count;
    int64_t value;
    int64_t value2;
    char texts[CONN_TEXT_MAX][CONN_TEXT_SIZE];
    int element_count;
    conn_element_t elements[CONN_ELEMENTS_MAX];
} conn_result_t;

typedef struct conn_ops {
    int version;        /* CONN_OPS_VERSION */
    const char *name;   /* backend name for logs: "sim", "libpq" */

    /* Open a new connection. Returns CONN_OK and stores the handle, or
     * CONN_DEAD when the server could not be reached (side-effect free). */
    conn_status_t (*connect)(void *backend, void **handle_out);

    /* Send one statement (BEGIN and COMMIT included) and read its reply. */
    void (*exec)(void *handle, const stmt_t *stmt, const conn_params_t *params,
                 conn_raw_t *raw_out);

    /* Send ROLLBACK; only called while a transaction is open. */
    void (*rollback)(void *handle, conn_raw_t *raw_out);

    /* Client-side transaction status; no I/O. */
    conn_txn_t (*txn_status)(void *handle);

    /* Client-side closed flag (libpq: CONNECTION_BAD); no I/O. */
    bool (*is_closed)(void *handle);

    /* Release the handle; never fails. The server learns of it when the
     * connection was still healthy, or after its dead-peer detection delay. */
    void (*close)(void *handle);

    /* Optional (NULL when unsupported): send BEGIN, the statement and COMMIT
     * as one query string in one round trip. */
    void (*exec_batched)(void *handle, const stmt_t *stmt,
                         const conn_params_t *params, conn_raw_t *raw_out);
} conn_ops_t;

/* A connection as the core keeps it: the ops table, the backend it opens
 * connections on, and the open handle (NULL when there is none). */
typedef struct {
    const conn_ops_t *ops;
    void *backend;
    void *handle;
    bool classify_strict;   /* see conn_classify_with() */
} conn_t;

/* Check a table once before use: version and every callback present.
 * Returns 0, or -1 with the missing callback's name in *missing_out. */
int conn_ops_check(const conn_ops_t *ops, const char **missing_out);

void conn_init(conn_t *conn, const conn_ops_t *ops, void *backend);
bool conn_is_open(const conn_t *conn);
conn_status_t conn_connect(conn_t *conn);
void conn_exec(conn_t *conn, const stmt_t *stmt, const conn_params_t *params,
               conn_result_t *result_out);
/* BEGIN; stmt; COMMIT in one round trip. On a backend without exec_batched
 * the result is a logical error with SQLSTATE 0A000 (feature not supported). */
void conn_exec_batched(conn_t *conn, const stmt_t *stmt, const conn_params_t *params,
                       conn_result_t *result_out);
conn_status_t conn_begin(conn_t *conn);
conn_status_t conn_commit(conn_t *conn, conn_result_t *result_out);
conn_status_t conn_rollback(conn_t *conn);
conn_txn_t conn_txn_status(const conn_t *conn);
bool conn_is_closed(const conn_t *conn);
void conn_close(conn_t *conn);

/* Classify a raw reply the way upstream's psycopg2 error classes do: dead when
 * nothing came back, the connection is bad, or the SQLSTATE class is one that
 * psycopg2 maps to OperationalError (08, 26, 27, 28, 34, 40, HV, 5x). */
void conn_classify(const conn_raw_t *raw, conn_result_t *result_out);
/* The same, or with strict set, dead only when the connection is lost or the
 * SQLSTATE is 08xxx or 57P0x: a deadlock or a statement timeout on a live
 * connection then stays a logical error. */
void conn_classify_with(const conn_raw_t *raw, bool strict, conn_result_t *result_out);
const char *conn_status_name(conn_status_t status);

#endif
