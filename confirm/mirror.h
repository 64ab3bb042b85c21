/*
 * mirror — run a simulated run's server-side actions on a real PostgreSQL
 * server at the same moments, and compare each reply.
 *
 * The simulator stays in charge: its scheduler, choices and faults decide
 * everything, and the mirror follows through the hooks of sim_mirror_ops_t.
 * One real connection stands for each simulated connection. Each fault takes
 * its real mechanism:
 *  - a statement lost before the server is not sent;
 *  - a reply lost after it is read and dropped, and the client then
 *    abandons the connection;
 *  - a backend that outlives its client (a zombie) keeps its transaction
 *    and locks open until the simulated backend notices, when
 *    pg_terminate_backend ends it;
 *  - an idle reap and F9 are pg_terminate_backend too;
 *  - F6 is a server-raised error with the same SQLSTATE.
 * A statement the simulator says waits for a row lock is sent without
 * waiting, and the real backend must show up as blocked (pg_blocking_pids).
 *
 * Where PostgreSQL itself is not deterministic, the mirror says so instead
 * of reporting a disagreement: when a row's updater ends and two or more
 * backends wait behind it, the first takes the tuple lock and the others
 * re-check the row after each update (EvalPlanQual), racing each other. The
 * simulator serves them in arrival order, one of the orders PostgreSQL can
 * produce; when the real server picked another, a statement the simulator
 * ran finds its row locked by a mirrored backend that sits idle in its
 * transaction, waiting for the mirror, or by a chain of waiters behind one
 * (blocked for a second). The run then stops as a lock race.
 *
 * Invariants:
 *  1. The mirror never changes the simulated run: with or without it, a
 *     seed gives the same trace hash.
 *  2. Every difference between a simulated and a real reply is recorded
 *     with its step; a failure of the real server itself (it cannot be
 *     reached, a reply does not come in time) is recorded apart, as an
 *     environment error, not as a disagreement.
 */
#ifndef BARRIERSIM_MIRROR_H
#define BARRIERSIM_MIRROR_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../sim/world.h"

#define CONFIRM_DIFF_MAX 32
#define CONFIRM_TEXT_SIZE 96

/* One reply that differs. */
typedef struct {
    uint32_t step;
    int conn_id;
    stmt_id_t stmt;
    char sim[CONFIRM_TEXT_SIZE];
    char real[CONFIRM_TEXT_SIZE];
} confirm_diff_t;

typedef struct {
    PGconn *conn;
    int pid;
    bool abandoned;           /* the client's socket broke */
    bool pending;             /* a statement was sent and its reply not read */
    bool batched;             /* it went as BEGIN; statement; COMMIT */
} confirm_link_t;

typedef struct {
    const char *conninfo;
    PGconn *admin;            /* terminates backends, watches locks */
    sim_world_t *world;       /* for the step and the transcript */
    confirm_link_t links[SIM_CONN_MAX];
    int statements;           /* replies compared */
    int diff_count;           /* differences, also past CONFIRM_DIFF_MAX */
    confirm_diff_t diffs[CONFIRM_DIFF_MAX];
    bool env_failed;          /* the real server failed the mirror */
    char env_error[256];
    bool lock_race;           /* competing lock waiters were served in another order */
    bool stopped;             /* mirroring stopped: env_failed or lock_race */
} confirm_mirror_t;

extern const sim_mirror_ops_t confirm_mirror_ops;

/* Connect the admin connection. Returns 0, or -1 with a message. */
int confirm_mirror_open(confirm_mirror_t *mirror, const char *conninfo, sim_world_t *world,
                        char *error, size_t error_size);

/* Close every run connection and empty the barrier tables (identities
 * restart, so queue message ids match the simulator's). Returns 0 or -1
 * with env_error set. */
int confirm_mirror_reset(confirm_mirror_t *mirror);

void confirm_mirror_close(confirm_mirror_t *mirror);

#endif
