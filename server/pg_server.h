/*
 * pg_server — the PostgreSQL server of the real-server runs: a throwaway
 * PostgreSQL with a PgBouncer in front that the tool starts and stops
 * itself, or a server the user names with --pg.
 *
 * A managed server lives in one folder, /tmp/barriersim-managed.XXXXXX
 * (mkdtemp). PostgreSQL and PgBouncer both listen on Unix sockets in
 * BASE/sock only. As root, initdb, pg_ctl and pgbouncer run as the postgres
 * system user through `runuser -u postgres --`, because they refuse to run
 * as root.
 *
 *   BASE/owner          "pid=P start_ticks=T": the process that owns BASE
 *   BASE/data/          the cluster, with the postmaster's pid in postmaster.pid
 *   BASE/sock/          .s.PGSQL.<postgres port>, .s.PGSQL.<pgbouncer port>
 *   BASE/run/           pgbouncer.pid and every log
 *   BASE/pgbouncer.ini, BASE/userlist.txt
 *
 * This module lives outside faults/ because it needs the wall clock (to poll
 * for a process to end) and getpid() (to tell its owner from forked
 * children), which `make lint` forbids in run code.
 *
 * Invariants:
 *  1. BASE/owner is written, by rename, before any server starts, and the
 *     creator holds an flock on BASE from mkdtemp until then. BASE/owner is
 *     removed last, after everything else in BASE. A folder is stale only
 *     when its name matches the pattern, it belongs to this user, and either
 *     its owner file (of this user) names a process that is gone (no such
 *     pid, a zombie, or a pid with another start time), or it has no owner
 *     file and its lock is free (a start or a removal killed half-way).
 *     pg_server_clean_stale() touches stale folders only.
 *  2. A server is stopped by the pid in its own pid file, and only while
 *     /proc/PID/cmdline names a path inside its BASE, so a pid that was
 *     reused by another program is left alone. Then every other process
 *     whose command line names a path inside BASE (initdb or pg_ctl of a
 *     start that was killed) gets SIGTERM. Nothing is ever stopped by name.
 *  3. Ports come from PG_SERVER_PORT_FIRST..PG_SERVER_PORT_LAST, which
 *     leaves out 5432 and 6432 (the Debian packages' own server and pooler).
 *  4. A server taken with pg_server_use_external() is never stopped, and
 *     nothing in it is dropped or altered, except the objects of schema
 *     barriersim when the caller asks for pg_server_create_schema() or
 *     pg_server_reset_tables().
 *  5. pg_server_stop() is idempotent, and a stopped pg_server_t holds
 *     kind PG_SERVER_NONE; a zero-initialised one is stopped.
 */
#ifndef BARRIERSIM_PG_SERVER_H
#define BARRIERSIM_PG_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#define PG_SERVER_TMP_DIR "/tmp"
#define PG_SERVER_FOLDER_PREFIX "barriersim-managed."
#define PG_SERVER_DATABASE "barriersim"
#define PG_SERVER_SCHEMA "barriersim"
#define PG_SERVER_PORT_FIRST 55600
#define PG_SERVER_PORT_LAST 55899

/* BASE is /tmp/barriersim-managed.XXXXXX; the longest socket path,
 * BASE/sock/.s.PGSQL.NNNNN, must fit sun_path (108 bytes). */
#define PG_SERVER_PATH_SIZE 128
#define PG_SERVER_CONNINFO_SIZE 1024
#define PG_SERVER_ERROR_SIZE 1024 /* enough for any message of this module */

_Static_assert(PG_SERVER_PORT_LAST < 65536, "a port is 16 bits");
_Static_assert(PG_SERVER_PORT_FIRST > 6432 || PG_SERVER_PORT_LAST < 5432,
               "the port range must leave out 5432 and 6432");

/* Results; 0 is success. */
#define PG_SERVER_RC_LIST(X)                                                   \
    X(PG_SERVER_OK, "ok")                                                      \
    X(PG_SERVER_MISSING, "a program or the postgres user is missing")          \
    X(PG_SERVER_SYSTEM, "a system call failed")                                \
    X(PG_SERVER_START_FAILED, "a server did not start")                        \
    X(PG_SERVER_CONNECT_FAILED, "could not connect")                           \
    X(PG_SERVER_SQL_FAILED, "a statement failed")                              \
    X(PG_SERVER_STOP_FAILED, "a server did not stop")                          \
    X(PG_SERVER_FULL, "too many servers registered for signals")

typedef enum {
#define PG_SERVER_RC_ENUM(name, message) name,
    PG_SERVER_RC_LIST(PG_SERVER_RC_ENUM)
#undef PG_SERVER_RC_ENUM
} pg_server_rc_t;

typedef enum {
    PG_SERVER_NONE = 0, /* nothing started or taken, or stopped */
    PG_SERVER_MANAGED,  /* started here; stop ends it and removes BASE */
    PG_SERVER_EXTERNAL, /* the user's; stop only clears this struct */
} pg_server_kind_t;

/* What pg_server_start() starts. A zero-initialised value (or NULL) gives
 * the defaults. */
typedef struct {
    /* PgBouncer's client_idle_timeout: a client idle between transactions
     * for longer is disconnected (the F1 idle reap). 0: never. */
    int client_idle_timeout_ms;
    /* PgBouncer's idle_transaction_timeout: a client idle inside a
     * transaction for longer is disconnected. 0: never. */
    int idle_transaction_timeout_ms;
    /* Folder of initdb and pg_ctl. NULL: the newest /usr/lib/postgresql/N/bin,
     * then PATH. */
    const char *bindir;
    /* The pgbouncer program. NULL: /usr/sbin/pgbouncer, then PATH. */
    const char *pgbouncer_path;
} pg_server_options_t;

typedef struct {
    pg_server_kind_t kind;
    /* libpq conninfo straight to PostgreSQL, and through PgBouncer; the
     * latter is "" for an external server given without a pooler. */
    char direct_conninfo[PG_SERVER_CONNINFO_SIZE];
    char pooled_conninfo[PG_SERVER_CONNINFO_SIZE];
    /* Managed only. */
    char base_path[PG_SERVER_PATH_SIZE];
    char bindir[PG_SERVER_PATH_SIZE];
    int postgres_port;
    int pgbouncer_port;
    pid_t postmaster_pid;
    pid_t pgbouncer_pid;
    pid_t owner_pid; /* the process that started it */
    /* Why the last pg_server_stop() failed; "" after a success. */
    char error[PG_SERVER_ERROR_SIZE];
} pg_server_t;

/* Start a managed server: clean stale folders of earlier runs, create BASE,
 * run initdb, start PostgreSQL and PgBouncer, create database barriersim and
 * its schema, and fill server's conninfos. options may be NULL. On failure
 * everything started is stopped, BASE is removed, server is left stopped and
 * error contains the reason with the last lines of the log that explains it.
 * Takes about 1.5 s. */
pg_server_rc_t pg_server_start(pg_server_t *server, const pg_server_options_t *options,
                               char *error, size_t error_size);

/* Take the user's server instead: conninfo goes straight to PostgreSQL,
 * pooled_conninfo (may be NULL) through the user's pooler. Checks that
 * conninfo parses and connects; creates and changes nothing. */
pg_server_rc_t pg_server_use_external(pg_server_t *server, const char *conninfo,
                                      const char *pooled_conninfo, char *error,
                                      size_t error_size);

/* Stop a managed server: PgBouncer by its pid (SIGTERM), then PostgreSQL
 * with pg_ctl -m fast stop. Wait until both have ended (a zombie counts as
 * ended), then remove BASE. For an external server, only clear the struct.
 * On failure server->error contains the reason and BASE stays, so that the
 * next start's stale cleanup can retry. Idempotent. */
pg_server_rc_t pg_server_stop(pg_server_t *server);

/* Stop server when the process gets SIGINT or SIGTERM, then die of that
 * signal with its default action. Call it after pg_server_start(). Up to
 * four servers can be registered at once, and pg_server_stop() unregisters
 * one. The handler uses only async-signal-safe calls. It sends SIGTERM to
 * PgBouncer and SIGINT to the postmaster (what pg_ctl -m fast stop sends),
 * and polls /proc with open/read and nanosleep for at most 10 s each. Then
 * it runs rm -rf BASE with fork/execve/waitpid and re-raises the signal.
 * It acts only in the process that started the server, never in a forked
 * child. NOTE: in a threaded program, block both signals in every other
 * thread, or the handler can run while a thread stops the same server. */
pg_server_rc_t pg_server_stop_on_signal(pg_server_t *server);

/* Remove the folders of earlier runs whose owner is gone (invariant 1),
 * stopping their PgBouncer and postmaster first. removed_count_out may be
 * NULL. A folder that cannot be cleaned is left for the next call, and
 * error then gives the reason. */
pg_server_rc_t pg_server_clean_stale(int *removed_count_out, char *error,
                                     size_t error_size);

/* Create what is missing of scripts/schema.sql (schema barriersim) in the
 * database conninfo names, in one transaction under an advisory lock, so
 * that concurrent callers do not collide. Idempotent. The SQL is
 * scripts/schema.sql itself, embedded at build time. */
pg_server_rc_t pg_server_create_schema(const char *conninfo, char *error,
                                       size_t error_size);

/* Empty every table of schema barriersim (TRUNCATE ... RESTART IDENTITY) and
 * restore the rows the schema seeds (the free reaper lease), in one
 * transaction. Touches no other schema. */
pg_server_rc_t pg_server_reset_tables(const char *conninfo, char *error,
                                      size_t error_size);

/* The name and the message of a result, for logs and errors. */
const char *pg_server_rc_name(pg_server_rc_t rc);
const char *pg_server_rc_message(pg_server_rc_t rc);

#endif
