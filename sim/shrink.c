/* shrink — choice-sequence shrinking of a failing run. */
#include "shrink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"

#define SIM_SHRINK_PAIR_EVENTS 16  /* events the pair pass combines */
#define SIM_SHRINK_LOCAL_EVENTS 3  /* above this, also search a small scenario */
#define SIM_SHRINK_EXPLORE_SCHEDULES 20000

/* The order candidates are compared in: earlier fields weigh more. */
typedef struct {
    int events;
    int sizes;                 /* batches + workers + reapers */
    int nonzero;               /* choices that are not 0 */
    int length;
    uint64_t total;            /* sum of the values, saturated */
} sim_shrink_key_t;

typedef struct {
    sim_world_t *world;
    const core_policy_t *policy;
    uint64_t seed;
    int prop;
    int budget;
    sim_tape_t tape;
    sim_tape_t *strategy;      /* the world's tape before shrinking (PCT), kept */
    sim_choice_t *candidate;   /* scratch for edits */
    sim_shrink_t *best;
    sim_shrink_key_t best_key;
} sim_shrinker_t;

static bool sim_shrink_try(sim_shrinker_t *s, const scen_t *scen,
                           const sim_choice_t *follow, int follow_count);
static int sim_shrink_round(sim_shrinker_t *s);
static int sim_shrink_sizes(sim_shrinker_t *s);
static int sim_shrink_classes(sim_shrinker_t *s);
static bool sim_shrink_explore(sim_shrinker_t *s);
static int sim_shrink_pairs(sim_shrinker_t *s);
static bool sim_shrink_try_sizes(sim_shrinker_t *s, const scen_t *trial);
static int sim_shrink_strikes(sim_shrinker_t *s);
static int sim_shrink_zero(sim_shrinker_t *s);
static int sim_shrink_delete(sim_shrinker_t *s);
static int sim_shrink_earlier(sim_shrinker_t *s);
static int sim_shrink_halve(sim_shrinker_t *s);
static sim_shrink_key_t sim_shrink_key(const scen_t *scen, const sim_result_t *result,
                                       int prop, const sim_choice_t *items, int count);
static bool sim_shrink_less(const sim_shrink_key_t *a, const sim_shrink_key_t *b);
static int sim_shrink_first_prop(const sim_result_t *result);

int sim_shrink(sim_world_t *world, const scen_t *scen, const core_policy_t *policy,
               uint64_t seed, int prop, int run_budget, sim_shrink_t *out,
               char *error, size_t error_size)
{
    sim_shrinker_t s;
    sim_choice_t *pinned = NULL;
    int rc = -1;
    int i;

    memset(out, 0, sizeof(*out));
    memset(&s, 0, sizeof(s));
    s.world = world;
    s.policy = policy;
    s.seed = seed;
    s.budget = run_budget;
    s.best = out;
    out->choices = calloc(SIM_TAPE_CAP, sizeof(out->choices[0]));
    s.candidate = calloc(SIM_TAPE_CAP, sizeof(s.candidate[0]));
    pinned = calloc(SCEN_CHOICE_MAX, sizeof(pinned[0]));
    if (out->choices == NULL || s.candidate == NULL || pinned == NULL ||
        sim_tape_create(&s.tape, SIM_TAPE_CAP) != 0) {
        snprintf(error, error_size, "out of memory for the shrinker's choice tapes");
        goto done;
    }

    /* The failing run, recorded: it fixes the property and the start. */
    for (i = 0; i < scen->choice_count; i++) {
        pinned[i].cls = scen->choice_class[i];
        pinned[i].value = scen->choice_value[i];
    }
    out->scen = *scen;
    out->scen.choice_count = 0;
    s.strategy = world->tape;
    s.tape.pct = s.strategy != NULL ? s.strategy->pct : NULL;
    world->tape = &s.tape;
    sim_tape_rewind(&s.tape, scen->choice_count > 0 ? pinned : NULL, scen->choice_count);
    sim_world_run(world, &out->scen, policy, seed, 0, NULL, &out->result);
    world->tape = s.strategy;
    s.tape.pct = NULL;
    out->runs = 1;
    if (s.tape.overflow) {
        snprintf(error, error_size, "the run made more than %d choices, more than the "
                 "shrinker records; shrink a smaller scenario", SIM_TAPE_CAP);
        goto done;
    }
    if (prop < 0) {
        prop = sim_shrink_first_prop(&out->result);
    }
    if (out->result.violated_mask == 0) {
        snprintf(error, error_size, "seed %llu under policy %s breaks no property, so "
                 "there is nothing to shrink; find a failing seed with `run`",
                 (unsigned long long)seed, policy->name);
        goto done;
    }
    if ((out->result.violated_mask & (1u << prop)) == 0) {
        snprintf(error, error_size, "seed %llu under policy %s does not break %s, so "
                 "there is nothing to shrink for it; leave out --property to shrink the "
                 "first property it breaks", (unsigned long long)seed, policy->name,
                 sim_prop_name((sim_prop_t)prop));
        goto done;
    }
    s.prop = prop;
    out->prop = prop;
    out->choice_count = sim_choice_trim(s.tape.items, s.tape.count, out->choices);
    s.best_key = sim_shrink_key(&out->scen, &out->result, prop, out->choices,
                                out->choice_count);
    out->first_events = s.best_key.events;

    while (out->runs < s.budget && sim_shrink_round(&s) > 0) {
    }
    if (s.best_key.events > SIM_SHRINK_LOCAL_EVENTS && sim_shrink_explore(&s)) {
        while (out->runs < s.budget && sim_shrink_round(&s) > 0) {
        }
    }
    out->events = s.best_key.events;

    /* Run the result once more so out->result is the shrunk run's. */
    world->tape = &s.tape;
    sim_tape_rewind(&s.tape, out->choices, out->choice_count);
    sim_world_run(world, &out->scen, policy, seed, 0, NULL, &out->result);
    world->tape = s.strategy;
    rc = 0;

done:
    sim_tape_destroy(&s.tape);
    free(s.candidate);
    free(pinned);
    if (rc != 0) {
        sim_shrink_free(out);
    }
    return rc;
}

void sim_shrink_free(sim_shrink_t *shrink)
{
    free(shrink->choices);
    shrink->choices = NULL;
    shrink->choice_count = 0;
}

int sim_shrink_scenario(const sim_shrink_t *shrink, const char *policy_name,
                        uint64_t seed, scen_t *out)
{
    scen_expect_t *expect;
    int i;

    if (shrink->choice_count > SCEN_CHOICE_MAX) {
        return -1;
    }
    *out = shrink->scen;
    for (i = 0; i < shrink->choice_count; i++) {
        out->choice_class[i] = shrink->choices[i].cls;
        out->choice_value[i] = shrink->choices[i].value;
    }
    out->choice_count = shrink->choice_count;
    out->seed_first = seed;
    out->seed_last = seed;
    out->policy_count = 1;
    snprintf(out->policies[0], SCEN_NAME_MAX, "%s", policy_name);
    out->expect_count = 1;
    expect = &out->expect[0];
    memset(expect, 0, sizeof(*expect));
    snprintf(expect->policy, SCEN_NAME_MAX, "%s", policy_name);
    expect->violates_mask = 1u << shrink->prop;
    return 0;
}

/* Run a candidate and keep it when it breaks the property and is smaller. */
static bool sim_shrink_try(sim_shrinker_t *s, const scen_t *scen,
                           const sim_choice_t *follow, int follow_count)
{
    sim_shrink_t *best = s->best;
    sim_result_t result;
    sim_shrink_key_t key;
    int count;

    if (best->runs >= s->budget) {
        return false;
    }
    best->runs++;
    s->world->tape = &s->tape;
    sim_tape_rewind(&s->tape, follow, follow_count);
    sim_world_run(s->world, scen, s->policy, s->seed, 0, NULL, &result);
    s->world->tape = s->strategy;
    if (s->tape.overflow || (result.violated_mask & (1u << s->prop)) == 0) {
        return false;
    }

    /* The run's own record replaces the edit, because it lists the choices
     * the run really made. */
    count = sim_choice_trim(s->tape.items, s->tape.count, s->candidate);
    key = sim_shrink_key(scen, &result, s->prop, s->candidate, count);
    if (!sim_shrink_less(&key, &s->best_key)) {
        return false;
    }
    if (scen != &best->scen) {
        best->scen = *scen;
    }
    memcpy(best->choices, s->candidate, (size_t)count * sizeof(best->choices[0]));
    best->choice_count = count;
    s->best_key = key;
    return true;
}

/* Edits reach only runs near the first one. When those keep more than a few
 * events, search a 2-batch, 2-worker cut of the scenario exhaustively (at
 * most 2 faults and 1 reordering) and offer what it finds as a candidate. */
static bool sim_shrink_explore(sim_shrinker_t *s)
{
    sim_explore_limits_t limits = {2, 1, SIM_SHRINK_EXPLORE_SCHEDULES, 1u << s->prop};
    int left = s->budget - s->best->runs;
    scen_t *trial;
    sim_explore_t found;
    char error[256];
    bool kept = false;

    /* The walk's schedules count against the run budget like any run. */
    if (left <= 0) {
        return false;
    }
    if ((uint64_t)left < limits.schedule_max) {
        limits.schedule_max = (uint64_t)left;
    }
    trial = malloc(sizeof(*trial));
    if (trial == NULL) {
        return false;
    }
    *trial = s->best->scen;
    trial->batch_count = trial->batch_count < 2 ? trial->batch_count : 2;
    trial->worker_count = trial->worker_count < 2 ? trial->worker_count : 2;
    trial->assigned = trial->assigned && trial->assign_worker[0] < trial->worker_count &&
                      trial->assign_worker[1] < trial->worker_count;
    if (sim_explore(s->world, trial, s->policy, s->seed, &limits, &found, error,
                    sizeof(error)) == 0) {
        s->best->runs += (int)found.schedules;
        if (found.found) {
            int count = sim_choice_trim(found.choices, found.choice_count, s->candidate);

            memcpy(found.choices, s->candidate, (size_t)count * sizeof(found.choices[0]));
            kept = sim_shrink_try(s, trial, found.choices, count);
        }
        sim_explore_free(&found);
    }
    free(trial);
    return kept;
}

/* Run one round of every edit. Returns how many candidates were kept. */
static int sim_shrink_round(sim_shrinker_t *s)
{
    int kept = 0;

    kept += sim_shrink_classes(s);
    kept += sim_shrink_sizes(s);
    kept += sim_shrink_strikes(s);
    kept += sim_shrink_zero(s);
    kept += sim_shrink_pairs(s);
    kept += sim_shrink_delete(s);
    kept += sim_shrink_earlier(s);
    kept += sim_shrink_halve(s);
    return kept;
}

/* Drop a whole class at once (every time at its minimum, every actor in
 * time order): one run that often removes what the faults do not need. */
static int sim_shrink_classes(sim_shrinker_t *s)
{
    int kept = 0;
    int cls;
    int i;

    for (cls = 0; cls < SIM_CHOICE_CLASS_COUNT; cls++) {
        int count = 0;

        for (i = 0; i < s->best->choice_count; i++) {
            if (s->best->choices[i].cls != cls) {
                s->candidate[count++] = s->best->choices[i];
            }
        }
        if (count < s->best->choice_count) {
            kept += sim_shrink_try(s, &s->best->scen, s->candidate, count);
        }
    }
    return kept;
}

/* Fewer batches, workers and reapers, smallest first. A worker count stays
 * above every worker a pinned batch names. */
static int sim_shrink_sizes(sim_shrinker_t *s)
{
    scen_t *trial = malloc(sizeof(*trial));
    int kept = 0;
    int n;
    int i;

    if (trial == NULL) {
        return 0;
    }
    for (n = 1; n < s->best->scen.batch_count; n++) {
        *trial = s->best->scen;
        trial->batch_count = n;
        if (sim_shrink_try_sizes(s, trial)) {
            kept++;
            break;
        }
    }
    for (n = 1; n < s->best->scen.worker_count; n++) {
        bool fits = true;

        *trial = s->best->scen;
        trial->worker_count = n;
        for (i = 0; i < trial->batch_count && trial->assigned; i++) {
            fits = fits && trial->assign_worker[i] < n;
        }
        if (fits && sim_shrink_try_sizes(s, trial)) {
            kept++;
            break;
        }
    }
    if (s->best->scen.reaper_count > 0) {
        *trial = s->best->scen;
        trial->reaper_count = 0;
        kept += sim_shrink_try_sizes(s, trial);
    }
    free(trial);
    return kept;
}

/* A smaller scenario with the same choices, else with the fault, restart,
 * pick and form choices alone: other actors' times rarely carry over. */
static bool sim_shrink_try_sizes(sim_shrinker_t *s, const scen_t *trial)
{
    int count = 0;
    int i;

    if (sim_shrink_try(s, trial, s->best->choices, s->best->choice_count)) {
        return true;
    }
    for (i = 0; i < s->best->choice_count; i++) {
        const sim_choice_t *choice = &s->best->choices[i];

        if (choice->cls == SIM_CHOICE_FAULT || choice->cls == SIM_CHOICE_RESTART ||
            choice->cls == SIM_CHOICE_PICK || choice->cls == SIM_CHOICE_VARIANT) {
            s->candidate[count++] = *choice;
        }
    }
    return count < s->best->choice_count && sim_shrink_try(s, trial, s->candidate, count);
}

/* Drop each scheduled strike of a fixed plan. */
static int sim_shrink_strikes(sim_shrinker_t *s)
{
    scen_t *trial = malloc(sizeof(*trial));
    int kept = 0;
    int i;

    if (trial == NULL) {
        return 0;
    }
    for (i = s->best->scen.fixed_plan.entry_count - 1; i >= 0; i--) {
        fault_plan_t *plan;

        *trial = s->best->scen;
        plan = &trial->fixed_plan;
        memmove(&plan->entries[i], &plan->entries[i + 1],
                (size_t)(plan->entry_count - i - 1) * sizeof(plan->entries[0]));
        plan->entry_count--;
        kept += sim_shrink_try(s, trial, s->best->choices, s->best->choice_count);
    }
    free(trial);
    return kept;
}

/* Set each value to 0: a fault or restart dropped, an actor run in time
 * order, the shortest wait. Events first, latest first. */
static int sim_shrink_zero(sim_shrinker_t *s)
{
    int kept = 0;
    int pass;
    int i;

    for (pass = 0; pass < 2; pass++) {
        for (i = s->best->choice_count - 1; i >= 0; i--) {
            int count = s->best->choice_count;

            if (i >= count || s->best->choices[i].value == 0 ||
                sim_choice_is_event(&s->best->choices[i]) != (pass == 0)) {
                continue;
            }
            memcpy(s->candidate, s->best->choices, (size_t)count * sizeof(s->candidate[0]));
            s->candidate[i].value = 0;
            kept += sim_shrink_try(s, &s->best->scen, s->candidate, count);
        }
    }
    return kept;
}

/* Drop two events at once: a pair that only works together (a fault and
 * the restart that exposes it) survives every single drop. */
static int sim_shrink_pairs(sim_shrinker_t *s)
{
    int events[SIM_SHRINK_PAIR_EVENTS];
    int event_count = 0;
    int i;
    int j;

    for (i = 0; i < s->best->choice_count && event_count < SIM_SHRINK_PAIR_EVENTS; i++) {
        if (sim_choice_is_event(&s->best->choices[i])) {
            events[event_count++] = i;
        }
    }
    for (i = 0; i < event_count; i++) {
        for (j = i + 1; j < event_count; j++) {
            int count = s->best->choice_count;

            memcpy(s->candidate, s->best->choices, (size_t)count * sizeof(s->candidate[0]));
            s->candidate[events[i]].value = 0;
            s->candidate[events[j]].value = 0;
            if (sim_shrink_try(s, &s->best->scen, s->candidate, count)) {
                return 1;
            }
        }
    }
    return 0;
}

/* Delete runs of 8, 4, 2 and 1 consecutive choices. Deleting a class's
 * earlier choices moves its later ones to earlier points. */
static int sim_shrink_delete(sim_shrinker_t *s)
{
    int kept = 0;
    int size;
    int i;

    for (size = 8; size >= 1; size /= 2) {
        for (i = s->best->choice_count - size; i >= 0; i--) {
            int count = s->best->choice_count;

            if (i + size > count) {
                continue;
            }
            memcpy(s->candidate, s->best->choices, (size_t)i * sizeof(s->candidate[0]));
            memcpy(s->candidate + i, s->best->choices + i + size,
                   (size_t)(count - i - size) * sizeof(s->candidate[0]));
            kept += sim_shrink_try(s, &s->best->scen, s->candidate, count - size);
        }
    }
    return kept;
}

/* Move each fault to the earliest strike point of its class where the run
 * still breaks the property. */
static int sim_shrink_earlier(sim_shrinker_t *s)
{
    int kept = 0;
    int i;
    int j;

    for (i = 0; i < s->best->choice_count; i++) {
        if (s->best->choices[i].cls != SIM_CHOICE_FAULT || s->best->choices[i].value == 0) {
            continue;
        }
        for (j = 0; j < i; j++) {
            int count = s->best->choice_count;

            if (s->best->choices[j].cls != SIM_CHOICE_FAULT || s->best->choices[j].value != 0) {
                continue;
            }
            memcpy(s->candidate, s->best->choices, (size_t)count * sizeof(s->candidate[0]));
            s->candidate[j].value = s->candidate[i].value;
            s->candidate[i].value = 0;
            if (sim_shrink_try(s, &s->best->scen, s->candidate, count)) {
                kept++;
                break;
            }
        }
    }
    return kept;
}

/* Halve every value that is not an event: shorter waits and work. */
static int sim_shrink_halve(sim_shrinker_t *s)
{
    int kept = 0;
    int i;

    for (i = 0; i < s->best->choice_count; i++) {
        int count = s->best->choice_count;

        if (s->best->choices[i].value < 2 || sim_choice_is_event(&s->best->choices[i]) ||
            s->best->choices[i].cls == SIM_CHOICE_FAULT) {
            continue;
        }
        memcpy(s->candidate, s->best->choices, (size_t)count * sizeof(s->candidate[0]));
        s->candidate[i].value /= 2;
        kept += sim_shrink_try(s, &s->best->scen, s->candidate, count);
    }
    return kept;
}

/* Events: the faults that struck until the property broke (idle reaps,
 * which time decides, and scheduled strikes included), restarts, and actors
 * run out of time order. Strikes after the violation do not count: they
 * cannot have caused it. */
static sim_shrink_key_t sim_shrink_key(const scen_t *scen, const sim_result_t *result,
                                       int prop, const sim_choice_t *items, int count)
{
    sim_shrink_key_t key;
    int i;

    memset(&key, 0, sizeof(key));
    key.events = result->strikes_at[prop];
    for (i = 0; i < count; i++) {
        key.events += items[i].value != 0 && (items[i].cls == SIM_CHOICE_RESTART ||
                                              items[i].cls == SIM_CHOICE_PICK);
    }
    key.sizes = scen->batch_count + scen->worker_count + scen->reaper_count;
    key.length = count;
    for (i = 0; i < count; i++) {
        key.nonzero += items[i].value != 0;
        key.total = key.total + items[i].value < key.total ? UINT64_MAX
                                                           : key.total + items[i].value;
    }
    return key;
}

static bool sim_shrink_less(const sim_shrink_key_t *a, const sim_shrink_key_t *b)
{
    if (a->events != b->events) {
        return a->events < b->events;
    }
    if (a->sizes != b->sizes) {
        return a->sizes < b->sizes;
    }
    if (a->nonzero != b->nonzero) {
        return a->nonzero < b->nonzero;
    }
    if (a->length != b->length) {
        return a->length < b->length;
    }
    return a->total < b->total;
}

/* The property that broke first (lowest step, then lowest id). */
static int sim_shrink_first_prop(const sim_result_t *result)
{
    int best = -1;
    int prop;

    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        if ((result->violated_mask & (1u << prop)) != 0 &&
            (best < 0 || result->first_step[prop] < result->first_step[best])) {
            best = prop;
        }
    }
    return best;
}
