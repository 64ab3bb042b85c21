/*
 * reaper — the leader-elected sweep that recovers stranded barriers.
 *
 * One tick renews the leader lease, or tries to take it. As leader, it then
 * finds a barrier row whose last progress is older than the stuck timeout or
 * whose expiry passed, and reads the execution's status. A terminal or
 * missing execution is cleaned up. Otherwise the tick re-checks the row,
 * marks ERROR and deletes the row with the stranded predicate repeated in
 * the DELETE.
 *
 * Invariants:
 *  1. Never mark on an unconfirmed status read: a failed read leaves the
 *     row for the next tick.
 *  2. Never delete a row whose mark was unconfirmed.
 *  3. Never fire a callback: a row stuck at 0 ends ERROR.
 *  4. The DELETE repeats the stranded predicate, so a row that progressed
 *     or was re-armed since the SELECT is left alone.
 */
#ifndef BARRIERSIM_REAPER_H
#define BARRIERSIM_REAPER_H

#include <stdbool.h>
#include <stdint.h>

#include "barrier.h"

#define CORE_REAPER_SWEEP_PERIOD_S 300

typedef struct {
    const char *leader_id;
    int64_t stuck_timeout_s;
    int64_t lease_s;
    int64_t retention_s;      /* markers older than this are deleted */
    bool is_leader;
    int64_t sweep_due_us;     /* next 300 s sweep; 0 = at the first leader tick */
} core_reaper_t;

/* What one sweep did; a tick sweeps at most one row. */
typedef enum {
    CORE_SWEEP_NOT_LEADER,
    CORE_SWEEP_NOTHING,        /* no stranded row */
    CORE_SWEEP_SKIPPED,        /* no org, no status, or no longer stranded */
    CORE_SWEEP_CLEANED,        /* terminal or gone: row removed, no mark */
    CORE_SWEEP_RECOVERED,      /* marked ERROR, row removed */
    CORE_SWEEP_FAILED,         /* read, mark or delete failed: row kept */
    CORE_SWEEP_ABORTED,        /* the SELECT failed: the rest of the tick is skipped */
} core_sweep_t;

/* Run one tick at now_us (the caller's clock, used only to space the
 * 300 s sweeps). Returns CORE_OK with *sweep_out, or the lease statement's
 * failure (the reaper has then stepped down). */
core_rc_t core_reaper_tick(core_ctx_t *ctx, core_reaper_t *reaper, int64_t now_us,
                           core_sweep_t *sweep_out);

const char *core_sweep_name(core_sweep_t sweep);

#endif
