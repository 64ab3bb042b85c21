/* determinism — the per-step comparison of two runs of one seed. */
#include "determinism.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *sim_determinism_step_lines(const char *trace, uint32_t step);

int sim_determinism_check(sim_world_t *world, const scen_t *scen,
                          const core_policy_t *policy, uint64_t seed, uint32_t bugs,
                          sim_determinism_t *out)
{
    uint64_t *first = NULL;
    uint32_t first_count = 0;
    char *text[2] = {NULL, NULL};
    size_t size[2] = {0, 0};
    int rc = -1;
    int run;

    memset(out, 0, sizeof(*out));
    world->trace.step_hashing = true;
    for (run = 0; run < 2; run++) {
        FILE *render = open_memstream(&text[run], &size[run]);
        sim_result_t result;

        if (render == NULL) {
            goto done;
        }
        sim_world_run(world, scen, policy, seed, bugs, render, &result);
        fclose(render);
        if (!world->trace.step_hashing) {
            goto done;
        }
        out->trace_hash[run] = result.trace_hash;
        out->steps = run == 0 ? result.steps : out->steps;
        if (run == 0) {
            first_count = world->trace.step_count;
            first = malloc((first_count + 1) * sizeof(first[0]));
            if (first == NULL) {
                goto done;
            }
            memcpy(first, world->trace.step_hashes, first_count * sizeof(first[0]));
        }
    }

    /* The first step whose records differ, or the first one only one run has. */
    out->same = true;
    for (out->step = 0; out->step < first_count || out->step < world->trace.step_count;
         out->step++) {
        uint64_t a = out->step < first_count ? first[out->step] : 0;
        uint64_t b = out->step < world->trace.step_count
                         ? world->trace.step_hashes[out->step]
                         : 0;

        if (a != b) {
            out->same = false;
            break;
        }
    }
    out->same = out->same && out->trace_hash[0] == out->trace_hash[1];
    if (!out->same) {
        out->lines[0] = sim_determinism_step_lines(text[0], out->step);
        out->lines[1] = sim_determinism_step_lines(text[1], out->step);
    }
    rc = 0;

done:
    world->trace.step_hashing = false;
    free(first);
    free(text[0]);
    free(text[1]);
    return rc;
}

void sim_determinism_free(sim_determinism_t *check)
{
    free(check->lines[0]);
    free(check->lines[1]);
    check->lines[0] = check->lines[1] = NULL;
}

/* The lines of a text trace whose step field is step. */
static char *sim_determinism_step_lines(const char *trace, uint32_t step)
{
    char needle[32];
    char *lines = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&lines, &size);
    const char *line = trace;

    if (out == NULL) {
        return NULL;
    }
    snprintf(needle, sizeof(needle), " step=%u ", step);
    while (line != NULL && *line != '\0') {
        const char *end = strchr(line, '\n');
        size_t length = end == NULL ? strlen(line) : (size_t)(end - line);
        const char *hit = strstr(line, needle);

        if (hit != NULL && hit < line + length) {
            fprintf(out, "%.*s\n", (int)length, line);
        }
        line = end == NULL ? NULL : end + 1;
    }
    fclose(out);
    return lines;
}
