/*
 * Tests of the managed server (server/pg_server.c) on the real programs:
 * initdb, pg_ctl, postgres and pgbouncer, as the postgres user when the
 * tests run as root (as in CI).
 *
 * The first tests share one managed server, started by the first test that
 * needs it and stopped by the stop tests, which run after them. The
 * stale-folder and signal tests start a server in a forked child that then
 * dies, and the external test starts a second managed server to play the
 * user's. Fake folders for the cleanup tests are made here with the
 * module's name pattern. Each start takes about 1.5 s.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "../server/pg_server.h"

#define TEST_IDLE_TIMEOUT_MS 1000
#define TEST_IDLE_GAP_MS 2000 /* PgBouncer checks timeouts a few times a second */
#define TEST_CHILD_WAIT_MS 30000
#define TEST_TEXT_SIZE 256
#define TEST_PROC_SIZE 4096

/* What a forked child that started a server sends its parent. */
typedef struct {
    int started;
    char base_path[PG_SERVER_PATH_SIZE];
    pid_t postmaster_pid;
    pid_t pgbouncer_pid;
    char error[PG_SERVER_ERROR_SIZE];
} test_child_report_t;

_Static_assert(sizeof(test_child_report_t) <= 4096, "one atomic pipe write (PIPE_BUF)");

/* The server the first tests share, and what the stop tests check. */
static pg_server_t shared;
static bool shared_tried;
static char shared_error[PG_SERVER_ERROR_SIZE];
static char shared_base[PG_SERVER_PATH_SIZE];
static pid_t shared_postmaster_pid;
static pid_t shared_pgbouncer_pid;

/* ---- helpers ------------------------------------------------------------- */

static pg_server_t *test_shared_server(void)
{
    if (!shared_tried) {
        const pg_server_options_t options = {.client_idle_timeout_ms = TEST_IDLE_TIMEOUT_MS};

        shared_tried = true;
        if (pg_server_start(&shared, &options, shared_error, sizeof(shared_error)) ==
            PG_SERVER_OK) {
            snprintf(shared_base, sizeof(shared_base), "%s", shared.base_path);
            shared_postmaster_pid = shared.postmaster_pid;
            shared_pgbouncer_pid = shared.pgbouncer_pid;
        }
    }
    if (shared.kind != PG_SERVER_MANAGED) {
        fail_msg("the shared managed server is not running: %s",
                 shared_error[0] != '\0' ? shared_error : "stopped by an earlier test");
    }
    return &shared;
}

static void test_ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *test_connect(const char *conninfo)
{
    PGconn *conn = PQconnectdb(conninfo);

    if (PQstatus(conn) != CONNECTION_OK) {
        fail_msg("could not connect to \"%s\": %s", conninfo, PQerrorMessage(conn));
    }
    PQsetNoticeProcessor(conn, test_ignore_notice, NULL); /* DROP ... IF EXISTS */
    return conn;
}

/* Run sql on conn; with out, copy the first column of the first row. */
static void test_exec(PGconn *conn, const char *sql, char *out, size_t size)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(res);

    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        char message[TEST_TEXT_SIZE];

        snprintf(message, sizeof(message), "%s", PQerrorMessage(conn));
        PQclear(res);
        fail_msg("%s failed: %s", sql, message);
    }
    if (out != NULL) {
        if (PQntuples(res) < 1) {
            PQclear(res);
            fail_msg("%s returned no row", sql);
        }
        snprintf(out, size, "%s", PQgetvalue(res, 0, 0));
    }
    PQclear(res);
}

/* One value of one query on a connection of its own. */
static long long test_query_integer(const char *conninfo, const char *sql)
{
    char text[TEST_TEXT_SIZE];
    PGconn *conn = test_connect(conninfo);

    test_exec(conn, sql, text, sizeof(text));
    PQfinish(conn);
    return strtoll(text, NULL, 10);
}

static void test_query_text(const char *conninfo, const char *sql, char *out, size_t size)
{
    PGconn *conn = test_connect(conninfo);

    test_exec(conn, sql, out, size);
    PQfinish(conn);
}

/* True when pid has ended: no /proc entry, or a zombie (the postmaster's
 * parent is init, which may reap it seconds later). */
static bool test_process_gone(pid_t pid)
{
    char path[64];
    char stat[TEST_PROC_SIZE];
    const char *close_paren;
    size_t length;
    FILE *file;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    file = fopen(path, "r");
    if (file == NULL) {
        return true;
    }
    length = fread(stat, 1, sizeof(stat) - 1, file);
    fclose(file);
    stat[length] = '\0';
    close_paren = strrchr(stat, ')');
    return close_paren == NULL || close_paren[2] == 'Z' || close_paren[2] == 'X';
}

static bool test_path_exists(const char *path)
{
    struct stat info;

    return lstat(path, &info) == 0;
}

static bool test_is_socket(const char *path)
{
    struct stat info;

    return stat(path, &info) == 0 && S_ISSOCK(info.st_mode);
}

/* True when a TCP socket listens on port, IPv4 or IPv6. */
static bool test_tcp_listening(int port)
{
    static const char *const tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    char line[256];

    for (int table = 0; table < 2; table++) {
        FILE *file = fopen(tables[table], "r");

        while (file != NULL && fgets(line, sizeof(line), file) != NULL) {
            unsigned int local_port = 0;
            unsigned int state = 0;

            if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", &local_port,
                       &state) == 2 &&
                (int)local_port == port && state == 0x0A) {
                fclose(file);
                return true;
            }
        }
        if (file != NULL) {
            fclose(file);
        }
    }
    return false;
}

static int test_remove_entry(const char *path, const struct stat *info, int type,
                             struct FTW *walk)
{
    (void)info;
    (void)type;
    (void)walk;
    return remove(path);
}

static void test_remove_tree(const char *path)
{
    nftw(path, test_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_sleep_ms(int milliseconds)
{
    const struct timespec pause = {milliseconds / 1000, (milliseconds % 1000) * 1000000L};

    nanosleep(&pause, NULL);
}

/* Create a folder from template with mkdtemp and, unless owner_text is
 * NULL, an owner file that contains owner_text. */
static void test_make_folder(const char *template, const char *owner_text, char *path,
                             size_t size)
{
    char owner_path[PG_SERVER_PATH_SIZE + 16];
    FILE *file;

    snprintf(path, size, "%s", template);
    if (mkdtemp(path) == NULL) {
        fail_msg("could not create %s: %s", template, strerror(errno));
    }
    if (owner_text == NULL) {
        return;
    }
    snprintf(owner_path, sizeof(owner_path), "%s/owner", path);
    file = fopen(owner_path, "w");
    if (file == NULL) {
        fail_msg("could not create %s: %s", owner_path, strerror(errno));
    }
    fputs(owner_text, file);
    fclose(file);
}

/* The pid of a process that has ended and been reaped. */
static pid_t test_dead_pid(void)
{
    pid_t child = fork();

    if (child == 0) {
        _exit(0);
    }
    assert_true(child > 0);
    waitpid(child, NULL, 0);
    return child;
}

/* Fork a child that starts a managed server, reports it on a pipe and then
 * either waits to be killed or, with raise_signal, registers the signal
 * handler and raises that signal. Returns the child's pid. */
static pid_t test_fork_server(int raise_signal, test_child_report_t *report)
{
    int fds[2];
    struct pollfd ready;
    pid_t child;

    assert_int_equal(pipe(fds), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        test_child_report_t own = {0};
        pg_server_t server;

        close(fds[0]);
        own.started = pg_server_start(&server, NULL, own.error, sizeof(own.error)) ==
                      PG_SERVER_OK;
        snprintf(own.base_path, sizeof(own.base_path), "%s", server.base_path);
        own.postmaster_pid = server.postmaster_pid;
        own.pgbouncer_pid = server.pgbouncer_pid;
        if (own.started && raise_signal != 0 &&
            pg_server_stop_on_signal(&server) != PG_SERVER_OK) {
            own.started = 0;
        }
        if (write(fds[1], &own, sizeof(own)) != (ssize_t)sizeof(own) || !own.started) {
            _exit(2);
        }
        if (raise_signal != 0) {
            raise(raise_signal);
            _exit(3); /* the handler did not end the process */
        }
        for (;;) {
            pause(); /* until the parent's SIGKILL */
        }
    }

    close(fds[1]);
    ready.fd = fds[0];
    ready.events = POLLIN;
    if (poll(&ready, 1, TEST_CHILD_WAIT_MS) != 1 ||
        read(fds[0], report, sizeof(*report)) != (ssize_t)sizeof(*report)) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        close(fds[0]);
        fail_msg("the child that starts a server sent no report within %d ms",
                 TEST_CHILD_WAIT_MS);
    }
    close(fds[0]);
    if (!report->started) {
        waitpid(child, NULL, 0);
        fail_msg("the child could not start a server: %s", report->error);
    }
    return child;
}

/* ---- the shared server --------------------------------------------------- */

static void test_pg_server_start_serves_direct(void **state)
{
    pg_server_t *server = test_shared_server();

    (void)state;
    assert_int_equal(test_query_integer(server->direct_conninfo, "SELECT 41 + 1"), 42);
}

static void test_pg_server_start_serves_pooled(void **state)
{
    pg_server_t *server = test_shared_server();

    (void)state;
    assert_int_equal(test_query_integer(server->pooled_conninfo, "SELECT 41 + 1"), 42);
}

static void test_pg_server_start_creates_schema(void **state)
{
    pg_server_t *server = test_shared_server();

    (void)state;
    assert_int_equal(test_query_integer(server->direct_conninfo,
                                        "SELECT count(*) FROM pg_tables WHERE schemaname = "
                                        "'barriersim' AND tablename = 'pg_barrier_state'"),
                     1);
    assert_int_equal(test_query_integer(server->direct_conninfo,
                                        "SELECT count(*) FROM barriersim.pg_orchestrator_lock "
                                        "WHERE leader = ''"),
                     1);
}

static void test_pg_server_sockets_stay_in_folder(void **state)
{
    pg_server_t *server = test_shared_server();
    char path[PG_SERVER_PATH_SIZE + 32];
    char expected_host[PG_SERVER_PATH_SIZE + 16];

    (void)state;
    assert_int_equal(strncmp(server->base_path, "/tmp/barriersim-managed.", 24), 0);
    snprintf(path, sizeof(path), "%s/sock/.s.PGSQL.%d", server->base_path,
             server->postgres_port);
    assert_true(test_is_socket(path));
    snprintf(path, sizeof(path), "%s/sock/.s.PGSQL.%d", server->base_path,
             server->pgbouncer_port);
    assert_true(test_is_socket(path));
    snprintf(expected_host, sizeof(expected_host), "host=%s/sock ", server->base_path);
    assert_non_null(strstr(server->direct_conninfo, expected_host));
    assert_non_null(strstr(server->pooled_conninfo, expected_host));
}

static void test_pg_server_listens_on_no_tcp_port(void **state)
{
    pg_server_t *server = test_shared_server();
    char listen_addresses[TEST_TEXT_SIZE];

    (void)state;
    test_query_text(server->direct_conninfo, "SHOW listen_addresses", listen_addresses,
                    sizeof(listen_addresses));
    assert_string_equal(listen_addresses, "");
    assert_false(test_tcp_listening(server->postgres_port));
    assert_false(test_tcp_listening(server->pgbouncer_port));
}

static void test_pg_server_ports_avoid_defaults(void **state)
{
    pg_server_t *server = test_shared_server();

    (void)state;
    assert_int_not_equal(server->postgres_port, 5432);
    assert_int_not_equal(server->postgres_port, 6432);
    assert_int_not_equal(server->pgbouncer_port, 5432);
    assert_int_not_equal(server->pgbouncer_port, 6432);
    assert_int_not_equal(server->postgres_port, server->pgbouncer_port);
    assert_in_range(server->postgres_port, PG_SERVER_PORT_FIRST, PG_SERVER_PORT_LAST);
    assert_in_range(server->pgbouncer_port, PG_SERVER_PORT_FIRST, PG_SERVER_PORT_LAST);
}

/* Transaction pooling hands a finished transaction's server connection to
 * the next client (LIFO); direct clients each have a backend of their own. */
static void test_pg_server_pools_transactions(void **state)
{
    pg_server_t *server = test_shared_server();
    PGconn *first = test_connect(server->pooled_conninfo);
    PGconn *second = test_connect(server->pooled_conninfo);
    PGconn *direct_first = test_connect(server->direct_conninfo);
    PGconn *direct_second = test_connect(server->direct_conninfo);
    char first_pid[TEST_TEXT_SIZE], second_pid[TEST_TEXT_SIZE];
    char direct_first_pid[TEST_TEXT_SIZE], direct_second_pid[TEST_TEXT_SIZE];

    (void)state;
    test_exec(first, "SELECT pg_backend_pid()", first_pid, sizeof(first_pid));
    test_exec(second, "SELECT pg_backend_pid()", second_pid, sizeof(second_pid));
    test_exec(direct_first, "SELECT pg_backend_pid()", direct_first_pid,
              sizeof(direct_first_pid));
    test_exec(direct_second, "SELECT pg_backend_pid()", direct_second_pid,
              sizeof(direct_second_pid));
    PQfinish(first);
    PQfinish(second);
    PQfinish(direct_first);
    PQfinish(direct_second);
    assert_string_equal(first_pid, second_pid);
    assert_string_not_equal(direct_first_pid, direct_second_pid);
}

/* client_idle_timeout reaps a pooled client idle between transactions;
 * a direct client idle as long is kept. */
static void test_pg_server_reaps_idle_pooled_client(void **state)
{
    pg_server_t *server = test_shared_server();
    PGconn *pooled = test_connect(server->pooled_conninfo);
    PGconn *direct = test_connect(server->direct_conninfo);
    PGresult *pooled_res;
    PGresult *direct_res;

    (void)state;
    test_exec(pooled, "SELECT 1", NULL, 0);
    test_exec(direct, "SELECT 1", NULL, 0);
    test_sleep_ms(TEST_IDLE_GAP_MS);
    pooled_res = PQexec(pooled, "SELECT 1");
    direct_res = PQexec(direct, "SELECT 1");
    assert_int_not_equal(PQresultStatus(pooled_res), PGRES_TUPLES_OK);
    assert_int_equal(PQstatus(pooled), CONNECTION_BAD);
    assert_int_equal(PQresultStatus(direct_res), PGRES_TUPLES_OK);
    PQclear(pooled_res);
    PQclear(direct_res);
    PQfinish(pooled);
    PQfinish(direct);
}

static void test_pg_server_create_schema_fills_empty_database(void **state)
{
    pg_server_t *server = test_shared_server();
    char admin[PG_SERVER_CONNINFO_SIZE + 32], empty[PG_SERVER_CONNINFO_SIZE + 32];
    char error[PG_SERVER_ERROR_SIZE];
    PGconn *conn;

    (void)state;
    /* A later dbname overrides the earlier one in a conninfo. */
    snprintf(admin, sizeof(admin), "%s dbname=postgres", server->direct_conninfo);
    snprintf(empty, sizeof(empty), "%s dbname=test_empty", server->direct_conninfo);
    conn = test_connect(admin);
    test_exec(conn, "DROP DATABASE IF EXISTS test_empty", NULL, 0);
    test_exec(conn, "CREATE DATABASE test_empty", NULL, 0);
    PQfinish(conn);
    assert_int_equal(test_query_integer(empty, "SELECT count(*) FROM pg_namespace WHERE "
                                               "nspname = 'barriersim'"),
                     0);

    assert_int_equal(pg_server_create_schema(empty, error, sizeof(error)), PG_SERVER_OK);
    assert_int_equal(test_query_integer(empty, "SELECT count(*) FROM pg_tables WHERE "
                                               "schemaname = 'barriersim' AND tablename "
                                               "= 'pg_queue_message'"),
                     1);
    assert_int_equal(pg_server_create_schema(empty, error, sizeof(error)), PG_SERVER_OK);
    assert_int_equal(test_query_integer(empty, "SELECT count(*) FROM "
                                               "barriersim.pg_orchestrator_lock"),
                     1);
}

static void test_pg_server_reset_tables_empties_only_barriersim(void **state)
{
    pg_server_t *server = test_shared_server();
    char error[PG_SERVER_ERROR_SIZE];
    PGconn *conn = test_connect(server->direct_conninfo);

    (void)state;
    test_exec(conn, "CREATE TABLE IF NOT EXISTS public.test_keep (x integer)", NULL, 0);
    test_exec(conn, "INSERT INTO public.test_keep VALUES (1)", NULL, 0);
    test_exec(conn,
              "INSERT INTO barriersim.pg_barrier_state (execution_id, organization_id, "
              "remaining, results, created_at, expires_at, last_progress_at) VALUES "
              "('exec-reset', 'org', 3, '[]', now(), now() + interval '1 hour', now())",
              NULL, 0);
    test_exec(conn, "UPDATE barriersim.pg_orchestrator_lock SET leader = 'w1'", NULL, 0);
    test_exec(conn, "SELECT nextval('barriersim.pg_barrier_generation')", NULL, 0);
    PQfinish(conn);

    /* Through PgBouncer, as a tool that pools its connections would. */
    assert_int_equal(pg_server_reset_tables(server->pooled_conninfo, error, sizeof(error)),
                     PG_SERVER_OK);
    assert_int_equal(test_query_integer(server->direct_conninfo,
                                        "SELECT count(*) FROM barriersim.pg_barrier_state"),
                     0);
    assert_int_equal(test_query_integer(server->direct_conninfo,
                                        "SELECT count(*) FROM barriersim.pg_orchestrator_lock "
                                        "WHERE leader = ''"),
                     1);
    assert_int_equal(test_query_integer(server->direct_conninfo,
                                        "SELECT count(*) FROM public.test_keep"),
                     1);

    /* The generation sequence is owned by no column, so TRUNCATE ...
     * RESTART IDENTITY alone leaves it; a confirmation run needs the
     * simulator's first generation, 1. */
    assert_int_equal(test_query_integer(server->direct_conninfo,
                                        "SELECT nextval('barriersim.pg_barrier_generation')"),
                     1);
}

/* The shared server's owner, this process, is alive. */
static void test_pg_server_clean_stale_spares_live_server(void **state)
{
    pg_server_t *server = test_shared_server();
    char error[PG_SERVER_ERROR_SIZE];

    (void)state;
    assert_int_equal(pg_server_clean_stale(NULL, error, sizeof(error)), PG_SERVER_OK);
    assert_true(test_path_exists(server->base_path));
    assert_false(test_process_gone(server->postmaster_pid));
    assert_false(test_process_gone(server->pgbouncer_pid));
}

static void test_pg_server_stop_ends_processes(void **state)
{
    (void)state;
    test_shared_server();
    assert_int_equal(pg_server_stop(&shared), PG_SERVER_OK);
    assert_true(test_process_gone(shared_postmaster_pid));
    assert_true(test_process_gone(shared_pgbouncer_pid));
}

static void test_pg_server_stop_removes_folder(void **state)
{
    (void)state;
    if (shared_base[0] == '\0') {
        fail_msg("the shared managed server never started: %s", shared_error);
    }
    assert_int_equal(shared.kind, PG_SERVER_NONE);
    assert_false(test_path_exists(shared_base));
}

static void test_pg_server_stop_is_idempotent(void **state)
{
    pg_server_t never_started = {0};

    (void)state;
    assert_int_equal(pg_server_stop(&shared), PG_SERVER_OK);
    assert_int_equal(pg_server_stop(&shared), PG_SERVER_OK);
    assert_int_equal(pg_server_stop(&never_started), PG_SERVER_OK);
}

/* ---- stale folders ------------------------------------------------------- */

/* A server whose owner was SIGKILLed is stopped and removed by the next
 * start; its processes are checked alive first, while the owner lives. */
static void test_pg_server_start_cleans_stale_folder(void **state)
{
    test_child_report_t report;
    pg_server_t next;
    char error[PG_SERVER_ERROR_SIZE];
    pid_t child = test_fork_server(0, &report);

    (void)state;
    assert_false(test_process_gone(report.postmaster_pid));
    assert_false(test_process_gone(report.pgbouncer_pid));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);

    assert_int_equal(pg_server_start(&next, NULL, error, sizeof(error)), PG_SERVER_OK);
    assert_true(test_process_gone(report.postmaster_pid));
    assert_true(test_process_gone(report.pgbouncer_pid));
    assert_false(test_path_exists(report.base_path));
    assert_int_equal(pg_server_stop(&next), PG_SERVER_OK);
}

static void test_pg_server_clean_stale_removes_dead_owners_folder(void **state)
{
    char owner[TEST_TEXT_SIZE];
    char path[PG_SERVER_PATH_SIZE];
    char error[PG_SERVER_ERROR_SIZE];
    int removed_count = -1;

    (void)state;
    snprintf(owner, sizeof(owner), "pid=%d start_ticks=1\n", (int)test_dead_pid());
    test_make_folder("/tmp/barriersim-managed.XXXXXX", owner, path, sizeof(path));

    assert_int_equal(pg_server_clean_stale(&removed_count, error, sizeof(error)),
                     PG_SERVER_OK);
    assert_false(test_path_exists(path));
    assert_true(removed_count >= 1);
}

/* A live pid with another start time is a reused pid: its owner is gone. */
static void test_pg_server_clean_stale_removes_reused_pids_folder(void **state)
{
    char owner[TEST_TEXT_SIZE];
    char path[PG_SERVER_PATH_SIZE];
    char error[PG_SERVER_ERROR_SIZE];

    (void)state;
    snprintf(owner, sizeof(owner), "pid=%d start_ticks=1\n", (int)getpid());
    test_make_folder("/tmp/barriersim-managed.XXXXXX", owner, path, sizeof(path));

    assert_int_equal(pg_server_clean_stale(NULL, error, sizeof(error)), PG_SERVER_OK);
    assert_false(test_path_exists(path));
}

/* A folder without owner file whose creator still holds its lock is being
 * created: the owner file comes next. */
static void test_pg_server_clean_stale_spares_folder_being_created(void **state)
{
    char path[PG_SERVER_PATH_SIZE];
    char error[PG_SERVER_ERROR_SIZE];
    bool spared;
    int fd;

    (void)state;
    test_make_folder("/tmp/barriersim-managed.XXXXXX", NULL, path, sizeof(path));
    fd = open(path, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0);

    assert_int_equal(pg_server_clean_stale(NULL, error, sizeof(error)), PG_SERVER_OK);
    spared = test_path_exists(path);
    close(fd);
    test_remove_tree(path);
    assert_true(spared);
}

/* A start killed between mkdtemp and the owner file leaves a folder without
 * owner file and without lock: the next cleanup removes it. */
static void test_pg_server_clean_stale_removes_unowned_folder(void **state)
{
    char path[PG_SERVER_PATH_SIZE];
    char error[PG_SERVER_ERROR_SIZE];
    char leftover[PG_SERVER_PATH_SIZE + 16];
    FILE *file;

    (void)state;
    test_make_folder("/tmp/barriersim-managed.XXXXXX", NULL, path, sizeof(path));
    snprintf(leftover, sizeof(leftover), "%s/owner.tmp", path);
    file = fopen(leftover, "w");
    assert_non_null(file);
    fclose(file);

    assert_int_equal(pg_server_clean_stale(NULL, error, sizeof(error)), PG_SERVER_OK);
    assert_false(test_path_exists(path));
}

/* A process still working in a stale folder (initdb or pg_ctl of a killed
 * start) is stopped before the folder is removed. */
static void test_pg_server_clean_stale_stops_strays(void **state)
{
    char owner[TEST_TEXT_SIZE];
    char path[PG_SERVER_PATH_SIZE];
    char marker[PG_SERVER_PATH_SIZE + 16];
    char error[PG_SERVER_ERROR_SIZE];
    int status = 0;
    pid_t stray;

    (void)state;
    snprintf(owner, sizeof(owner), "pid=%d start_ticks=1\n", (int)test_dead_pid());
    test_make_folder("/tmp/barriersim-managed.XXXXXX", owner, path, sizeof(path));
    snprintf(marker, sizeof(marker), "%s/data", path);
    stray = fork();
    assert_true(stray >= 0);
    if (stray == 0) {
        /* The folder appears in the command line, as with initdb -D BASE/data. */
        execl("/bin/sh", "sh", "-c", "while :; do sleep 0.1; done", marker, (char *)NULL);
        _exit(127);
    }
    test_sleep_ms(100);

    assert_int_equal(pg_server_clean_stale(NULL, error, sizeof(error)), PG_SERVER_OK);
    assert_int_equal(waitpid(stray, &status, 0), stray);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    assert_false(test_path_exists(path));
}

/* Only mkdtemp's six characters after the prefix: another separator or a
 * longer suffix is someone else's folder, even with a dead owner. */
static void test_pg_server_clean_stale_spares_other_names(void **state)
{
    char owner[TEST_TEXT_SIZE];
    char dash_path[PG_SERVER_PATH_SIZE];
    char long_path[PG_SERVER_PATH_SIZE];
    char error[PG_SERVER_ERROR_SIZE];
    bool dash_spared;
    bool long_spared;

    (void)state;
    snprintf(owner, sizeof(owner), "pid=%d start_ticks=1\n", (int)test_dead_pid());
    test_make_folder("/tmp/barriersim-managed-XXXXXX", owner, dash_path, sizeof(dash_path));
    test_make_folder("/tmp/barriersim-managed.keepXXXXXX", owner, long_path,
                     sizeof(long_path));

    assert_int_equal(pg_server_clean_stale(NULL, error, sizeof(error)), PG_SERVER_OK);
    dash_spared = test_path_exists(dash_path);
    long_spared = test_path_exists(long_path);
    test_remove_tree(dash_path);
    test_remove_tree(long_path);
    assert_true(dash_spared);
    assert_true(long_spared);
}

/* ---- signals and external servers ---------------------------------------- */

static void test_pg_server_sigint_stops_server(void **state)
{
    test_child_report_t report;
    int status = 0;
    pid_t child = test_fork_server(SIGINT, &report);

    (void)state;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGINT);
    assert_true(test_process_gone(report.postmaster_pid));
    assert_true(test_process_gone(report.pgbouncer_pid));
    assert_false(test_path_exists(report.base_path));
}

/* A second managed server plays the user's: forgetting it stops nothing
 * and changes nothing in it. */
static void test_pg_server_external_stop_leaves_server_running(void **state)
{
    pg_server_t users;
    pg_server_t external;
    char error[PG_SERVER_ERROR_SIZE];
    PGconn *conn;

    (void)state;
    if (pg_server_start(&users, NULL, error, sizeof(error)) != PG_SERVER_OK) {
        fail_msg("could not start the server that plays the user's: %s", error);
    }
    conn = test_connect(users.direct_conninfo);
    test_exec(conn, "CREATE TABLE public.test_users_data (x integer)", NULL, 0);
    test_exec(conn, "INSERT INTO public.test_users_data VALUES (7)", NULL, 0);
    PQfinish(conn);

    assert_int_equal(pg_server_use_external(&external, users.direct_conninfo,
                                            users.pooled_conninfo, error, sizeof(error)),
                     PG_SERVER_OK);
    assert_int_equal(external.kind, PG_SERVER_EXTERNAL);
    assert_int_equal(pg_server_stop_on_signal(&external), PG_SERVER_OK);
    assert_int_equal(pg_server_stop(&external), PG_SERVER_OK);
    assert_int_equal(external.kind, PG_SERVER_NONE);

    assert_false(test_process_gone(users.postmaster_pid));
    assert_false(test_process_gone(users.pgbouncer_pid));
    assert_true(test_path_exists(users.base_path));
    assert_int_equal(test_query_integer(users.pooled_conninfo,
                                        "SELECT sum(x) FROM public.test_users_data"),
                     7);
    assert_int_equal(pg_server_stop(&users), PG_SERVER_OK);
}

/* The message names where the connection went but never the password. */
static void test_pg_server_external_rejects_unreachable_server(void **state)
{
    pg_server_t external;
    char error[PG_SERVER_ERROR_SIZE];

    (void)state;
    assert_int_equal(pg_server_use_external(&external,
                                            "host=/tmp/barriersim-test-no-such-folder "
                                            "port=55999 dbname=barriersim password=hunter2",
                                            NULL, error, sizeof(error)),
                     PG_SERVER_CONNECT_FAILED);
    assert_int_equal(external.kind, PG_SERVER_NONE);
    assert_non_null(strstr(error, "host=/tmp/barriersim-test-no-such-folder"));
    assert_null(strstr(error, "hunter2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pg_server_start_serves_direct),
        cmocka_unit_test(test_pg_server_start_serves_pooled),
        cmocka_unit_test(test_pg_server_start_creates_schema),
        cmocka_unit_test(test_pg_server_sockets_stay_in_folder),
        cmocka_unit_test(test_pg_server_listens_on_no_tcp_port),
        cmocka_unit_test(test_pg_server_ports_avoid_defaults),
        cmocka_unit_test(test_pg_server_pools_transactions),
        cmocka_unit_test(test_pg_server_reaps_idle_pooled_client),
        cmocka_unit_test(test_pg_server_create_schema_fills_empty_database),
        cmocka_unit_test(test_pg_server_reset_tables_empties_only_barriersim),
        cmocka_unit_test(test_pg_server_clean_stale_spares_live_server),
        /* The stop tests end the shared server, so they come last of its group. */
        cmocka_unit_test(test_pg_server_stop_ends_processes),
        cmocka_unit_test(test_pg_server_stop_removes_folder),
        cmocka_unit_test(test_pg_server_stop_is_idempotent),
        cmocka_unit_test(test_pg_server_start_cleans_stale_folder),
        cmocka_unit_test(test_pg_server_clean_stale_removes_dead_owners_folder),
        cmocka_unit_test(test_pg_server_clean_stale_removes_reused_pids_folder),
        cmocka_unit_test(test_pg_server_clean_stale_spares_folder_being_created),
        cmocka_unit_test(test_pg_server_clean_stale_removes_unowned_folder),
        cmocka_unit_test(test_pg_server_clean_stale_stops_strays),
        cmocka_unit_test(test_pg_server_clean_stale_spares_other_names),
        cmocka_unit_test(test_pg_server_sigint_stops_server),
        cmocka_unit_test(test_pg_server_external_stop_leaves_server_running),
        cmocka_unit_test(test_pg_server_external_rejects_unreachable_server),
    };
    int failed_count = cmocka_run_group_tests_name("pg_server", tests, NULL, NULL);

    /* A test that failed halfway may leave the shared server running. */
    pg_server_stop(&shared);
    return failed_count;
}
