/* mirror — the real server side of a confirmation run. */
#include "mirror.h"

#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/conn_pq.h"
#include "clock.h"
#include "../pqfault/pqfault.h"
#include "../server/pg_server.h"

#define CONFIRM_REPLY_MS 10000     /* a reply later than this is an environment error */
#define CONFIRM_WAIT_MS 3000       /* how long a lock wait takes to show up */
#define CONFIRM_POLL_MS 5
#define CONFIRM_STALL_MS 50        /* how often a slow reply is checked for a lock race */
#define CONFIRM_RACE_MS 1000       /* blocked this long by any backend: a lock race too */

static void confirm_connect(void *m, int conn_id);
static void confirm_exec(void *m, int conn_id, const stmt_t *stmt,
                         const conn_params_t *params, bool batched,
                         const conn_raw_t *sim_raw);
static void confirm_wait(void *m, int conn_id, const stmt_t *stmt,
                         const conn_params_t *params, bool batched);
static bool confirm_send(confirm_link_t *link, const stmt_t *stmt,
                         const conn_params_t *params, bool batched);
static void confirm_begin_caller(void *m, int conn_id);
static void confirm_logical_error(void *m, int conn_id, const char *sqlstate);
static void confirm_rollback(void *m, int conn_id);
static void confirm_lost(void *m, int conn_id, bool txn_open);
static void confirm_terminate(void *m, int conn_id);
static void confirm_close(void *m, int conn_id);
static void confirm_external(void *m, const stmt_t *stmt, const conn_params_t *params,
                             const conn_raw_t *sim_raw);

static bool confirm_read_reply(confirm_mirror_t *mirror, confirm_link_t *link,
                               conn_raw_t *raw);
static void confirm_compare(confirm_mirror_t *mirror, int conn_id, stmt_id_t stmt,
                            const conn_raw_t *sim_raw, const conn_raw_t *real);
static void confirm_describe(const conn_raw_t *raw, bool with_value, char *buf,
                             size_t size);
static bool confirm_value_compared(stmt_id_t stmt);
static confirm_link_t *confirm_live_link(confirm_mirror_t *mirror, int conn_id,
                                         const char *what);
static void confirm_env_fail(confirm_mirror_t *mirror, const char *format, ...);
static int64_t confirm_admin_integer(confirm_mirror_t *mirror, const char *sql, int pid);
static void confirm_pause(void);
static const char *confirm_blockers(confirm_mirror_t *mirror, int pid);
static void confirm_finish(confirm_link_t *link);
static void confirm_send_clock(confirm_mirror_t *mirror, int conn_id);
static void confirm_discard_notice(void *arg, const char *message);

const sim_mirror_ops_t confirm_mirror_ops = {
    .connect = confirm_connect,
    .exec = confirm_exec,
    .wait = confirm_wait,
    .begin_caller = confirm_begin_caller,
    .logical_error = confirm_logical_error,
    .rollback = confirm_rollback,
    .lost = confirm_lost,
    .terminate = confirm_terminate,
    .close = confirm_close,
    .external = confirm_external,
};

int confirm_mirror_open(confirm_mirror_t *mirror, const char *conninfo, sim_world_t *world,
                        char *error, size_t error_size)
{
    memset(mirror, 0, sizeof(*mirror));
    mirror->conninfo = conninfo;
    mirror->world = world;
    mirror->admin = PQconnectdb(conninfo);
    PQsetNoticeProcessor(mirror->admin, confirm_discard_notice, NULL);
    if (PQstatus(mirror->admin) != CONNECTION_OK) {
        snprintf(error, error_size, "could not connect to the server \"%s\": %s; start one "
                 "or give a reachable --pg CONNINFO", conninfo,
                 PQerrorMessage(mirror->admin));
        PQfinish(mirror->admin);
        mirror->admin = NULL;
        return -1;
    }
    return 0;
}

int confirm_mirror_reset(confirm_mirror_t *mirror)
{
    char error[256];
    int i;

    for (i = 0; i < SIM_CONN_MAX; i++) {
        confirm_finish(&mirror->links[i]);
    }
    mirror->statements = 0;
    mirror->diff_count = 0;
    mirror->env_failed = false;
    mirror->env_error[0] = '\0';
    mirror->lock_race = false;
    mirror->stopped = false;

    /* Identities restart, so queue message ids match the simulator's. */
    if (pg_server_reset_tables(mirror->conninfo, error, sizeof(error)) != PG_SERVER_OK) {
        confirm_env_fail(mirror, "could not empty the barriersim tables: %s", error);
        return -1;
    }
    if (!confirm_clock_install(mirror->admin, error, sizeof(error))) {
        confirm_env_fail(mirror, "could not install the virtual clock: %s", error);
        return -1;
    }
    return 0;
}

void confirm_mirror_close(confirm_mirror_t *mirror)
{
    int i;

    for (i = 0; i < SIM_CONN_MAX; i++) {
        confirm_finish(&mirror->links[i]);
    }
    PQfinish(mirror->admin);
    mirror->admin = NULL;
}

static void confirm_connect(void *m, int conn_id)
{
    confirm_mirror_t *mirror = m;
    confirm_link_t *link = &mirror->links[conn_id];
    char error[256];

    confirm_finish(link);
    if (mirror->stopped) {
        return;
    }
    link->conn = PQconnectdb(mirror->conninfo);
    if (PQstatus(link->conn) != CONNECTION_OK) {
        confirm_env_fail(mirror, "connection %d could not connect: %s", conn_id,
                         PQerrorMessage(link->conn));
        confirm_finish(link);
        return;
    }
    link->pid = PQbackendPID(link->conn);
    PQsetNoticeProcessor(link->conn, confirm_discard_notice, NULL);
    if (!confirm_clock_session(link->conn, error, sizeof(error))) {
        confirm_env_fail(mirror, "connection %d: %s", conn_id, error);
    }
}

/* COMMIT or ROLLBACK outside a transaction draws a warning, as the
 * simulator expects, and it would only clutter the output. */
static void confirm_discard_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* The simulated server answered: run the statement (or read the reply of
 * one sent when it started to wait) and compare. */
static void confirm_exec(void *m, int conn_id, const stmt_t *stmt,
                         const conn_params_t *params, bool batched,
                         const conn_raw_t *sim_raw)
{
    confirm_mirror_t *mirror = m;
    confirm_link_t *link = confirm_live_link(mirror, conn_id, stmt->label);
    conn_raw_t real;

    if (link == NULL) {
        return;
    }
    if (!link->pending) {
        confirm_send_clock(mirror, conn_id);
    }
    if (!link->pending && !confirm_send(link, stmt, params, batched)) {
        confirm_env_fail(mirror, "could not send %s on connection %d: %s", stmt->label,
                         conn_id, PQerrorMessage(link->conn));
        return;
    }
    link->pending = false;
    if (confirm_read_reply(mirror, link, &real)) {
        confirm_compare(mirror, conn_id, stmt->id, sim_raw, &real);
    }
}

/* Send the statement as the simulated client did; its reply is read
 * later, as that of a batched string when batched. */
static bool confirm_send(confirm_link_t *link, const stmt_t *stmt,
                         const conn_params_t *params, bool batched)
{
    link->batched = batched;
    return batched ? conn_pq_send_batched(link->conn, stmt, params)
                   : conn_pq_send(link->conn, stmt, params);
}

/* Send without reading: the real backend must block on the same lock. */
static void confirm_wait(void *m, int conn_id, const stmt_t *stmt,
                         const conn_params_t *params, bool batched)
{
    confirm_mirror_t *mirror = m;
    confirm_link_t *link = confirm_live_link(mirror, conn_id, stmt->label);
    int tries;

    if (link == NULL) {
        return;
    }
    confirm_send_clock(mirror, conn_id);
    if (!confirm_send(link, stmt, params, batched)) {
        confirm_env_fail(mirror, "could not send %s on connection %d", stmt->label, conn_id);
        return;
    }
    link->pending = true;
    for (tries = 0; tries * CONFIRM_POLL_MS < CONFIRM_WAIT_MS; tries++) {
        if (confirm_admin_integer(mirror, "SELECT cardinality(pg_blocking_pids($1))",
                                  link->pid) > 0) {
            return;
        }
        PQconsumeInput(link->conn);
        if (!PQisBusy(link->conn)) {
            break;
        }
        confirm_pause();
    }

    mirror->statements++;
    if (mirror->diff_count < CONFIRM_DIFF_MAX) {
        confirm_diff_t *diff = &mirror->diffs[mirror->diff_count];

        diff->step = mirror->world->step;
        diff->conn_id = conn_id;
        diff->stmt = stmt->id;
        snprintf(diff->sim, sizeof(diff->sim), "waits for a row lock");
        snprintf(diff->real, sizeof(diff->real), "did not wait");
    }
    mirror->diff_count++;
}

static void confirm_begin_caller(void *m, int conn_id)
{
    confirm_mirror_t *mirror = m;
    confirm_link_t *link = confirm_live_link(mirror, conn_id, "BEGIN");

    if (link != NULL) {
        PQclear(PQexec(link->conn, "BEGIN"));
    }
}

/* F6 as the server raises it: the same SQLSTATE, and an open transaction
 * is aborted. */
static void confirm_logical_error(void *m, int conn_id, const char *sqlstate)
{
    confirm_mirror_t *mirror = m;
    confirm_link_t *link = confirm_live_link(mirror, conn_id, "F6");
    char sql[160];
    conn_raw_t sim_raw;
    conn_raw_t real;
    PGresult *res;

    if (link == NULL) {
        return;
    }
    snprintf(sql, sizeof(sql),
             "DO $$BEGIN RAISE EXCEPTION 'barriersim F6' USING ERRCODE = '%s'; END$$",
             sqlstate);
    res = PQexec(link->conn, sql);
    conn_pq_raw(link->conn, res, &real);
    PQclear(res);
    memset(&sim_raw, 0, sizeof(sim_raw));
    sim_raw.answered = true;
    snprintf(sim_raw.sqlstate, sizeof(sim_raw.sqlstate), "%s", sqlstate);
    confirm_compare(mirror, conn_id, STMT_BEGIN, &sim_raw, &real);
}

static void confirm_rollback(void *m, int conn_id)
{
    confirm_mirror_t *mirror = m;
    confirm_link_t *link = confirm_live_link(mirror, conn_id, "ROLLBACK");

    if (link != NULL) {
        PQclear(PQexec(link->conn, "ROLLBACK"));
    }
}

/* The client gives the connection up. A backend with an open transaction
 * keeps it, with its locks, until confirm_terminate. One without ends now. */
static void confirm_lost(void *m, int conn_id, bool txn_open)
{
    confirm_mirror_t *mirror = m;
    confirm_link_t *link = &mirror->links[conn_id];

    if (link->conn == NULL) {
        return;
    }
    link->abandoned = true;
    if (!txn_open) {
        confirm_finish(link);
    }
}

/* pg_terminate_backend, then wait until the backend is gone, so that its
 * rollback and lock release happen before the next step. */
static void confirm_terminate(void *m, int conn_id)
{
    confirm_mirror_t *mirror = m;
    confirm_link_t *link = &mirror->links[conn_id];

    if (link->conn == NULL || link->pid == 0 || mirror->stopped) {
        return;
    }
    confirm_admin_integer(mirror, "SELECT pg_terminate_backend($1)::int", link->pid);
    if (pqfault_wait_backend_gone(mirror->admin, link->pid, CONFIRM_REPLY_MS) != PQFAULT_OK) {
        confirm_env_fail(mirror, "backend %d of connection %d did not end within %d ms "
                         "after pg_terminate_backend", link->pid, conn_id, CONFIRM_REPLY_MS);
    }
    link->pid = 0;
    if (link->abandoned) {
        confirm_finish(link);
    }
}

static void confirm_close(void *m, int conn_id)
{
    confirm_mirror_t *mirror = m;

    confirm_finish(&mirror->links[conn_id]);
}

/* The statement of a session outside the run goes through the admin
 * connection, in a transaction of its own. Its reply is compared as
 * connection -1's. */
static void confirm_external(void *m, const stmt_t *stmt, const conn_params_t *params,
                             const conn_raw_t *sim_raw)
{
    confirm_mirror_t *mirror = m;
    conn_raw_t real;
    PGresult *res;

    if (mirror->stopped) {
        return;
    }
    if (!conn_pq_send(mirror->admin, stmt, params)) {
        confirm_env_fail(mirror, "could not send %s on the admin connection: %s",
                         stmt->label, PQerrorMessage(mirror->admin));
        return;
    }
    res = PQgetResult(mirror->admin);
    conn_pq_raw(mirror->admin, res, &real);
    PQclear(res);
    while ((res = PQgetResult(mirror->admin)) != NULL) {
        PQclear(res);
    }
    confirm_compare(mirror, -1, stmt->id, sim_raw, &real);
}

/* Read every result of the statement. The last one is its reply. */
static bool confirm_read_reply(confirm_mirror_t *mirror, confirm_link_t *link,
                               conn_raw_t *raw)
{
    struct pollfd fd = {PQsocket(link->conn), POLLIN, 0};
    PGresult *reply = NULL;
    PGresult *res;
    int waited_ms = 0;
    int index = 0;

    while (PQisBusy(link->conn)) {
        int ready = poll(&fd, 1, CONFIRM_STALL_MS);

        if (ready < 0) {
            confirm_env_fail(mirror, "poll failed while waiting for backend %d", link->pid);
            return false;
        }
        if (ready == 0) {
            waited_ms += CONFIRM_STALL_MS;
            if (confirm_admin_integer(mirror,
                                      "SELECT count(*) FROM pg_stat_activity WHERE pid = "
                                      "ANY(pg_blocking_pids($1)) AND state = 'idle in "
                                      "transaction'",
                                      link->pid) > 0 ||
                (waited_ms >= CONFIRM_RACE_MS &&
                 confirm_admin_integer(mirror, "SELECT cardinality(pg_blocking_pids($1))",
                                       link->pid) > 0)) {
                mirror->lock_race = true;
                mirror->stopped = true;
                return false;
            }
            if (waited_ms >= CONFIRM_REPLY_MS) {
                confirm_env_fail(mirror, "no reply within %d ms from backend %d (blocked "
                                 "by backends %s)", CONFIRM_REPLY_MS, link->pid,
                                 confirm_blockers(mirror, link->pid));
                return false;
            }
            continue;
        }
        if (!PQconsumeInput(link->conn)) {
            break;
        }
    }
    while ((res = PQgetResult(link->conn)) != NULL) {
        reply = conn_pq_keep_reply(reply, res, index++, link->batched);
    }
    conn_pq_raw(link->conn, reply, raw);
    PQclear(reply);
    return true;
}

static void confirm_compare(confirm_mirror_t *mirror, int conn_id, stmt_id_t stmt,
                            const conn_raw_t *sim_raw, const conn_raw_t *real)
{
    bool value = confirm_value_compared(stmt) && sim_raw->sqlstate[0] == '\0';
    char sim_text[CONFIRM_TEXT_SIZE];
    char real_text[CONFIRM_TEXT_SIZE];
    bool same;

    confirm_describe(sim_raw, value, sim_text, sizeof(sim_text));
    confirm_describe(real, value, real_text, sizeof(real_text));
    same = strcmp(sim_text, real_text) == 0;
    mirror->statements++;
    if (mirror->world->transcript != NULL) {
        fprintf(mirror->world->transcript, "%6s %12s  %-6s %-34s %-22s %s\n", "", "", "",
                "  (real server)", real_text, same ? "agrees" : "DIFFERS from the simulator");
    }
    if (same) {
        return;
    }
    if (mirror->diff_count < CONFIRM_DIFF_MAX) {
        confirm_diff_t *diff = &mirror->diffs[mirror->diff_count];

        diff->step = mirror->world->step;
        diff->conn_id = conn_id;
        diff->stmt = stmt;
        snprintf(diff->sim, sizeof(diff->sim), "%s", sim_text);
        snprintf(diff->real, sizeof(diff->real), "%s", real_text);
    }
    mirror->diff_count++;
}

/* The client-visible reply: an error's SQLSTATE, or the row count and,
 * for statements whose value both servers compute alike, the value. */
static void confirm_describe(const conn_raw_t *raw, bool with_value, char *buf, size_t size)
{
    if (!raw->answered || raw->connection_bad) {
        snprintf(buf, size, "connection is dead");
    } else if (raw->sqlstate[0] != '\0') {
        snprintf(buf, size, "error %s", raw->sqlstate);
    } else if (with_value && raw->row_count > 0 && raw->value <= 0) {
        snprintf(buf, size, "ok %d row(s), value %" PRId64 ", %d result(s)", raw->row_count,
                 raw->value, raw->element_count);
    } else if (with_value && raw->row_count > 0) {
        snprintf(buf, size, "ok %d row(s), value %" PRId64, raw->row_count, raw->value);
    } else {
        snprintf(buf, size, "ok %d row(s)", raw->row_count);
    }
}

/* Transaction ids, timestamps and the reaper's clock-based choices differ
 * between the two servers by design, while counters, claims and ids do not. */
static bool confirm_value_compared(stmt_id_t stmt)
{
    switch (stmt) {
    case STMT_DEC:
    case STMT_DEC_G:
    case STMT_DEC_J:
    case STMT_CLAIM:
    case STMT_CLAIM_G:
    case STMT_OCLAIM:
    case STMT_SEND:
        return true;
    default:
        return false;
    }
}

static confirm_link_t *confirm_live_link(confirm_mirror_t *mirror, int conn_id,
                                         const char *what)
{
    confirm_link_t *link = &mirror->links[conn_id];

    if (mirror->stopped) {
        return NULL;
    }
    if (link->conn == NULL || link->abandoned) {
        confirm_env_fail(mirror, "%s on connection %d, which the real side no longer has",
                         what, conn_id);
        return NULL;
    }
    return link;
}

static void confirm_env_fail(confirm_mirror_t *mirror, const char *format, ...)
{
    va_list args;

    if (mirror->env_failed) {
        return;
    }
    mirror->env_failed = true;
    mirror->stopped = true;
    va_start(args, format);
    vsnprintf(mirror->env_error, sizeof(mirror->env_error), format, args);
    va_end(args);
}

/* Return one integer from an admin query with a backend pid as $1, or -1. */
static int64_t confirm_admin_integer(confirm_mirror_t *mirror, const char *sql, int pid)
{
    char text[16];
    const char *values[1] = {text};
    PGresult *res;
    int64_t value = -1;

    snprintf(text, sizeof(text), "%d", pid);
    res = PQexecParams(mirror->admin, sql, 1, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
        !PQgetisnull(res, 0, 0)) {
        value = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    } else {
        confirm_env_fail(mirror, "admin query failed: %s", PQerrorMessage(mirror->admin));
    }
    PQclear(res);
    return value;
}

/* The pids that block pid, with what each runs, for an error message. */
static const char *confirm_blockers(confirm_mirror_t *mirror, int pid)
{
    static char text[160];
    char value[16];
    const char *values[1] = {value};
    PGresult *res;

    snprintf(value, sizeof(value), "%d", pid);
    res = PQexecParams(mirror->admin,
                       "SELECT string_agg(b.pid || ' ' || b.state || ' ' || "
                       "left(b.query, 30), '; ') FROM pg_stat_activity b "
                       "WHERE b.pid = ANY(pg_blocking_pids($1))",
                       1, NULL, values, NULL, NULL, 0);
    snprintf(text, sizeof(text), "%s",
             PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
                     !PQgetisnull(res, 0, 0)
                 ? PQgetvalue(res, 0, 0)
                 : "none");
    PQclear(res);
    return text;
}

static void confirm_pause(void)
{
    struct timespec pause = {0, CONFIRM_POLL_MS * 1000000L};

    nanosleep(&pause, NULL);
}

static void confirm_finish(confirm_link_t *link)
{
    if (link->conn != NULL) {
        PQfinish(link->conn);
    }
    memset(link, 0, sizeof(*link));
}

/* The statement about to run reads now() as its simulated transaction's
 * start. BEGIN and COMMIT arrive outside a transaction or read no clock. */
static void confirm_send_clock(confirm_mirror_t *mirror, int conn_id)
{
    const sim_world_t *world = mirror->world;
    int txn = world->conns[conn_id].txn;

    if (txn != 0) {
        confirm_clock_set(mirror->links[conn_id].conn, world->server.txns[txn].start_us);
    }
}
