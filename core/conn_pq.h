/*
 * conn_pq — the connection ops table on libpq, the production backend.
 *
 * Sends the statement catalogue to a real PostgreSQL server and reports what
 * came back in a conn_raw_t. It does not classify: conn_classify() in conn.c
 * decides between rows, a logical error and a dead connection.
 *
 * Invariants:
 *  1. A handle is one PGconn, used by one thread at a time.
 *  2. libpq has no implicit transaction: a statement sent outside BEGIN
 *     autocommits. The backend never adds a BEGIN of its own, because the
 *     core sends it explicitly.
 *  3. connection_bad is PQstatus() == CONNECTION_BAD after the call. A dead
 *     connection is recognised by that flag alone, because its result
 *     carries no SQLSTATE even when the server sent one. With libpq 15 on a
 *     Unix socket, the FATAL 57P01 of pg_terminate_backend() and the 57P05
 *     of idle_session_timeout appear only as text in PQerrorMessage().
 *  4. A reply that carries an error but no SQLSTATE was produced by libpq,
 *     not by the server, and is reported as not answered, so it can never
 *     be classified as success.
 *  5. Parameters are sent as text in $1.. order of the descriptor's letters;
 *     the result parameter is the JSON object {"batch": i, "value": v}.
 *  6. A results column is parsed only when the row's first integer (the
 *     counter a decrement returns) is 0 or below: only a fire reads it.
 */
#ifndef BARRIERSIM_CONN_PQ_H
#define BARRIERSIM_CONN_PQ_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "conn.h"

/* The backend argument of conn_pq_ops.connect(). */
typedef struct {
    const char *conninfo; /* a libpq connection string or URI */
} conn_pq_backend_t;

extern const conn_ops_t conn_pq_ops;

/* The ops table sends each statement with the asynchronous API and waits
 * for its reply at most this long (30 s unless set); a reply that does not
 * come by then leaves the connection dead, so the core discards it. */
#define CONN_PQ_WAIT_MS_DEFAULT 30000
void conn_pq_set_wait_ms(int wait_ms);

/* libfiu fail points of conn_pq_ops.exec, named after the fault catalogue
 * (faults/fault.h). Each shuts the socket down: before the send, so the
 * statement never reaches the server (F2; F4 for COMMIT), or after it, so
 * the server runs the statement and its reply is lost (F3; F5 for COMMIT).
 * pqfault_fiu_arm() (pqfault/pqfault.h) arms them for one thread. */
#define CONN_PQ_FIU_F2_SEND "barriersim/F2/send"
#define CONN_PQ_FIU_F3_REPLY "barriersim/F3/reply"
#define CONN_PQ_FIU_F4_SEND "barriersim/F4/commit-send"
#define CONN_PQ_FIU_F5_REPLY "barriersim/F5/commit-reply"

/* Send stmt with its parameters on conn without waiting for the reply
 * (PQsendQuery or PQsendQueryParams). Returns false when nothing was sent.
 * The simulator's mirror (sim/mirror.c) runs statements with it. */
bool conn_pq_send(PGconn *conn, const stmt_t *stmt, const conn_params_t *params);

/* Send "BEGIN; stmt; COMMIT" as one string, stmt's parameters written in
 * as literals (PQescapeLiteral). Returns false when nothing was sent. */
bool conn_pq_send_batched(PGconn *conn, const stmt_t *stmt, const conn_params_t *params);

/* stmt's text with each $N replaced by the literal of values[N - 1] (NULL
 * for a NULL value), in a string the caller frees; NULL when out of memory
 * or a value cannot be escaped. */
char *conn_pq_inline_sql(PGconn *conn, const char *sql, const char *const *values,
                         int count);

/* Of the results of one query, the reply: reply is the reply so far (NULL
 * at first), res the next result, index its position. One statement's
 * reply is its last result. A batched string's is its statement's (the
 * second), unless a result failed, which ends the string and is the reply.
 * Clears the result it does not return. */
PGresult *conn_pq_keep_reply(PGresult *reply, PGresult *res, int index, bool batched);

/* Read a result that libpq returned for conn into raw_out, as the ops table
 * does; res may be NULL (no result). */
void conn_pq_raw(PGconn *conn, PGresult *res, conn_raw_t *raw_out);

/* Return the server process id of an open handle, for tools that terminate
 * it with pg_terminate_backend(); 0 when the connection is bad. */
int conn_pq_backend_pid(const void *handle);

#endif
