/*
 * transcript — a run as a table people read, one line per step event, in
 * the manner of PostgreSQL's isolation tester output.
 *
 * Columns: step, virtual time, actor, the statement or event, what the
 * client saw, what the server really did, and the barrier row's committed
 * counter after the event. A violated property gets a line of its own at
 * the step where it broke.
 *
 * Invariants:
 *  1. Rendering reads the world and never changes it, so a run with a
 *     transcript has the same trace hash as one without.
 */
#ifndef BARRIERSIM_TRANSCRIPT_H
#define BARRIERSIM_TRANSCRIPT_H

#include <stdio.h>

#include "trace.h"

typedef struct sim_world sim_world_t;

/* Print the column heads. */
void sim_transcript_header(FILE *out);

/* Print the line of one event. Sleeps, which say nothing to a reader, are
 * skipped. */
void sim_transcript_line(FILE *out, const sim_world_t *world, const sim_event_t *event);

#endif
