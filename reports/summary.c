/* summary — aggregate results per policy; print them; write them as JSON. */
#include "summary.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static json_t *report_policy_json(const report_policy_t *report,
                                  const report_replay_t *replay);

void report_policy_init(report_policy_t *report, const core_policy_t *policy)
{
    memset(report, 0, sizeof(*report));
    report->policy = policy;
}

void report_policy_add(report_policy_t *report, const sim_result_t *result)
{
    int prop;

    report->runs++;
    report->outcomes[result->outcome]++;
    report->decrements += (uint64_t)result->decrement_count;
    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        if ((result->violated_mask & (1u << prop)) == 0) {
            continue;
        }
        report->violations[prop]++;
        if (!report->has_first[prop]) {
            report->has_first[prop] = true;
            report->first_seed[prop] = result->seed;
        }
    }
}

void report_print_table(FILE *out, const report_policy_t *reports, int count,
                        const report_replay_t *replay)
{
    int i;
    int prop;
    int outcome;

    fprintf(out, "%-17s %7s", "policy", "runs");
    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        fprintf(out, " %5s", sim_prop_name((sim_prop_t)prop));
    }
    for (outcome = 0; outcome < SCEN_OUTCOME_COUNT; outcome++) {
        fprintf(out, " %9s", scen_outcome_name((scen_outcome_t)outcome));
    }
    fprintf(out, "\n");

    for (i = 0; i < count; i++) {
        const report_policy_t *r = &reports[i];

        fprintf(out, "%-17s %7" PRIu64, r->policy->name, r->runs);
        for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
            fprintf(out, " %5" PRIu64, r->violations[prop]);
        }
        for (outcome = 0; outcome < SCEN_OUTCOME_COUNT; outcome++) {
            fprintf(out, " %9" PRIu64, r->outcomes[outcome]);
        }
        fprintf(out, "\n");
    }

    fprintf(out, "\nfirst failing seed per property (replay command):\n");
    for (i = 0; i < count; i++) {
        const report_policy_t *r = &reports[i];
        bool any = false;

        for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
            char command[512];

            if (!r->has_first[prop]) {
                continue;
            }
            any = true;
            report_replay_command(replay, r->policy->name, r->first_seed[prop],
                                  command, sizeof(command));
            fprintf(out, "  %-17s %-4s %s\n", r->policy->name,
                    sim_prop_name((sim_prop_t)prop), command);
        }
        if (!any) {
            fprintf(out, "  %-17s none\n", r->policy->name);
        }
    }
}

int report_write_json(const char *path, const scen_t *scen, uint64_t seed_first,
                      uint64_t seed_last, const report_policy_t *reports, int count,
                      const report_replay_t *replay)
{
    char tmp_path[4096];
    json_t *root = json_object();
    json_t *policies = json_object();
    int rc;
    int i;

    json_object_set_new(root, "schema", json_integer(1));
    json_object_set_new(root, "scenario", json_string(scen->name));
    json_object_set_new(root, "batches", json_integer(scen->batch_count));
    json_object_set_new(root, "workers", json_integer(scen->worker_count));
    json_object_set_new(root, "seed_first", json_integer((json_int_t)seed_first));
    json_object_set_new(root, "seed_last", json_integer((json_int_t)seed_last));
    for (i = 0; i < count; i++) {
        json_object_set_new(policies, reports[i].policy->name,
                            report_policy_json(&reports[i], replay));
    }
    json_object_set_new(root, "policies", policies);

    if (snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", path) >= (int)sizeof(tmp_path)) {
        fprintf(stderr, "barriersim: JSON path is too long: %s\n", path);
        json_decref(root);
        return -1;
    }
    rc = json_dump_file(root, tmp_path, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(root);
    if (rc != 0 || rename(tmp_path, path) != 0) {
        fprintf(stderr,
                "barriersim: could not write JSON summary \"%s\": %s; check that "
                "the folder exists and is writable\n",
                path, strerror(errno));
        remove(tmp_path);
        return -1;
    }
    return 0;
}

void report_replay_command(const report_replay_t *replay, const char *policy,
                           uint64_t seed, char *buf, size_t buf_size)
{
    snprintf(buf, buf_size, "%s replay --policy %s --seed %" PRIu64 "%s%s",
             replay->program, policy, seed, replay->extra_args[0] ? " " : "",
             replay->extra_args);
}

static json_t *report_policy_json(const report_policy_t *report,
                                  const report_replay_t *replay)
{
    json_t *entry = json_object();
    json_t *violations = json_object();
    json_t *first = json_object();
    json_t *commands = json_object();
    json_t *outcomes = json_object();
    int prop;
    int outcome;

    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        const char *name = sim_prop_name((sim_prop_t)prop);
        char command[512];

        json_object_set_new(violations, name,
                            json_integer((json_int_t)report->violations[prop]));
        if (!report->has_first[prop]) {
            continue;
        }
        json_object_set_new(first, name,
                            json_integer((json_int_t)report->first_seed[prop]));
        report_replay_command(replay, report->policy->name, report->first_seed[prop],
                              command, sizeof(command));
        json_object_set_new(commands, name, json_string(command));
    }
    for (outcome = 0; outcome < SCEN_OUTCOME_COUNT; outcome++) {
        json_object_set_new(outcomes, scen_outcome_name((scen_outcome_t)outcome),
                            json_integer((json_int_t)report->outcomes[outcome]));
    }

    json_object_set_new(entry, "runs", json_integer((json_int_t)report->runs));
    json_object_set_new(entry, "violations", violations);
    json_object_set_new(entry, "first_failing_seed", first);
    json_object_set_new(entry, "replay", commands);
    json_object_set_new(entry, "outcomes", outcomes);
    json_object_set_new(entry, "decrements", json_integer((json_int_t)report->decrements));
    return entry;
}
