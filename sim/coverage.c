/* coverage — fault cells and sometimes conditions counted from events. */
#include "coverage.h"

#include <inttypes.h>
#include <string.h>

#include "../core/barrier.h"
#include "world.h"

static const char *const sim_sometimes_names[] = {
#define SIM_SOMETIMES_NAME(id, name, text) name,
    SIM_SOMETIMES_MAP(SIM_SOMETIMES_NAME)
#undef SIM_SOMETIMES_NAME
};

static const char *const sim_sometimes_texts[] = {
#define SIM_SOMETIMES_TEXT(id, name, text) text,
    SIM_SOMETIMES_MAP(SIM_SOMETIMES_TEXT)
#undef SIM_SOMETIMES_TEXT
};

static bool sim_coverage_zombie(const sim_world_t *world, int txn);
static void sim_coverage_fault(sim_coverage_t *coverage, const sim_world_t *world,
                               const sim_event_t *e);

void sim_coverage_on_event(sim_coverage_t *coverage, const sim_world_t *world,
                           const sim_event_t *e)
{
    uint64_t *s = coverage->sometimes;

    switch ((sim_event_kind_t)e->kind) {
    case SIM_EV_FAULT:
        sim_coverage_fault(coverage, world, e);
        break;
    case SIM_EV_CORE:
        s[SIM_SOMETIMES_RETRY] += e->a == CORE_LOG_RETRY;
        s[SIM_SOMETIMES_NEGATIVE] += e->a == CORE_LOG_NEGATIVE;
        s[SIM_SOMETIMES_CLAIM_SKIP] +=
            e->a == CORE_LOG_CALL_END && e->b == STMT_CLAIM && (e->c & 0xffff) == CORE_OK &&
            e->d == 0;
        break;
    case SIM_EV_LOCK_WAIT:
        s[SIM_SOMETIMES_LOCK_WAIT]++;
        s[SIM_SOMETIMES_ZOMBIE_LOCK] += sim_coverage_zombie(world, e->c);
        break;
    case SIM_EV_TASK_BEGIN:
        s[SIM_SOMETIMES_REDELIVERY] += e->c > 1;
        break;
    case SIM_EV_SERVER_EXEC:
        s[SIM_SOMETIMES_REAPER_RECOVERY] += e->b == STMT_RPR_DELETE && e->c > 0;
        break;
    case SIM_EV_RESTART:
        s[SIM_SOMETIMES_RESTART]++;
        break;
    case SIM_EV_FIRE:
        s[SIM_SOMETIMES_FIRE]++;
        break;
    default:
        break;
    }
}

/* A strike: its cell, and whether it made a decrement ambiguous. F5 strikes
 * after the server committed, so the row already shows the result. */
static void sim_coverage_fault(sim_coverage_t *coverage, const sim_world_t *world,
                               const sim_event_t *e)
{
    const sim_row_value_t *row = &world->server.row.committed;

    if (e->d >= 0 && e->d < FAULT_KIND_COUNT && e->c >= 0 && e->c < FAULT_POINT_COUNT) {
        coverage->strikes[e->d][e->c]++;
    }
    if (e->d == FAULT_F5 && e->b == STMT_DEC) {
        coverage->sometimes[SIM_SOMETIMES_AMBIGUOUS]++;
        coverage->sometimes[SIM_SOMETIMES_AMBIGUOUS_LAST] += row->exists && row->remaining == 0;
    }
}

/* Whether txn belongs to a backend whose client is gone. */
static bool sim_coverage_zombie(const sim_world_t *world, int txn)
{
    int i;

    for (i = 0; i < world->zombie_count; i++) {
        if (world->zombies[i].txn == txn) {
            return true;
        }
    }
    return false;
}

bool sim_coverage_enabled(const scen_t *scen, fault_kind_t kind, fault_point_t point)
{
    int i;

    if (!scen->swarm) {
        for (i = 0; i < scen->fixed_plan.entry_count; i++) {
            if (scen->fixed_plan.entries[i].kind == kind &&
                scen->fixed_plan.entries[i].point == point) {
                return true;
            }
        }
        return false;
    }
    if ((scen->swarm_range.kinds_mask & (1u << kind)) == 0) {
        return false;
    }
    if (kind == FAULT_F1) {
        return point == FAULT_AT_BEGIN;
    }
    return fault_kind_fits(kind, point);
}

int sim_coverage_unreached(const sim_coverage_t *coverage, const scen_t *scen,
                           char *buf, size_t buf_size)
{
    size_t used = 0;
    int count = 0;
    int kind;
    int point;

    buf[0] = '\0';
    for (kind = FAULT_F1; kind < FAULT_KIND_COUNT; kind++) {
        for (point = 0; point < FAULT_POINT_COUNT; point++) {
            if (!sim_coverage_enabled(scen, (fault_kind_t)kind, (fault_point_t)point) ||
                coverage->strikes[kind][point] > 0) {
                continue;
            }
            count++;
            if (used < buf_size) {
                used += (size_t)snprintf(buf + used, buf_size - used, "%s%s@%s",
                                         used > 0 ? " " : "",
                                         fault_kind_name((fault_kind_t)kind),
                                         fault_point_name((fault_point_t)point));
            }
        }
    }
    return count;
}

void sim_coverage_print(FILE *out, const sim_coverage_t *coverage, const scen_t *scen)
{
    int kind;
    int point;
    int i;

    fprintf(out, "fault coverage over %" PRIu64 " runs (strikes per kind and point; "
            "- not enabled, 0 enabled but never reached):\n%-5s", coverage->runs, "kind");
    for (point = 0; point < FAULT_POINT_COUNT; point++) {
        fprintf(out, " %11s", fault_point_name((fault_point_t)point));
    }
    fprintf(out, "\n");
    for (kind = FAULT_F1; kind < FAULT_KIND_COUNT; kind++) {
        bool any = false;

        for (point = 0; point < FAULT_POINT_COUNT; point++) {
            any = any || sim_coverage_enabled(scen, (fault_kind_t)kind, (fault_point_t)point) ||
                  coverage->strikes[kind][point] > 0;
        }
        if (!any) {
            continue;
        }
        fprintf(out, "%-5s", fault_kind_name((fault_kind_t)kind));
        for (point = 0; point < FAULT_POINT_COUNT; point++) {
            uint64_t n = coverage->strikes[kind][point];

            if (n == 0 && !sim_coverage_enabled(scen, (fault_kind_t)kind, (fault_point_t)point)) {
                fprintf(out, " %11s", "-");
            } else {
                fprintf(out, " %11" PRIu64, n);
            }
        }
        fprintf(out, "\n");
    }
    fprintf(out, "sometimes conditions (runs' events):\n");
    for (i = 0; i < SIM_SOMETIMES_COUNT; i++) {
        fprintf(out, "  %-20s %10" PRIu64 "  %s\n", sim_sometimes_names[i],
                coverage->sometimes[i], sim_sometimes_texts[i]);
    }
}

const char *sim_sometimes_name(sim_sometimes_t condition)
{
    return sim_sometimes_names[condition];
}

const char *sim_sometimes_text(sim_sometimes_t condition)
{
    return sim_sometimes_texts[condition];
}
