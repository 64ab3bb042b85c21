/* transcript — the reader's table of a run. */
#include "transcript.h"

#include <inttypes.h>
#include <string.h>

#include "../core/conn.h"
#include "world.h"

#define SIM_TRANSCRIPT_COLUMN 256

static void sim_transcript_columns(const sim_event_t *e, char *what, char *client,
                                   char *server, size_t size);
static const char *sim_transcript_stmt(int32_t id);

void sim_transcript_header(FILE *out)
{
    fprintf(out, "%6s %12s  %-6s %-34s %-22s %-34s %s\n", "step", "t_ms", "actor",
            "statement or event", "client sees", "server did", "remaining");
}

void sim_transcript_line(FILE *out, const sim_world_t *world, const sim_event_t *event)
{
    const sim_row_value_t *row = &world->server.row.committed;
    char what[SIM_TRANSCRIPT_COLUMN];
    char client[SIM_TRANSCRIPT_COLUMN];
    char server[SIM_TRANSCRIPT_COLUMN];
    char remaining[24];

    if (event->kind == SIM_EV_SLEEP) {
        return;
    }
    if (event->kind == SIM_EV_VIOLATION) {
        fprintf(out, "%6" PRIu32 " %12.3f  %-6s >>> %s violated: %s\n", event->step,
                (double)event->t_us / 1000.0, world->actor_names[event->actor],
                sim_prop_name((sim_prop_t)event->a), sim_prop_text((sim_prop_t)event->a));
        return;
    }

    what[0] = client[0] = server[0] = '\0';
    sim_transcript_columns(event, what, client, server, SIM_TRANSCRIPT_COLUMN);
    if (row->exists) {
        snprintf(remaining, sizeof(remaining), "%" PRId64, row->remaining);
    } else {
        snprintf(remaining, sizeof(remaining), "(no row)");
    }
    /* An event with neither a reply nor a server action spans all three. */
    if (client[0] == '\0' && server[0] == '\0') {
        fprintf(out, "%6" PRIu32 " %12.3f  %-6s %-92s %s\n", event->step,
                (double)event->t_us / 1000.0, world->actor_names[event->actor], what,
                remaining);
        return;
    }
    fprintf(out, "%6" PRIu32 " %12.3f  %-6s %-34s %-22s %-34s %s\n", event->step,
            (double)event->t_us / 1000.0, world->actor_names[event->actor], what, client,
            server, remaining);
}

/* Statements go in the first column, replies in the client's, and what the
 * server executed, committed or rolled back in the server's. Other events
 * name themselves with their trace fields. */
static void sim_transcript_columns(const sim_event_t *e, char *what, char *client,
                                   char *server, size_t size)
{
    switch ((sim_event_kind_t)e->kind) {
    case SIM_EV_SEND:
        if (e->d == e->b) {
            snprintf(what, size, "%s", sim_transcript_stmt(e->b));
        } else {
            snprintf(what, size, "%s (of %s)", sim_transcript_stmt((int32_t)e->d),
                     sim_transcript_stmt(e->b));
        }
        return;
    case SIM_EV_REPLY:
        if (e->d >= 0) {
            snprintf(client, size, "%s %" PRId64, conn_status_name((conn_status_t)e->c),
                     e->d);
        } else {
            snprintf(client, size, "%s", conn_status_name((conn_status_t)e->c));
        }
        return;
    case SIM_EV_SERVER_EXEC:
        snprintf(server, size, "ran %s: %d row(s), value %" PRId64,
                 sim_transcript_stmt(e->b), e->c, e->d);
        return;
    case SIM_EV_LOCK_WAIT:
        snprintf(server, size, "%s waits for txn %d", sim_transcript_stmt(e->b), e->c);
        return;
    case SIM_EV_TXN_COMMIT:
        snprintf(server, size, "committed txn %d", e->a);
        return;
    case SIM_EV_TXN_ABORT:
        snprintf(server, size, "rolled back txn %d", e->a);
        return;
    case SIM_EV_FAULT:
        /* Strikes outside a statement's transaction carry BEGIN as their statement. */
        if (e->b == STMT_BEGIN) {
            snprintf(what, size, "FAULT %s at %s", fault_kind_name((fault_kind_t)e->d),
                     fault_point_name((fault_point_t)e->c));
        } else {
            snprintf(what, size, "FAULT %s at %s of %s",
                     fault_kind_name((fault_kind_t)e->d),
                     fault_point_name((fault_point_t)e->c), sim_transcript_stmt(e->b));
        }
        return;
    case SIM_EV_REAPED:
        snprintf(what, size, "FAULT F1 idle reap of conn %d", e->a);
        return;
    case SIM_EV_FIRE:
        snprintf(what, size, "fire the callback with %d result(s)", e->a);
        return;
    default:
        break;
    }

    {
        char fields[SIM_TRANSCRIPT_COLUMN];

        sim_trace_fields(e, fields, sizeof(fields));
        snprintf(what, size, "%s%s", sim_event_name((sim_event_kind_t)e->kind), fields);
    }
}

static const char *sim_transcript_stmt(int32_t id)
{
    return id >= 0 && id < STMT_COUNT ? stmt_label((stmt_id_t)id) : "?";
}
