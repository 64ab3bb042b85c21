/* fault — the catalogue's names, swarm drawing and strike decisions. */
#include "fault.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#define FAULT_STREAM_PLAN 0x706c616eULL

static const char *const fault_names[] = {
#define FAULT_KIND_NAME(id, name, text) name,
    FAULT_KIND_MAP(FAULT_KIND_NAME)
#undef FAULT_KIND_NAME
};

static const char *const fault_texts[] = {
#define FAULT_KIND_TEXT(id, name, text) text,
    FAULT_KIND_MAP(FAULT_KIND_TEXT)
#undef FAULT_KIND_TEXT
};

/* Rates out of FAULT_RATE_DENOMINATOR: 1/64 up to 1/8 per strike point. */
static const uint32_t fault_rate_ladder[] = {16, 32, 64, 128};

static bool fault_kind_fits(fault_kind_t kind, fault_point_t point);

void fault_plan_draw(fault_plan_t *plan, const fault_swarm_t *swarm, uint64_t seed)
{
    sim_prng_t prng;
    int kind;

    memset(plan, 0, sizeof(*plan));
    plan->swarm = true;
    sim_prng_init(&prng, seed, FAULT_STREAM_PLAN);

    /* Every kind consumes the same draws whether allowed or not, so changing
     * the allowed set does not reshuffle the other kinds' rates. */
    for (kind = FAULT_F2; kind < FAULT_KIND_COUNT; kind++) {
        bool on = sim_prng_chance(&prng, 1, 2);
        uint32_t rate = fault_rate_ladder[sim_prng_below(&prng, 4)];

        if (on && (swarm->kinds_mask & (1u << kind)) != 0) {
            plan->rate[kind] = rate;
        }
    }

    if (sim_prng_chance(&prng, 1, 2) && (swarm->kinds_mask & (1u << FAULT_F1)) != 0) {
        plan->reap_idle_us = sim_prng_range(&prng, swarm->reap_idle_min_us,
                                            swarm->reap_idle_max_us);
    } else {
        (void)sim_prng_next(&prng);
    }
    plan->detect_delay_us = sim_prng_range(&prng, swarm->detect_delay_min_us,
                                           swarm->detect_delay_max_us);
}

fault_kind_t fault_draw(const fault_plan_t *plan, sim_prng_t *prng,
                        fault_point_t point)
{
    uint64_t roll;
    uint32_t cumulative = 0;
    int kind;

    if (!plan->swarm) {
        return FAULT_NONE;
    }

    /* One draw per send keeps the stream aligned whatever the rates are. */
    roll = sim_prng_below(prng, FAULT_RATE_DENOMINATOR);
    for (kind = FAULT_F2; kind < FAULT_KIND_COUNT; kind++) {
        if (!fault_kind_fits((fault_kind_t)kind, point)) {
            continue;
        }
        cumulative += plan->rate[kind];
        if (roll < cumulative) {
            return (fault_kind_t)kind;
        }
    }
    return FAULT_NONE;
}

fault_kind_t fault_scheduled(const fault_plan_t *plan, int actor_index,
                             stmt_id_t stmt, fault_point_t point, int occurrence)
{
    int i;

    for (i = 0; i < plan->entry_count; i++) {
        const fault_entry_t *entry = &plan->entries[i];

        if (entry->actor_index == actor_index && entry->stmt == stmt &&
            entry->point == point && entry->occurrence == occurrence) {
            return entry->kind;
        }
    }
    return FAULT_NONE;
}

const char *fault_kind_name(fault_kind_t kind)
{
    assert(kind >= 0);
    assert(kind < FAULT_KIND_COUNT);
    return fault_names[kind];
}

const char *fault_kind_text(fault_kind_t kind)
{
    assert(kind >= 0);
    assert(kind < FAULT_KIND_COUNT);
    return fault_texts[kind];
}

const char *fault_point_name(fault_point_t point)
{
    switch (point) {
    case FAULT_AT_BEGIN:
        return "begin";
    case FAULT_AT_STATEMENT:
        return "statement";
    case FAULT_AT_COMMIT:
        return "commit";
    }
    return "unknown";
}

void fault_plan_describe(const fault_plan_t *plan, char *buf, int buf_size)
{
    int used = 0;
    int kind;

    buf[0] = '\0';
    for (kind = FAULT_F2; kind < FAULT_KIND_COUNT && used < buf_size; kind++) {
        if (plan->rate[kind] != 0) {
            used += snprintf(buf + used, (size_t)(buf_size - used), "%s=%u/%d ",
                             fault_names[kind], plan->rate[kind],
                             FAULT_RATE_DENOMINATOR);
        }
    }
    if (used < buf_size) {
        snprintf(buf + used, (size_t)(buf_size - used),
                 "reap_idle_us=%lld detect_delay_us=%lld scheduled=%d",
                 (long long)plan->reap_idle_us, (long long)plan->detect_delay_us,
                 plan->entry_count);
    }
}

/* F2 strikes any send but COMMIT (that is F4); F3 needs a statement that does
 * work; F4 and F5 strike COMMIT only. */
static bool fault_kind_fits(fault_kind_t kind, fault_point_t point)
{
    switch (kind) {
    case FAULT_F2:
        return point != FAULT_AT_COMMIT;
    case FAULT_F3:
        return point == FAULT_AT_STATEMENT;
    case FAULT_F4:
    case FAULT_F5:
        return point == FAULT_AT_COMMIT;
    default:
        return false;
    }
}
