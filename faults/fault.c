/* fault — the catalogue's names, swarm drawing and strike decisions. */
#include "fault.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#define FAULT_STREAM_PLAN 0x706c616eULL

static const char *const fault_names[] = {
#define FAULT_KIND_NAME(id, name, simulated, text) name,
    FAULT_KIND_MAP(FAULT_KIND_NAME)
#undef FAULT_KIND_NAME
};

static const char *const fault_texts[] = {
#define FAULT_KIND_TEXT(id, name, simulated, text) text,
    FAULT_KIND_MAP(FAULT_KIND_TEXT)
#undef FAULT_KIND_TEXT
};

static const bool fault_simulated[] = {
#define FAULT_KIND_SIMULATED(id, name, simulated, text) simulated,
    FAULT_KIND_MAP(FAULT_KIND_SIMULATED)
#undef FAULT_KIND_SIMULATED
};

/* Rates out of FAULT_RATE_DENOMINATOR: 1/64 up to 1/8 per strike point.
 * Kinds drawn at every scheduler step use a ladder 32 times lower, because a
 * run has about twenty times more steps than statements. */
static const uint32_t fault_rate_ladder[] = {1024, 2048, 4096, 8192};

static bool fault_kind_fits_at(fault_kind_t kind, fault_point_t point);
#define FAULT_STEP_RATE_DIVISOR 32

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

        if (kind == FAULT_F9 || kind == FAULT_F11) {
            rate /= FAULT_STEP_RATE_DIVISOR;
        }
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
    fault_plan_prepare(plan);
}

void fault_plan_prepare(fault_plan_t *plan)
{
    int point;
    int kind;

    memset(plan->point_rate, 0, sizeof(plan->point_rate));
    memset(plan->point_kind_count, 0, sizeof(plan->point_kind_count));
    for (kind = FAULT_F2; kind < FAULT_KIND_COUNT; kind++) {
        if (plan->rate[kind] == 0) {
            continue;
        }
        for (point = 0; point < FAULT_POINT_COUNT; point++) {
            int slot = plan->point_kind_count[point];

            if (!fault_kind_fits((fault_kind_t)kind, (fault_point_t)point)) {
                continue;
            }
            plan->point_rate[point] += plan->rate[kind];
            plan->point_kinds[point][slot] = (uint8_t)kind;
            plan->point_cumulative[point][slot] = plan->point_rate[point];
            plan->point_kind_count[point]++;
        }
    }
    for (point = 0; point < FAULT_POINT_COUNT; point++) {
        assert(plan->point_rate[point] <= FAULT_RATE_DENOMINATOR);
    }
}

fault_kind_t fault_draw(const fault_plan_t *plan, sim_prng_t *prng,
                        fault_point_t point)
{
    uint64_t roll;
    int slot;

    assert(point >= 0);
    assert(point < FAULT_POINT_COUNT);

    /* No draw where nothing can strike: the hot points of a plan without
     * step faults cost one load. Whether a point draws depends only on the
     * plan, so the stream stays a function of the seed. */
    if (!plan->swarm || plan->point_rate[point] == 0) {
        return FAULT_NONE;
    }
    /* The kinds that fit, in kind order, each own a share of the roll. A
     * kind without a rate owns none, so the table leaves it out. */
    roll = sim_prng_below(prng, FAULT_RATE_DENOMINATOR);
    for (slot = 0; slot < plan->point_kind_count[point]; slot++) {
        if (roll < plan->point_cumulative[point][slot]) {
            return (fault_kind_t)plan->point_kinds[point][slot];
        }
    }
    return FAULT_NONE;
}

const fault_entry_t *fault_scheduled(const fault_plan_t *plan, int actor_index,
                                     stmt_id_t stmt, fault_point_t point,
                                     int occurrence)
{
    int i;

    for (i = 0; i < plan->entry_count; i++) {
        const fault_entry_t *entry = &plan->entries[i];

        if (entry->actor_index == actor_index && entry->stmt == stmt &&
            entry->point == point && entry->occurrence == occurrence) {
            return entry;
        }
    }
    return NULL;
}

bool fault_kind_schedulable(fault_kind_t kind, fault_point_t point)
{
    bool send = point == FAULT_AT_BEGIN || point == FAULT_AT_STATEMENT ||
                point == FAULT_AT_COMMIT;

    if (kind == FAULT_F11) {
        return !send && point != FAULT_AT_ROLLBACK && point != FAULT_AT_CONNECT &&
               point != FAULT_AT_DISPATCH;
    }
    if (kind == FAULT_F9 && point == FAULT_AT_CALL) {
        return true;
    }
    return fault_kind_fits(kind, point);
}

int fault_variant_count(fault_kind_t kind)
{
    const char *const *names;
    int count = fault_variant_names(kind, &names);

    return count > 0 ? count : 1;
}

/* The names of kind's forms, in the order of its FAULT_<kind>_* enum.
 * Returns their count, or 0 for a kind with a single form. */
int fault_variant_names(fault_kind_t kind, const char *const **names_out)
{
    static const char *const f6[] = {"statement-timeout", "deadlock", "lock-timeout",
                                     "serialization"};
    static const char *const f13[] = {"clean", "ambiguous", "duplicate"};
    static const char *const f15[] = {"failed", "unconfirmed", "applied-unconfirmed"};
    static const char *const f17[] = {"nul", "unencodable"};
    static const char *const f18[] = {"clean", "ambiguous"};

    _Static_assert(sizeof(f6) / sizeof(f6[0]) == FAULT_F6_VARIANTS, "F6 forms");
    _Static_assert(sizeof(f13) / sizeof(f13[0]) == FAULT_F13_VARIANTS, "F13 forms");
    _Static_assert(sizeof(f15) / sizeof(f15[0]) == FAULT_F15_VARIANTS, "F15 forms");
    _Static_assert(sizeof(f17) / sizeof(f17[0]) == FAULT_F17_VARIANTS, "F17 forms");
    _Static_assert(sizeof(f18) / sizeof(f18[0]) == FAULT_F18_VARIANTS, "F18 forms");

    switch (kind) {
    case FAULT_F6:
        *names_out = f6;
        return FAULT_F6_VARIANTS;
    case FAULT_F13:
        *names_out = f13;
        return FAULT_F13_VARIANTS;
    case FAULT_F15:
        *names_out = f15;
        return FAULT_F15_VARIANTS;
    case FAULT_F17:
        *names_out = f17;
        return FAULT_F17_VARIANTS;
    case FAULT_F18:
        *names_out = f18;
        return FAULT_F18_VARIANTS;
    default:
        *names_out = NULL;
        return 0;
    }
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
    static const char *const names[FAULT_POINT_COUNT] = {
        "begin", "statement", "commit", "rollback", "connect", "step", "call",
        "fire", "api", "result", "take", "ack", "dispatch", "orchestrate",
    };

    if (point < 0 || point >= FAULT_POINT_COUNT) {
        return "unknown";
    }
    return names[point];
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

/* F2 strikes any send but COMMIT (that is F4); F3 and F6 need a statement
 * that does work; F4 and F5 strike COMMIT only. The other kinds have a
 * strike point of their own. */
bool fault_kind_fits(fault_kind_t kind, fault_point_t point)
{
    static bool table[FAULT_KIND_COUNT][FAULT_POINT_COUNT];
    static bool table_ready;

    /* fault_draw asks on every send, so the answers are computed once. */
    if (!table_ready) {
        int k;
        int p;

        for (k = 0; k < FAULT_KIND_COUNT; k++) {
            for (p = 0; p < FAULT_POINT_COUNT; p++) {
                table[k][p] = fault_kind_fits_at((fault_kind_t)k, (fault_point_t)p);
            }
        }
        table_ready = true;
    }
    return table[kind][point];
}

static bool fault_kind_fits_at(fault_kind_t kind, fault_point_t point)
{
    switch (kind) {
    case FAULT_F2:
        return point == FAULT_AT_BEGIN || point == FAULT_AT_STATEMENT;
    case FAULT_F3:
    case FAULT_F6:
        return point == FAULT_AT_STATEMENT;
    case FAULT_F4:
    case FAULT_F5:
        return point == FAULT_AT_COMMIT;
    case FAULT_F7:
        return point == FAULT_AT_ROLLBACK;
    case FAULT_F8:
        return point == FAULT_AT_CONNECT;
    case FAULT_F9:
    case FAULT_F11:
        return point == FAULT_AT_STEP;
    case FAULT_F10:
    case FAULT_F14:
        return point == FAULT_AT_CALL;
    case FAULT_F16:
        return point == FAULT_AT_RESULT;
    case FAULT_F12:
        return point == FAULT_AT_TAKE || point == FAULT_AT_ACK;
    case FAULT_F13:
        return point == FAULT_AT_FIRE;
    case FAULT_F15:
        return point == FAULT_AT_API;
    case FAULT_F17:
        return point == FAULT_AT_RESULT;
    case FAULT_F18:
        return point == FAULT_AT_DISPATCH;
    case FAULT_F19:
        return point == FAULT_AT_ORCHESTRATE;
    default:
        return false;
    }
}

bool fault_kind_simulated(fault_kind_t kind)
{
    assert(kind >= 0);
    assert(kind < FAULT_KIND_COUNT);
    return fault_simulated[kind];
}
