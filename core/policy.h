/*
 * policy — retry-policy variants as data.
 *
 * A policy decides, at the retrying call sites of the decrement and the
 * batch claim, whether a failed attempt is run again. The variants are the
 * ones the protocol's history went through, so they can be compared on the
 * same seeds and schedules.
 *
 * Invariants:
 *  1. Policies are immutable; a run holds a pointer to one table row.
 *  2. Every policy bounds attempts by attempt_max (at least 1).
 */
#ifndef BARRIERSIM_POLICY_H
#define BARRIERSIM_POLICY_H

#include <stdbool.h>

typedef enum {
    CORE_RETRY_NONE,        /* run the transaction once */
    CORE_RETRY_WHOLE,       /* re-run statement and COMMIT after any dead error */
    CORE_RETRY_PHASE_SPLIT, /* retry only an execute-phase death; COMMIT never */
} core_retry_t;

typedef enum {
    CORE_SAMPLE_BEFORE_GUARD, /* "reused" read before get_conn() can cache one */
    CORE_SAMPLE_AFTER_GUARD,  /* read after get_conn(): always true */
} core_sample_t;

typedef struct {
    const char *name;
    char letter;             /* the variant's letter in the protocol's table */
    const char *summary;
    core_retry_t retry;
    bool reuse_gate;         /* whole retries only on a connection cached at entry */
    core_sample_t reuse_sample;
    int attempt_max;
} core_policy_t;

#define CORE_POLICY_DEFAULT "phase-split"

/* Look a policy up by name; NULL when there is none. */
const core_policy_t *core_policy_find(const char *name);
int core_policy_count(void);
const core_policy_t *core_policy_at(int index);

#endif
