/* explore — the depth-first walk over bounded schedules. */
#include "explore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sim_explore_backtrack(const sim_explore_limits_t *limits,
                                 const sim_choice_t *items, int count);
static bool sim_explore_next_value(const sim_choice_t *choice, uint64_t *value_out);

int sim_explore(sim_world_t *world, const scen_t *scen, const core_policy_t *policy,
                uint64_t seed, const sim_explore_limits_t *limits, sim_explore_t *out,
                char *error, size_t error_size)
{
    sim_tape_t *strategy = world->tape;  /* put back after each run */
    sim_choice_t *prefix = calloc(SIM_TAPE_CAP, sizeof(prefix[0]));
    sim_tape_t tape;
    int prefix_count = 0;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (prefix == NULL || sim_tape_create(&tape, SIM_TAPE_CAP) != 0) {
        snprintf(error, error_size, "out of memory for the explorer's tapes");
        free(prefix);
        return -1;
    }

    for (;;) {
        int depth;

        /* An empty prefix still follows: every choice takes 0. */
        sim_tape_rewind(&tape, prefix, prefix_count);
        world->tape = &tape;
        sim_world_run(world, scen, policy, seed, 0, NULL, &out->result);
        world->tape = strategy;
        out->schedules++;
        out->seen_mask |= out->result.violated_mask;
        if (tape.overflow) {
            snprintf(error, error_size, "a schedule made more than %d choices; explore "
                     "a smaller scenario", SIM_TAPE_CAP);
            goto done;
        }
        if ((out->result.violated_mask & limits->stop_mask) != 0) {
            out->found = true;
            break;
        }
        if (limits->schedule_max != 0 && out->schedules >= limits->schedule_max) {
            break;
        }

        depth = sim_explore_backtrack(limits, tape.items, tape.count);
        if (depth < 0) {
            out->exhausted = true;
            break;
        }
        memcpy(prefix, tape.items, (size_t)(depth + 1) * sizeof(prefix[0]));
        sim_explore_next_value(&tape.items[depth], &prefix[depth].value);
        prefix_count = depth + 1;
    }

    if (out->found) {
        out->choices = malloc((size_t)tape.count * sizeof(out->choices[0]) + 1);
        if (out->choices == NULL) {
            snprintf(error, error_size, "out of memory for the schedule found");
            goto done;
        }
        memcpy(out->choices, tape.items, (size_t)tape.count * sizeof(out->choices[0]));
        out->choice_count = tape.count;
    }
    rc = 0;

done:
    sim_tape_destroy(&tape);
    free(prefix);
    return rc;
}

void sim_explore_free(sim_explore_t *explore)
{
    free(explore->choices);
    explore->choices = NULL;
    explore->choice_count = 0;
}

/* The deepest choice that has a next value within the bounds, or -1. A
 * fault or pick that turns from 0 to a value spends one of its budget. */
static int sim_explore_backtrack(const sim_explore_limits_t *limits,
                                 const sim_choice_t *items, int count)
{
    int faults = 0;
    int picks = 0;
    int i;

    for (i = 0; i < count; i++) {
        faults += items[i].cls == SIM_CHOICE_FAULT && items[i].value != 0;
        picks += items[i].cls == SIM_CHOICE_PICK && items[i].value != 0;
    }
    for (i = count - 1; i >= 0; i--) {
        const sim_choice_t *choice = &items[i];
        bool spends = choice->value == 0;
        uint64_t next;

        /* Counts of the choices before i, as the sibling keeps them. */
        faults -= choice->cls == SIM_CHOICE_FAULT && choice->value != 0;
        picks -= choice->cls == SIM_CHOICE_PICK && choice->value != 0;
        if (!sim_explore_next_value(choice, &next)) {
            continue;
        }
        if (choice->cls == SIM_CHOICE_FAULT && faults + spends > limits->fault_max) {
            continue;
        }
        if (choice->cls == SIM_CHOICE_PICK && picks + spends > limits->pick_max) {
            continue;
        }
        return i;
    }
    return -1;
}

/* Step a fault through the kinds allowed at its point, and a pick or a form
 * up to its bound. Times are not varied. */
static bool sim_explore_next_value(const sim_choice_t *choice, uint64_t *value_out)
{
    uint64_t value;

    switch ((sim_choice_class_t)choice->cls) {
    case SIM_CHOICE_FAULT:
        for (value = choice->value + 1; value < choice->bound; value++) {
            if ((choice->mask & (1u << value)) != 0) {
                *value_out = value;
                return true;
            }
        }
        return false;
    case SIM_CHOICE_PICK:
    case SIM_CHOICE_VARIANT:
        if (choice->value + 1 < choice->bound) {
            *value_out = choice->value + 1;
            return true;
        }
        return false;
    default:
        return false;
    }
}
