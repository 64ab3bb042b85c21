/* pqfault — drivers that produce each fault by its real mechanism. */
#include "pqfault.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "pqfault_int.h"

#define PQFAULT_NAP_US 5000        /* between two polls of the server */
#define PQFAULT_RESULT_MAX 16      /* results read for one statement */
#define PQFAULT_OPTION_MAX 64      /* connection options copied to the probe */
#define PQFAULT_DRAIN_SIZE 4096
#define PQFAULT_SQL_SIZE 128
#define PQFAULT_CANCEL_ERROR_SIZE 256

/* Notices the server sends during one driver's statement. */
typedef struct {
    PQnoticeReceiver previous;
    pqfault_outcome_t *outcome;
} pqfault_recorder_t;

static int64_t pqfault_now_ms(void);
static void pqfault_nap(void);
static bool pqfault_command(PGconn *conn, const char *sql);
static bool pqfault_count(PGconn *admin, const char *sql, int pid, int64_t *count_out);
static pqfault_rc_t pqfault_victim_pid(PGconn *victim, int *pid_out);
static pqfault_rc_t pqfault_terminate_pid(PGconn *admin, int pid, int64_t deadline_ms);
static pqfault_rc_t pqfault_wait_gone_until(PGconn *admin, int pid, int64_t deadline_ms);
static pqfault_rc_t pqfault_set_and_wait(PGconn *victim, const char *setting,
                                         int timeout_ms, int64_t wait_max_ms);
static pqfault_rc_t pqfault_wait_sync_rep(PGconn *admin, PGconn *victim, int pid,
                                          int64_t deadline_ms, bool *waiting_out);
static pqfault_rc_t pqfault_probe_commit(PGconn *admin, PGconn *probe,
                                         int64_t deadline_ms, bool *waited_out);
static PGconn *pqfault_connect_like(PGconn *admin);
static void pqfault_cut(PGconn *victim);
static void pqfault_record_start(PGconn *victim, pqfault_recorder_t *recorder,
                                 pqfault_outcome_t *outcome);
static void pqfault_record_stop(PGconn *victim, pqfault_recorder_t *recorder);
static void pqfault_record_notice(void *arg, const PGresult *res);
static void pqfault_collect(PGconn *victim, pqfault_outcome_t *outcome);
static void pqfault_fill(PGconn *victim, const PGresult *res, pqfault_outcome_t *outcome);
static void pqfault_discard_notice(void *arg, const char *message);

static const char *const pqfault_rc_names[] = {
#define PQFAULT_RC_NAME(id, message) #id,
    PQFAULT_RC_MAP(PQFAULT_RC_NAME)
#undef PQFAULT_RC_NAME
};

static const char *const pqfault_rc_messages[] = {
#define PQFAULT_RC_MESSAGE(id, message) message,
    PQFAULT_RC_MAP(PQFAULT_RC_MESSAGE)
#undef PQFAULT_RC_MESSAGE
};

void pqfault_exec(PGconn *victim, const char *sql, pqfault_outcome_t *outcome_out)
{
    pqfault_recorder_t recorder;
    PGresult *res;

    assert(victim != NULL);
    assert(sql != NULL);
    pqfault_record_start(victim, &recorder, outcome_out);
    res = PQexec(victim, sql);
    pqfault_fill(victim, res, outcome_out);
    PQclear(res);
    pqfault_record_stop(victim, &recorder);
}

pqfault_rc_t pqfault_terminate(PGconn *admin, PGconn *victim, int64_t wait_max_ms)
{
    int64_t deadline_ms = pqfault_now_ms() + wait_max_ms;
    int pid;
    pqfault_rc_t rc;

    assert(admin != NULL);
    assert(victim != NULL);
    rc = pqfault_victim_pid(victim, &pid);
    if (rc != PQFAULT_OK) {
        return rc;
    }
    return pqfault_terminate_pid(admin, pid, deadline_ms);
}

pqfault_rc_t pqfault_wait_backend_gone(PGconn *admin, int backend_pid,
                                       int64_t wait_max_ms)
{
    assert(admin != NULL);
    assert(backend_pid > 0);
    return pqfault_wait_gone_until(admin, backend_pid, pqfault_now_ms() + wait_max_ms);
}

pqfault_rc_t pqfault_wait_closed(PGconn *victim, int64_t wait_max_ms)
{
    int64_t deadline_ms = pqfault_now_ms() + wait_max_ms;
    struct pollfd poll_fd;

    assert(victim != NULL);
    poll_fd.fd = PQsocket(victim);
    if (poll_fd.fd < 0) {
        return PQFAULT_VICTIM_STATE;
    }
    poll_fd.events = POLLIN | POLLRDHUP;

    /* End of file, an error and unasked bytes all make the socket readable;
     * any of them means the far end has acted. */
    for (;;) {
        int64_t left_ms = deadline_ms - pqfault_now_ms();
        int ready;

        if (left_ms <= 0) {
            return PQFAULT_TIMEOUT;
        }
        poll_fd.revents = 0;
        ready = poll(&poll_fd, 1, left_ms > INT_MAX ? INT_MAX : (int)left_ms);
        if (ready > 0) {
            return PQFAULT_OK;
        }
        if (ready < 0 && errno != EINTR) {
            return PQFAULT_VICTIM_STATE;
        }
    }
}

pqfault_rc_t pqfault_idle_session_timeout(PGconn *victim, int timeout_ms,
                                          int64_t wait_max_ms)
{
    assert(victim != NULL);
    assert(timeout_ms > 0);
    if (PQstatus(victim) != CONNECTION_OK ||
        PQtransactionStatus(victim) != PQTRANS_IDLE) {
        return PQFAULT_VICTIM_STATE;
    }
    return pqfault_set_and_wait(victim, "idle_session_timeout", timeout_ms, wait_max_ms);
}

pqfault_rc_t pqfault_idle_in_transaction_timeout(PGconn *victim, int timeout_ms,
                                                 int64_t wait_max_ms)
{
    assert(victim != NULL);
    assert(timeout_ms > 0);
    if (PQstatus(victim) != CONNECTION_OK ||
        PQtransactionStatus(victim) != PQTRANS_INTRANS) {
        return PQFAULT_VICTIM_STATE;
    }
    return pqfault_set_and_wait(victim, "idle_in_transaction_session_timeout",
                                timeout_ms, wait_max_ms);
}

pqfault_rc_t pqfault_send_cut(PGconn *admin, PGconn *victim, const char *sql,
                              int64_t wait_max_ms, pqfault_outcome_t *outcome_out)
{
    int64_t deadline_ms = pqfault_now_ms() + wait_max_ms;
    int pid = PQbackendPID(victim);
    pqfault_recorder_t recorder;
    PGresult *res;

    assert(admin != NULL);
    assert(sql != NULL);
    if (pid <= 0 || PQisnonblocking(victim)) {
        return PQFAULT_VICTIM_STATE;
    }

    pqfault_record_start(victim, &recorder, outcome_out);
    pqfault_cut(victim);
    res = PQexec(victim, sql);
    pqfault_fill(victim, res, outcome_out);
    PQclear(res);
    pqfault_record_stop(victim, &recorder);
    return pqfault_wait_gone_until(admin, pid, deadline_ms);
}

pqfault_rc_t pqfault_reply_cut(PGconn *admin, PGconn *victim, const char *sql,
                               int64_t wait_max_ms, pqfault_outcome_t *outcome_out)
{
    int64_t deadline_ms = pqfault_now_ms() + wait_max_ms;
    int pid = PQbackendPID(victim);
    pqfault_recorder_t recorder;

    assert(admin != NULL);
    assert(sql != NULL);
    if (pid <= 0 || PQisnonblocking(victim)) {
        return PQFAULT_VICTIM_STATE;
    }

    /* In blocking mode PQsendQuery() has flushed the whole statement, so
     * the server reads all of it before the end of file. */
    pqfault_record_start(victim, &recorder, outcome_out);
    if (PQsendQuery(victim, sql) != 1) {
        pqfault_fill(victim, NULL, outcome_out);
        pqfault_record_stop(victim, &recorder);
        return PQFAULT_VICTIM_STATE;
    }
    pqfault_cut(victim);
    pqfault_collect(victim, outcome_out);
    pqfault_record_stop(victim, &recorder);
    return pqfault_wait_gone_until(admin, pid, deadline_ms);
}

pqfault_rc_t pqfault_commit_recv_reset(PGconn *admin, PGconn *victim,
                                       int64_t wait_max_ms,
                                       pqfault_outcome_t *outcome_out)
{
    int64_t deadline_ms = pqfault_now_ms() + wait_max_ms;
    int pid = PQbackendPID(victim);
    pqfault_recorder_t recorder;
    PGresult *res;
    bool struck;

    assert(admin != NULL);
    if (pid <= 0 || PQisnonblocking(victim)) {
        return PQFAULT_VICTIM_STATE;
    }

    /* libpq calls recv() only after poll() reports the reply, so the
     * failed recv() comes after the server has committed. */
    pqfault_record_start(victim, &recorder, outcome_out);
    pqfault__fiu_arm_name(PQFAULT_FIU_RECV);
    res = PQexec(victim, "COMMIT");
    struck = pqfault_fiu_disarm();
    pqfault_fill(victim, res, outcome_out);
    PQclear(res);
    pqfault_record_stop(victim, &recorder);
    if (!struck) {
        return PQFAULT_NOT_STRUCK;
    }
    return pqfault_wait_gone_until(admin, pid, deadline_ms);
}

pqfault_rc_t pqfault_sync_standby_arm(PGconn *admin, int64_t wait_max_ms)
{
    int64_t deadline_ms = pqfault_now_ms() + wait_max_ms;
    pqfault_rc_t rc = PQFAULT_OK;
    bool waited = false;
    PGconn *probe;

    assert(admin != NULL);
    if (!pqfault_command(admin, "ALTER SYSTEM SET synchronous_standby_names = '"
                                PQFAULT_ABSENT_STANDBY "'") ||
        !pqfault_command(admin, "SELECT pg_reload_conf()")) {
        return PQFAULT_ADMIN_FAILED;
    }

    /* The backends read the setting at once, but a commit consults the
     * checkpointer's copy, which follows the reload a little later: only a
     * commit that waits proves the standby is armed. */
    probe = pqfault_connect_like(admin);
    if (PQstatus(probe) != CONNECTION_OK ||
        !pqfault_command(probe, "SET synchronous_commit = on")) {
        PQfinish(probe);
        return PQFAULT_ADMIN_FAILED;
    }
    PQsetNoticeProcessor(probe, pqfault_discard_notice, NULL);
    while (rc == PQFAULT_OK && !waited) {
        rc = pqfault_probe_commit(admin, probe, deadline_ms, &waited);
        if (rc == PQFAULT_OK && !waited) {
            pqfault_nap();
        }
    }
    PQfinish(probe);
    return rc;
}

pqfault_rc_t pqfault_sync_standby_disarm(PGconn *admin)
{
    assert(admin != NULL);
    if (!pqfault_command(admin, "ALTER SYSTEM RESET synchronous_standby_names") ||
        !pqfault_command(admin, "SELECT pg_reload_conf()")) {
        return PQFAULT_ADMIN_FAILED;
    }
    return PQFAULT_OK;
}

pqfault_rc_t pqfault_commit_terminated(PGconn *admin, PGconn *victim,
                                       int64_t wait_max_ms,
                                       pqfault_outcome_t *outcome_out)
{
    int64_t deadline_ms = pqfault_now_ms() + wait_max_ms;
    pqfault_recorder_t recorder;
    bool waiting = false;
    pqfault_rc_t rc;
    int pid;

    assert(admin != NULL);
    if (PQtransactionStatus(victim) != PQTRANS_INTRANS) {
        return PQFAULT_VICTIM_STATE;
    }
    rc = pqfault_victim_pid(victim, &pid);
    if (rc != PQFAULT_OK) {
        return rc;
    }
    if (!pqfault_command(victim, "SET synchronous_commit = on")) {
        return PQFAULT_VICTIM_STATE;
    }

    pqfault_record_start(victim, &recorder, outcome_out);
    if (PQsendQuery(victim, "COMMIT") != 1) {
        pqfault_record_stop(victim, &recorder);
        return PQFAULT_VICTIM_STATE;
    }
    rc = pqfault_wait_sync_rep(admin, victim, pid, deadline_ms, &waiting);
    if (rc == PQFAULT_OK && !waiting) {
        pqfault_collect(victim, outcome_out);
        pqfault_record_stop(victim, &recorder);
        return PQFAULT_NOT_WAITING;
    }
    if (rc == PQFAULT_OK) {
        rc = pqfault_terminate_pid(admin, pid, deadline_ms);
    }
    /* NOTE: on a failure here the COMMIT may still wait, and reading its
     * result would block; the caller's PQfinish() closes the connection. */
    if (rc == PQFAULT_OK) {
        pqfault_collect(victim, outcome_out);
    }
    pqfault_record_stop(victim, &recorder);
    return rc;
}

const char *pqfault_rc_name(pqfault_rc_t rc)
{
    assert(rc >= 0);
    assert(rc < PQFAULT_RC_COUNT);
    return pqfault_rc_names[rc];
}

const char *pqfault_rc_message(pqfault_rc_t rc)
{
    assert(rc >= 0);
    assert(rc < PQFAULT_RC_COUNT);
    return pqfault_rc_messages[rc];
}

static int64_t pqfault_now_ms(void)
{
    struct timespec now;
    int rc = clock_gettime(CLOCK_MONOTONIC, &now);

    assert(rc == 0);
    (void)rc;
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void pqfault_nap(void)
{
    struct timespec delay = {0, PQFAULT_NAP_US * 1000};

    while (nanosleep(&delay, &delay) != 0 && errno == EINTR) {
        /* Interrupted by a signal: sleep the rest. */
    }
}

/* Run sql; true when the server returned no error. */
static bool pqfault_command(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(res);

    PQclear(res);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

/* Run a one-integer query whose $1 is a backend pid. */
static bool pqfault_count(PGconn *admin, const char *sql, int pid, int64_t *count_out)
{
    char pid_text[16];
    const char *values[1] = {pid_text};
    PGresult *res;
    bool ok;

    snprintf(pid_text, sizeof(pid_text), "%d", pid);
    res = PQexecParams(admin, sql, 1, NULL, values, NULL, NULL, 0);
    ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
         PQnfields(res) == 1 && !PQgetisnull(res, 0, 0);
    if (ok) {
        *count_out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    }
    PQclear(res);
    return ok;
}

/* The victim's backend pid, confirmed by the server: through a pooler
 * PQbackendPID() names the pooler's own number, which no backend may be
 * terminated for. */
static pqfault_rc_t pqfault_victim_pid(PGconn *victim, int *pid_out)
{
    int pid = PQbackendPID(victim);
    PGTransactionStatusType txn = PQtransactionStatus(victim);
    PGresult *res;
    bool same;

    *pid_out = 0;
    if (pid <= 0 || PQisnonblocking(victim) ||
        (txn != PQTRANS_IDLE && txn != PQTRANS_INTRANS)) {
        return PQFAULT_VICTIM_STATE;
    }
    res = PQexec(victim, "SELECT pg_backend_pid()");
    same = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
           atoi(PQgetvalue(res, 0, 0)) == pid;
    PQclear(res);
    if (!same) {
        return PQFAULT_VICTIM_STATE;
    }
    *pid_out = pid;
    return PQFAULT_OK;
}

static pqfault_rc_t pqfault_terminate_pid(PGconn *admin, int pid, int64_t deadline_ms)
{
    int64_t terminated;

    if (!pqfault_count(admin, "SELECT pg_terminate_backend($1)::int", pid, &terminated) ||
        terminated != 1) {
        return PQFAULT_ADMIN_FAILED;
    }
    return pqfault_wait_gone_until(admin, pid, deadline_ms);
}

/* A backend leaves pg_stat_activity after it has ended its transaction, so
 * from then on the row and pg_xact_status() show the final outcome. */
static pqfault_rc_t pqfault_wait_gone_until(PGconn *admin, int pid, int64_t deadline_ms)
{
    for (;;) {
        int64_t count;

        if (!pqfault_count(admin, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
                           pid, &count)) {
            return PQFAULT_ADMIN_FAILED;
        }
        if (count == 0) {
            return PQFAULT_OK;
        }
        if (pqfault_now_ms() >= deadline_ms) {
            return PQFAULT_TIMEOUT;
        }
        pqfault_nap();
    }
}

static pqfault_rc_t pqfault_set_and_wait(PGconn *victim, const char *setting,
                                         int timeout_ms, int64_t wait_max_ms)
{
    char sql[PQFAULT_SQL_SIZE];

    snprintf(sql, sizeof(sql), "SET %s = %d", setting, timeout_ms);
    if (!pqfault_command(victim, sql)) {
        return PQFAULT_VICTIM_STATE;
    }
    return pqfault_wait_closed(victim, wait_max_ms);
}

/* Poll until the COMMIT sent on victim waits for a synchronous standby
 * (waiting true) or has completed (waiting false). */
static pqfault_rc_t pqfault_wait_sync_rep(PGconn *admin, PGconn *victim, int pid,
                                          int64_t deadline_ms, bool *waiting_out)
{
    *waiting_out = false;
    for (;;) {
        int64_t count;

        if (PQconsumeInput(victim) == 0 || PQisBusy(victim) == 0) {
            return PQFAULT_OK;
        }
        if (!pqfault_count(admin, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 "
                                  "AND wait_event = 'SyncRep'",
                           pid, &count)) {
            return PQFAULT_ADMIN_FAILED;
        }
        if (count > 0) {
            *waiting_out = true;
            return PQFAULT_OK;
        }
        if (pqfault_now_ms() >= deadline_ms) {
            return PQFAULT_TIMEOUT;
        }
        pqfault_nap();
    }
}

/* Commit one transaction that wrote on the probe; when it waits for the
 * standby, cancel the wait, which leaves it committed locally. */
static pqfault_rc_t pqfault_probe_commit(PGconn *admin, PGconn *probe,
                                         int64_t deadline_ms, bool *waited_out)
{
    char error[PQFAULT_CANCEL_ERROR_SIZE];
    pqfault_outcome_t outcome;
    pqfault_rc_t rc;
    PGcancel *cancel;

    /* A transactional logical message writes WAL without touching a table,
     * so its commit waits for the standby like a decrement's. */
    *waited_out = false;
    if (!pqfault_command(probe, "BEGIN") ||
        !pqfault_command(probe, "SELECT pg_logical_emit_message(true, 'barriersim', "
                                "'standby probe')") ||
        PQsendQuery(probe, "COMMIT") != 1) {
        return PQFAULT_ADMIN_FAILED;
    }
    rc = pqfault_wait_sync_rep(admin, probe, PQbackendPID(probe), deadline_ms, waited_out);

    if (PQisBusy(probe)) {
        cancel = PQgetCancel(probe);
        if (cancel == NULL || PQcancel(cancel, error, sizeof(error)) == 0) {
            rc = PQFAULT_ADMIN_FAILED;
        }
        PQfreeCancel(cancel);
    }
    /* Read the result only when nothing can still wait for it. */
    if (rc == PQFAULT_OK) {
        pqfault_collect(probe, &outcome);
        if (outcome.status != PGRES_COMMAND_OK) {
            rc = PQFAULT_ADMIN_FAILED;
        }
    }
    return rc;
}

/* Open a connection with the admin connection's options. */
static PGconn *pqfault_connect_like(PGconn *admin)
{
    PQconninfoOption *options = PQconninfo(admin);
    const char *keywords[PQFAULT_OPTION_MAX];
    const char *values[PQFAULT_OPTION_MAX];
    const PQconninfoOption *option;
    int count = 0;
    PGconn *conn;

    for (option = options; option != NULL && option->keyword != NULL &&
                           count < PQFAULT_OPTION_MAX - 1;
         option++) {
        if (option->val != NULL) {
            keywords[count] = option->keyword;
            values[count] = option->val;
            count++;
        }
    }
    keywords[count] = NULL;
    values[count] = NULL;
    conn = PQconnectdbParams(keywords, values, 0);
    PQconninfoFree(options);
    return conn;
}

/* Shut the victim's socket down both ways and drop what the server sent
 * already, so libpq's next read meets end of file whatever the timing.
 * After the shutdown the server can queue nothing more, so the drain ends. */
static void pqfault_cut(PGconn *victim)
{
    char drain[PQFAULT_DRAIN_SIZE];
    int fd = PQsocket(victim);

    if (fd < 0) {
        return;
    }
    (void)shutdown(fd, SHUT_RDWR);
    while (recv(fd, drain, sizeof(drain), MSG_DONTWAIT) > 0) {
        /* Discard a reply that came back before the cut. */
    }
}

/* NOTE: libpq cannot return a notice receiver's argument, so the previous
 * receiver is called, and restored, with a NULL one. libpq's default
 * receiver ignores it and hands the notice to the notice processor. */
static void pqfault_record_start(PGconn *victim, pqfault_recorder_t *recorder,
                                 pqfault_outcome_t *outcome)
{
    memset(outcome, 0, sizeof(*outcome));
    outcome->status = PGRES_FATAL_ERROR;
    recorder->outcome = outcome;
    recorder->previous = PQsetNoticeReceiver(victim, pqfault_record_notice, recorder);
}

static void pqfault_record_stop(PGconn *victim, pqfault_recorder_t *recorder)
{
    (void)PQsetNoticeReceiver(victim, recorder->previous, NULL);
}

static void pqfault_record_notice(void *arg, const PGresult *res)
{
    pqfault_recorder_t *recorder = arg;
    const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);

    snprintf(recorder->outcome->notice_sqlstate, PQFAULT_SQLSTATE_SIZE, "%s",
             sqlstate == NULL ? "" : sqlstate);
    if (recorder->previous != NULL) {
        recorder->previous(NULL, res);
    }
}

/* Read every result of the statement sent and keep the last one's outcome. */
static void pqfault_collect(PGconn *victim, pqfault_outcome_t *outcome)
{
    PGresult *last = NULL;
    PGresult *res;
    int count;

    for (count = 0; count < PQFAULT_RESULT_MAX; count++) {
        res = PQgetResult(victim);
        if (res == NULL) {
            break;
        }
        PQclear(last);
        last = res;
    }
    pqfault_fill(victim, last, outcome);
    PQclear(last);
}

static void pqfault_fill(PGconn *victim, const PGresult *res, pqfault_outcome_t *outcome)
{
    const char *sqlstate = res == NULL ? NULL : PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *message = PQerrorMessage(victim);

    outcome->status = res == NULL ? PGRES_FATAL_ERROR : PQresultStatus(res);
    outcome->connection_bad = PQstatus(victim) == CONNECTION_BAD;
    snprintf(outcome->sqlstate, sizeof(outcome->sqlstate), "%s",
             sqlstate == NULL ? "" : sqlstate);
    snprintf(outcome->message, sizeof(outcome->message), "%.*s",
             (int)strcspn(message, "\n"), message);
}

static void pqfault_discard_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}
