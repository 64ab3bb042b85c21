/*
 * choice — the choices a run makes, as a tape that can be recorded and
 * followed.
 *
 * Every decision the simulator takes from chance goes through one of the
 * functions below: which runnable actor runs, how long a hop or a batch's
 * work takes, which fault strikes at a point and in which form, whether a
 * worker restarts. Without a tape they draw from the seed as before, so a
 * sweep pays one branch. With a tape they also append what they chose, and a
 * tape that follows an earlier sequence takes each class's values from it
 * in order instead of drawing. A value of 0 is always the simplest choice
 * (the earliest actor, the shortest time, no fault), so a shrinker moves
 * values towards 0 and a followed sequence that runs out continues with 0.
 *
 * Invariants:
 *  1. Recording never changes a run: with no sequence to follow, a choice is
 *     the same draw from the same stream as without a tape.
 *  2. Following the sequence a run recorded reproduces that run exactly.
 *  3. Each class has its own cursor, so dropping one class's entry shifts
 *     only that class's later choices.
 */
#ifndef BARRIERSIM_CHOICE_H
#define BARRIERSIM_CHOICE_H

#include <stdbool.h>
#include <stdint.h>

#include "prng.h"

/* X(id, name, what value 0 means) */
#define SIM_CHOICE_CLASS_MAP(X)                                                \
    X(PICK, "pick", "the runnable actor due first")                            \
    X(LATENCY, "latency", "a network hop takes the minimum latency")           \
    X(WORK, "work", "a batch's work takes the minimum time")                   \
    X(FAULT, "fault", "no fault at this strike point")                         \
    X(VARIANT, "variant", "the first form of the struck kind")                 \
    X(RESTART, "restart", "the worker process does not restart")               \
    X(DELAY, "delay", "a duplicate orchestrator message comes at once")

typedef enum {
#define SIM_CHOICE_ENUM(id, name, text) SIM_CHOICE_##id,
    SIM_CHOICE_CLASS_MAP(SIM_CHOICE_ENUM)
#undef SIM_CHOICE_ENUM
    SIM_CHOICE_CLASS_COUNT
} sim_choice_class_t;

typedef struct {
    uint8_t cls;       /* sim_choice_class_t */
    uint8_t actor;     /* who chose; 0xff for none */
    uint16_t pad;      /* always 0 */
    uint32_t mask;     /* fault choices: the kinds allowed at the point */
    uint64_t value;    /* fault choices: the fault_kind_t */
    uint64_t bound;    /* values are below it */
} sim_choice_t;

#define SIM_CHOICE_NO_ACTOR 0xff

typedef struct sim_pct sim_pct_t;

typedef struct {
    sim_choice_t *items;          /* what this run chose, in order */
    int count;
    int cap;
    bool overflow;                /* the run chose more than cap times */
    const sim_choice_t *follow;   /* choices to take instead of drawing; NULL draws */
    int follow_count;
    int cursor[SIM_CHOICE_CLASS_COUNT];
    int64_t pick_window_us;       /* actors due this close to the first may run
                                     first; 0: the scenario's maximum latency */
    sim_pct_t *pct;               /* PCT picks actors when set */
} sim_tape_t;

/* Allocate room for cap choices. Returns -1 when out of memory. */
int sim_tape_create(sim_tape_t *tape, int cap);
void sim_tape_destroy(sim_tape_t *tape);

/* Forget the last run's choices and start following follow (NULL: draw). */
void sim_tape_rewind(sim_tape_t *tape, const sim_choice_t *follow, int follow_count);

/* The next followed value of cls, or 0 once that class's values ran out. */
uint64_t sim_tape_next(sim_tape_t *tape, sim_choice_class_t cls);

/* Append a choice. Past cap the choice is dropped and overflow is set. */
void sim_tape_record(sim_tape_t *tape, sim_choice_class_t cls, int actor,
                     uint64_t value, uint64_t bound, uint32_t mask);

/* Copy items to out without each class's trailing zeros, which a followed
 * class gives anyway once its values run out. Returns the count kept. */
int sim_choice_trim(const sim_choice_t *items, int count, sim_choice_t *out);

/* Whether a choice counts as an event of a schedule: a fault, a restart or
 * an actor run out of its time order. */
bool sim_choice_is_event(const sim_choice_t *choice);

/* How many choices are events. */
int sim_choice_events(const sim_choice_t *items, int count);

const char *sim_choice_class_name(sim_choice_class_t cls);
/* The class named name, or -1. */
int sim_choice_class_find(const char *name);
const char *sim_choice_class_text(sim_choice_class_t cls);

/* Uniform in [min, max], recorded as the offset above min. */
int64_t sim_choose_range(sim_tape_t *tape, sim_prng_t *prng, sim_choice_class_t cls,
                         int actor, int64_t min, int64_t max);
/* Uniform in [0, bound). */
uint64_t sim_choose_below(sim_tape_t *tape, sim_prng_t *prng, sim_choice_class_t cls,
                          int actor, uint64_t bound);
/* True with chance numerator/denominator, recorded as 1 or 0. */
bool sim_choose_chance(sim_tape_t *tape, sim_prng_t *prng, sim_choice_class_t cls,
                       int actor, uint32_t numerator, uint32_t denominator);

#endif
