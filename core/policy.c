/* policy — the table of retry-policy variants. */
#include "policy.h"

#include <assert.h>
#include <string.h>

static const core_policy_t core_policies[] = {
    {"no-retry", 'a', "no retry: a failed transaction raises at once",
     CORE_RETRY_NONE, false, CORE_SAMPLE_BEFORE_GUARD, 1},
    {"blind", 'b', "re-run statement and COMMIT once after any dead connection",
     CORE_RETRY_WHOLE, false, CORE_SAMPLE_BEFORE_GUARD, 2},
    {"reused-guard", 'c',
     "re-run statement and COMMIT once, only on a connection cached at entry",
     CORE_RETRY_WHOLE, true, CORE_SAMPLE_BEFORE_GUARD, 2},
    {"phase-split-late", 'd',
     "phase split with \"reused\" sampled after the guard (always true)",
     CORE_RETRY_PHASE_SPLIT, true, CORE_SAMPLE_AFTER_GUARD, 2},
    {"phase-split", 'e',
     "retry an execute-phase death once on a cached connection; never COMMIT",
     CORE_RETRY_PHASE_SPLIT, true, CORE_SAMPLE_BEFORE_GUARD, 2},
};

#define CORE_POLICY_COUNT ((int)(sizeof(core_policies) / sizeof(core_policies[0])))

const core_policy_t *core_policy_find(const char *name)
{
    int i;

    for (i = 0; i < CORE_POLICY_COUNT; i++) {
        if (strcmp(core_policies[i].name, name) == 0) {
            return &core_policies[i];
        }
    }
    return NULL;
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
