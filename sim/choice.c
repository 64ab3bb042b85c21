/* choice — recording and following a run's choices. */
#include "choice.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static const char *const sim_choice_names[] = {
#define SIM_CHOICE_NAME(id, name, text) name,
    SIM_CHOICE_CLASS_MAP(SIM_CHOICE_NAME)
#undef SIM_CHOICE_NAME
};

static const char *const sim_choice_texts[] = {
#define SIM_CHOICE_TEXT(id, name, text) text,
    SIM_CHOICE_CLASS_MAP(SIM_CHOICE_TEXT)
#undef SIM_CHOICE_TEXT
};

int sim_tape_create(sim_tape_t *tape, int cap)
{
    memset(tape, 0, sizeof(*tape));
    tape->items = calloc((size_t)cap, sizeof(tape->items[0]));
    if (tape->items == NULL) {
        return -1;
    }
    tape->cap = cap;
    return 0;
}

void sim_tape_destroy(sim_tape_t *tape)
{
    free(tape->items);
    tape->items = NULL;
    tape->cap = 0;
}

void sim_tape_rewind(sim_tape_t *tape, const sim_choice_t *follow, int follow_count)
{
    tape->count = 0;
    tape->overflow = false;
    tape->follow = follow;
    tape->follow_count = follow == NULL ? 0 : follow_count;
    memset(tape->cursor, 0, sizeof(tape->cursor));
}

uint64_t sim_tape_next(sim_tape_t *tape, sim_choice_class_t cls)
{
    int i;

    for (i = tape->cursor[cls]; i < tape->follow_count; i++) {
        if (tape->follow[i].cls == cls) {
            tape->cursor[cls] = i + 1;
            return tape->follow[i].value;
        }
    }
    tape->cursor[cls] = tape->follow_count;
    return 0;
}

void sim_tape_record(sim_tape_t *tape, sim_choice_class_t cls, int actor,
                     uint64_t value, uint64_t bound, uint32_t mask)
{
    sim_choice_t *choice;

    if (tape->count == tape->cap) {
        tape->overflow = true;
        return;
    }
    choice = &tape->items[tape->count++];
    choice->cls = (uint8_t)cls;
    choice->actor = actor < 0 ? SIM_CHOICE_NO_ACTOR : (uint8_t)actor;
    choice->pad = 0;
    choice->mask = mask;
    choice->value = value;
    choice->bound = bound;
}

int sim_choice_trim(const sim_choice_t *items, int count, sim_choice_t *out)
{
    int last[SIM_CHOICE_CLASS_COUNT];
    int kept = 0;
    int i;

    for (i = 0; i < SIM_CHOICE_CLASS_COUNT; i++) {
        last[i] = -1;
    }
    for (i = 0; i < count; i++) {
        if (items[i].value != 0) {
            last[items[i].cls] = i;
        }
    }
    for (i = 0; i < count; i++) {
        if (i <= last[items[i].cls]) {
            out[kept++] = items[i];
        }
    }
    return kept;
}

bool sim_choice_is_event(const sim_choice_t *choice)
{
    return choice->value != 0 &&
           (choice->cls == SIM_CHOICE_FAULT || choice->cls == SIM_CHOICE_RESTART ||
            choice->cls == SIM_CHOICE_PICK);
}

int sim_choice_events(const sim_choice_t *items, int count)
{
    int events = 0;
    int i;

    for (i = 0; i < count; i++) {
        events += sim_choice_is_event(&items[i]);
    }
    return events;
}

const char *sim_choice_class_name(sim_choice_class_t cls)
{
    assert(cls >= 0);
    assert(cls < SIM_CHOICE_CLASS_COUNT);
    return sim_choice_names[cls];
}

int sim_choice_class_find(const char *name)
{
    int i;

    for (i = 0; i < SIM_CHOICE_CLASS_COUNT; i++) {
        if (strcmp(sim_choice_names[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

const char *sim_choice_class_text(sim_choice_class_t cls)
{
    assert(cls >= 0);
    assert(cls < SIM_CHOICE_CLASS_COUNT);
    return sim_choice_texts[cls];
}

/* A followed value past the end of its range takes the range's last value,
 * so any edited sequence still describes a run. */
static uint64_t sim_choice_take(sim_tape_t *tape, sim_choice_class_t cls,
                                uint64_t bound)
{
    uint64_t value = sim_tape_next(tape, cls);

    return value < bound ? value : bound - 1;
}

int64_t sim_choose_range(sim_tape_t *tape, sim_prng_t *prng, sim_choice_class_t cls,
                         int actor, int64_t min, int64_t max)
{
    uint64_t bound = (uint64_t)(max - min) + 1;
    uint64_t offset;

    if (tape == NULL) {
        return sim_prng_range(prng, min, max);
    }
    if (tape->follow != NULL) {
        offset = sim_choice_take(tape, cls, bound);
    } else {
        offset = (uint64_t)(sim_prng_range(prng, min, max) - min);
    }
    sim_tape_record(tape, cls, actor, offset, bound, 0);
    return min + (int64_t)offset;
}

uint64_t sim_choose_below(sim_tape_t *tape, sim_prng_t *prng, sim_choice_class_t cls,
                          int actor, uint64_t bound)
{
    uint64_t value;

    if (tape == NULL) {
        return sim_prng_below(prng, bound);
    }
    value = tape->follow != NULL ? sim_choice_take(tape, cls, bound)
                                 : sim_prng_below(prng, bound);
    sim_tape_record(tape, cls, actor, value, bound, 0);
    return value;
}

bool sim_choose_chance(sim_tape_t *tape, sim_prng_t *prng, sim_choice_class_t cls,
                       int actor, uint32_t numerator, uint32_t denominator)
{
    bool yes;

    if (tape == NULL) {
        return sim_prng_chance(prng, numerator, denominator);
    }
    yes = tape->follow != NULL ? sim_choice_take(tape, cls, 2) != 0
                               : sim_prng_chance(prng, numerator, denominator);
    sim_tape_record(tape, cls, actor, yes, 2, 0);
    return yes;
}
