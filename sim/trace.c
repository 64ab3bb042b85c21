/* trace — event records, their hash, and their text form. */
#include "trace.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/barrier.h"
#include "../faults/fault.h"
#include "../scenarios/scen.h"
#include "oracle.h"

static const char *const sim_event_names[] = {
#define SIM_EVENT_NAME(id, name) name,
    SIM_EVENT_MAP(SIM_EVENT_NAME)
#undef SIM_EVENT_NAME
};

static void sim_trace_hash_step(sim_trace_t *trace, const sim_event_t *e);
static int sim_trace_format_fields(const sim_event_t *e, char *buf, size_t size);

int sim_trace_create(sim_trace_t *trace)
{
    memset(trace, 0, sizeof(*trace));
    trace->hash_state = XXH3_createState();
    return trace->hash_state == NULL ? -1 : 0;
}

void sim_trace_destroy(sim_trace_t *trace)
{
    if (trace->hash_state != NULL) {
        XXH3_freeState(trace->hash_state);
        trace->hash_state = NULL;
    }
    free(trace->step_hashes);
    trace->step_hashes = NULL;
    trace->step_cap = 0;
}

void sim_trace_reset(sim_trace_t *trace, uint64_t seed, FILE *render,
                     const char *const *actor_names)
{
    XXH3_64bits_reset(trace->hash_state);
    trace->seed = seed;
    trace->event_count = 0;
    trace->buffered = 0;
    trace->render = render;
    trace->actor_names = actor_names;
    if (trace->step_count > 0) {
        memset(trace->step_hashes, 0, trace->step_count * sizeof(trace->step_hashes[0]));
    }
    trace->step_count = 0;
}

void sim_trace__record(sim_trace_t *trace, const sim_event_t *e)
{
    if (trace->step_hashing) {
        sim_trace_hash_step(trace, e);
    }

    if (trace->render != NULL) {
        char line[256];

        sim_trace_format(trace, e, line, sizeof(line));
        fprintf(trace->render, "%s\n", line);
    }
}

uint64_t sim_trace_finish(sim_trace_t *trace)
{
    sim_trace__flush(trace);
    return XXH3_64bits_digest(trace->hash_state);
}

void sim_trace_format(const sim_trace_t *trace, const sim_event_t *event,
                      char *buf, size_t buf_size)
{
    int used = snprintf(buf, buf_size,
                        "seed=%" PRIu64 " step=%" PRIu32 " t_us=%" PRId64
                        " actor=%s event=%s",
                        trace->seed, event->step, event->t_us,
                        trace->actor_names[event->actor],
                        sim_event_names[event->kind]);

    if (used > 0 && (size_t)used < buf_size) {
        sim_trace_format_fields(event, buf + used, buf_size - (size_t)used);
    }
}

/* Chain the record into its step's hash; the array grows in doublings, and
 * only a determinism check turns this on. Out of memory stops hashing. */
static void sim_trace_hash_step(sim_trace_t *trace, const sim_event_t *e)
{
    if (e->step >= trace->step_cap) {
        uint32_t cap = trace->step_cap == 0 ? 1024 : trace->step_cap;
        uint64_t *grown;

        while (cap <= e->step) {
            cap *= 2;
        }
        grown = realloc(trace->step_hashes, cap * sizeof(grown[0]));
        if (grown == NULL) {
            trace->step_hashing = false;
            return;
        }
        memset(grown + trace->step_cap, 0, (cap - trace->step_cap) * sizeof(grown[0]));
        trace->step_hashes = grown;
        trace->step_cap = cap;
    }
    trace->step_hashes[e->step] =
        XXH3_64bits_withSeed(e, sizeof(*e), trace->step_hashes[e->step]);
    if (e->step >= trace->step_count) {
        trace->step_count = e->step + 1;
    }
}

void sim_trace_fields(const sim_event_t *event, char *buf, size_t buf_size)
{
    buf[0] = '\0';
    sim_trace_format_fields(event, buf, buf_size);
}

const char *sim_event_name(sim_event_kind_t kind)
{
    assert(kind >= 0 && kind < SIM_EV_COUNT);
    return sim_event_names[kind];
}

void sim_trace__flush(sim_trace_t *trace)
{
    if (trace->buffered > 0) {
        XXH3_64bits_update(trace->hash_state, trace->buffer,
                           (size_t)trace->buffered * sizeof(trace->buffer[0]));
        trace->buffered = 0;
    }
}

static const char *sim_trace_stmt(int32_t id)
{
    return id >= 0 && id < STMT_COUNT ? stmt_label((stmt_id_t)id) : "?";
}

/* The key=value fields of each event kind; the meaning of a..d per kind. */
static int sim_trace_format_fields(const sim_event_t *e, char *buf, size_t size)
{
    static const char *const api_ops[] = {"read_status", "write_executing",
                                          "mark_error"};
    static const char *const statuses[] = {"EXECUTING", "ERROR", "COMPLETED"};
    static const char *const queue_ops[] = {"enqueue", "take", "ack", "release",
                                            "drop", "ack_lost", "lease_lapse"};
    static const char *const api_results[] = {"ok", "failed", "unconfirmed",
                                              "applied_unconfirmed"};
    static const char *const abort_reasons[] = {"rollback", "close",
                                                "dead_peer_noticed"};

    switch ((sim_event_kind_t)e->kind) {
    case SIM_EV_TASK_BEGIN:
        return snprintf(buf, size, " kind=%s batch=%d delivery=%d msg=%" PRId64,
                        e->a == 0 ? "header" : "link", e->b, e->c, e->d);
    case SIM_EV_TASK_END:
        return snprintf(buf, size, " kind=%s batch=%d disposition=%s msg=%" PRId64,
                        e->a == 0 ? "header" : "link", e->b,
                        e->c == 0 ? "ack" : "redeliver", e->d);
    case SIM_EV_TASK_RETRY:
        return snprintf(buf, size, " batch=%d retry=%d countdown_us=%" PRId64, e->a,
                        e->b, e->d);
    case SIM_EV_CONNECT:
        return snprintf(buf, size, " conn=%d", e->a);
    case SIM_EV_SEND:
        return snprintf(buf, size, " conn=%d txn_stmt=%s point=%s stmt=%s", e->a,
                        sim_trace_stmt(e->b), fault_point_name((fault_point_t)e->c),
                        sim_trace_stmt((int32_t)e->d));
    case SIM_EV_REAPED:
        return snprintf(buf, size, " conn=%d idle_us=%" PRId64, e->a, e->d);
    case SIM_EV_FAULT:
        return snprintf(buf, size, " conn=%d txn_stmt=%s point=%s fault=%s", e->a,
                        sim_trace_stmt(e->b), fault_point_name((fault_point_t)e->c),
                        fault_kind_name((fault_kind_t)e->d));
    case SIM_EV_SERVER_EXEC:
        return snprintf(buf, size, " txn=%d stmt=%s rows=%d value=%" PRId64, e->a,
                        sim_trace_stmt(e->b), e->c, e->d);
    case SIM_EV_LOCK_WAIT:
        return snprintf(buf, size, " txn=%d stmt=%s holder_txn=%d", e->a,
                        sim_trace_stmt(e->b), e->c);
    case SIM_EV_TXN_COMMIT:
        return snprintf(buf, size, " txn=%d conn=%d durable=1", e->a, e->b);
    case SIM_EV_TXN_ABORT:
        return snprintf(buf, size, " txn=%d conn=%d reason=%s", e->a, e->b,
                        abort_reasons[e->c % 3]);
    case SIM_EV_ZOMBIE:
        return snprintf(buf, size, " txn=%d conn=%d rollback_at_us=%" PRId64, e->a,
                        e->b, e->d);
    case SIM_EV_REPLY:
        return snprintf(buf, size, " conn=%d stmt=%s seen=%s value=%" PRId64, e->a,
                        sim_trace_stmt(e->b), conn_status_name((conn_status_t)e->c),
                        e->d);
    case SIM_EV_CORE:
        return snprintf(buf, size, " log=%s stmt=%s rc=%s attempt=%d value=%" PRId64,
                        core_log_name((core_log_kind_t)e->a), sim_trace_stmt(e->b),
                        core_rc_name((core_rc_t)(e->c & 0xffff)), e->c >> 16, e->d);
    case SIM_EV_API:
        return snprintf(buf, size, " op=%s status=%s result=%s", api_ops[e->a % 3],
                        statuses[e->b % 3], api_results[e->c % 4]);
    case SIM_EV_FIRE:
        return snprintf(buf, size, " results=%d fire=%d f13_variant=%d callback_id=%" PRId64,
                        e->a, e->b, e->c, e->d);
    case SIM_EV_CALLBACK:
        return snprintf(buf, size, " callback=%d status_before=%s", e->a,
                        statuses[e->b % 3]);
    case SIM_EV_SLEEP:
        return snprintf(buf, size, " duration_us=%" PRId64, e->d);
    case SIM_EV_WORK:
        return snprintf(buf, size, " batch=%d delivery=%d duration_us=%" PRId64,
                        e->a, e->b, e->d);
    case SIM_EV_QUEUE:
        return snprintf(buf, size, " op=%s msg=%d batch=%d", queue_ops[e->a % 7],
                        e->b, e->c);
    case SIM_EV_VIOLATION:
        return snprintf(buf, size, " property=%s", sim_prop_name((sim_prop_t)e->a));
    case SIM_EV_END:
        return snprintf(buf, size, " outcome=%s fires=%d quiescent=%d",
                        scen_outcome_name((scen_outcome_t)e->a), e->b, e->c);
    case SIM_EV_RESTART:
    case SIM_EV_COUNT:
        break;
    }
    return 0;
}
