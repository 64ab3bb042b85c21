/*
 * Tests of the real fault mechanisms (pqfault/) and of the libpq backend's
 * fail points on a real PostgreSQL server.
 *
 * The server comes from BARRIERSIM_PG_CONNINFO, as in tests/test_pq.c; the
 * test command starts a throwaway cluster and sets it. Each test arms one
 * barrier row of its own (TEST_EXEC_ID) through an admin connection and
 * hits victim connections of its own. Every test checks both sides: what
 * the client saw (result status, CONNECTION_BAD, SQLSTATE) and what the
 * server did (the counter, pg_xact_status() on the admin connection once
 * the victim's backend has left pg_stat_activity). Most tests are cases of
 * two tables, and one function runs each table's cases: test_victim_case_t
 * for the drivers and test_fiu_case_t for the fail points. A test with
 * checks that no case field covers is a function of its own.
 *
 * The PgBouncer tests start a PgBouncer of their own on a Unix socket in a
 * folder under /tmp, as the postgres user when run as root. They stop it by
 * its pid, and are skipped without /usr/sbin/pgbouncer. The C7 tests
 * change synchronous_standby_names with ALTER SYSTEM, so they run only on
 * a cluster started by scripts/pg_cluster.sh and are skipped elsewhere.
 *
 * The binary links libfiu's POSIX wrappers (see the Makefile), so that
 * pqfault_commit_recv_reset() can fail one recv().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "../core/barrier.h"
#include "../core/conn_pq.h"
#include "../pqfault/pqfault.h"
#include "pq_fixture.h"

#define TEST_EXEC_ID "exec-pq-faults"
#define TEST_ORG_ID "org-pq-faults"
#define TEST_REMAINING 3
#define TEST_REMAINING_SQL "3" /* TEST_REMAINING in the row's INSERT */
#define TEST_WAIT_MAX_MS 5000
#define TEST_IDLE_TIMEOUT_MS 200
#define TEST_POLL_INTERVAL_US 10000
#define TEST_POLL_MAX 500 /* polls give up after 5 s */
#define TEST_VICTIM_MAX 4
#define TEST_XID_SIZE 32
#define TEST_PATH_SIZE 256
#define TEST_DIR_SIZE 64 /* a folder under /tmp; its paths fit TEST_PATH_SIZE */
#define TEST_CONNINFO_SIZE 512
#define TEST_PGBOUNCER "/usr/sbin/pgbouncer"
#define TEST_PGBOUNCER_PORT_OFFSET 1000
#define TEST_CLUSTER_MARKER ".barriersim-cluster" /* scripts/pg_cluster.sh */

/* The decrement as a worker would send it, returning the new counter and
 * the transaction id (assigned by the UPDATE itself). */
#define TEST_DEC_SQL                                                           \
    "UPDATE barriersim.pg_barrier_state SET remaining = remaining - 1 "        \
    "WHERE execution_id = '" TEST_EXEC_ID "' "                                 \
    "RETURNING remaining, pg_current_xact_id()::text"

/* A PgBouncer started by a test. */
typedef struct {
    char dir[TEST_DIR_SIZE];
    char conninfo[TEST_CONNINFO_SIZE];
    pid_t pid;
} test_pgbouncer_t;

/* The core's environment for the core-level tests. */
typedef struct {
    int fire_count;
    conn_element_t fired[CONN_ELEMENTS_MAX];
    int fired_count;
    int mark_count;
} test_env_t;

typedef struct {
    PGconn *admin;
    PGconn *victims[TEST_VICTIM_MAX];
    int victim_count;
    conn_pq_backend_t backend;
    void *handle; /* a conn_pq_ops handle */
    core_ctx_t ctx;
    bool ctx_used;
    test_env_t env;
    test_pgbouncer_t pgbouncer;
    bool standby_armed;
} test_fixture_t;

/* The state of a victim when its fault strikes. */
typedef enum {
    TEST_BEFORE_IDLE,      /* connected, nothing sent */
    TEST_BEFORE_SELECT,    /* SELECT 1 ran: a pooler has served it once */
    TEST_BEFORE_BEGIN,     /* in a transaction that has done nothing */
    TEST_BEFORE_DECREMENT, /* BEGIN and the decrement: the row is locked */
} test_before_t;

/* The pqfault driver that strikes a victim. */
typedef enum {
    TEST_STRIKE_TERMINATE,    /* pg_terminate_backend(), then the statement */
    TEST_STRIKE_IDLE_SESSION, /* idle_session_timeout, then the statement */
    TEST_STRIKE_IDLE_IN_TXN,  /* idle_in_transaction_session_timeout, then it */
    TEST_STRIKE_POOLER_CLOSE, /* PgBouncer closes the client, then the statement */
    TEST_STRIKE_SEND_CUT,     /* the socket shut before the statement is sent */
    TEST_STRIKE_REPLY_CUT,    /* the statement sent, the socket shut before its reply */
    TEST_STRIKE_RECV_RESET,   /* COMMIT sent, libfiu fails the recv() of its reply */
} test_strike_t;

/* The moment after the strike at which the victim's transaction has ended. */
typedef enum {
    TEST_SETTLED,        /* when the driver returns */
    TEST_SETTLE_BACKEND, /* once its backend has left pg_stat_activity */
    TEST_SETTLE_XACT,    /* once pg_xact_status() leaves "in progress": through a
                            pooler, PQbackendPID() is not the backend's pid */
} test_settle_t;

/* A test of a pqfault driver. A victim in state before is struck by strike
 * on sql. The client must see a dead connection, with message in its error
 * text when set. The server must show the decrement applied applied_count
 * times (0 or 1) in the counter and, after TEST_BEFORE_DECREMENT, in the
 * transaction's status. */
typedef struct {
    const char *pgbouncer; /* settings of a PgBouncer in front, or NULL for none */
    test_before_t before;
    test_strike_t strike;
    const char *sql;
    const char *message; /* text the client's error message contains, or NULL */
    test_settle_t settle;
    int64_t applied_count;
    bool results_empty; /* true: check that the row's results are still empty */
} test_victim_case_t;

/* A test of one of the libpq backend's fail points. With kind armed at
 * point, stmt_id fails on a conn_pq_ops handle, after BEGIN and a decrement
 * when in_transaction. The server must show the decrement applied
 * applied_count times (0 or 1) in the counter and, when results_checked,
 * in the row's results. */
typedef struct {
    bool in_transaction;
    fault_kind_t kind;
    fault_point_t point;
    stmt_id_t stmt_id;
    int64_t applied_count;
    bool results_checked;
} test_fiu_case_t;

/* A conn_pq_ops exec run on another thread. */
typedef struct {
    void *handle;
    conn_params_t params;
    conn_raw_t raw;
} test_thread_exec_t;

static test_fixture_t fixture;

static void test_discard_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int test_setup(void **state)
{
    (void)state;
    memset(&fixture, 0, sizeof(fixture));
    fixture.backend.conninfo = getenv(PQ_FIXTURE_CONNINFO_ENV);
    return 0;
}

static void test_pgbouncer_stop(void);

static int test_teardown(void **state)
{
    int i;

    (void)state;
    (void)pqfault_fiu_disarm();
    if (fixture.standby_armed) {
        if (pqfault_sync_standby_disarm(fixture.admin) != PQFAULT_OK) {
            fprintf(stderr, "could not reset synchronous_standby_names: %s",
                    PQerrorMessage(fixture.admin));
        }
    }
    test_pgbouncer_stop();
    for (i = 0; i < fixture.victim_count; i++) {
        PQfinish(fixture.victims[i]);
    }
    if (fixture.ctx_used) {
        core_ctx_forget_conn(&fixture.ctx);
    }
    if (fixture.handle != NULL) {
        conn_pq_ops.close(fixture.handle);
    }
    PQfinish(fixture.admin);
    return 0;
}

static void test_admin_exec(const char *sql)
{
    pq_fixture_exec(fixture.admin, sql);
}

/* Open the admin connection and arm this file's barrier row with
 * TEST_REMAINING. Runs in the test body, so a missing server fails each test. */
static void test_start(void)
{
    pq_fixture_connect(fixture.backend.conninfo, &fixture.admin);
    PQsetNoticeProcessor(fixture.admin, test_discard_notice, NULL);
    test_admin_exec("DELETE FROM barriersim.pg_barrier_state WHERE execution_id = '"
                    TEST_EXEC_ID "'");
    test_admin_exec("INSERT INTO barriersim.pg_barrier_state (execution_id, "
                    "organization_id, remaining, results, created_at, expires_at, "
                    "last_progress_at) VALUES ('" TEST_EXEC_ID "', '" TEST_ORG_ID "', "
                    TEST_REMAINING_SQL ", '[]'::jsonb, now(), now() + interval '1 hour', "
                    "now())");
}

/* One text value from an admin query with an optional $1. */
static void test_admin_text(const char *sql, const char *param, char *out, size_t out_size)
{
    const char *values[1] = {param};
    PGresult *res = PQexecParams(fixture.admin, sql, param == NULL ? 0 : 1, NULL,
                                 param == NULL ? NULL : values, NULL, NULL, 0);

    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        fail_msg("admin query failed: %s: %s", sql, PQerrorMessage(fixture.admin));
    }
    snprintf(out, out_size, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
}

static int64_t test_admin_integer(const char *sql, const char *param)
{
    char text[TEST_XID_SIZE];

    test_admin_text(sql, param, text, sizeof(text));
    return strtoll(text, NULL, 10);
}

/* The committed counter, read on the admin connection. */
static int64_t test_remaining(void)
{
    return test_admin_integer("SELECT remaining FROM barriersim.pg_barrier_state "
                              "WHERE execution_id = '" TEST_EXEC_ID "'",
                              NULL);
}

static int64_t test_result_count(void)
{
    return test_admin_integer("SELECT jsonb_array_length(results) FROM "
                              "barriersim.pg_barrier_state WHERE execution_id = '"
                              TEST_EXEC_ID "'",
                              NULL);
}

/* pg_xact_status() of xid: "committed", "aborted" or "in progress". */
static void test_xact_status(const char *xid, char *out, size_t out_size)
{
    test_admin_text("SELECT pg_xact_status($1::xid8)", xid, out, out_size);
}

static void test_assert_xact(const char *xid, const char *expected)
{
    char status[TEST_XID_SIZE];

    test_xact_status(xid, status, sizeof(status));
    assert_string_equal(status, expected);
}

static PGconn *test_victim_connect_to(const char *conninfo)
{
    PGconn *victim;

    assert_true(fixture.victim_count < TEST_VICTIM_MAX);
    victim = PQconnectdb(conninfo);
    fixture.victims[fixture.victim_count++] = victim;
    if (PQstatus(victim) != CONNECTION_OK) {
        fail_msg("could not connect a victim to \"%s\": %s", conninfo,
                 PQerrorMessage(victim));
    }
    PQsetNoticeProcessor(victim, test_discard_notice, NULL);
    return victim;
}

static PGconn *test_victim_connect(void)
{
    return test_victim_connect_to(fixture.backend.conninfo);
}

static void test_victim_exec(PGconn *victim, const char *sql)
{
    PGresult *res = PQexec(victim, sql);
    ExecStatusType status = PQresultStatus(res);

    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        fail_msg("victim statement failed: %s: %s", sql, PQerrorMessage(victim));
    }
    PQclear(res);
}

/* Run the decrement on the victim and keep its transaction id. */
static void test_victim_decrement(PGconn *victim, int64_t expected_remaining,
                                  char *xid_out)
{
    PGresult *res = PQexec(victim, TEST_DEC_SQL);

    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        fail_msg("victim decrement failed: %s", PQerrorMessage(victim));
    }
    assert_int_equal(strtoll(PQgetvalue(res, 0, 0), NULL, 10), expected_remaining);
    snprintf(xid_out, TEST_XID_SIZE, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
}

/* BEGIN and the decrement: the row is locked, the counter not yet changed. */
static void test_victim_begin_decrement(PGconn *victim, char *xid_out)
{
    test_victim_exec(victim, "BEGIN");
    test_victim_decrement(victim, TEST_REMAINING - 1, xid_out);
    assert_int_equal(PQtransactionStatus(victim), PQTRANS_INTRANS);
}

/* What a dead connection looks like to the client: an error result with
 * no SQLSTATE, CONNECTION_BAD, the server's text (if any) in the message. */
static void test_assert_dead(const pqfault_outcome_t *outcome)
{
    assert_int_equal(outcome->status, PGRES_FATAL_ERROR);
    assert_true(outcome->connection_bad);
    assert_string_equal(outcome->sqlstate, "");
}

static void test_assert_message_has(const pqfault_outcome_t *outcome, const char *text)
{
    if (strstr(outcome->message, text) == NULL) {
        fail_msg("client message \"%s\" lacks \"%s\"", outcome->message, text);
    }
}

static void test_assert_rc(pqfault_rc_t rc, pqfault_rc_t expected)
{
    if (rc != expected) {
        fail_msg("driver returned %s (%s), expected %s; admin: %s", pqfault_rc_name(rc),
                 pqfault_rc_message(rc), pqfault_rc_name(expected),
                 PQerrorMessage(fixture.admin));
    }
}

/* Poll until xid is no longer in progress (its backend has ended it). */
static void test_wait_xact_settled(const char *xid)
{
    char status[TEST_XID_SIZE];
    int poll;

    for (poll = 0; poll < TEST_POLL_MAX; poll++) {
        test_xact_status(xid, status, sizeof(status));
        if (strcmp(status, "in progress") != 0) {
            return;
        }
        pq_fixture_nap_us(TEST_POLL_INTERVAL_US);
    }
    fail_msg("transaction %s still in progress after 5 s", xid);
}

/* True when the server was started by scripts/pg_cluster.sh: its socket
 * folder sits in a base folder that carries the script's marker. */
static bool test_server_is_throwaway(void)
{
    char marker[TEST_PATH_SIZE];
    const char *host = PQhost(fixture.admin);
    const char *slash;

    if (host == NULL || host[0] != '/') {
        return false;
    }
    slash = strrchr(host, '/');
    snprintf(marker, sizeof(marker), "%.*s/%s", (int)(slash - host), host,
             TEST_CLUSTER_MARKER);
    return access(marker, F_OK) == 0;
}

/* Run argv (argv[0] looked up in PATH) from / and wait for it; true when
 * it exited 0. */
static bool test_run(char *const argv[])
{
    pid_t child;
    int status = 0;

    fflush(stdout);
    fflush(stderr);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        if (chdir("/") != 0) {
            _exit(126);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_write_file(const char *dir, const char *name, const char *text)
{
    char path[TEST_PATH_SIZE];
    FILE *file;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    file = fopen(path, "w");
    assert_non_null(file);
    assert_true(fputs(text, file) >= 0);
    assert_int_equal(fclose(file), 0);
}

/* The pid in the PgBouncer's pidfile, 0 while it has none. */
static pid_t test_pgbouncer_read_pid(void)
{
    char path[TEST_PATH_SIZE];
    long pid = 0;
    FILE *file;

    snprintf(path, sizeof(path), "%s/pgbouncer.pid", fixture.pgbouncer.dir);
    file = fopen(path, "r");
    if (file == NULL) {
        return 0;
    }
    if (fscanf(file, "%ld", &pid) != 1) {
        pid = 0;
    }
    fclose(file);
    return (pid_t)pid;
}

static void test_pgbouncer_config(const char *settings, int port)
{
    test_pgbouncer_t *bouncer = &fixture.pgbouncer;
    char text[2048];

    snprintf(text, sizeof(text),
             "[databases]\n"
             "%s = host=%s port=%s dbname=%s user=%s\n"
             "\n"
             "[pgbouncer]\n"
             "listen_addr =\n"
             "listen_port = %d\n"
             "unix_socket_dir = %s\n"
             "auth_type = trust\n"
             "auth_file = %s/users.txt\n"
             "pool_mode = transaction\n"
             "logfile = %s/pgbouncer.log\n"
             "pidfile = %s/pgbouncer.pid\n"
             "%s\n",
             PQdb(fixture.admin), PQhost(fixture.admin), PQport(fixture.admin),
             PQdb(fixture.admin), PQuser(fixture.admin), port, bouncer->dir,
             bouncer->dir, bouncer->dir, bouncer->dir, settings);
    test_write_file(bouncer->dir, "pgbouncer.ini", text);
    snprintf(text, sizeof(text), "\"%s\" \"\"\n", PQuser(fixture.admin));
    test_write_file(bouncer->dir, "users.txt", text);
}

/* Start a PgBouncer in transaction pooling with settings added, on a Unix
 * socket only, in front of the test server. Skip the test when PgBouncer
 * is not installed or the server is not on a Unix socket. */
static void test_pgbouncer_start(const char *settings)
{
    test_pgbouncer_t *bouncer = &fixture.pgbouncer;
    char ini[TEST_PATH_SIZE];
    char socket_path[TEST_PATH_SIZE];
    int port = atoi(PQport(fixture.admin)) + TEST_PGBOUNCER_PORT_OFFSET;
    int poll;

    if (access(TEST_PGBOUNCER, X_OK) != 0 || PQhost(fixture.admin)[0] != '/') {
        skip();
    }
    snprintf(bouncer->dir, sizeof(bouncer->dir), "/tmp/barriersim-pgb.XXXXXX");
    assert_non_null(mkdtemp(bouncer->dir));
    test_pgbouncer_config(settings, port);
    snprintf(ini, sizeof(ini), "%s/pgbouncer.ini", bouncer->dir);

    /* PgBouncer refuses to run as root: run it as the server's user. */
    if (geteuid() == 0) {
        char *argv[] = {"runuser", "-u", "postgres", "--", TEST_PGBOUNCER, "-d", ini, NULL};
        char *chown_argv[] = {"chown", "-R", "postgres:", bouncer->dir, NULL};

        assert_true(test_run(chown_argv));
        assert_true(test_run(argv));
    } else {
        char *argv[] = {TEST_PGBOUNCER, "-d", ini, NULL};

        assert_true(test_run(argv));
    }

    snprintf(socket_path, sizeof(socket_path), "%s/.s.PGSQL.%d", bouncer->dir, port);
    for (poll = 0; poll < TEST_POLL_MAX; poll++) {
        bouncer->pid = test_pgbouncer_read_pid();
        if (bouncer->pid > 0 && access(socket_path, F_OK) == 0) {
            break;
        }
        pq_fixture_nap_us(TEST_POLL_INTERVAL_US);
    }
    if (bouncer->pid <= 0 || access(socket_path, F_OK) != 0) {
        fail_msg("PgBouncer did not start within 5 s; see %s/pgbouncer.log", bouncer->dir);
    }
    snprintf(bouncer->conninfo, sizeof(bouncer->conninfo),
             "host=%s port=%d dbname=%s user=%s", bouncer->dir, port,
             PQdb(fixture.admin), PQuser(fixture.admin));
}

/* True once pid has exited; a zombie waiting for its reaper counts. */
static bool test_process_gone(pid_t pid)
{
    char path[TEST_PATH_SIZE];
    char state = '?';
    FILE *file;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    file = fopen(path, "r");
    if (file == NULL) {
        return true;
    }
    if (fscanf(file, "%*d (%*[^)]) %c", &state) != 1) {
        state = '?';
    }
    fclose(file);
    return state == 'Z';
}

/* Stop the test's PgBouncer by the pid it wrote, then remove its folder. */
static void test_pgbouncer_stop(void)
{
    test_pgbouncer_t *bouncer = &fixture.pgbouncer;
    static const char *const files[] = {"pgbouncer.ini", "users.txt", "pgbouncer.log",
                                        "pgbouncer.pid"};
    char path[TEST_PATH_SIZE];
    size_t i;
    int poll;

    if (bouncer->dir[0] == '\0') {
        return;
    }
    if (bouncer->pid > 0 && kill(bouncer->pid, SIGTERM) == 0) {
        for (poll = 0; poll < TEST_POLL_MAX && !test_process_gone(bouncer->pid); poll++) {
            pq_fixture_nap_us(TEST_POLL_INTERVAL_US);
        }
        if (!test_process_gone(bouncer->pid)) {
            fprintf(stderr, "PgBouncer %ld did not stop within 5 s\n", (long)bouncer->pid);
            return;
        }
    }
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", bouncer->dir, files[i]);
        (void)unlink(path);
    }
    if (rmdir(bouncer->dir) != 0) {
        fprintf(stderr, "could not remove %s: %s\n", bouncer->dir, strerror(errno));
    }
    bouncer->dir[0] = '\0';
}

/* Assert that the server applied the decrement applied_count times (0 or
 * 1). When xid is not NULL, also assert that its transaction committed (1)
 * or aborted (0). */
static void test_assert_applied(const char *xid, int64_t applied_count)
{
    if (xid != NULL) {
        test_assert_xact(xid, applied_count == 1 ? "committed" : "aborted");
    }
    assert_int_equal(test_remaining(), TEST_REMAINING - applied_count);
}

/* Start the test, connect a victim and bring it to state before. The
 * victim goes through a PgBouncer of the test's own with settings
 * pgbouncer, or straight to the server when pgbouncer is NULL. xid_out
 * receives the decrement's transaction id for TEST_BEFORE_DECREMENT and may
 * be NULL otherwise. */
static PGconn *test_victim_open(const char *pgbouncer, test_before_t before, char *xid_out)
{
    PGconn *victim;

    test_start();
    if (pgbouncer == NULL) {
        victim = test_victim_connect();
    } else {
        test_pgbouncer_start(pgbouncer);
        victim = test_victim_connect_to(fixture.pgbouncer.conninfo);
    }

    switch (before) {
    case TEST_BEFORE_IDLE:
        break;
    case TEST_BEFORE_SELECT:
        test_victim_exec(victim, "SELECT 1");
        break;
    case TEST_BEFORE_BEGIN:
        test_victim_exec(victim, "BEGIN");
        break;
    case TEST_BEFORE_DECREMENT:
        test_victim_begin_decrement(victim, xid_out);
        break;
    }
    return victim;
}

/* Strike victim by strike on sql and store what the client saw of sql in
 * *outcome_out. Fails the test unless the driver returned PQFAULT_OK. */
static void test_victim_strike(PGconn *victim, test_strike_t strike, const char *sql,
                               pqfault_outcome_t *outcome_out)
{
    pqfault_rc_t rc = PQFAULT_RC_COUNT;
    bool sent = true; /* the driver sent sql itself */

    switch (strike) {
    case TEST_STRIKE_TERMINATE:
        rc = pqfault_terminate(fixture.admin, victim, TEST_WAIT_MAX_MS);
        sent = false;
        break;
    case TEST_STRIKE_IDLE_SESSION:
        rc = pqfault_idle_session_timeout(victim, TEST_IDLE_TIMEOUT_MS, TEST_WAIT_MAX_MS);
        sent = false;
        break;
    case TEST_STRIKE_IDLE_IN_TXN:
        rc = pqfault_idle_in_transaction_timeout(victim, TEST_IDLE_TIMEOUT_MS,
                                                 TEST_WAIT_MAX_MS);
        sent = false;
        break;
    case TEST_STRIKE_POOLER_CLOSE:
        rc = pqfault_wait_closed(victim, TEST_WAIT_MAX_MS);
        sent = false;
        break;
    case TEST_STRIKE_SEND_CUT:
        rc = pqfault_send_cut(fixture.admin, victim, sql, TEST_WAIT_MAX_MS, outcome_out);
        break;
    case TEST_STRIKE_REPLY_CUT:
        rc = pqfault_reply_cut(fixture.admin, victim, sql, TEST_WAIT_MAX_MS, outcome_out);
        break;
    case TEST_STRIKE_RECV_RESET:
        assert_string_equal(sql, "COMMIT"); /* the statement the driver sends */
        rc = pqfault_commit_recv_reset(fixture.admin, victim, TEST_WAIT_MAX_MS,
                                       outcome_out);
        break;
    }
    test_assert_rc(rc, PQFAULT_OK);

    /* The driver only left the fault behind, so sql meets it now. */
    if (!sent) {
        pqfault_exec(victim, sql, outcome_out);
    }
}

/* Wait until the victim's transaction xid has ended, in the way settle
 * names. backend_pid is the victim's PQbackendPID() from before the strike. */
static void test_victim_settle(test_settle_t settle, int backend_pid, const char *xid)
{
    switch (settle) {
    case TEST_SETTLED:
        break;
    case TEST_SETTLE_BACKEND:
        test_assert_rc(pqfault_wait_backend_gone(fixture.admin, backend_pid,
                                                 TEST_WAIT_MAX_MS),
                       PQFAULT_OK);
        break;
    case TEST_SETTLE_XACT:
        test_wait_xact_settled(xid);
        break;
    }
}

/* Run the victim case in *state as one test. It checks that the client sees
 * a dead connection and that the server applied the decrement as expected. */
static void test_victim_case(void **state)
{
    const test_victim_case_t *victim_case = *state;
    char xid[TEST_XID_SIZE] = "";
    pqfault_outcome_t outcome;
    PGconn *victim;
    int backend_pid;

    victim = test_victim_open(victim_case->pgbouncer, victim_case->before, xid);
    backend_pid = PQbackendPID(victim);
    test_victim_strike(victim, victim_case->strike, victim_case->sql, &outcome);

    test_assert_dead(&outcome);
    if (victim_case->message != NULL) {
        test_assert_message_has(&outcome, victim_case->message);
    }
    test_victim_settle(victim_case->settle, backend_pid, xid);
    test_assert_applied(victim_case->before == TEST_BEFORE_DECREMENT ? xid : NULL,
                        victim_case->applied_count);
    if (victim_case->results_empty) {
        assert_int_equal(test_result_count(), 0);
    }
}

/* The tests of the drivers. Each test_victim_case_t below is one test, which
 * test_victim_case() runs under the case's name (TEST_VICTIM_CASE in main).
 * The functions among them are tests with checks that no case field covers. */

/* F1, pg_terminate_backend() while idle: the next statement fails before
 * doing anything. */
static void test_pq_faults_f1_terminate_idle(void **state)
{
    pqfault_outcome_t outcome;
    PGconn *victim;

    (void)state;
    victim = test_victim_open(NULL, TEST_BEFORE_IDLE, NULL);

    test_assert_rc(pqfault_terminate(fixture.admin, victim, TEST_WAIT_MAX_MS), PQFAULT_OK);
    assert_int_equal(PQstatus(victim), CONNECTION_OK); /* the client has not noticed */
    pqfault_exec(victim, TEST_DEC_SQL, &outcome);

    test_assert_dead(&outcome);
    test_assert_message_has(&outcome, "terminating connection due to administrator command");
    test_assert_applied(NULL, 0);
}

/* F1, idle_session_timeout: FATAL 57P05 reaches the client only as text. */
static const test_victim_case_t test_pq_faults_f1_idle_session_timeout = {
    .before = TEST_BEFORE_IDLE, .strike = TEST_STRIKE_IDLE_SESSION, .sql = TEST_DEC_SQL,
    .message = "idle-session timeout"};

/* F1, PgBouncer client_idle_timeout in transaction pooling: the first
 * statement after the gap fails and never reaches PostgreSQL. */
static const test_victim_case_t test_pq_faults_f1_pgbouncer_client_idle_timeout = {
    .pgbouncer = "client_idle_timeout = 1", .before = TEST_BEFORE_SELECT,
    .strike = TEST_STRIKE_POOLER_CLOSE, .sql = TEST_DEC_SQL,
    .message = "client_idle_timeout"};

/* F2, the backend terminated after BEGIN: the statement fails, nothing
 * ran. */
static const test_victim_case_t test_pq_faults_f2_terminate_before_statement = {
    .before = TEST_BEFORE_BEGIN, .strike = TEST_STRIKE_TERMINATE, .sql = TEST_DEC_SQL};

/* F2, the socket shut before the second statement is sent: it never
 * reaches the server, and the backend rolls back the first at end of file. */
static const test_victim_case_t test_pq_faults_f2_send_cut_rolls_back = {
    .before = TEST_BEFORE_DECREMENT, .strike = TEST_STRIKE_SEND_CUT, .sql = TEST_DEC_SQL};

/* F3, the backend terminated after the statement ran and while it held
 * the row lock. The client learns at its next I/O; the server rolls back. */
static void test_pq_faults_f3_terminate_after_statement(void **state)
{
    char xid[TEST_XID_SIZE];
    char pid_text[16];
    pqfault_outcome_t outcome;
    PGconn *victim;

    (void)state;
    victim = test_victim_open(NULL, TEST_BEFORE_DECREMENT, xid);
    snprintf(pid_text, sizeof(pid_text), "%d", PQbackendPID(victim));
    assert_int_equal(test_admin_integer("SELECT count(*) FROM pg_locks WHERE pid = $1 "
                                        "AND relation = 'barriersim.pg_barrier_state'"
                                        "::regclass AND mode = 'RowExclusiveLock'",
                                        pid_text),
                     1);
    test_assert_xact(xid, "in progress");

    test_victim_strike(victim, TEST_STRIKE_TERMINATE, "SELECT 1", &outcome);

    test_assert_dead(&outcome);
    test_assert_applied(xid, 0);
}

/* F3, the reply lost after an autocommit statement: the client sees a dead
 * connection, yet the statement ran and committed. */
static const test_victim_case_t test_pq_faults_f3_reply_cut_autocommit_applies = {
    .before = TEST_BEFORE_IDLE, .strike = TEST_STRIKE_REPLY_CUT, .sql = TEST_DEC_SQL,
    .applied_count = 1};

/* F3 inside a transaction: the statement's reply is lost and the backend
 * rolls it back as it dies. */
static const test_victim_case_t test_pq_faults_f3_reply_cut_rolls_back = {
    .before = TEST_BEFORE_BEGIN, .strike = TEST_STRIKE_REPLY_CUT, .sql = TEST_DEC_SQL,
    .results_empty = true};

/* F4, the backend terminated before COMMIT: COMMIT fails, rolled back. */
static const test_victim_case_t test_pq_faults_f4_terminate_before_commit = {
    .before = TEST_BEFORE_DECREMENT, .strike = TEST_STRIKE_TERMINATE, .sql = "COMMIT"};

/* F4, idle_in_transaction_session_timeout: the server ends the session
 * between the statement and COMMIT. */
static const test_victim_case_t test_pq_faults_f4_idle_in_transaction_timeout = {
    .before = TEST_BEFORE_DECREMENT, .strike = TEST_STRIKE_IDLE_IN_TXN, .sql = "COMMIT",
    .message = "idle-in-transaction timeout", .settle = TEST_SETTLE_BACKEND};

/* F4, PgBouncer idle_transaction_timeout: PgBouncer closes both sides and
 * the backend rolls back. */
static const test_victim_case_t test_pq_faults_f4_pgbouncer_idle_transaction = {
    .pgbouncer = "idle_transaction_timeout = 1", .before = TEST_BEFORE_DECREMENT,
    .strike = TEST_STRIKE_POOLER_CLOSE, .sql = "COMMIT",
    .message = "idle transaction timeout", .settle = TEST_SETTLE_XACT};

/* F4, the socket shut before COMMIT is sent: rolled back. */
static const test_victim_case_t test_pq_faults_f4_send_cut_commit_rolls_back = {
    .before = TEST_BEFORE_DECREMENT, .strike = TEST_STRIKE_SEND_CUT, .sql = "COMMIT"};

/* F5, COMMIT sent and the socket shut before its reply: the client sees a
 * dead connection, the server committed. */
static const test_victim_case_t test_pq_faults_f5_commit_cut_commits = {
    .before = TEST_BEFORE_DECREMENT, .strike = TEST_STRIKE_REPLY_CUT, .sql = "COMMIT",
    .applied_count = 1};

/* F5 by libfiu: recv() fails once with ECONNRESET while libpq reads the
 * COMMIT's reply. */
static const test_victim_case_t test_pq_faults_f5_commit_recv_reset_commits = {
    .before = TEST_BEFORE_DECREMENT, .strike = TEST_STRIKE_RECV_RESET, .sql = "COMMIT",
    .applied_count = 1};

/* Run C7's COMMIT on a throwaway server, and skip the test on any other. A
 * victim inside the decrement sends COMMIT through
 * pqfault_commit_terminated(), which must return expected. When armed is
 * true, a synchronous standby that does not exist is armed first. */
static PGconn *test_c7_commit(bool armed, pqfault_rc_t expected, char *xid_out,
                              pqfault_outcome_t *outcome_out)
{
    PGconn *victim;

    test_start();
    if (!test_server_is_throwaway()) {
        skip();
    }
    victim = test_victim_connect();
    if (armed) {
        fixture.standby_armed = true;
        test_assert_rc(pqfault_sync_standby_arm(fixture.admin, TEST_WAIT_MAX_MS),
                       PQFAULT_OK);
    }
    test_victim_begin_decrement(victim, xid_out);

    test_assert_rc(pqfault_commit_terminated(fixture.admin, victim, TEST_WAIT_MAX_MS,
                                             outcome_out),
                   expected);
    return victim;
}

/* C7, committed while terminated: the COMMIT waits for a standby that does
 * not exist, and the backend is terminated. The client gets WARNING 57P01
 * and end of file, yet the commit is local and visible. */
static void test_pq_faults_c7_commit_terminated_commits(void **state)
{
    char xid[TEST_XID_SIZE];
    pqfault_outcome_t outcome;

    (void)state;
    test_c7_commit(true, PQFAULT_OK, xid, &outcome);

    test_assert_dead(&outcome);
    assert_string_equal(outcome.notice_sqlstate, "57P01");
    test_assert_applied(xid, 1);
}

/* Without a standby armed the COMMIT completes, and the driver reports it. */
static void test_pq_faults_c7_unarmed_commit_not_waiting(void **state)
{
    char xid[TEST_XID_SIZE];
    pqfault_outcome_t outcome;
    PGconn *victim;

    (void)state;
    victim = test_c7_commit(false, PQFAULT_NOT_WAITING, xid, &outcome);

    assert_int_equal(outcome.status, PGRES_COMMAND_OK);
    assert_false(outcome.connection_bad);
    assert_int_equal(PQstatus(victim), CONNECTION_OK);
    test_assert_applied(xid, 1);
}

/* Through a pooler, PQbackendPID() is not the server's pid: the driver
 * rejects the victim, and no backend is terminated. */
static void test_pq_faults_terminate_rejects_pooled_victim(void **state)
{
    PGconn *victim;

    (void)state;
    victim = test_victim_open("", TEST_BEFORE_IDLE, NULL);

    test_assert_rc(pqfault_terminate(fixture.admin, victim, TEST_WAIT_MAX_MS),
                   PQFAULT_VICTIM_STATE);
    test_victim_decrement(victim, TEST_REMAINING - 1, (char[TEST_XID_SIZE]){0});
    test_assert_applied(NULL, 1);
}

/* Open a conn_pq_ops handle, as the core does. */
static void *test_handle_open(void)
{
    assert_int_equal(conn_pq_ops.connect(&fixture.backend, &fixture.handle), CONN_OK);
    return fixture.handle;
}

static conn_params_t test_dec_params(int32_t batch_index)
{
    conn_params_t params;

    memset(&params, 0, sizeof(params));
    params.exec_id = TEST_EXEC_ID;
    params.org_id = TEST_ORG_ID;
    params.batch_index = batch_index;
    params.result.batch_index = batch_index;
    params.result.value = 42;
    return params;
}

static void test_handle_exec(void *handle, stmt_id_t stmt_id, conn_raw_t *raw_out)
{
    conn_params_t params = test_dec_params(0);

    conn_pq_ops.exec(handle, stmt_get(stmt_id), &params, raw_out);
}

static void test_assert_raw_ok(const conn_raw_t *raw)
{
    assert_true(raw->answered);
    assert_false(raw->connection_bad);
}

/* What the core's classifier takes for a dead connection. */
static void test_assert_raw_dead(const conn_raw_t *raw)
{
    assert_false(raw->answered);
    assert_true(raw->connection_bad);
    assert_string_equal(raw->sqlstate, "");
}

/* Exec stmt_id with kind armed at point, and assert that the point struck
 * and the client sees a dead connection. */
static void test_handle_strike_dead(void *handle, fault_kind_t kind, fault_point_t point,
                                    stmt_id_t stmt_id)
{
    conn_raw_t raw;

    test_assert_rc(pqfault_fiu_arm(kind, point), PQFAULT_OK);
    test_handle_exec(handle, stmt_id, &raw);
    assert_true(pqfault_fiu_disarm());
    test_assert_raw_dead(&raw);
}

/* Strike as test_handle_strike_dead() does, then wait until the backend is
 * gone, so that its effect on the row is final. */
static void test_handle_strike(void *handle, fault_kind_t kind, fault_point_t point,
                               stmt_id_t stmt_id)
{
    int pid = conn_pq_backend_pid(handle);

    test_handle_strike_dead(handle, kind, point, stmt_id);
    test_assert_rc(pqfault_wait_backend_gone(fixture.admin, pid, TEST_WAIT_MAX_MS),
                   PQFAULT_OK);
}

/* Run the fail point case in *state as one test. */
static void test_fiu_case(void **state)
{
    const test_fiu_case_t *fiu_case = *state;
    conn_raw_t raw;
    void *handle;

    test_start();
    handle = test_handle_open();
    if (fiu_case->in_transaction) {
        test_handle_exec(handle, STMT_BEGIN, &raw);
        test_assert_raw_ok(&raw);
        test_handle_exec(handle, STMT_DEC, &raw);
        test_assert_raw_ok(&raw);
    }

    test_handle_strike(handle, fiu_case->kind, fiu_case->point, fiu_case->stmt_id);
    assert_int_equal(test_remaining(), TEST_REMAINING - fiu_case->applied_count);
    if (fiu_case->results_checked) {
        assert_int_equal(test_result_count(), fiu_case->applied_count);
    }
}

/* The tests of the fail points. Each test_fiu_case_t below is one test,
 * which test_fiu_case() runs under the case's name (TEST_FIU_CASE in main). */

/* A second decrement that never reaches the server: the backend rolls
 * back the first as it dies. */
static const test_fiu_case_t test_pq_faults_fiu_f2_send_loses_statement = {
    .in_transaction = true, .kind = FAULT_F2, .point = FAULT_AT_STATEMENT,
    .stmt_id = STMT_DEC};

/* Without BEGIN the decrement autocommits, which shows that it ran although
 * its reply was lost. */
static const test_fiu_case_t test_pq_faults_fiu_f3_reply_lost_after_execution = {
    .kind = FAULT_F3, .point = FAULT_AT_STATEMENT, .stmt_id = STMT_DEC,
    .applied_count = 1, .results_checked = true};

static const test_fiu_case_t test_pq_faults_fiu_f4_commit_send_rolls_back = {
    .in_transaction = true, .kind = FAULT_F4, .point = FAULT_AT_COMMIT,
    .stmt_id = STMT_COMMIT, .results_checked = true};

static const test_fiu_case_t test_pq_faults_fiu_f5_commit_reply_commits = {
    .in_transaction = true, .kind = FAULT_F5, .point = FAULT_AT_COMMIT,
    .stmt_id = STMT_COMMIT, .applied_count = 1, .results_checked = true};

static void test_env_sleep_us(void *env, int64_t duration_us)
{
    (void)env;
    (void)duration_us; /* the retry needs no real backoff here */
}

static void test_env_log(void *env, const core_log_t *event)
{
    (void)env;
    (void)event;
}

static core_rc_t test_env_fire(void *env, const char *exec_id,
                               const conn_element_t *results, int result_count,
                               int64_t *callback_id_out)
{
    test_env_t *test_env = env;

    (void)exec_id;
    assert_true(result_count <= CONN_ELEMENTS_MAX);
    test_env->fire_count++;
    test_env->fired_count = result_count;
    memcpy(test_env->fired, results, (size_t)result_count * sizeof(results[0]));
    *callback_id_out = test_env->fire_count;
    return CORE_OK;
}

static core_rc_t test_env_mark_error(void *env, const char *exec_id, const char *org_id,
                                     bool *confirmed_out)
{
    (void)exec_id;
    (void)org_id;
    ((test_env_t *)env)->mark_count++;
    *confirmed_out = true;
    return CORE_OK;
}

static const core_env_ops_t test_env_ops = {
    .sleep_us = test_env_sleep_us,
    .log = test_env_log,
    .fire = test_env_fire,
    .mark_error = test_env_mark_error,
};

/* Decrement batch 0 through the core under policy_name with F5 armed at
 * the COMMIT: the lost acknowledgement of field case C3. */
static core_rc_t test_core_decrement_f5(const char *policy_name, core_dec_t *dec_out)
{
    core_batch_t batch = {TEST_EXEC_ID, TEST_ORG_ID, 0, 0, 0};
    conn_element_t result = {0, 42, 0};
    const core_policy_t *policy = core_policy_find(policy_name);
    core_rc_t rc;
    int pid;

    assert_non_null(policy);
    core_ctx_init(&fixture.ctx, &conn_pq_ops, &fixture.backend, policy, &test_env_ops,
                  &fixture.env);
    fixture.ctx_used = true;

    /* Arming leaves the connection cached, as a worker's would be. */
    assert_int_equal(core_arm(&fixture.ctx, TEST_EXEC_ID, TEST_ORG_ID, 2), CORE_OK);
    assert_int_equal(test_remaining(), 2);
    pid = conn_pq_backend_pid(fixture.ctx.conn.handle);
    assert_true(pid > 0);

    test_assert_rc(pqfault_fiu_arm(FAULT_F5, FAULT_AT_COMMIT), PQFAULT_OK);
    rc = core_decrement(&fixture.ctx, &batch, &result, dec_out);
    assert_true(pqfault_fiu_disarm());

    /* The cut COMMIT can still be unread in the backend's socket, so the
     * counter is final only once that backend has ended. */
    test_assert_rc(pqfault_wait_backend_gone(fixture.admin, pid, TEST_WAIT_MAX_MS),
                   PQFAULT_OK);
    return rc;
}

/* Policy blind re-runs the decrement after the lost acknowledgement, so
 * the real server applies batch 0 twice and the core fires with {b0, b0}:
 * the double decrement that property S4 forbids. */
static void test_pq_faults_fiu_f5_blind_decrements_twice(void **state)
{
    core_dec_t dec;

    (void)state;
    test_start();

    assert_int_equal(test_core_decrement_f5("blind", &dec), CORE_OK);
    assert_int_equal(dec.status, CORE_DEC_COMPLETE);
    assert_int_equal(fixture.env.fire_count, 1);
    assert_int_equal(fixture.env.fired_count, 2);
    assert_int_equal(fixture.env.fired[0].batch_index, 0);
    assert_int_equal(fixture.env.fired[1].batch_index, 0);
    assert_int_equal(test_admin_integer("SELECT count(*) FROM barriersim.pg_barrier_state "
                                        "WHERE execution_id = '" TEST_EXEC_ID "'",
                                        NULL),
                     0);
}

/* phase-split never re-runs a COMMIT: the decrement is applied once and
 * the caller gets the dead connection. */
static void test_pq_faults_fiu_f5_phase_split_applies_once(void **state)
{
    core_dec_t dec;

    (void)state;
    test_start();

    assert_int_equal(test_core_decrement_f5("phase-split", &dec), CORE_E_DEAD);
    assert_int_equal(fixture.env.fire_count, 0);
    assert_int_equal(test_remaining(), 1);
    assert_int_equal(test_result_count(), 1);
}

static void *test_thread_exec(void *arg)
{
    test_thread_exec_t *job = arg;

    conn_pq_ops.exec(job->handle, stmt_get(STMT_DEC), &job->params, &job->raw);
    return NULL;
}

/* A point armed on one thread does not strike another thread's call. */
static void test_pq_faults_fiu_strikes_only_arming_thread(void **state)
{
    test_thread_exec_t job;
    pthread_t thread;
    conn_raw_t raw;
    void *handle;

    (void)state;
    test_start();
    handle = test_handle_open();
    memset(&job, 0, sizeof(job));
    job.handle = handle;
    job.params = test_dec_params(0);

    test_assert_rc(pqfault_fiu_arm(FAULT_F2, FAULT_AT_STATEMENT), PQFAULT_OK);
    assert_int_equal(pthread_create(&thread, NULL, test_thread_exec, &job), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    test_assert_raw_ok(&job.raw);
    assert_int_equal(test_remaining(), TEST_REMAINING - 1);

    test_handle_exec(handle, STMT_DEC, &raw);
    assert_true(pqfault_fiu_disarm());
    test_assert_raw_dead(&raw);
}

/* Only F2, F3, F4 and F5 have fail points, each at its own points. */
static void test_pq_faults_fiu_points_follow_catalogue(void **state)
{
    fault_entry_t entry = {0, STMT_DEC, FAULT_AT_COMMIT, 1, FAULT_F5, FAULT_VARIANT_DRAWN};

    (void)state;
    assert_string_equal(pqfault_fiu_point(FAULT_F2, FAULT_AT_BEGIN), CONN_PQ_FIU_F2_SEND);
    assert_string_equal(pqfault_fiu_point(FAULT_F2, FAULT_AT_STATEMENT), CONN_PQ_FIU_F2_SEND);
    assert_string_equal(pqfault_fiu_point(FAULT_F3, FAULT_AT_STATEMENT), CONN_PQ_FIU_F3_REPLY);
    assert_string_equal(pqfault_fiu_point(FAULT_F4, FAULT_AT_COMMIT), CONN_PQ_FIU_F4_SEND);
    assert_string_equal(pqfault_fiu_point(FAULT_F5, FAULT_AT_COMMIT), CONN_PQ_FIU_F5_REPLY);
    assert_null(pqfault_fiu_point(FAULT_F3, FAULT_AT_COMMIT));
    assert_null(pqfault_fiu_point(FAULT_F5, FAULT_AT_STATEMENT));
    assert_null(pqfault_fiu_point(FAULT_F1, FAULT_AT_STATEMENT));
    assert_null(pqfault_fiu_point(FAULT_F6, FAULT_AT_STATEMENT));
    assert_int_equal(pqfault_fiu_arm(FAULT_F1, FAULT_AT_STATEMENT), PQFAULT_NO_FAIL_POINT);
    assert_int_equal(pqfault_fiu_arm_entry(&entry), PQFAULT_OK);
    assert_false(pqfault_fiu_disarm());
}

/* The points on a connection whose backend is gone: the cut drops the
 * FATAL already queued, and on a closed handle nothing is sent. */
static void test_pq_faults_fiu_on_dead_connection(void **state)
{
    void *handle;

    (void)state;
    test_start();
    handle = test_handle_open();

    /* The backend is alive: a wait with no time left reports the timeout. */
    test_assert_rc(pqfault_wait_backend_gone(fixture.admin, conn_pq_backend_pid(handle), 0),
                   PQFAULT_TIMEOUT);
    test_assert_rc(pqfault_terminate(fixture.admin, handle, TEST_WAIT_MAX_MS), PQFAULT_OK);

    test_handle_strike_dead(handle, FAULT_F2, FAULT_AT_STATEMENT, STMT_DEC);
    test_handle_strike_dead(handle, FAULT_F2, FAULT_AT_STATEMENT, STMT_DEC);
    test_handle_strike_dead(handle, FAULT_F3, FAULT_AT_STATEMENT, STMT_DEC);
    assert_int_equal(test_remaining(), TEST_REMAINING);
}

#define TEST_CASE(name) cmocka_unit_test_setup_teardown(name, test_setup, test_teardown)

/* Each table case is one test, named after the case and run by runner. */
#define TEST_TABLE_CASE(runner, case_name)                                     \
    {                                                                          \
        .name = #case_name, .test_func = runner, .setup_func = test_setup,     \
        .teardown_func = test_teardown, .initial_state = (void *)&case_name,   \
    }
#define TEST_VICTIM_CASE(case_name) TEST_TABLE_CASE(test_victim_case, case_name)
#define TEST_FIU_CASE(case_name) TEST_TABLE_CASE(test_fiu_case, case_name)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST_CASE(test_pq_faults_f1_terminate_idle),
        TEST_VICTIM_CASE(test_pq_faults_f1_idle_session_timeout),
        TEST_VICTIM_CASE(test_pq_faults_f1_pgbouncer_client_idle_timeout),
        TEST_VICTIM_CASE(test_pq_faults_f2_terminate_before_statement),
        TEST_VICTIM_CASE(test_pq_faults_f2_send_cut_rolls_back),
        TEST_CASE(test_pq_faults_f3_terminate_after_statement),
        TEST_VICTIM_CASE(test_pq_faults_f3_reply_cut_autocommit_applies),
        TEST_VICTIM_CASE(test_pq_faults_f3_reply_cut_rolls_back),
        TEST_VICTIM_CASE(test_pq_faults_f4_terminate_before_commit),
        TEST_VICTIM_CASE(test_pq_faults_f4_idle_in_transaction_timeout),
        TEST_VICTIM_CASE(test_pq_faults_f4_pgbouncer_idle_transaction),
        TEST_VICTIM_CASE(test_pq_faults_f4_send_cut_commit_rolls_back),
        TEST_VICTIM_CASE(test_pq_faults_f5_commit_cut_commits),
        TEST_VICTIM_CASE(test_pq_faults_f5_commit_recv_reset_commits),
        TEST_CASE(test_pq_faults_c7_commit_terminated_commits),
        TEST_CASE(test_pq_faults_c7_unarmed_commit_not_waiting),
        TEST_CASE(test_pq_faults_terminate_rejects_pooled_victim),
        TEST_FIU_CASE(test_pq_faults_fiu_f2_send_loses_statement),
        TEST_FIU_CASE(test_pq_faults_fiu_f3_reply_lost_after_execution),
        TEST_FIU_CASE(test_pq_faults_fiu_f4_commit_send_rolls_back),
        TEST_FIU_CASE(test_pq_faults_fiu_f5_commit_reply_commits),
        TEST_CASE(test_pq_faults_fiu_f5_blind_decrements_twice),
        TEST_CASE(test_pq_faults_fiu_f5_phase_split_applies_once),
        TEST_CASE(test_pq_faults_fiu_strikes_only_arming_thread),
        TEST_CASE(test_pq_faults_fiu_points_follow_catalogue),
        TEST_CASE(test_pq_faults_fiu_on_dead_connection),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
