/* pg_server — a managed throwaway PostgreSQL with PgBouncer, or the user's. */
#include "pg_server.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* scripts/schema.sql as the string server_schema_sql; the Makefile
 * generates this header from it, so the file stays the only source. */
#include "schema_sql.h"

#define SERVER_RUN_USER "postgres"
#define SERVER_SUBPATH_SIZE (PG_SERVER_PATH_SIZE + 64) /* BASE plus a leaf under it */
#define SERVER_SUFFIX_LENGTH 6 /* mkdtemp's XXXXXX */
#define SERVER_POLL_INTERVAL_MS 20
#define SERVER_STOP_WAIT_MS 10000  /* a fast shutdown takes about 0.15 s */
#define SERVER_READY_WAIT_MS 10000 /* PgBouncer listens within milliseconds */
#define SERVER_PG_CTL_WAIT_S "30"
#define SERVER_SIGNAL_SLOT_MAX 4
#define SERVER_ARGV_MAX 24
#define SERVER_PROC_READ_SIZE 4096
#define SERVER_LOG_TAIL_SIZE 480
#define SERVER_MESSAGE_SIZE 512
#define SERVER_SCAN_ENTRY_MAX 1000000 /* entries of /tmp read by one cleanup */
#define SERVER_NFTW_FD_MAX 16
#define SERVER_START_TICKS_FIELD 19 /* field 22 of /proc/PID/stat, 0 = state */
#define SERVER_CREATE_TRY_MAX 8 /* mkdtemp again when a cleanup took the new folder */
#define SERVER_STRAY_MAX 64     /* processes of one folder stopped by a sweep */

_Static_assert(sizeof(PG_SERVER_TMP_DIR "/" PG_SERVER_FOLDER_PREFIX "XXXXXX"
                      "/sock/.s.PGSQL.65535") <= 108,
               "the socket path must fit sun_path");
_Static_assert(sizeof(PG_SERVER_TMP_DIR "/" PG_SERVER_FOLDER_PREFIX "XXXXXX"
                      "/data/postmaster.pid") <= PG_SERVER_PATH_SIZE,
               "every path under BASE must fit PG_SERVER_PATH_SIZE");

/* The key of the advisory lock that serialises schema changes: "barriers"
 * in ASCII. */
#define SERVER_SCHEMA_LOCK_SQL "SELECT pg_advisory_xact_lock(7089073124177965683)"

/* Empty every table of schema barriersim, whatever schema.sql contains
 * today, and leave every other schema alone. RESTART IDENTITY restarts
 * only the sequences that columns own; the generation sequence is free
 * standing, so every sequence of the schema is restarted by name. */
#define SERVER_TRUNCATE_SQL                                                    \
    "DO $$ DECLARE tables text; seq record; BEGIN "                            \
    "SELECT string_agg(format('%I.%I', schemaname, tablename), ', ' "          \
    "ORDER BY tablename) INTO tables FROM pg_tables "                          \
    "WHERE schemaname = '" PG_SERVER_SCHEMA "'; "                              \
    "IF tables IS NOT NULL THEN "                                              \
    "EXECUTE 'TRUNCATE ' || tables || ' RESTART IDENTITY'; END IF; "           \
    "FOR seq IN SELECT sequencename FROM pg_sequences "                        \
    "WHERE schemaname = '" PG_SERVER_SCHEMA "' LOOP "                          \
    "EXECUTE format('ALTER SEQUENCE %I.%I RESTART', '" PG_SERVER_SCHEMA "', "  \
    "seq.sequencename); END LOOP; END $$"

/* How to run the server programs: as the postgres user through runuser when
 * this process is root, directly otherwise. */
typedef struct {
    bool as_root;
    uid_t run_uid;
    gid_t run_gid;
    char runuser_path[PG_SERVER_PATH_SIZE];
    char bindir[PG_SERVER_PATH_SIZE];
    char pgbouncer_path[PG_SERVER_PATH_SIZE];
} server_tools_t;

typedef enum {
    SERVER_SPARED,  /* not stale, or not ours: left alone */
    SERVER_REMOVED, /* stale: stopped and removed */
    SERVER_FAILED,  /* stale, but stopping or removing it failed */
} server_clean_t;

static const char *const server_rc_names[] = {
#define SERVER_RC_NAME(name, message) #name,
    PG_SERVER_RC_LIST(SERVER_RC_NAME)
#undef SERVER_RC_NAME
};

static const char *const server_rc_messages[] = {
#define SERVER_RC_MESSAGE(name, message) message,
    PG_SERVER_RC_LIST(SERVER_RC_MESSAGE)
#undef SERVER_RC_MESSAGE
};

/* The servers the signal handler stops; written only with SIGINT and
 * SIGTERM blocked, read only by the handler. */
static pg_server_t *server_signal_slots[SERVER_SIGNAL_SLOT_MAX];
static char server_rm_path[PG_SERVER_PATH_SIZE];
static bool server_handler_installed;

static pg_server_rc_t server_error(char *error, size_t error_size, pg_server_rc_t rc,
                                   const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static pg_server_rc_t server_find_tools(const char *bindir, const char *pgbouncer_path,
                                        bool need_pgbouncer, server_tools_t *tools,
                                        char *error, size_t error_size);
static pg_server_rc_t server_make_base(pg_server_t *server, const server_tools_t *tools,
                                       char *error, size_t error_size);
static pg_server_rc_t server_start_in_base(pg_server_t *server, const server_tools_t *tools,
                                           const pg_server_options_t *options,
                                           char *error, size_t error_size);
static pg_server_rc_t server_stop_folder(const char *base, const server_tools_t *tools,
                                         pid_t pgbouncer_pid, pid_t postmaster_pid,
                                         char *error, size_t error_size);
static server_clean_t server_clean_candidate(const char *path, char *error,
                                             size_t error_size);
static bool server_is_folder_name(const char *name);
static int server_create_locked_base(pg_server_t *server, char *error, size_t error_size);
static server_clean_t server_clean_unowned(const char *path, char *error,
                                           size_t error_size);
static pg_server_rc_t server_stop_strays(const char *base, char *error, size_t error_size);
static pg_server_rc_t server_remove_base(const char *base, char *error, size_t error_size);
static bool server_is_base_path(const char *path);
static void server_on_signal(int signo);
static void server_stop_in_handler(const pg_server_t *server);
static pg_server_rc_t server_connect(const char *conninfo, PGconn **conn_out,
                                     char *error, size_t error_size);
static pg_server_rc_t server_exec(PGconn *conn, const char *sql, const char *what,
                                  char *error, size_t error_size);
static pg_server_rc_t server_exec_all(PGconn *conn, const char *const sqls[],
                                      const char *const whats[], int sql_count,
                                      char *error, size_t error_size);
static bool server_process_gone(pid_t pid);
static bool server_signal_and_wait(pid_t pid, const char *base, int signo);
static pid_t server_read_pid_file(const char *path);
static void server_block_signals(sigset_t *previous);

pg_server_rc_t pg_server_start(pg_server_t *server, const pg_server_options_t *options,
                               char *error, size_t error_size)
{
    static const pg_server_options_t defaults = {0};
    server_tools_t tools;
    char stale_error[PG_SERVER_ERROR_SIZE];
    pg_server_rc_t rc;

    assert(server != NULL);
    assert(error != NULL);
    assert(error_size > 0);
    memset(server, 0, sizeof(*server));
    error[0] = '\0';
    if (options == NULL) {
        options = &defaults;
    }
    assert(options->client_idle_timeout_ms >= 0);
    assert(options->idle_transaction_timeout_ms >= 0);

    /* A folder that cannot be cleaned must not block this start. It stays
     * for the next one, and the warning names what is in the way. */
    if (pg_server_clean_stale(NULL, stale_error, sizeof(stale_error)) != PG_SERVER_OK) {
        fprintf(stderr, "pg_server: warning: %s\n", stale_error);
    }

    rc = server_find_tools(options->bindir, options->pgbouncer_path, true, &tools, error,
                           error_size);
    if (rc != PG_SERVER_OK) {
        return rc;
    }
    rc = server_make_base(server, &tools, error, error_size);
    if (rc != PG_SERVER_OK) {
        return rc;
    }

    rc = server_start_in_base(server, &tools, options, error, error_size);
    if (rc != PG_SERVER_OK) {
        char stop_error[PG_SERVER_ERROR_SIZE];

        if (server_stop_folder(server->base_path, &tools, server->pgbouncer_pid,
                               server->postmaster_pid, stop_error,
                               sizeof(stop_error)) != PG_SERVER_OK) {
            fprintf(stderr, "pg_server: warning: %s\n", stop_error);
        }
        memset(server, 0, sizeof(*server));
        return rc;
    }

    /* The signal handler reads the other fields once kind is MANAGED. */
    atomic_signal_fence(memory_order_seq_cst);
    server->kind = PG_SERVER_MANAGED;
    return PG_SERVER_OK;
}

pg_server_rc_t pg_server_use_external(pg_server_t *server, const char *conninfo,
                                      const char *pooled_conninfo, char *error,
                                      size_t error_size)
{
    PGconn *conn;
    pg_server_rc_t rc;

    assert(server != NULL);
    assert(conninfo != NULL);
    assert(error != NULL);
    assert(error_size > 0);
    memset(server, 0, sizeof(*server));
    error[0] = '\0';

    if (pooled_conninfo == NULL) {
        pooled_conninfo = "";
    }
    if (strlen(conninfo) >= sizeof(server->direct_conninfo) ||
        strlen(pooled_conninfo) >= sizeof(server->pooled_conninfo)) {
        return server_error(error, error_size, PG_SERVER_CONNECT_FAILED,
                            "a conninfo is longer than %zu characters; shorten it",
                            sizeof(server->direct_conninfo) - 1);
    }
    rc = server_connect(conninfo, &conn, error, error_size);
    if (rc != PG_SERVER_OK) {
        return rc;
    }
    PQfinish(conn);

    snprintf(server->direct_conninfo, sizeof(server->direct_conninfo), "%s", conninfo);
    snprintf(server->pooled_conninfo, sizeof(server->pooled_conninfo), "%s",
             pooled_conninfo);
    server->kind = PG_SERVER_EXTERNAL;
    return PG_SERVER_OK;
}

pg_server_rc_t pg_server_stop(pg_server_t *server)
{
    server_tools_t tools;
    const server_tools_t *tools_found = &tools;
    sigset_t previous;
    pg_server_rc_t rc;

    assert(server != NULL);
    server->error[0] = '\0';
    if (server->kind == PG_SERVER_NONE) {
        return PG_SERVER_OK;
    }
    if (server->kind == PG_SERVER_EXTERNAL) {
        memset(server, 0, sizeof(*server));
        return PG_SERVER_OK;
    }

    /* Without pg_ctl (uninstalled since the start) the postmaster still
     * gets SIGINT, which is what pg_ctl -m fast stop sends. */
    if (server_find_tools(server->bindir, NULL, false, &tools, server->error,
                          sizeof(server->error)) != PG_SERVER_OK) {
        tools_found = NULL;
    }

    /* The handler must not stop the server while this call does. */
    server_block_signals(&previous);
    rc = server_stop_folder(server->base_path, tools_found, server->pgbouncer_pid,
                            server->postmaster_pid, server->error, sizeof(server->error));
    if (rc == PG_SERVER_OK) {
        for (int slot = 0; slot < SERVER_SIGNAL_SLOT_MAX; slot++) {
            if (server_signal_slots[slot] == server) {
                server_signal_slots[slot] = NULL;
            }
        }
        memset(server, 0, sizeof(*server));
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return rc;
}

pg_server_rc_t pg_server_stop_on_signal(pg_server_t *server)
{
    static const char *const rm_paths[] = {"/bin/rm", "/usr/bin/rm"};
    sigset_t previous;
    int free_slot = -1;

    assert(server != NULL);
    assert(server->kind != PG_SERVER_NONE);
    if (server->kind == PG_SERVER_EXTERNAL) {
        return PG_SERVER_OK; /* invariant 4: never stopped */
    }

    server_block_signals(&previous);
    for (int slot = SERVER_SIGNAL_SLOT_MAX - 1; slot >= 0; slot--) {
        if (server_signal_slots[slot] == server) {
            pthread_sigmask(SIG_SETMASK, &previous, NULL);
            return PG_SERVER_OK;
        }
        if (server_signal_slots[slot] == NULL) {
            free_slot = slot;
        }
    }
    if (free_slot < 0) {
        pthread_sigmask(SIG_SETMASK, &previous, NULL);
        return PG_SERVER_FULL;
    }
    server_signal_slots[free_slot] = server;

    /* Found now because the handler may not search. Without rm the handler
     * still stops the processes, and the next start removes the folder. */
    for (size_t index = 0; index < sizeof(rm_paths) / sizeof(rm_paths[0]); index++) {
        if (server_rm_path[0] == '\0' && access(rm_paths[index], X_OK) == 0) {
            snprintf(server_rm_path, sizeof(server_rm_path), "%s", rm_paths[index]);
        }
    }
    if (!server_handler_installed) {
        struct sigaction action = {.sa_handler = server_on_signal};

        sigemptyset(&action.sa_mask);
        sigaddset(&action.sa_mask, SIGINT);
        sigaddset(&action.sa_mask, SIGTERM);
        sigaction(SIGINT, &action, NULL);
        sigaction(SIGTERM, &action, NULL);
        server_handler_installed = true;
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return PG_SERVER_OK;
}

pg_server_rc_t pg_server_clean_stale(int *removed_count_out, char *error, size_t error_size)
{
    DIR *tmp_dir;
    struct dirent *entry;
    int removed_count = 0;
    pg_server_rc_t rc = PG_SERVER_OK;

    assert(error != NULL);
    assert(error_size > 0);
    error[0] = '\0';
    tmp_dir = opendir(PG_SERVER_TMP_DIR);
    if (tmp_dir == NULL) {
        return server_error(error, error_size, PG_SERVER_SYSTEM,
                            "could not list %s: %s", PG_SERVER_TMP_DIR, strerror(errno));
    }

    for (int entry_index = 0; entry_index < SERVER_SCAN_ENTRY_MAX; entry_index++) {
        char path[SERVER_SUBPATH_SIZE];
        char folder_error[PG_SERVER_ERROR_SIZE];

        entry = readdir(tmp_dir);
        if (entry == NULL) {
            break;
        }
        if (!server_is_folder_name(entry->d_name)) {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%.40s", PG_SERVER_TMP_DIR, entry->d_name);
        switch (server_clean_candidate(path, folder_error, sizeof(folder_error))) {
        case SERVER_SPARED:
            break;
        case SERVER_REMOVED:
            removed_count++;
            break;
        case SERVER_FAILED:
            /* Report the first failure and carry on with the others. */
            if (rc == PG_SERVER_OK) {
                rc = server_error(error, error_size, PG_SERVER_STOP_FAILED, "%s",
                                  folder_error);
            }
            break;
        }
    }
    closedir(tmp_dir);

    if (removed_count_out != NULL) {
        *removed_count_out = removed_count;
    }
    return rc;
}

/* Connect to conninfo, run sqls in order (whats name what each does, for the
 * error) and disconnect. */
static pg_server_rc_t server_run_list(const char *conninfo, const char *const *sqls,
                                      const char *const *whats, int count, char *error,
                                      size_t error_size)
{
    PGconn *conn;
    pg_server_rc_t rc;

    assert(conninfo != NULL);
    assert(error != NULL);
    assert(error_size > 0);
    error[0] = '\0';
    rc = server_connect(conninfo, &conn, error, error_size);
    if (rc != PG_SERVER_OK) {
        return rc;
    }
    rc = server_exec_all(conn, sqls, whats, count, error, error_size);
    PQfinish(conn);
    return rc;
}

pg_server_rc_t pg_server_create_schema(const char *conninfo, char *error, size_t error_size)
{
    static const char *const sqls[] = {"BEGIN", SERVER_SCHEMA_LOCK_SQL, server_schema_sql,
                                       "COMMIT"};
    static const char *const whats[] = {"begin the schema transaction",
                                        "take the schema lock",
                                        ("create schema " PG_SERVER_SCHEMA
                                         " (scripts/schema.sql)"),
                                        ("commit schema " PG_SERVER_SCHEMA)};
    return server_run_list(conninfo, sqls, whats, (int)(sizeof(sqls) / sizeof(sqls[0])),
                           error, error_size);
}

pg_server_rc_t pg_server_reset_tables(const char *conninfo, char *error, size_t error_size)
{
    /* Re-running schema.sql puts back the rows it seeds, so the seed has one
     * source. The lock_timeout makes a lock held by a stuck transaction fail
     * the reset instead of hanging it. */
    static const char *const sqls[] = {"BEGIN", "SET LOCAL lock_timeout = '5s'",
                                       SERVER_SCHEMA_LOCK_SQL, (SERVER_TRUNCATE_SQL),
                                       server_schema_sql, "COMMIT"};
    static const char *const whats[] = {"begin the reset transaction",
                                        "set lock_timeout",
                                        "take the schema lock",
                                        ("empty the tables of schema " PG_SERVER_SCHEMA),
                                        "restore the rows scripts/schema.sql seeds",
                                        "commit the reset"};
    return server_run_list(conninfo, sqls, whats, (int)(sizeof(sqls) / sizeof(sqls[0])),
                           error, error_size);
}

const char *pg_server_rc_name(pg_server_rc_t rc)
{
    assert((size_t)rc < sizeof(server_rc_names) / sizeof(server_rc_names[0]));
    return server_rc_names[rc];
}

const char *pg_server_rc_message(pg_server_rc_t rc)
{
    assert((size_t)rc < sizeof(server_rc_messages) / sizeof(server_rc_messages[0]));
    return server_rc_messages[rc];
}

/* ---- errors and small file helpers ------------------------------------ */

static pg_server_rc_t server_error(char *error, size_t error_size, pg_server_rc_t rc,
                                   const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vsnprintf(error, error_size, format, args);
    va_end(args);
    return rc;
}

/* Write DIR/LEAF into out. Every folder joined here is short by
 * construction (BASE is about 31 characters, a bindir is checked when
 * found), so a path that does not fit is a programmer error. */
static void server_join(char *out, size_t size, const char *dir, const char *leaf)
{
    int length = snprintf(out, size, "%s/%s", dir, leaf);

    assert(length >= 0);
    assert((size_t)length < size);
    (void)length;
}

/* Read at most size - 1 bytes of path into buffer and end them with a NUL.
 * Returns the byte count, or -1 with errno set. Async-signal-safe. */
static ssize_t server_read_file(const char *path, char *buffer, size_t size)
{
    size_t length = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        return -1;
    }
    while (length + 1 < size) {
        ssize_t count = read(fd, buffer + length, size - 1 - length);

        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            break;
        }
        length += (size_t)count;
    }
    close(fd);
    buffer[length] = '\0';
    return (ssize_t)length;
}

/* Return the pid at the start of a pid file (postmaster.pid's first line,
 * or PgBouncer's whole file), or 0 when the file is missing or has no pid.
 * Async-signal-safe. */
static pid_t server_read_pid_file(const char *path)
{
    char text[32];
    long pid = 0;

    if (server_read_file(path, text, sizeof(text)) <= 0) {
        return 0;
    }
    for (int index = 0; text[index] >= '0' && text[index] <= '9'; index++) {
        pid = pid * 10 + (text[index] - '0');
        if (pid > 4194304) { /* above Linux's pid_max limit */
            return 0;
        }
    }
    return (pid_t)pid;
}

/* Write "/proc/PID/LEAF" into out without stdio. Async-signal-safe. */
static void server_proc_path(pid_t pid, const char *leaf, char *out, size_t size)
{
    char digits[16];
    int digit_count = 0;
    size_t length = 0;

    assert(pid > 0);
    assert(size >= 32 + strlen(leaf));
    for (long rest = pid; rest > 0 && digit_count < 15; rest /= 10) {
        digits[digit_count++] = (char)('0' + rest % 10);
    }
    memcpy(out, "/proc/", 6);
    length = 6;
    while (digit_count > 0) {
        out[length++] = digits[--digit_count];
    }
    out[length++] = '/';
    memcpy(out + length, leaf, strlen(leaf) + 1);
}

/* Last lines of a log, at most SERVER_LOG_TAIL_SIZE bytes from a line start;
 * "(no output)" when there is none. */
static void server_log_tail(const char *path, char *out, size_t size)
{
    char buffer[SERVER_LOG_TAIL_SIZE + 1];
    const char *start = buffer;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    off_t end;
    ssize_t count = 0;

    snprintf(out, size, "(no output)");
    if (fd < 0) {
        return;
    }
    end = lseek(fd, 0, SEEK_END);
    if (end > SERVER_LOG_TAIL_SIZE) {
        lseek(fd, end - SERVER_LOG_TAIL_SIZE, SEEK_SET);
    } else {
        lseek(fd, 0, SEEK_SET);
    }
    count = read(fd, buffer, SERVER_LOG_TAIL_SIZE);
    close(fd);
    if (count <= 0) {
        return;
    }
    buffer[count] = '\0';
    if (end > SERVER_LOG_TAIL_SIZE && strchr(buffer, '\n') != NULL) {
        start = strchr(buffer, '\n') + 1; /* drop the cut first line */
    }
    snprintf(out, size, "%s", start);
    for (size_t length = strlen(out); length > 0 && out[length - 1] == '\n'; length--) {
        out[length - 1] = '\0';
    }
}

/* ---- processes ----------------------------------------------------------- */

/* True when pid no longer runs: no /proc entry, or a zombie that its
 * parent (often init, which reaps slowly here) has not reaped yet.
 * Async-signal-safe. */
static bool server_process_gone(pid_t pid)
{
    char path[64];
    char stat[SERVER_PROC_READ_SIZE];
    const char *close_paren;

    server_proc_path(pid, "stat", path, sizeof(path));
    if (server_read_file(path, stat, sizeof(stat)) <= 0) {
        return true;
    }
    /* The command name may hold ") ", so the state follows the last ')'. */
    close_paren = NULL;
    for (const char *cursor = stat; *cursor != '\0'; cursor++) {
        if (*cursor == ')') {
            close_paren = cursor;
        }
    }
    if (close_paren == NULL || close_paren[1] != ' ') {
        return true;
    }
    return close_paren[2] == 'Z' || close_paren[2] == 'X';
}

/* True when pid's command line names a path inside base, as the postmaster
 * (-D BASE/data) and PgBouncer (BASE/pgbouncer.ini) of base do. A pid that
 * another program reused does not. Async-signal-safe. */
static bool server_pid_belongs(pid_t pid, const char *base)
{
    char path[64];
    char cmdline[SERVER_PROC_READ_SIZE];
    size_t base_length = strlen(base);
    ssize_t length;

    server_proc_path(pid, "cmdline", path, sizeof(path));
    length = server_read_file(path, cmdline, sizeof(cmdline));
    for (ssize_t start = 0; start + (ssize_t)base_length < length; start++) {
        if (memcmp(cmdline + start, base, base_length) == 0 &&
            cmdline[start + (ssize_t)base_length] == '/') {
            return true;
        }
    }
    return false;
}

/* Poll until pid is gone, for at most wait_ms. Async-signal-safe. */
static bool server_wait_gone(pid_t pid, int wait_ms)
{
    const struct timespec interval = {0, SERVER_POLL_INTERVAL_MS * 1000000L};

    for (int poll = 0; poll <= wait_ms / SERVER_POLL_INTERVAL_MS; poll++) {
        if (server_process_gone(pid)) {
            return true;
        }
        nanosleep(&interval, NULL);
    }
    return false;
}

/* Send signo to pid if it still runs as a process of base, and wait until it
 * has ended. True when it has ended (or was never ours).
 * Async-signal-safe. */
static bool server_signal_and_wait(pid_t pid, const char *base, int signo)
{
    if (pid <= 0 || server_process_gone(pid) || !server_pid_belongs(pid, base)) {
        return true;
    }
    kill(pid, signo);
    return server_wait_gone(pid, SERVER_STOP_WAIT_MS);
}

static void server_block_signals(sigset_t *previous)
{
    sigset_t blocked;

    sigemptyset(&blocked);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &blocked, previous);
}

/* Start time of pid in clock ticks since boot and its state letter, from
 * /proc/PID/stat; false when pid does not exist. */
static bool server_start_ticks(pid_t pid, unsigned long long *ticks_out, char *state_out)
{
    char path[64];
    char stat[SERVER_PROC_READ_SIZE];
    char *cursor;

    server_proc_path(pid, "stat", path, sizeof(path));
    if (server_read_file(path, stat, sizeof(stat)) <= 0 ||
        (cursor = strrchr(stat, ')')) == NULL || cursor[1] != ' ') {
        return false;
    }
    *state_out = cursor[2];
    cursor += 2;
    for (int field = 0; field < SERVER_START_TICKS_FIELD; field++) {
        cursor = strchr(cursor, ' ');
        if (cursor == NULL) {
            return false;
        }
        cursor++;
    }
    *ticks_out = strtoull(cursor, NULL, 10);
    return true;
}

/* Run argv (argv[0] a full path) to its end, as the postgres user when
 * tools->as_root, from / (the caller's folder may be closed to that user),
 * with stdin from /dev/null and its output appended to output_path. On a
 * failure the error ends with the last lines of explain_path. */
static pg_server_rc_t server_run(const server_tools_t *tools, const char *const argv[],
                                 const char *output_path, const char *explain_path,
                                 char *error, size_t error_size)
{
    const char *full[SERVER_ARGV_MAX];
    int full_count = 0;
    int status = 0;
    char tail[SERVER_LOG_TAIL_SIZE + 1];
    pid_t child;

    if (tools->as_root) {
        full[full_count++] = tools->runuser_path;
        full[full_count++] = "-u";
        full[full_count++] = SERVER_RUN_USER;
        full[full_count++] = "--";
    }
    for (int index = 0; argv[index] != NULL; index++) {
        assert(full_count < SERVER_ARGV_MAX - 1);
        full[full_count++] = argv[index];
    }
    full[full_count] = NULL;

    child = fork();
    if (child < 0) {
        return server_error(error, error_size, PG_SERVER_SYSTEM, "could not fork to run %s: %s",
                            argv[0], strerror(errno));
    }
    if (child == 0) {
        /* Only async-signal-safe calls between fork and exec. */
        int input = open("/dev/null", O_RDONLY);
        int output = open(output_path, O_WRONLY | O_CREAT | O_APPEND, 0644);

        if (chdir("/") != 0 || input < 0 || output < 0 || dup2(input, 0) < 0 ||
            dup2(output, 1) < 0 || dup2(output, 2) < 0) {
            _exit(126);
        }
        execv(full[0], (char *const *)full);
        _exit(127);
    }
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            return server_error(error, error_size, PG_SERVER_SYSTEM,
                                "could not wait for %s: %s", argv[0], strerror(errno));
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return PG_SERVER_OK;
    }

    server_log_tail(explain_path, tail, sizeof(tail));
    return server_error(error, error_size, PG_SERVER_START_FAILED,
                        "%s %s with status %d; %s ends with:\n%s", argv[0],
                        WIFEXITED(status) ? "exited" : "was killed",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                        explain_path, tail);
}

/* ---- finding the programs ------------------------------------------------ */

/* Look for an executable name in the folders of PATH, then in extra
 * (NULL-terminated); store its path in out. */
static bool server_find_program(const char *name, const char *const extra[], char *out,
                                size_t size)
{
    const char *path_list = getenv("PATH");
    const char *start = path_list != NULL ? path_list : "";

    while (*start != '\0') {
        const char *end = strchr(start, ':');
        int length = end != NULL ? (int)(end - start) : (int)strlen(start);

        if (length > 0 && snprintf(out, size, "%.*s/%s", length, start, name) < (int)size &&
            access(out, X_OK) == 0) {
            return true;
        }
        start += length + (end != NULL ? 1 : 0);
    }
    for (int index = 0; extra[index] != NULL; index++) {
        if (snprintf(out, size, "%s/%s", extra[index], name) < (int)size &&
            access(out, X_OK) == 0) {
            return true;
        }
    }
    out[0] = '\0';
    return false;
}

/* Debian keeps initdb and pg_ctl out of PATH, in /usr/lib/postgresql/N/bin:
 * take the newest N that has both. */
static bool server_find_debian_bindir(char *out, size_t size)
{
    DIR *versions = opendir("/usr/lib/postgresql");
    struct dirent *entry;
    double newest = -1.0;

    out[0] = '\0';
    if (versions == NULL) {
        return false;
    }
    for (int entry_index = 0; entry_index < SERVER_SCAN_ENTRY_MAX; entry_index++) {
        char initdb[SERVER_SUBPATH_SIZE];
        char pg_ctl[SERVER_SUBPATH_SIZE];
        double version;

        entry = readdir(versions);
        if (entry == NULL) {
            break;
        }
        version = strtod(entry->d_name, NULL);
        snprintf(initdb, sizeof(initdb), "/usr/lib/postgresql/%.40s/bin/initdb", entry->d_name);
        snprintf(pg_ctl, sizeof(pg_ctl), "/usr/lib/postgresql/%.40s/bin/pg_ctl", entry->d_name);
        if (version > newest && access(initdb, X_OK) == 0 && access(pg_ctl, X_OK) == 0) {
            newest = version;
            snprintf(out, size, "/usr/lib/postgresql/%.40s/bin", entry->d_name);
        }
    }
    closedir(versions);
    return out[0] != '\0';
}

static pg_server_rc_t server_find_bindir(const char *bindir, char *out, size_t size,
                                         char *error, size_t error_size)
{
    static const char *const none[] = {NULL};
    char initdb[SERVER_SUBPATH_SIZE];

    if (bindir != NULL) {
        if (strlen(bindir) + sizeof("/pg_ctl") > size) {
            return server_error(error, error_size, PG_SERVER_MISSING,
                                "the PostgreSQL folder \"%s\" is longer than %zu characters; "
                                "name a shorter path or a symbolic link to it",
                                bindir, size - sizeof("/pg_ctl"));
        }
        snprintf(out, size, "%s", bindir);
        server_join(initdb, sizeof(initdb), bindir, "initdb");
        if (access(initdb, X_OK) != 0) {
            return server_error(error, error_size, PG_SERVER_MISSING,
                                "no initdb in the PostgreSQL folder \"%s\"; name the "
                                "folder that holds initdb and pg_ctl",
                                bindir);
        }
        return PG_SERVER_OK;
    }
    if (server_find_debian_bindir(out, size)) {
        return PG_SERVER_OK;
    }
    if (server_find_program("initdb", none, initdb, sizeof(initdb))) {
        snprintf(out, size, "%.*s", (int)(strrchr(initdb, '/') - initdb), initdb);
        return PG_SERVER_OK;
    }
    return server_error(error, error_size, PG_SERVER_MISSING,
                        "initdb and pg_ctl not found in /usr/lib/postgresql/*/bin or PATH; "
                        "install the postgresql package (scripts/install-deps.sh does)");
}

/* Find what start and stop run. need_pgbouncer is false for stop, which
 * ends PgBouncer by its pid. */
static pg_server_rc_t server_find_tools(const char *bindir, const char *pgbouncer_path,
                                        bool need_pgbouncer, server_tools_t *tools,
                                        char *error, size_t error_size)
{
    static const char *const sbin[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin", NULL};
    pg_server_rc_t rc;

    memset(tools, 0, sizeof(*tools));
    tools->as_root = geteuid() == 0;
    if (tools->as_root) {
        struct passwd *user = getpwnam(SERVER_RUN_USER);

        if (user == NULL) {
            return server_error(error, error_size, PG_SERVER_MISSING,
                                "running as root needs the \"%s\" system user, which does "
                                "not exist; install the postgresql package",
                                SERVER_RUN_USER);
        }
        tools->run_uid = user->pw_uid;
        tools->run_gid = user->pw_gid;
        if (!server_find_program("runuser", sbin, tools->runuser_path,
                                 sizeof(tools->runuser_path))) {
            return server_error(error, error_size, PG_SERVER_MISSING,
                                "runuser not found in PATH or /usr/sbin; install util-linux");
        }
    }

    rc = server_find_bindir(bindir, tools->bindir, sizeof(tools->bindir), error, error_size);
    if (rc != PG_SERVER_OK || !need_pgbouncer) {
        return rc;
    }
    if (pgbouncer_path != NULL && strlen(pgbouncer_path) >= sizeof(tools->pgbouncer_path)) {
        return server_error(error, error_size, PG_SERVER_MISSING,
                            "the pgbouncer path \"%s\" is longer than %zu characters; "
                            "name a shorter path or a symbolic link to it",
                            pgbouncer_path, sizeof(tools->pgbouncer_path) - 1);
    }
    if (pgbouncer_path != NULL) {
        snprintf(tools->pgbouncer_path, sizeof(tools->pgbouncer_path), "%s", pgbouncer_path);
    } else if (access("/usr/sbin/pgbouncer", X_OK) == 0) {
        snprintf(tools->pgbouncer_path, sizeof(tools->pgbouncer_path), "/usr/sbin/pgbouncer");
    } else {
        server_find_program("pgbouncer", sbin, tools->pgbouncer_path,
                            sizeof(tools->pgbouncer_path));
    }
    if (access(tools->pgbouncer_path, X_OK) != 0) {
        return server_error(error, error_size, PG_SERVER_MISSING,
                            "pgbouncer not found (\"%s\", /usr/sbin/pgbouncer, PATH); "
                            "install the pgbouncer package (scripts/install-deps.sh does)",
                            pgbouncer_path != NULL ? pgbouncer_path : "");
    }
    return PG_SERVER_OK;
}

/* ---- starting ------------------------------------------------------------ */

/* Write BASE/owner through a rename, so that a cleanup never reads half of
 * it (invariant 1). */
static pg_server_rc_t server_write_owner(const char *base, char *error, size_t error_size)
{
    char temporary[SERVER_SUBPATH_SIZE];
    char final[SERVER_SUBPATH_SIZE];
    unsigned long long start_ticks = 0;
    char state = '?';
    FILE *file;

    if (!server_start_ticks(getpid(), &start_ticks, &state)) {
        return server_error(error, error_size, PG_SERVER_SYSTEM,
                            "could not read this process's start time in /proc/%d/stat; "
                            "is /proc mounted?",
                            (int)getpid());
    }
    server_join(temporary, sizeof(temporary), base, "owner.tmp");
    server_join(final, sizeof(final), base, "owner");
    file = fopen(temporary, "wx");
    if (file == NULL) {
        return server_error(error, error_size, PG_SERVER_SYSTEM, "could not create %s: %s",
                            temporary, strerror(errno));
    }
    fprintf(file, "pid=%d start_ticks=%llu\n", (int)getpid(), start_ticks);
    if (fclose(file) != 0 || rename(temporary, final) != 0) {
        return server_error(error, error_size, PG_SERVER_SYSTEM, "could not write %s: %s",
                            final, strerror(errno));
    }
    return PG_SERVER_OK;
}

/* mkdir a folder of BASE that the server user owns, closed to others: the
 * cluster trusts every local connection, so only that user may reach the
 * sockets (root passes anyway). */
static pg_server_rc_t server_make_server_folder(const char *base, const char *leaf,
                                                const server_tools_t *tools, char *error,
                                                size_t error_size)
{
    char path[SERVER_SUBPATH_SIZE];

    server_join(path, sizeof(path), base, leaf);
    if (mkdir(path, 0700) != 0 ||
        (tools->as_root && chown(path, tools->run_uid, tools->run_gid) != 0)) {
        return server_error(error, error_size, PG_SERVER_SYSTEM, "could not create %s: %s",
                            path, strerror(errno));
    }
    return PG_SERVER_OK;
}

/* Create BASE with its owner file and its data, sock and run folders. On
 * failure BASE is removed again. */
static pg_server_rc_t server_make_base(pg_server_t *server, const server_tools_t *tools,
                                       char *error, size_t error_size)
{
    static const char *const leaves[] = {"data", "sock", "run"};
    pg_server_rc_t rc;
    int lock_fd = server_create_locked_base(server, error, error_size);

    if (lock_fd < 0) {
        return PG_SERVER_SYSTEM;
    }
    server->owner_pid = getpid();
    rc = server_write_owner(server->base_path, error, error_size);
    /* From here on the owner file tells a cleanup whether BASE is stale. */
    close(lock_fd);

    /* The server user must pass through BASE to reach its own folders. */
    if (rc == PG_SERVER_OK && chmod(server->base_path, 0755) != 0) {
        rc = server_error(error, error_size, PG_SERVER_SYSTEM, "could not chmod %s: %s",
                          server->base_path, strerror(errno));
    }
    for (size_t index = 0; rc == PG_SERVER_OK && index < sizeof(leaves) / sizeof(leaves[0]);
         index++) {
        rc = server_make_server_folder(server->base_path, leaves[index], tools, error,
                                       error_size);
    }
    if (rc != PG_SERVER_OK) {
        char ignored[PG_SERVER_ERROR_SIZE];

        server_stop_folder(server->base_path, NULL, 0, 0, ignored, sizeof(ignored));
        memset(server, 0, sizeof(*server));
    }
    return rc;
}

/*
 * mkdtemp BASE and lock it (flock on the folder) until the owner file is
 * written, so that a start killed in between leaves a folder that a cleanup
 * can recognise as unowned: no owner file, and a free lock. A cleanup
 * may take the folder between mkdtemp and the lock; the folder is then gone
 * (no links) and a new one is made. Returns the descriptor that holds the
 * lock, or -1 with error set.
 */
static int server_create_locked_base(pg_server_t *server, char *error, size_t error_size)
{
    struct stat info;

    for (int attempt = 0; attempt < SERVER_CREATE_TRY_MAX; attempt++) {
        int fd;

        snprintf(server->base_path, sizeof(server->base_path), "%s/%sXXXXXX",
                 PG_SERVER_TMP_DIR, PG_SERVER_FOLDER_PREFIX);
        if (mkdtemp(server->base_path) == NULL) {
            server_error(error, error_size, PG_SERVER_SYSTEM, "could not create a folder %s: %s",
                         server->base_path, strerror(errno));
            return -1;
        }
        fd = open(server->base_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            continue; /* removed already by a cleanup */
        }
        if (flock(fd, LOCK_EX) == 0 && fstat(fd, &info) == 0 && info.st_nlink > 0) {
            return fd;
        }
        close(fd);
    }
    server_error(error, error_size, PG_SERVER_SYSTEM,
                 "could not keep a new folder under %s: another cleanup removed %d in a row",
                 PG_SERVER_TMP_DIR, SERVER_CREATE_TRY_MAX);
    return -1;
}

/* True when a TCP socket listens on port (IPv4 or IPv6). The servers use
 * Unix sockets only, but a port that is free on TCP too stays safe if one
 * of them is ever put on loopback. */
static bool server_port_listening(int port)
{
    static const char *const tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};

    for (size_t table = 0; table < sizeof(tables) / sizeof(tables[0]); table++) {
        FILE *file = fopen(tables[table], "re");
        char line[256];

        if (file == NULL) {
            continue;
        }
        while (fgets(line, sizeof(line), file) != NULL) {
            unsigned int local_port = 0;
            unsigned int state = 0;

            /* "  0: 0100007F:1538 00000000:0000 0A ...": port and state in hex. */
            if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", &local_port,
                       &state) == 2 &&
                (int)local_port == port && state == 0x0A) {
                fclose(file);
                return true;
            }
        }
        fclose(file);
    }
    return false;
}

/* A port of PG_SERVER_PORT_FIRST..LAST that no TCP socket listens on and
 * that is not avoid; 0 when there is none. The search starts at an offset
 * of this process's id, so concurrent runs tend to take different ports,
 * which keeps their logs apart. */
static int server_choose_port(int avoid)
{
    const int span = PG_SERVER_PORT_LAST - PG_SERVER_PORT_FIRST + 1;
    const int offset = (int)(getpid() % span);

    for (int step = 0; step < span; step++) {
        int port = PG_SERVER_PORT_FIRST + (offset + step) % span;

        if (port != avoid && !server_port_listening(port)) {
            return port;
        }
    }
    return 0;
}

static pg_server_rc_t server_append_file(const char *path, const char *text, char *error,
                                         size_t error_size)
{
    FILE *file = fopen(path, "ae");

    if (file == NULL || fputs(text, file) < 0 || fclose(file) != 0) {
        if (file != NULL) {
            fclose(file);
        }
        return server_error(error, error_size, PG_SERVER_SYSTEM, "could not write %s: %s",
                            path, strerror(errno));
    }
    return PG_SERVER_OK;
}

static pg_server_rc_t server_start_postgres(pg_server_t *server, const server_tools_t *tools,
                                            char *error, size_t error_size)
{
    const char *base = server->base_path;
    char program[PG_SERVER_PATH_SIZE + 16];
    char data[SERVER_SUBPATH_SIZE], log[SERVER_SUBPATH_SIZE], output[SERVER_SUBPATH_SIZE];
    char path[SERVER_SUBPATH_SIZE], config[1024];
    pg_server_rc_t rc;

    server_join(data, sizeof(data), base, "data");
    server_join(program, sizeof(program), tools->bindir, "initdb");
    server_join(output, sizeof(output), base, "run/initdb.log");
    rc = server_run(tools,
                    (const char *const[]){program, "-D", data, "-U", "postgres", "-A", "trust",
                                          "-E", "UTF8", "--locale=C", "--no-sync", NULL},
                    output, output, error, error_size);
    if (rc != PG_SERVER_OK) {
        return rc;
    }

    /* Unix socket only; no fsync, because a throwaway cluster needs no
     * durability and a start or a decrement is faster without it. */
    snprintf(config, sizeof(config),
             "\n# barriersim managed server\n"
             "listen_addresses = ''\nunix_socket_directories = '%s/sock'\nport = %d\n"
             "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n",
             base, server->postgres_port);
    server_join(path, sizeof(path), data, "postgresql.conf");
    rc = server_append_file(path, config, error, error_size);
    if (rc != PG_SERVER_OK) {
        return rc;
    }

    server_join(program, sizeof(program), tools->bindir, "pg_ctl");
    server_join(log, sizeof(log), base, "run/postgres.log");
    server_join(output, sizeof(output), base, "run/pg_ctl.log");
    rc = server_run(tools,
                    (const char *const[]){program, "-D", data, "-l", log, "-w", "-t",
                                          SERVER_PG_CTL_WAIT_S, "start", NULL},
                    output, log, error, error_size);
    if (rc != PG_SERVER_OK) {
        return rc;
    }
    server_join(path, sizeof(path), data, "postmaster.pid");
    server->postmaster_pid = server_read_pid_file(path);
    if (server->postmaster_pid <= 0) {
        return server_error(error, error_size, PG_SERVER_START_FAILED,
                            "pg_ctl reported a start, but %s holds no pid", path);
    }
    return PG_SERVER_OK;
}

static pg_server_rc_t server_write_pgbouncer_files(const pg_server_t *server,
                                                   const pg_server_options_t *options,
                                                   char *error, size_t error_size)
{
    const char *base = server->base_path;
    char path[SERVER_SUBPATH_SIZE];
    char config[2048];
    pg_server_rc_t rc;

    /* With auth_type trust the user must still be listed in auth_file. */
    server_join(path, sizeof(path), base, "userlist.txt");
    rc = server_append_file(path, "\"postgres\" \"\"\n", error, error_size);
    if (rc != PG_SERVER_OK) {
        return rc;
    }

    /* An empty listen_addr opens no TCP socket. */
    snprintf(config, sizeof(config),
             "; barriersim managed PgBouncer: Unix socket only, transaction pooling.\n"
             "[databases]\n* = host=%s/sock port=%d\n\n[pgbouncer]\n"
             "listen_addr =\nlisten_port = %d\nunix_socket_dir = %s/sock\n"
             "auth_type = trust\nauth_file = %s/userlist.txt\npool_mode = transaction\n"
             "client_idle_timeout = %d.%03d\nidle_transaction_timeout = %d.%03d\n"
             "pidfile = %s/run/pgbouncer.pid\nlogfile = %s/run/pgbouncer.log\n",
             base, server->postgres_port, server->pgbouncer_port, base, base,
             options->client_idle_timeout_ms / 1000, options->client_idle_timeout_ms % 1000,
             options->idle_transaction_timeout_ms / 1000,
             options->idle_transaction_timeout_ms % 1000, base, base);
    server_join(path, sizeof(path), base, "pgbouncer.ini");
    return server_append_file(path, config, error, error_size);
}

/* Start PgBouncer as a daemon and wait until it accepts connections. */
static pg_server_rc_t server_start_pgbouncer(pg_server_t *server, const server_tools_t *tools,
                                             char *error, size_t error_size)
{
    const struct timespec interval = {0, SERVER_POLL_INTERVAL_MS * 1000000L};
    char config[SERVER_SUBPATH_SIZE], output[SERVER_SUBPATH_SIZE];
    char pid_path[SERVER_SUBPATH_SIZE], log[SERVER_SUBPATH_SIZE];
    char tail[SERVER_LOG_TAIL_SIZE + 1];
    pg_server_rc_t rc;

    server_join(config, sizeof(config), server->base_path, "pgbouncer.ini");
    server_join(output, sizeof(output), server->base_path, "run/pgbouncer-start.log");
    rc = server_run(tools,
                    (const char *const[]){tools->pgbouncer_path, "-d", "-q", config, NULL},
                    output, output, error, error_size);
    if (rc != PG_SERVER_OK) {
        return rc;
    }

    server_join(pid_path, sizeof(pid_path), server->base_path, "run/pgbouncer.pid");
    for (int poll = 0; poll <= SERVER_READY_WAIT_MS / SERVER_POLL_INTERVAL_MS; poll++) {
        server->pgbouncer_pid = server_read_pid_file(pid_path);
        if (server->pgbouncer_pid > 0 && PQping(server->pooled_conninfo) == PQPING_OK) {
            return PG_SERVER_OK;
        }
        nanosleep(&interval, NULL);
    }
    server_join(log, sizeof(log), server->base_path, "run/pgbouncer.log");
    server_log_tail(log, tail, sizeof(tail));
    return server_error(error, error_size, PG_SERVER_START_FAILED,
                        "PgBouncer did not answer on port %d within %d ms; %s ends with:\n%s",
                        server->pgbouncer_port, SERVER_READY_WAIT_MS, log, tail);
}

static pg_server_rc_t server_create_database(const pg_server_t *server, char *error,
                                             size_t error_size)
{
    char conninfo[PG_SERVER_CONNINFO_SIZE];
    PGconn *conn;
    pg_server_rc_t rc;

    snprintf(conninfo, sizeof(conninfo), "host=%s/sock port=%d dbname=postgres user=postgres",
             server->base_path, server->postgres_port);
    rc = server_connect(conninfo, &conn, error, error_size);
    if (rc != PG_SERVER_OK) {
        return rc;
    }
    rc = server_exec(conn, "CREATE DATABASE " PG_SERVER_DATABASE,
                     "create database " PG_SERVER_DATABASE, error, error_size);
    PQfinish(conn);
    return rc;
}

/* Everything of a start after BASE exists. On failure the caller stops
 * what runs and removes BASE. */
static pg_server_rc_t server_start_in_base(pg_server_t *server, const server_tools_t *tools,
                                           const pg_server_options_t *options,
                                           char *error, size_t error_size)
{
    pg_server_rc_t rc;

    snprintf(server->bindir, sizeof(server->bindir), "%s", tools->bindir);
    server->postgres_port = server_choose_port(0);
    server->pgbouncer_port = server_choose_port(server->postgres_port);
    if (server->postgres_port == 0 || server->pgbouncer_port == 0) {
        return server_error(error, error_size, PG_SERVER_START_FAILED,
                            "no two free ports in %d..%d; stop what listens there",
                            PG_SERVER_PORT_FIRST, PG_SERVER_PORT_LAST);
    }
    snprintf(server->direct_conninfo, sizeof(server->direct_conninfo),
             "host=%s/sock port=%d dbname=%s user=postgres", server->base_path,
             server->postgres_port, PG_SERVER_DATABASE);
    snprintf(server->pooled_conninfo, sizeof(server->pooled_conninfo),
             "host=%s/sock port=%d dbname=%s user=postgres", server->base_path,
             server->pgbouncer_port, PG_SERVER_DATABASE);

    rc = server_start_postgres(server, tools, error, error_size);
    if (rc == PG_SERVER_OK) {
        rc = server_create_database(server, error, error_size);
    }
    if (rc == PG_SERVER_OK) {
        rc = pg_server_create_schema(server->direct_conninfo, error, error_size);
    }
    if (rc == PG_SERVER_OK) {
        rc = server_write_pgbouncer_files(server, options, error, error_size);
    }
    if (rc == PG_SERVER_OK) {
        rc = server_start_pgbouncer(server, tools, error, error_size);
    }
    return rc;
}

/* ---- stopping and cleaning ----------------------------------------------- */

/* nftw callback: remove path, except base itself and its owner file, which
 * server_remove_base removes last. */
static int server_remove_entry(const char *path, const struct stat *info, int type,
                               struct FTW *walk)
{
    (void)info;
    (void)type;
    if (walk->level == 0 ||
        (walk->level == 1 && strcmp(path + walk->base, "owner") == 0)) {
        return 0;
    }
    return remove(path);
}

/* Stop the PgBouncer and the postmaster of base, each by the pid in its own
 * pid file (or the given one when that file is gone), and remove base. With
 * tools the postmaster is stopped with pg_ctl -m fast, otherwise with the
 * SIGINT that pg_ctl would send. base stays when a process did not stop,
 * because removing its files would leave that process running unseen. */
static pg_server_rc_t server_stop_folder(const char *base, const server_tools_t *tools,
                                         pid_t pgbouncer_pid, pid_t postmaster_pid,
                                         char *error, size_t error_size)
{
    char path[SERVER_SUBPATH_SIZE];
    char output[SERVER_SUBPATH_SIZE];
    pid_t pid;

    /* An empty or foreign base would match other programs' pids and files. */
    assert(server_is_base_path(base));
    server_join(path, sizeof(path), base, "run/pgbouncer.pid");
    pid = server_read_pid_file(path);
    pid = pid > 0 ? pid : pgbouncer_pid;
    if (!server_signal_and_wait(pid, base, SIGTERM)) {
        return server_error(error, error_size, PG_SERVER_STOP_FAILED,
                            "PgBouncer (pid %d) of %s did not stop within %d ms of SIGTERM; "
                            "end that pid, then remove the folder",
                            (int)pid, base, SERVER_STOP_WAIT_MS);
    }

    server_join(path, sizeof(path), base, "data/postmaster.pid");
    pid = server_read_pid_file(path);
    pid = pid > 0 ? pid : postmaster_pid;
    if (tools != NULL && pid > 0 && !server_process_gone(pid) &&
        server_pid_belongs(pid, base)) {
        char program[PG_SERVER_PATH_SIZE + 16];
        char data[SERVER_SUBPATH_SIZE];
        char ignored[PG_SERVER_ERROR_SIZE];

        /* A failure shows as a postmaster that is still there, below. */
        server_join(program, sizeof(program), tools->bindir, "pg_ctl");
        server_join(data, sizeof(data), base, "data");
        server_join(output, sizeof(output), base, "run/pg_ctl.log");
        server_run(tools,
                   (const char *const[]){program, "-D", data, "-m", "fast", "-w", "-t",
                                         SERVER_PG_CTL_WAIT_S, "stop", NULL},
                   output, output, ignored, sizeof(ignored));
    }
    if (!server_signal_and_wait(pid, base, SIGINT)) {
        return server_error(error, error_size, PG_SERVER_STOP_FAILED,
                            "postmaster (pid %d) of %s did not stop within %d ms; see "
                            "%s/run/postgres.log, end that pid, then remove the folder",
                            (int)pid, base, SERVER_STOP_WAIT_MS, base);
    }

    /* A start that was killed can leave initdb, pg_ctl or a server without
     * its pid file working in base. */
    if (server_stop_strays(base, error, error_size) != PG_SERVER_OK) {
        return PG_SERVER_STOP_FAILED;
    }
    return server_remove_base(base, error, error_size);
}

/* The base whose entries server_remove_entry removes; nftw passes no
 * context. Set only by server_remove_base, never in a signal handler. */
static const char *server_removing_base;

/*
 * Remove base with the owner file last: a removal killed half-way then
 * leaves a folder that still names its (dead) owner, or an empty one
 * without owner file, and the next cleanup finds either stale.
 */
static pg_server_rc_t server_remove_base(const char *base, char *error, size_t error_size)
{
    char owner[SERVER_SUBPATH_SIZE];
    int rc;

    server_join(owner, sizeof(owner), base, "owner");
    server_removing_base = base;
    rc = nftw(base, server_remove_entry, SERVER_NFTW_FD_MAX, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    server_removing_base = NULL;
    if ((rc != 0 && errno != ENOENT) || (unlink(owner) != 0 && errno != ENOENT) ||
        (rmdir(base) != 0 && errno != ENOENT)) {
        return server_error(error, error_size, PG_SERVER_STOP_FAILED,
                            "could not remove %s: %s; remove it by hand", base,
                            strerror(errno));
    }
    return PG_SERVER_OK;
}

/*
 * Stop every process whose command line names a path inside base (initdb
 * and pg_ctl with -D BASE/data, runuser running them, the postmaster, and
 * PgBouncer with BASE/pgbouncer.ini) with SIGTERM, and wait until each has
 * ended. Repeats while a sweep finds any, because a pg_ctl stopped late may
 * have forked its postmaster. The folder's name comes from mkdtemp, so no
 * other program names it; initdb's own postgres children do not, and end
 * when initdb does.
 */
static pg_server_rc_t server_stop_strays(const char *base, char *error, size_t error_size)
{
    for (int sweep = 0; sweep < 3; sweep++) {
        pid_t strays[SERVER_STRAY_MAX];
        int stray_count = 0;
        DIR *proc = opendir("/proc");
        struct dirent *entry;

        if (proc == NULL) {
            return server_error(error, error_size, PG_SERVER_SYSTEM,
                                "could not list /proc: %s", strerror(errno));
        }
        for (int index = 0; index < SERVER_SCAN_ENTRY_MAX && stray_count < SERVER_STRAY_MAX;
             index++) {
            long pid;

            entry = readdir(proc);
            if (entry == NULL) {
                break;
            }
            pid = strtol(entry->d_name, NULL, 10);
            if (pid > 0 && pid != (long)getpid() && !server_process_gone((pid_t)pid) &&
                server_pid_belongs((pid_t)pid, base) && kill((pid_t)pid, SIGTERM) == 0) {
                strays[stray_count++] = (pid_t)pid;
            }
        }
        closedir(proc);

        if (stray_count == 0) {
            return PG_SERVER_OK;
        }
        for (int index = 0; index < stray_count; index++) {
            if (!server_wait_gone(strays[index], SERVER_STOP_WAIT_MS)) {
                return server_error(error, error_size, PG_SERVER_STOP_FAILED,
                                    "process %d of %s did not stop within %d ms of SIGTERM; "
                                    "end that pid, then remove the folder",
                                    (int)strays[index], base, SERVER_STOP_WAIT_MS);
            }
        }
    }
    return server_error(error, error_size, PG_SERVER_STOP_FAILED,
                        "processes of %s kept starting; end them, then remove the folder",
                        base);
}

/* PG_SERVER_FOLDER_PREFIX followed by exactly mkdtemp's six letters and
 * digits. Async-signal-safe. */
static bool server_is_folder_name(const char *name)
{
    const size_t prefix_length = strlen(PG_SERVER_FOLDER_PREFIX);

    if (strncmp(name, PG_SERVER_FOLDER_PREFIX, prefix_length) != 0 ||
        strlen(name) != prefix_length + SERVER_SUFFIX_LENGTH) {
        return false;
    }
    for (size_t index = prefix_length; name[index] != '\0'; index++) {
        char c = name[index];

        /* Not isalnum(): the signal handler calls this, and locales are not
         * async-signal-safe. */
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
            return false;
        }
    }
    return true;
}

/* True for PG_SERVER_TMP_DIR/<a folder name of this module>.
 * Async-signal-safe. */
static bool server_is_base_path(const char *path)
{
    const size_t dir_length = strlen(PG_SERVER_TMP_DIR);

    return strncmp(path, PG_SERVER_TMP_DIR, dir_length) == 0 && path[dir_length] == '/' &&
           server_is_folder_name(path + dir_length + 1);
}

/* Read the owner file open on fd; true when it names a process that is
 * gone (invariant 1). A file that does not parse counts as alive: what
 * this module did not write is never touched. */
static bool server_owner_gone(int fd)
{
    char text[128];
    ssize_t length = read(fd, text, sizeof(text) - 1);
    int owner_pid = 0;
    unsigned long long owner_ticks = 0;
    unsigned long long ticks = 0;
    char state = '?';

    if (length <= 0) {
        return false;
    }
    text[length] = '\0';
    if (sscanf(text, "pid=%d start_ticks=%llu", &owner_pid, &owner_ticks) != 2 ||
        owner_pid <= 0) {
        return false;
    }
    if (!server_start_ticks((pid_t)owner_pid, &ticks, &state)) {
        return true;
    }
    return state == 'Z' || state == 'X' || ticks != owner_ticks;
}

/* Clean path when it is a stale folder of this user (invariant 1). An
 * exclusive lock on the owner file keeps two cleanups off one folder. */
static server_clean_t server_clean_candidate(const char *path, char *error,
                                             size_t error_size)
{
    char owner_path[SERVER_SUBPATH_SIZE];
    struct stat info;
    server_clean_t result = SERVER_SPARED;
    int fd;

    if (lstat(path, &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != geteuid()) {
        return SERVER_SPARED;
    }
    server_join(owner_path, sizeof(owner_path), path, "owner");
    fd = open(owner_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? server_clean_unowned(path, error, error_size)
                               : SERVER_SPARED;
    }
    if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_uid == geteuid() &&
        server_owner_gone(fd) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        fstat(fd, &info) == 0 && info.st_nlink > 0) {
        result = server_stop_folder(path, NULL, 0, 0, error, error_size) == PG_SERVER_OK
                     ? SERVER_REMOVED
                     : SERVER_FAILED;
    }
    close(fd);
    return result;
}

/*
 * A folder of ours without owner file: its start was killed before the owner
 * file was written, or its removal after the owner file was removed. Its
 * creator keeps a lock on the folder until the owner file exists, so a lock
 * that can be taken means that no process is creating it any more. Nothing was
 * started in it (invariant 1), but it is stopped like any folder in case.
 */
static server_clean_t server_clean_unowned(const char *path, char *error,
                                           size_t error_size)
{
    char owner_path[SERVER_SUBPATH_SIZE];
    server_clean_t result = SERVER_SPARED;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0) {
        return SERVER_SPARED;
    }
    server_join(owner_path, sizeof(owner_path), path, "owner");
    /* Once locked, the creator either finished (an owner file now exists,
     * and the next cleanup judges it by that) or is gone. */
    if (flock(fd, LOCK_EX | LOCK_NB) == 0 && access(owner_path, F_OK) != 0 &&
        errno == ENOENT) {
        result = server_stop_folder(path, NULL, 0, 0, error, error_size) == PG_SERVER_OK
                     ? SERVER_REMOVED
                     : SERVER_FAILED;
    }
    close(fd);
    return result;
}

/* ---- the signal handler -------------------------------------------------- */

/* Stop every registered server this process started, then die of signo by
 * its default action: the re-raised signal stays pending while the handler
 * runs (signo is blocked in it) and ends the process when it returns. */
static void server_on_signal(int signo)
{
    struct sigaction default_action = {.sa_handler = SIG_DFL};
    pid_t self = getpid();

    for (int slot = 0; slot < SERVER_SIGNAL_SLOT_MAX; slot++) {
        const pg_server_t *server = server_signal_slots[slot];

        if (server != NULL && server->kind == PG_SERVER_MANAGED && server->owner_pid == self) {
            server_stop_in_handler(server);
        }
    }
    sigemptyset(&default_action.sa_mask);
    sigaction(signo, &default_action, NULL);
    raise(signo);
}

/* Stop server from the signal handler as pg_server_stop() would, with
 * async-signal-safe calls only: signals instead of pg_ctl, and rm -rf
 * instead of nftw. */
static void server_stop_in_handler(const pg_server_t *server)
{
    char *const argv[] = {"rm", "-rf", "--", (char *)server->base_path, NULL};
    char *const envp[] = {NULL};
    pid_t child;

    if (!server_is_base_path(server->base_path) ||
        !server_signal_and_wait(server->pgbouncer_pid, server->base_path, SIGTERM) ||
        !server_signal_and_wait(server->postmaster_pid, server->base_path, SIGINT) ||
        server_rm_path[0] == '\0') {
        return; /* the next start finds the folder stale and retries */
    }
    child = fork();
    if (child == 0) {
        execve(server_rm_path, argv, envp);
        _exit(127);
    }
    while (child > 0 && waitpid(child, NULL, 0) < 0 && errno == EINTR) {
    }
}

/* ---- SQL ----------------------------------------------------------------- */

static void server_ignore_notice(void *arg, const char *message)
{
    /* "relation already exists, skipping" from every idempotent CREATE. */
    (void)arg;
    (void)message;
}

static void server_copy_libpq_error(const char *message, char *out, size_t size)
{
    snprintf(out, size, "%s", message);
    for (size_t length = strlen(out); length > 0 && out[length - 1] == '\n'; length--) {
        out[length - 1] = '\0';
    }
}

/* Write the host, port, database and user of conninfo for a message. The
 * user's conninfo may contain a password, which must not reach a log. */
static void server_describe_conninfo(const char *conninfo, char *out, size_t size)
{
    static const char *const shown[] = {"host", "hostaddr", "port", "dbname", "user"};
    PQconninfoOption *options = PQconninfoParse(conninfo, NULL);
    size_t length = 0;

    snprintf(out, size, "a conninfo that does not parse");
    if (options == NULL) {
        return;
    }
    out[0] = '\0';
    for (PQconninfoOption *option = options; option->keyword != NULL; option++) {
        for (size_t index = 0; index < sizeof(shown) / sizeof(shown[0]); index++) {
            if (option->val != NULL && strcmp(option->keyword, shown[index]) == 0 &&
                length < size) {
                length += (size_t)snprintf(out + length, size - length, "%s%s=%s",
                                           length > 0 ? " " : "", option->keyword,
                                           option->val);
            }
        }
    }
    PQconninfoFree(options);
}

static pg_server_rc_t server_connect(const char *conninfo, PGconn **conn_out,
                                     char *error, size_t error_size)
{
    char message[SERVER_MESSAGE_SIZE];
    char described[SERVER_MESSAGE_SIZE];
    PGconn *conn = PQconnectdb(conninfo);

    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        server_copy_libpq_error(conn != NULL ? PQerrorMessage(conn) : "out of memory",
                                message, sizeof(message));
        PQfinish(conn);
        server_describe_conninfo(conninfo, described, sizeof(described));
        return server_error(error, error_size, PG_SERVER_CONNECT_FAILED,
                            "could not connect to \"%s\": %s", described, message);
    }
    PQsetNoticeProcessor(conn, server_ignore_notice, NULL);
    *conn_out = conn;
    return PG_SERVER_OK;
}

static pg_server_rc_t server_exec(PGconn *conn, const char *sql, const char *what,
                                  char *error, size_t error_size)
{
    char message[SERVER_MESSAGE_SIZE];
    PGresult *res = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(res);

    PQclear(res);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        return PG_SERVER_OK;
    }
    server_copy_libpq_error(PQerrorMessage(conn), message, sizeof(message));
    return server_error(error, error_size, PG_SERVER_SQL_FAILED, "could not %s in %s: %s",
                        what, PQdb(conn), message);
}

static pg_server_rc_t server_exec_all(PGconn *conn, const char *const sqls[],
                                      const char *const whats[], int sql_count,
                                      char *error, size_t error_size)
{
    pg_server_rc_t rc = PG_SERVER_OK;

    for (int index = 0; rc == PG_SERVER_OK && index < sql_count; index++) {
        rc = server_exec(conn, sqls[index], whats[index], error, error_size);
    }
    return rc;
}
