/* policy — the table of retry-policy variants. */
#include "policy.h"

#include <assert.h>
#include <string.h>

/* The final upstream policy; the variants below differ from it in the
 * fields they name. */
#define CORE_POLICY_E                                                          \
    .retry = CORE_RETRY_PHASE_SPLIT, .reuse_gate = true,                       \
    .reuse_sample = CORE_SAMPLE_BEFORE_GUARD, .attempt_max = 2,                \
    .send = CORE_SEND_EXPLICIT, .classify = CORE_CLASSIFY_PSYCOPG,             \
    .error_path = CORE_ERROR_PATH_MARK_FIRST, .claim = CORE_CLAIM_BATCH

/* Each row starts from CORE_POLICY_E and overrides some fields; C allows a
 * later designated initializer to override an earlier one, which the
 * compilers warn about. */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

static const core_policy_t core_policies[] = {
    {.name = "no-retry", .letter = 'a',
     .summary = "no retry: a failed transaction raises at once",
     CORE_POLICY_E, .retry = CORE_RETRY_NONE, .attempt_max = 1},
    {.name = "blind", .letter = 'b',
     .summary = "re-run statement and COMMIT once after any error",
     CORE_POLICY_E, .retry = CORE_RETRY_WHOLE, .retry_any_error = true,
     .reuse_gate = false},
    {.name = "reused-guard", .letter = 'c',
     .summary = "re-run statement and COMMIT once after a dead connection that was cached",
     CORE_POLICY_E, .retry = CORE_RETRY_WHOLE},
    {.name = "phase-split-late", .letter = 'd',
     .summary = "phase split with \"reused\" sampled after the guard (always true)",
     CORE_POLICY_E, .reuse_sample = CORE_SAMPLE_AFTER_GUARD},
    {.name = "phase-split", .letter = 'e',
     .summary = "retry an execute-phase death once on a cached connection; never COMMIT",
     CORE_POLICY_E},
    {.name = "phase-split-3", .letter = 'f',
     .summary = "phase split with the attempt bound raised to 3",
     CORE_POLICY_E, .attempt_max = 3},
    {.name = "task-replay", .letter = 'g',
     .summary = "phase split, and the task framework re-runs a failed task twice",
     CORE_POLICY_E, .task_retry_max = 2},
    {.name = "idem-misapplied", .letter = 'h',
     .summary = "the idempotent helper used for the decrement and claim",
     CORE_POLICY_E, .retry = CORE_RETRY_WHOLE, .reuse_gate = false},
    {.name = "delete-first", .letter = 'i',
     .summary = "old error path: abort and clear markers, then mark ERROR",
     CORE_POLICY_E, .error_path = CORE_ERROR_PATH_DELETE_FIRST},
    {.name = "two-step-abort", .letter = 'j',
     .summary = "first design: abort sets an aborted flag, then deletes in a second transaction",
     CORE_POLICY_E, .two_step_abort = true},
    {.name = "fused-claim", .letter = 'l',
     .summary = "the claim moves into the decrement's transaction, after the work",
     CORE_POLICY_E, .fused_claim = true},
    {.name = "abort-retry", .letter = 'm',
     .summary = "phase split, and the abort retried once through the idempotent helper",
     CORE_POLICY_E, .abort_retry = true},
    {.name = "generation-guard", .letter = 'n',
     .summary = "phase split with claims, decrements and deletes matched on the arming generation",
     CORE_POLICY_E, .generation_guard = true},
    {.name = "resolved", .letter = 'k',
     .summary = "idempotent decrement; a failed COMMIT is resolved with pg_xact_status",
     CORE_POLICY_E, .resolve = CORE_RESOLVE_IDEMPOTENT},
    {.name = "resolve-naive", .letter = '+',
     .summary = "pg_xact_status without the applied record; a failed query counts as aborted",
     CORE_POLICY_E, .resolve = CORE_RESOLVE_NAIVE},
    {.name = "statement-replay", .letter = '+',
     .summary = "re-send only the failed statement (COMMIT included) on a new connection",
     CORE_POLICY_E, .retry = CORE_RETRY_STATEMENT_REPLAY, .reuse_gate = false},
    {.name = "batched-commit", .letter = '+',
     .summary = "BEGIN, statement and COMMIT in one round trip, re-sent after a dead connection",
     CORE_POLICY_E, .retry = CORE_RETRY_WHOLE, .reuse_gate = false,
     .send = CORE_SEND_BATCHED},
    {.name = "same-handle", .letter = '+',
     .summary = "retry once on the same dead handle without reconnecting",
     CORE_POLICY_E, .retry = CORE_RETRY_SAME_HANDLE, .reuse_gate = false},
    {.name = "autocommit", .letter = '+',
     .summary = "phase split without BEGIN: every statement commits on its own",
     CORE_POLICY_E, .send = CORE_SEND_AUTOCOMMIT},
    {.name = "strict-classifier", .letter = '+',
     .summary = "phase split counting only 08xxx, 57P0x and lost connections as dead",
     CORE_POLICY_E, .classify = CORE_CLASSIFY_STRICT},
    {.name = "delivery-dedup", .letter = '+',
     .summary = "phase split with the claim keyed on the delivery id, not the batch",
     CORE_POLICY_E, .claim = CORE_CLAIM_DELIVERY},
    {.name = "no-claim", .letter = '+',
     .summary = "phase split with the claim step disabled",
     CORE_POLICY_E, .claim = CORE_CLAIM_NONE},
};

/* Each mutant is the final policy with one bug planted; the harness must
 * catch every one (tests/test_mutants.c). */
static const core_policy_t core_mutants[] = {
    {.name = "mut-commit-retry", .letter = '-',
     .summary = "mutant: the COMMIT phase is retried like the execute phase",
     CORE_POLICY_E, .retry = CORE_RETRY_WHOLE},
    {.name = "mut-no-begin", .letter = '-',
     .summary = "mutant: no explicit BEGIN, so every statement commits on its own",
     CORE_POLICY_E, .send = CORE_SEND_AUTOCOMMIT},
    {.name = "mut-reused-late", .letter = '-',
     .summary = "mutant: \"reused\" sampled after the guard cached a connection",
     CORE_POLICY_E, .reuse_sample = CORE_SAMPLE_AFTER_GUARD},
    {.name = "mut-fire-negative", .letter = '-',
     .summary = "mutant: fire on remaining <= 0 instead of == 0",
     CORE_POLICY_E, .mutation = CORE_MUT_FIRE_BELOW_ZERO},
    {.name = "mut-delete-first", .letter = '-',
     .summary = "mutant: delete the barrier row before firing",
     CORE_POLICY_E, .mutation = CORE_MUT_DELETE_FIRST},
    {.name = "mut-claim-skip", .letter = '-',
     .summary = "mutant: the claim is skipped on redelivery (keyed on the delivery)",
     CORE_POLICY_E, .claim = CORE_CLAIM_DELIVERY},
    {.name = "mut-attempts-3", .letter = '-',
     .summary = "mutant: attempt bound 3 without clearing \"reused\" after a reconnect",
     CORE_POLICY_E, .attempt_max = 3},
    {.name = "mut-rollback-live", .letter = '-',
     .summary = "mutant: a failed rollback is taken for a live connection",
     CORE_POLICY_E, .mutation = CORE_MUT_ROLLBACK_LIVE},
};

#if defined(__clang__)
#pragma clang diagnostic pop
#else
#pragma GCC diagnostic pop
#endif

#define CORE_POLICY_COUNT ((int)(sizeof(core_policies) / sizeof(core_policies[0])))
#define CORE_MUTANT_COUNT ((int)(sizeof(core_mutants) / sizeof(core_mutants[0])))

const core_policy_t *core_policy_find(const char *name)
{
    int i;

    for (i = 0; i < CORE_POLICY_COUNT; i++) {
        if (strcmp(core_policies[i].name, name) == 0) {
            return &core_policies[i];
        }
    }
    for (i = 0; i < CORE_MUTANT_COUNT; i++) {
        if (strcmp(core_mutants[i].name, name) == 0) {
            return &core_mutants[i];
        }
    }
    return NULL;
}

int core_mutant_count(void)
{
    return CORE_MUTANT_COUNT;
}

const core_policy_t *core_mutant_at(int index)
{
    assert(index >= 0);
    assert(index < CORE_MUTANT_COUNT);
    return &core_mutants[index];
}

int core_policy_count(void)
{
    return CORE_POLICY_COUNT;
}

const core_policy_t *core_policy_at(int index)
{
    assert(index >= 0);
    assert(index < CORE_POLICY_COUNT);
    return &core_policies[index];
}
