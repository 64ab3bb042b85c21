/*
 * scen_write — write a scenario as a scenario file that scen_file_load
 * reads back to the same scenario.
 *
 * The YAML comes from libyaml's emitter. Every key is written, including
 * those equal to the base's defaults, so the file does not depend on the
 * base values of a later version. A scenario with a fixed fault plan gets a
 * `schedule` (an empty one when it pins no batches and strikes nothing),
 * which selects the fixed base when the file is loaded.
 *
 * Invariants:
 *  1. scen_file_load(written file) gives a scenario that runs every seed
 *     the same way as the scenario written.
 *  2. A failed write reports one message and leaves the stream unusable,
 *     so the caller discards what was written.
 */
#ifndef BARRIERSIM_SCEN_WRITE_H
#define BARRIERSIM_SCEN_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scen.h"

/* Write comment as YAML comments, then scen as one YAML document. comment
 * holds lines without "#", separated by '\n', or is NULL. Returns 0, or -1
 * with a message in error_out. */
int scen_write(FILE *out, const scen_t *scen, const char *comment, char *error_out,
               size_t error_size);

/* Format a duration as scen_duration_parse reads it: "0", "6h", "120s",
 * "1.5135s", "500ms" or "800us". */
void scen_duration_format(int64_t duration_us, char *buf, size_t buf_size);

#endif
