/* scen_write — emit a scenario file with libyaml's emitter API. */
#include "scen_write.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <yaml.h>

#include "../core/stmt.h"
#include "../sim/choice.h"
#include "../sim/oracle.h"
#include "scen_file.h"

#define SCEN_WRITE_WIDTH 88        /* lines the emitter tries to stay within */
#define SCEN_WRITE_TEXT_MAX 96     /* a formatted scalar: a range, an actor */
#define SCEN_US_PER_S INT64_C(1000000)

/* The emitter and the first failure, after which nothing more is emitted. */
typedef struct {
    yaml_emitter_t emitter;
    bool failed;
    char problem[256];
} scen_writer_t;

static void scen_write_comment(FILE *out, const char *comment);
static void scen_write_head(scen_writer_t *w, const scen_t *scen);
static void scen_write_timings(scen_writer_t *w, const scen_t *scen);
static void scen_write_faults(scen_writer_t *w, const scen_t *scen);
static void scen_write_schedule(scen_writer_t *w, const scen_t *scen);
static void scen_write_strike(scen_writer_t *w, const scen_t *scen,
                              const fault_entry_t *entry);
static void scen_write_checks(scen_writer_t *w, const scen_t *scen);
static void scen_write_choices(scen_writer_t *w, const scen_t *scen);
static void scen_write_expect(scen_writer_t *w, const scen_expect_t *expect);
static void scen_write_props(scen_writer_t *w, const char *key, uint32_t mask);
static void scen_emit(scen_writer_t *w, yaml_event_t *event, int initialized);
static void scen_scalar(scen_writer_t *w, const char *text);
static void scen_pair(scen_writer_t *w, const char *key, const char *value);
static void scen_pair_int(scen_writer_t *w, const char *key, int64_t value);
static void scen_pair_duration(scen_writer_t *w, const char *key, int64_t value_us);
static void scen_pair_range(scen_writer_t *w, const char *key, int64_t min_us,
                            int64_t max_us);
static void scen_map_start(scen_writer_t *w, bool flow);
static void scen_map_end(scen_writer_t *w);
static void scen_seq_start(scen_writer_t *w, bool flow);
static void scen_seq_end(scen_writer_t *w);
static void scen_fail(scen_writer_t *w, const char *problem);

int scen_write(FILE *out, const scen_t *scen, const char *comment, char *error_out,
               size_t error_size)
{
    scen_writer_t w;
    yaml_event_t event;

    memset(&w, 0, sizeof(w));
    error_out[0] = '\0';
    scen_write_comment(out, comment);
    if (!yaml_emitter_initialize(&w.emitter)) {
        snprintf(error_out, error_size, "could not start the YAML emitter: out of memory");
        return -1;
    }
    yaml_emitter_set_output_file(&w.emitter, out);
    yaml_emitter_set_width(&w.emitter, SCEN_WRITE_WIDTH);
    yaml_emitter_set_unicode(&w.emitter, 1);

    /* An implicit document: no "---" and no "...", like the corpus files. */
    scen_emit(&w, &event, yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING));
    scen_emit(&w, &event,
              yaml_document_start_event_initialize(&event, NULL, NULL, NULL, 1));
    scen_map_start(&w, false);
    scen_write_head(&w, scen);
    scen_write_timings(&w, scen);
    scen_write_faults(&w, scen);
    scen_write_schedule(&w, scen);
    scen_write_checks(&w, scen);
    if (scen->coverage_required) {
        scen_pair(&w, "coverage", "faults");
    }
    scen_write_choices(&w, scen);
    scen_map_end(&w);
    scen_emit(&w, &event, yaml_document_end_event_initialize(&event, 1));
    scen_emit(&w, &event, yaml_stream_end_event_initialize(&event));

    if (!w.failed && !yaml_emitter_flush(&w.emitter)) {
        scen_fail(&w, "could not write the output");
    }
    yaml_emitter_delete(&w.emitter);
    if (w.failed) {
        snprintf(error_out, error_size, "%s", w.problem);
        return -1;
    }
    if (fflush(out) != 0) {
        snprintf(error_out, error_size, "could not write the output");
        return -1;
    }
    return 0;
}

void scen_duration_format(int64_t duration_us, char *buf, size_t buf_size)
{
    static const int64_t hour_us = 3600 * SCEN_US_PER_S;
    int64_t fraction = duration_us % SCEN_US_PER_S;
    int digits = 6;

    if (duration_us == 0) {
        snprintf(buf, buf_size, "0");
    } else if (duration_us % hour_us == 0) {
        snprintf(buf, buf_size, "%" PRId64 "h", duration_us / hour_us);
    } else if (fraction == 0) {
        snprintf(buf, buf_size, "%" PRId64 "s", duration_us / SCEN_US_PER_S);
    } else if (duration_us >= SCEN_US_PER_S) {
        /* Whole seconds and the fraction without its trailing zeros. */
        while (fraction % 10 == 0) {
            fraction /= 10;
            digits--;
        }
        snprintf(buf, buf_size, "%" PRId64 ".%0*" PRId64 "s",
                 duration_us / SCEN_US_PER_S, digits, fraction);
    } else if (duration_us % 1000 == 0) {
        snprintf(buf, buf_size, "%" PRId64 "ms", duration_us / 1000);
    } else {
        snprintf(buf, buf_size, "%" PRId64 "us", duration_us);
    }
}

/* Comments are not YAML data, so libyaml cannot emit them. They go to the
 * stream before the document. Control characters, which could end a
 * comment early, become '?'. */
static void scen_write_comment(FILE *out, const char *comment)
{
    bool line_start = true;
    const char *p;

    if (comment == NULL) {
        return;
    }
    for (p = comment; *p != '\0'; p++) {
        if (line_start) {
            fputs(*p == '\n' ? "#" : "# ", out);
            line_start = false;
        }
        if (*p == '\n') {
            fputc('\n', out);
            line_start = true;
        } else {
            fputc((unsigned char)*p < 0x20 ? '?' : *p, out);
        }
    }
    if (!line_start) {
        fputc('\n', out);
    }
}

static void scen_write_head(scen_writer_t *w, const scen_t *scen)
{
    char text[SCEN_WRITE_TEXT_MAX];

    scen_pair(w, "name", scen->name);
    scen_pair(w, "summary", scen->summary);
    if (scen->source[0] != '\0') {
        scen_pair(w, "source", scen->source);
    }
    scen_pair_int(w, "batches", scen->batch_count);
    scen_pair_int(w, "workers", scen->worker_count);
    scen_pair(w, "path", scen_path_name(scen->path));
    scen_pair_int(w, "reapers", scen->reaper_count);
    scen_pair(w, "orchestrator", scen_orchestrator_names[scen->api_orchestrator ? 1 : 0]);

    snprintf(text, sizeof(text), "%" PRIu32 "/%d", scen->restart_rate_max,
             SCEN_RESTART_RATE_DENOMINATOR);
    scen_pair(w, "restart_rate", text);
    scen_pair_int(w, "step_max", (int64_t)scen->step_max);
}

/* Write timings and pooler. The fixed plan's detection delay and idle reap
 * apply to fixed schedules only, because a swarm draws them and the loader
 * rejects them there. */
static void scen_write_timings(scen_writer_t *w, const scen_t *scen)
{
    scen_scalar(w, "timings");
    scen_map_start(w, false);
    scen_pair_range(w, "work", scen->work_min_us, scen->work_max_us);
    scen_pair_range(w, "latency", scen->latency_min_us, scen->latency_max_us);
    scen_pair_duration(w, "lease", scen->lease_us);
    if (!scen->swarm) {
        scen_pair_duration(w, "detect_delay", scen->fixed_plan.detect_delay_us);
    }
    scen_pair_duration(w, "stuck_timeout", scen->stuck_timeout_us);
    scen_pair_duration(w, "expiry", scen->expiry_us);
    scen_pair_duration(w, "reaper_tick", scen->reaper_tick_us);
    scen_pair_duration(w, "dedup_retention", scen->dedup_retention_us);
    scen_map_end(w);

    scen_scalar(w, "pooler");
    scen_map_start(w, false);
    scen_pair(w, "mode", scen_pooler_name(scen->pooler));
    if (!scen->swarm) {
        scen_pair_duration(w, "client_idle_timeout", scen->fixed_plan.reap_idle_us);
    }
    scen_map_end(w);
}

static void scen_write_faults(scen_writer_t *w, const scen_t *scen)
{
    int kind;

    if (!scen->swarm) {
        return;
    }
    scen_scalar(w, "faults");
    scen_map_start(w, false);
    scen_scalar(w, "kinds");
    scen_seq_start(w, true);
    for (kind = FAULT_F1; kind < FAULT_KIND_COUNT; kind++) {
        if ((scen->swarm_range.kinds_mask & (1u << kind)) != 0) {
            scen_scalar(w, fault_kind_name((fault_kind_t)kind));
        }
    }
    scen_seq_end(w);
    scen_pair_range(w, "reap_idle", scen->swarm_range.reap_idle_min_us,
                    scen->swarm_range.reap_idle_max_us);
    scen_pair_range(w, "detect_delay", scen->swarm_range.detect_delay_min_us,
                    scen->swarm_range.detect_delay_max_us);
    scen_map_end(w);
}

/* A fixed plan needs the schedule key even when it is empty, because the
 * key makes the loader use the fixed base. */
static void scen_write_schedule(scen_writer_t *w, const scen_t *scen)
{
    const fault_plan_t *plan = &scen->fixed_plan;
    int i;

    if (scen->swarm && !scen->assigned) {
        return;
    }
    scen_scalar(w, "schedule");
    scen_map_start(w, !scen->assigned && plan->entry_count == 0);
    if (scen->assigned) {
        scen_scalar(w, "batches");
        scen_seq_start(w, false);
        for (i = 0; i < scen->batch_count; i++) {
            scen_map_start(w, true);
            scen_pair_int(w, "worker", scen->assign_worker[i]);
            if (scen->work_us[i] > 0) {
                scen_pair_duration(w, "work", scen->work_us[i]);
            }
            scen_map_end(w);
        }
        scen_seq_end(w);
    }
    if (!scen->swarm && plan->entry_count > 0) {
        scen_scalar(w, "strikes");
        scen_seq_start(w, false);
        for (i = 0; i < plan->entry_count; i++) {
            scen_write_strike(w, scen, &plan->entries[i]);
        }
        scen_seq_end(w);
    }
    scen_map_end(w);
}

/* Actors are numbered as the simulator spawns them: the orchestrator, the
 * workers from 1, then the reapers. */
static void scen_write_strike(scen_writer_t *w, const scen_t *scen,
                              const fault_entry_t *entry)
{
    const char *variant = scen_variant_name(entry->kind, entry->variant);
    char actor[SCEN_WRITE_TEXT_MAX];

    if (entry->actor_index == 0) {
        snprintf(actor, sizeof(actor), "orchestrator");
    } else if (entry->actor_index <= scen->worker_count) {
        snprintf(actor, sizeof(actor), "worker %d", entry->actor_index - 1);
    } else {
        snprintf(actor, sizeof(actor), "reaper %d", entry->actor_index - scen->worker_count);
    }
    if (fault_variant_count(entry->kind) > 1 && variant == NULL) {
        /* FAULT_VARIANT_DRAWN has no name, since a file cannot ask for a drawn form. */
        scen_fail(w, "a strike's fault form is drawn per seed, which a scenario file "
                     "cannot express");
        return;
    }

    scen_map_start(w, true);
    scen_pair(w, "actor", actor);
    if (entry->point <= FAULT_AT_COMMIT) {
        scen_pair(w, "statement", stmt_label(entry->stmt));
    }
    scen_pair(w, "point", fault_point_name(entry->point));
    scen_pair_int(w, "occurrence", entry->occurrence);
    scen_pair(w, "fault", fault_kind_name(entry->kind));
    if (fault_variant_count(entry->kind) > 1) {
        scen_pair(w, "variant", variant);
    }
    scen_map_end(w);
}

static void scen_write_checks(scen_writer_t *w, const scen_t *scen)
{
    char text[SCEN_WRITE_TEXT_MAX];
    int i;

    /* No policies means all of them, as an absent key does. */
    if (scen->policy_count > 0) {
        scen_scalar(w, "policies");
        scen_seq_start(w, true);
        for (i = 0; i < scen->policy_count; i++) {
            scen_scalar(w, scen->policies[i]);
        }
        scen_seq_end(w);
    }
    snprintf(text, sizeof(text), "%" PRIu64 "..%" PRIu64, scen->seed_first,
             scen->seed_last);
    scen_pair(w, "seeds", text);

    if (scen->expect_count > 0) {
        scen_scalar(w, "expect");
        scen_map_start(w, false);
        for (i = 0; i < scen->expect_count; i++) {
            scen_write_expect(w, &scen->expect[i]);
        }
        scen_map_end(w);
    }
}

/* One flow list per class that has choices, in class order; a class's
 * values keep their order, which is all a run follows. */
static void scen_write_choices(scen_writer_t *w, const scen_t *scen)
{
    int cls;
    int i;

    if (scen->choice_count == 0) {
        return;
    }
    scen_scalar(w, "choices");
    scen_map_start(w, false);
    for (cls = 0; cls < SIM_CHOICE_CLASS_COUNT; cls++) {
        bool any = false;

        for (i = 0; i < scen->choice_count && !any; i++) {
            any = scen->choice_class[i] == cls;
        }
        if (!any) {
            continue;
        }
        scen_scalar(w, sim_choice_class_name((sim_choice_class_t)cls));
        scen_seq_start(w, true);
        for (i = 0; i < scen->choice_count; i++) {
            char number[24];

            if (scen->choice_class[i] != cls) {
                continue;
            }
            if (cls == SIM_CHOICE_FAULT) {
                scen_scalar(w, fault_kind_name((fault_kind_t)scen->choice_value[i]));
                continue;
            }
            snprintf(number, sizeof(number), "%" PRIu64, scen->choice_value[i]);
            scen_scalar(w, number);
        }
        scen_seq_end(w);
    }
    scen_map_end(w);
}

static void scen_write_expect(scen_writer_t *w, const scen_expect_t *expect)
{
    scen_scalar(w, expect->policy);
    scen_map_start(w, true);
    if (expect->has_outcome) {
        scen_pair(w, "outcome", scen_outcome_name(expect->outcome));
    }
    if (expect->has_violated) {
        scen_write_props(w, "violated", expect->violated_mask);
    }
    if (expect->holds_mask != 0) {
        scen_write_props(w, "holds", expect->holds_mask);
    }
    if (expect->violates_mask != 0) {
        scen_write_props(w, "violates", expect->violates_mask);
    }
    scen_map_end(w);
}

static void scen_write_props(scen_writer_t *w, const char *key, uint32_t mask)
{
    int prop;

    scen_scalar(w, key);
    scen_seq_start(w, true);
    for (prop = 0; prop < SIM_PROP_COUNT; prop++) {
        if ((mask & (1u << prop)) != 0) {
            scen_scalar(w, sim_prop_name((sim_prop_t)prop));
        }
    }
    scen_seq_end(w);
}

/* Emit an event if its initializer succeeded (initialized non-zero). After
 * the first failure, only free it. yaml_emitter_emit takes ownership of the
 * event either way. */
static void scen_emit(scen_writer_t *w, yaml_event_t *event, int initialized)
{
    if (!initialized) {
        scen_fail(w, "could not build a YAML event: out of memory");
        return;
    }
    if (w->failed) {
        yaml_event_delete(event);
        return;
    }
    if (!yaml_emitter_emit(&w->emitter, event)) {
        scen_fail(w, w->emitter.problem != NULL ? w->emitter.problem
                                                : "the YAML emitter failed");
    }
}

/* The emitter picks plain style where YAML allows it and quotes the rest. */
static void scen_scalar(scen_writer_t *w, const char *text)
{
    yaml_event_t event;

    scen_emit(w, &event,
              yaml_scalar_event_initialize(&event, NULL, NULL, (yaml_char_t *)text,
                                           (int)strlen(text), 1, 1,
                                           YAML_ANY_SCALAR_STYLE));
}

static void scen_pair(scen_writer_t *w, const char *key, const char *value)
{
    scen_scalar(w, key);
    scen_scalar(w, value);
}

static void scen_pair_int(scen_writer_t *w, const char *key, int64_t value)
{
    char text[SCEN_WRITE_TEXT_MAX];

    snprintf(text, sizeof(text), "%" PRId64, value);
    scen_pair(w, key, text);
}

static void scen_pair_duration(scen_writer_t *w, const char *key, int64_t value_us)
{
    char text[SCEN_WRITE_TEXT_MAX];

    scen_duration_format(value_us, text, sizeof(text));
    scen_pair(w, key, text);
}

static void scen_pair_range(scen_writer_t *w, const char *key, int64_t min_us,
                            int64_t max_us)
{
    char min_text[SCEN_WRITE_TEXT_MAX / 2 - 1];
    char max_text[SCEN_WRITE_TEXT_MAX / 2 - 1];
    char text[SCEN_WRITE_TEXT_MAX];

    scen_duration_format(min_us, min_text, sizeof(min_text));
    scen_duration_format(max_us, max_text, sizeof(max_text));
    if (min_us == max_us) {
        scen_pair(w, key, min_text);
        return;
    }
    snprintf(text, sizeof(text), "%s..%s", min_text, max_text);
    scen_pair(w, key, text);
}

static void scen_map_start(scen_writer_t *w, bool flow)
{
    yaml_event_t event;

    scen_emit(w, &event,
              yaml_mapping_start_event_initialize(
                  &event, NULL, NULL, 1,
                  flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

static void scen_map_end(scen_writer_t *w)
{
    yaml_event_t event;

    scen_emit(w, &event, yaml_mapping_end_event_initialize(&event));
}

static void scen_seq_start(scen_writer_t *w, bool flow)
{
    yaml_event_t event;

    scen_emit(w, &event,
              yaml_sequence_start_event_initialize(
                  &event, NULL, NULL, 1,
                  flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

static void scen_seq_end(scen_writer_t *w)
{
    yaml_event_t event;

    scen_emit(w, &event, yaml_sequence_end_event_initialize(&event));
}

static void scen_fail(scen_writer_t *w, const char *problem)
{
    if (!w->failed) {
        w->failed = true;
        snprintf(w->problem, sizeof(w->problem), "%s", problem);
    }
}
