/*
 * scen_file — load a scenario from a YAML file.
 *
 * The format (scenarios/README.md has the full reference) names the sizes,
 * timings, pooler, fault mix or fixed schedule, policies, seeds and the
 * expected result of each policy. Keys a file leaves out take the values of
 * scen_fixed_base() when the file has a `schedule`, else of scen_default().
 *
 * Invariants:
 *  1. A load either fills the whole scenario or reports one error and leaves
 *     the caller's scenario untouched.
 *  2. Every error message starts with "PATH:LINE: " and names the offending
 *     value and what was expected instead.
 */
#ifndef BARRIERSIM_SCEN_FILE_H
#define BARRIERSIM_SCEN_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "scen.h"

/* Durations stay far below INT64_MAX microseconds (about 31.7 years), so the
 * simulator's clock can add a few of them without overflow. */
#define SCEN_DURATION_MAX_US 1000000000000000LL

/* The values of the top-level key orchestrator: [0] "general" (takes the
 * orchestration claim), [1] "api" (scen_t.api_orchestrator, takes none). */
extern const char *const scen_orchestrator_names[2];

/* The name of kind's form variant as a file writes it ("ambiguous" for F13
 * form 1), or NULL for a kind with a single form or a variant out of range. */
const char *scen_variant_name(fault_kind_t kind, int variant);

/* Load the scenario at path into scen_out. Returns 0, or -1 with a message
 * in error_out (always NUL-terminated; empty on success). */
int scen_file_load(const char *path, scen_t *scen_out, char *error_out,
                   size_t error_size);

/* Load a scenario from text_length bytes of text (no NUL needed), as if it
 * were the content of a file called name, which the messages then name.
 * Returns as scen_file_load(). The fuzz target (fuzz/) feeds it. */
int scen_file_load_text(const char *name, const char *text, size_t text_length,
                        scen_t *scen_out, char *error_out, size_t error_size);

/* Parse a duration: "0", or a decimal number and a unit out of us, ms, s,
 * min, h ("800us", "1.5s", "2min"). It must be a whole number of
 * microseconds, at most SCEN_DURATION_MAX_US. Returns 0 or -1. */
int scen_duration_parse(const char *text, int64_t *duration_us_out);

/* Parse a duration or a range "A..B" of two durations with A <= B; a single
 * duration gives min = max. Returns 0 or -1. */
int scen_duration_range_parse(const char *text, int64_t *min_us_out,
                              int64_t *max_us_out);

#endif
