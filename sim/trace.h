/*
 * trace — one record per event, hashed into the run's 64-bit trace hash.
 *
 * Records are fixed-size integers (no pointers, no wall-clock time), so the
 * hash depends only on what happened. Rendering a record as a text line
 * (seed= step= t_us= actor= event= key=value...) is done only when a trace is
 * requested, which keeps sweeps fast.
 *
 * Invariants:
 *  1. Every byte of a record is set (explicit padding), so the hash never
 *     reads uninitialised memory.
 *  2. The hash covers every record of the run, in order.
 */
#ifndef BARRIERSIM_TRACE_H
#define BARRIERSIM_TRACE_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <xxhash.h>

/* X(id, name): what happened; fields a..d per kind are listed in trace.c. */
#define SIM_EVENT_MAP(X)                                                       \
    X(TASK_BEGIN, "task_begin")                                                \
    X(TASK_END, "task_end")                                                    \
    X(TASK_RETRY, "task_retry")                                                \
    X(RESTART, "restart")                                                      \
    X(CONNECT, "connect")                                                      \
    X(SEND, "send")                                                            \
    X(REAPED, "reaped")                                                        \
    X(FAULT, "fault")                                                          \
    X(SERVER_EXEC, "server_exec")                                              \
    X(LOCK_WAIT, "lock_wait")                                                  \
    X(TXN_COMMIT, "txn_commit")                                                \
    X(TXN_ABORT, "txn_abort")                                                  \
    X(ZOMBIE, "zombie")                                                        \
    X(REPLY, "reply")                                                          \
    X(CORE, "core")                                                            \
    X(API, "api")                                                              \
    X(FIRE, "fire")                                                            \
    X(CALLBACK, "callback_run")                                                \
    X(SLEEP, "sleep")                                                          \
    X(WORK, "work")                                                            \
    X(QUEUE, "queue")                                                          \
    X(VIOLATION, "violation")                                                  \
    X(END, "end")

typedef enum {
#define SIM_EVENT_ENUM(id, name) SIM_EV_##id,
    SIM_EVENT_MAP(SIM_EVENT_ENUM)
#undef SIM_EVENT_ENUM
    SIM_EV_COUNT
} sim_event_kind_t;

typedef struct {
    uint32_t step;
    uint16_t actor;
    uint16_t kind;
    int64_t t_us;
    int32_t a;
    int32_t b;
    int32_t c;
    int32_t pad;     /* always 0 */
    int64_t d;
} sim_event_t;

_Static_assert(sizeof(sim_event_t) == 40, "sim_event_t must have no implicit padding");

#define SIM_TRACE_BUFFER 1024

typedef struct {
    XXH3_state_t *hash_state;
    uint64_t seed;
    uint64_t event_count;
    int buffered;
    sim_event_t buffer[SIM_TRACE_BUFFER];
    FILE *render;            /* NULL: no text trace */
    const char *const *actor_names;
    bool step_hashing;       /* keep a hash per step (replay --check) */
    uint64_t *step_hashes;   /* [step]: hash of that step's records, chained */
    uint32_t step_cap;
    uint32_t step_count;     /* steps hashed so far: the highest step + 1 */
} sim_trace_t;

int sim_trace_create(sim_trace_t *trace);
void sim_trace_destroy(sim_trace_t *trace);
void sim_trace_reset(sim_trace_t *trace, uint64_t seed, FILE *render,
                     const char *const *actor_names);
/* Hash the buffered records and empty the buffer (sim_trace_emit). */
void sim_trace__flush(sim_trace_t *trace);
/* The per-step hash and the text line of a record (sim_trace_emit). */
void sim_trace__record(sim_trace_t *trace, const sim_event_t *e);

/* Record an event. Returns the record, valid until the next emit. Inline
 * because every step emits: the common case is one buffered copy. */
static inline const sim_event_t *sim_trace_emit(sim_trace_t *trace, uint32_t step,
                                                int64_t t_us, int actor,
                                                sim_event_kind_t kind, int32_t a,
                                                int32_t b, int32_t c, int64_t d)
{
    sim_event_t *e;

    assert(actor >= 0);
    assert(kind >= 0);
    assert(kind < SIM_EV_COUNT);
    if (trace->buffered == SIM_TRACE_BUFFER) {
        sim_trace__flush(trace);
    }
    e = &trace->buffer[trace->buffered++];
    e->step = step;
    e->actor = (uint16_t)actor;
    e->kind = (uint16_t)kind;
    e->t_us = t_us;
    e->a = a;
    e->b = b;
    e->c = c;
    e->pad = 0;
    e->d = d;
    trace->event_count++;
    if (trace->step_hashing || trace->render != NULL) {
        sim_trace__record(trace, e);
    }
    return e;
}
uint64_t sim_trace_finish(sim_trace_t *trace);

/* The key=value fields of a record (" conn=3 stmt=Q-DEC ..."), without the
 * common prefix. */
void sim_trace_fields(const sim_event_t *event, char *buf, size_t buf_size);
const char *sim_event_name(sim_event_kind_t kind);

/* Render one record as a text line (no newline). */
void sim_trace_format(const sim_trace_t *trace, const sim_event_t *event,
                      char *buf, size_t buf_size);

#endif
