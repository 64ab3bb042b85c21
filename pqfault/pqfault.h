/*
 * pqfault — the real mechanisms behind the fault catalogue, on a live
 * PostgreSQL server through libpq.
 *
 * Each driver hits one victim connection (a PGconn in blocking mode) and,
 * where the server must act, uses an admin connection to the same server.
 * Some drivers produce the fault and leave it for the victim's next
 * statement: pqfault_terminate() and the idle timeouts. The others send the
 * victim's statement themselves and store what the client saw in a
 * pqfault_outcome_t: the cuts, the libfiu reset and the terminated
 * synchronous commit. docs/REAL_FAULTS.md lists each mechanism with the
 * client's view and the server's outcome, as tests/test_pq_faults.c
 * measures them.
 *
 * Invariants:
 *  1. A driver terminates only the victim's own backend: the pid libpq
 *     reports for the victim, after the victim's pg_backend_pid() has
 *     confirmed it (through a pooler the two differ, and the driver stops).
 *  2. Server settings change for the victim's session only, except in
 *     pqfault_sync_standby_arm(), which is for a throwaway server.
 *  3. Every wait for the server to act has a deadline (wait_max_ms), and
 *     PQFAULT_TIMEOUT reports that it passed. Drivers read the victim only
 *     once its connection is cut or its backend is gone, so those reads
 *     return at once; pqfault_exec() is a plain PQexec().
 *  4. libfiu points strike once, on the thread that armed them
 *     (fiu_enable_external with a callback on a thread-local flag), never
 *     at random.
 *  5. After a dead connection the caller must PQfinish() the victim and
 *     connect again: libpq's handle is never reused.
 *
 * The drivers read the monotonic clock and sleep between polls, so this
 * module lives outside the folders under the determinism lint, and the
 * simulator never calls it.
 */
#ifndef BARRIERSIM_PQFAULT_H
#define BARRIERSIM_PQFAULT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "../faults/fault.h"

/* X(id, message) */
#define PQFAULT_RC_MAP(X)                                                      \
    X(OK, "ok")                                                                \
    X(ADMIN_FAILED, "an admin statement failed; see PQerrorMessage() of the "  \
      "admin connection")                                                      \
    X(VICTIM_STATE, "the victim connection is not in the state the driver "    \
      "needs (open, in blocking mode, directly on the server, and in or out " \
      "of a transaction as documented)")                                       \
    X(TIMEOUT, "the fault did not take effect before the deadline")            \
    X(NOT_WAITING, "COMMIT finished without waiting for a synchronous "        \
      "standby; arm one first with pqfault_sync_standby_arm()")                \
    X(NOT_STRUCK, "the libfiu point was never reached; link "                  \
      "/usr/lib/fiu/fiu_posix_preload.so into the program")                    \
    X(NO_FAIL_POINT, "the libpq backend has no fail point for this fault "     \
      "kind at this point")

typedef enum {
#define PQFAULT_RC_ENUM(id, message) PQFAULT_##id,
    PQFAULT_RC_MAP(PQFAULT_RC_ENUM)
#undef PQFAULT_RC_ENUM
    PQFAULT_RC_COUNT
} pqfault_rc_t;

#define PQFAULT_SQLSTATE_SIZE 6
#define PQFAULT_MESSAGE_SIZE 160

/* What the client saw of one statement. */
typedef struct {
    ExecStatusType status;  /* of the last result; PGRES_FATAL_ERROR when
                               libpq returned none */
    bool connection_bad;    /* PQstatus(victim) == CONNECTION_BAD afterwards */
    char sqlstate[PQFAULT_SQLSTATE_SIZE];        /* of that result, "" if none */
    char notice_sqlstate[PQFAULT_SQLSTATE_SIZE]; /* of the last notice or
                                                    warning meanwhile, "" if none */
    char message[PQFAULT_MESSAGE_SIZE]; /* first line of PQerrorMessage() */
} pqfault_outcome_t;

/* The standby that pqfault_sync_standby_arm() names; no server has it. */
#define PQFAULT_ABSENT_STANDBY "barriersim_absent_standby"

/* Run sql on the victim with PQexec() and report what the client saw: the
 * statement after a driver that left a fault behind. */
void pqfault_exec(PGconn *victim, const char *sql, pqfault_outcome_t *outcome_out);

/* F1, F2, F3, F4 and F9 by pg_terminate_backend(): terminate the victim's
 * backend and wait until it has left pg_stat_activity. The moment of the
 * call picks the fault: while the victim is idle (F1), after BEGIN (F2),
 * after a statement ran (F3) or before COMMIT (F4). The victim must not be
 * in a failed transaction, because the driver first checks the pid with
 * SELECT pg_backend_pid() on it. */
pqfault_rc_t pqfault_terminate(PGconn *admin, PGconn *victim, int64_t wait_max_ms);

/* Wait until backend_pid has left pg_stat_activity: only then is the
 * rollback or commit of its last transaction final. */
pqfault_rc_t pqfault_wait_backend_gone(PGconn *admin, int backend_pid,
                                       int64_t wait_max_ms);

/* F1 by a pooler or any other hop: wait until the far end closes the idle
 * victim's connection or writes to it unasked (the FATAL of a timeout).
 * Reads nothing, so the victim's next statement meets what arrived. This
 * is the driver for PgBouncer's client_idle_timeout and
 * idle_transaction_timeout, whose settings belong to PgBouncer. */
pqfault_rc_t pqfault_wait_closed(PGconn *victim, int64_t wait_max_ms);

/* F1 by PostgreSQL's idle_session_timeout: set it to timeout_ms for the
 * victim's session, which must be outside a transaction, and wait until the
 * server has closed it. The next statement fails; FATAL 57P05 is only in
 * its error text. */
pqfault_rc_t pqfault_idle_session_timeout(PGconn *victim, int timeout_ms,
                                          int64_t wait_max_ms);

/* F4 by idle_in_transaction_session_timeout: set it to timeout_ms for the
 * victim's session, which must be inside a transaction, and wait until the
 * server has closed it. The transaction rolls back; COMMIT then fails. */
pqfault_rc_t pqfault_idle_in_transaction_timeout(PGconn *victim, int timeout_ms,
                                                 int64_t wait_max_ms);

/* F2 (any statement) or F4 (sql is "COMMIT"): shut the victim's socket
 * down, then send sql. The statement never reaches the server. The backend
 * reads end of file and rolls back an open transaction. Waits until the
 * backend has left pg_stat_activity. */
pqfault_rc_t pqfault_send_cut(PGconn *admin, PGconn *victim, const char *sql,
                              int64_t wait_max_ms, pqfault_outcome_t *outcome_out);

/* F3 (any statement) or F5 (sql is "COMMIT"): send sql, then shut the
 * socket down and drop whatever reply came back already. The server runs
 * the statement and loses its reply: an autocommit statement or a COMMIT
 * is durable, a statement inside a transaction rolls back with the
 * backend. Waits until the backend has left pg_stat_activity. */
pqfault_rc_t pqfault_reply_cut(PGconn *admin, PGconn *victim, const char *sql,
                               int64_t wait_max_ms, pqfault_outcome_t *outcome_out);

/* F5 by libfiu: arm posix/io/net/recv once with ECONNRESET for this thread
 * and send COMMIT. The server commits, and the client gets a dead
 * connection. The program must link /usr/lib/fiu/fiu_posix_preload.so ahead
 * of libc, because only its wrapper of recv() checks the point. Without it
 * the COMMIT completes normally and the result is PQFAULT_NOT_STRUCK. */
pqfault_rc_t pqfault_commit_recv_reset(PGconn *admin, PGconn *victim,
                                       int64_t wait_max_ms,
                                       pqfault_outcome_t *outcome_out);

/* Make every commit with synchronous_commit = on wait for
 * PQFAULT_ABSENT_STANDBY: ALTER SYSTEM, reload, then probe on a second
 * connection until a commit waits. Only for a throwaway server; sessions
 * with synchronous_commit = off or local are not affected. */
pqfault_rc_t pqfault_sync_standby_arm(PGconn *admin, int64_t wait_max_ms);

/* Undo pqfault_sync_standby_arm(); waiting commits then complete. */
pqfault_rc_t pqfault_sync_standby_disarm(PGconn *admin);

/* Field case C7, committed while terminated: with a standby armed, send
 * the victim's COMMIT with synchronous_commit = on, wait until it waits
 * for the standby, and terminate the backend. The client gets WARNING
 * 57P01 (notice_sqlstate), then a dead connection, and the transaction is
 * committed locally. The victim must be inside a transaction that wrote.
 * PQFAULT_NOT_WAITING: the COMMIT completed without waiting. */
pqfault_rc_t pqfault_commit_terminated(PGconn *admin, PGconn *victim,
                                       int64_t wait_max_ms,
                                       pqfault_outcome_t *outcome_out);

/* The libpq backend's fail point (core/conn_pq.h) for kind at point, or
 * NULL: F2 at BEGIN or a statement, F3 at a statement, F4 and F5 at
 * COMMIT. */
const char *pqfault_fiu_point(fault_kind_t kind, fault_point_t point);

/* Arm that fail point for the calling thread's next call through it; it
 * strikes once. A thread has at most one armed point: arming replaces the
 * previous one. */
pqfault_rc_t pqfault_fiu_arm(fault_kind_t kind, fault_point_t point);

/* Arm a plan entry's kind at its point. The caller arms it at the step the
 * entry names (actor and occurrence), right before that call. */
pqfault_rc_t pqfault_fiu_arm_entry(const fault_entry_t *entry);

/* Disarm the calling thread's point. Returns whether it struck since it
 * was armed. */
bool pqfault_fiu_disarm(void);

const char *pqfault_rc_name(pqfault_rc_t rc);
const char *pqfault_rc_message(pqfault_rc_t rc);

#endif
