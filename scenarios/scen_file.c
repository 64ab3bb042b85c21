/* scen_file — parse a scenario file with libyaml's document API. */
#include "scen_file.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "../core/policy.h"
#include "../core/stmt.h"
#include "../faults/fault.h"
#include "../sim/oracle.h"
#include "../sim/world.h"

#define SCEN_SHOWN_MAX 80          /* characters of a bad value quoted in a message */
#define SCEN_WHERE_MAX 128         /* a key path such as "schedule.strikes[3].fault" */
#define SCEN_LIST_MAX 512          /* a list of accepted names in a message */
#define SCEN_STEP_MAX 4294967294ULL /* the scheduler counts steps in a uint32_t */
#define SCEN_DIGITS_MAX 18         /* digits of an integer part: no int64 overflow */
#define SCEN_FRACTION_DIGITS_MAX 9

#define SCEN_DURATION_TEXT "a duration such as 0, 800us, 500ms, 1.5s, 2min or 1h"
#define SCEN_RANGE_TEXT                                                        \
    "a duration or a range A..B of durations with A <= B, such as 200ms..5s"

/* The masks of a scenario keep one bit per fault kind and per property. */
_Static_assert(FAULT_KIND_COUNT <= 32, "fault_swarm_t.kinds_mask needs a bit per kind");
_Static_assert(SIM_PROP_COUNT <= 32, "scen_expect_t masks need a bit per property");
_Static_assert(SCEN_REAPER_MAX <= SIM_REAPER_MAX, "the simulator spawns every reaper");

/* X(id, key) — the keys of each mapping, in the order they are parsed. */
#define SCEN_TOP_KEY_MAP(X)                                                    \
    X(NAME, "name") X(SUMMARY, "summary") X(SOURCE, "source")                  \
    X(BATCHES, "batches") X(WORKERS, "workers") X(PATH, "path")                \
    X(TIMINGS, "timings") X(POOLER, "pooler") X(RESTART_RATE, "restart_rate")  \
    X(STEP_MAX, "step_max") X(REAPERS, "reapers")                              \
    X(ORCHESTRATOR, "orchestrator") X(FAULTS, "faults") X(SCHEDULE, "schedule") \
    X(POLICIES, "policies") X(SEEDS, "seeds") X(EXPECT, "expect")             \
    X(CHOICES, "choices") X(COVERAGE, "coverage")
#define SCEN_TIMINGS_KEY_MAP(X)                                                \
    X(WORK, "work") X(LATENCY, "latency") X(LEASE, "lease")                    \
    X(DETECT_DELAY, "detect_delay") X(STUCK_TIMEOUT, "stuck_timeout")          \
    X(EXPIRY, "expiry") X(REAPER_TICK, "reaper_tick")                          \
    X(DEDUP_RETENTION, "dedup_retention")
#define SCEN_POOLER_KEY_MAP(X)                                                 \
    X(MODE, "mode") X(CLIENT_IDLE_TIMEOUT, "client_idle_timeout")
#define SCEN_FAULTS_KEY_MAP(X)                                                 \
    X(KINDS, "kinds") X(REAP_IDLE, "reap_idle") X(DETECT_DELAY, "detect_delay")
#define SCEN_SCHEDULE_KEY_MAP(X) X(BATCHES, "batches") X(STRIKES, "strikes")
#define SCEN_BATCH_KEY_MAP(X) X(WORKER, "worker") X(WORK, "work")
#define SCEN_STRIKE_KEY_MAP(X)                                                 \
    X(ACTOR, "actor") X(STATEMENT, "statement") X(POINT, "point")              \
    X(OCCURRENCE, "occurrence") X(FAULT, "fault") X(VARIANT, "variant")
#define SCEN_EXPECT_KEY_MAP(X)                                                 \
    X(OUTCOME, "outcome") X(VIOLATED, "violated") X(HOLDS, "holds")            \
    X(VIOLATES, "violates")

/* Each map gives an enum of key indexes, SCEN_<PREFIX>_<KEY>, and the key
 * names in the same order, scen_<prefix>_keys. */
#define SCEN_DEFINE_KEYS(prefix, lower, map)                                   \
    enum { map(SCEN_KEY_ID_##prefix) SCEN_##prefix##_KEY_COUNT };             \
    static const char *const scen_##lower##_keys[] = {map(SCEN_KEY_NAME)}

#define SCEN_KEY_NAME(id, key) key,
#define SCEN_KEY_ID_TOP(id, key) SCEN_TOP_##id,
#define SCEN_KEY_ID_TIMINGS(id, key) SCEN_TIMINGS_##id,
#define SCEN_KEY_ID_POOLER(id, key) SCEN_POOLER_##id,
#define SCEN_KEY_ID_FAULTS(id, key) SCEN_FAULTS_##id,
#define SCEN_KEY_ID_SCHEDULE(id, key) SCEN_SCHEDULE_##id,
#define SCEN_KEY_ID_BATCH(id, key) SCEN_BATCH_##id,
#define SCEN_KEY_ID_STRIKE(id, key) SCEN_STRIKE_##id,
#define SCEN_KEY_ID_EXPECT(id, key) SCEN_EXPECT_##id,

SCEN_DEFINE_KEYS(TOP, top, SCEN_TOP_KEY_MAP);
SCEN_DEFINE_KEYS(TIMINGS, timings, SCEN_TIMINGS_KEY_MAP);
SCEN_DEFINE_KEYS(POOLER, pooler, SCEN_POOLER_KEY_MAP);
SCEN_DEFINE_KEYS(FAULTS, faults, SCEN_FAULTS_KEY_MAP);
SCEN_DEFINE_KEYS(SCHEDULE, schedule, SCEN_SCHEDULE_KEY_MAP);
SCEN_DEFINE_KEYS(BATCH, batch, SCEN_BATCH_KEY_MAP);
SCEN_DEFINE_KEYS(STRIKE, strike, SCEN_STRIKE_KEY_MAP);
SCEN_DEFINE_KEYS(EXPECT, expect, SCEN_EXPECT_KEY_MAP);

/* One key of a mapping and its value; both NULL when the file leaves it out. */
typedef struct {
    yaml_node_t *key;
    yaml_node_t *value;
} scen_field_t;

/* The state of one load. */
typedef struct {
    const char *path;
    yaml_document_t *doc;
    char *error;
    size_t error_size;
    bool fixed;               /* the file has a schedule: fixed-base defaults */
    bool swarm;               /* faults are drawn per seed */
} scen_file_t;

typedef struct {
    const char *name;
    int64_t scale_us;
} scen_unit_t;

const char *const scen_orchestrator_names[2] = {"general", "api"};

static const scen_unit_t scen_units[] = {
    {"us", 1},
    {"ms", 1000},
    {"s", 1000000},
    {"min", 60000000},
    {"h", 3600000000LL},
};


static int scen_file_load_from(scen_file_t *file, FILE *in, const char *text,
                               size_t text_length, scen_t *scen_out);
static int scen_file_read(scen_file_t *file, yaml_parser_t *parser, FILE *in,
                          yaml_document_t *doc);
static int scen_file_parse(scen_file_t *file, yaml_node_t *root, scen_t *scen);
static int scen_file_parse_base(scen_file_t *file, yaml_node_t *root,
                                const scen_field_t *fields, scen_t *scen);
static int scen_file_parse_head(scen_file_t *file, yaml_node_t *root,
                                const scen_field_t *fields, scen_t *scen);
static int scen_file_parse_run(scen_file_t *file, const scen_field_t *fields,
                               scen_t *scen);
static int scen_file_parse_timings(scen_file_t *file, yaml_node_t *node, scen_t *scen);
static int scen_file_parse_reaper(scen_file_t *file, const scen_field_t *fields,
                                  scen_t *scen);
static int scen_file_parse_pooler(scen_file_t *file, yaml_node_t *node, scen_t *scen);
static int scen_file_parse_faults(scen_file_t *file, yaml_node_t *node, scen_t *scen);
static int scen_file_parse_schedule(scen_file_t *file, yaml_node_t *node,
                                    const scen_field_t *faults, scen_t *scen);
static int scen_file_parse_batches(scen_file_t *file, yaml_node_t *node, scen_t *scen);
static int scen_file_parse_strikes(scen_file_t *file, yaml_node_t *node, scen_t *scen);
static int scen_file_parse_strike(scen_file_t *file, yaml_node_t *node,
                                  const char *where, const scen_t *scen,
                                  fault_entry_t *entry);
static int scen_file_parse_checks(scen_file_t *file, const scen_field_t *fields,
                                  scen_t *scen);
static int scen_file_parse_policies(scen_file_t *file, yaml_node_t *node, scen_t *scen);
static int scen_file_parse_seeds(scen_file_t *file, yaml_node_t *node, scen_t *scen);
static int scen_file_parse_expect(scen_file_t *file, yaml_node_t *node,
                                  const scen_field_t *policies, scen_t *scen);
static int scen_file_expect_key(scen_file_t *file, yaml_node_t *key,
                                yaml_node_t *const *keys, const scen_field_t *policies,
                                const scen_t *scen);
static int scen_file_parse_expect_entry(scen_file_t *file, yaml_node_t *node,
                                        const char *where, scen_expect_t *expect);

static int scen_file_fields(scen_file_t *file, yaml_node_t *map, const char *where,
                            const char *const *keys, int key_count,
                            scen_field_t *fields_out);
static int scen_file_missing(scen_file_t *file, yaml_node_t *map, const char *where,
                             const char *key, const char *expected);
static int scen_file_fail(scen_file_t *file, const yaml_node_t *node,
                          const char *format, ...) __attribute__((format(printf, 3, 4)));
static int scen_file_invalid(scen_file_t *file, const yaml_node_t *node,
                             const char *where, const char *expected);
static const char *scen_file_scalar(scen_file_t *file, const yaml_node_t *node,
                                    const char *where, const char *expected);
static yaml_node_t *scen_file_item(scen_file_t *file, const yaml_node_t *sequence,
                                   int index);
static int scen_file_int(scen_file_t *file, const yaml_node_t *node, const char *where,
                         int64_t min, int64_t max, int64_t *out);
static int scen_file_duration(scen_file_t *file, const yaml_node_t *node,
                              const char *where, int64_t min_us, int64_t *out_us);
static int scen_file_range(scen_file_t *file, const yaml_node_t *node,
                           const char *where, int64_t *min_us, int64_t *max_us);
static int scen_file_text(scen_file_t *file, const yaml_node_t *node, const char *where,
                          bool identifier, char *buf, size_t buf_size);
static int scen_file_choice(scen_file_t *file, const yaml_node_t *node,
                            const char *where, const char *const *names,
                            int name_count, int *index_out);
static int scen_file_props(scen_file_t *file, yaml_node_t *node, const char *where,
                           uint32_t *mask_out);
static int scen_file_kinds(scen_file_t *file, yaml_node_t *node, const char *where,
                           uint32_t *mask_out);
static int scen_file_rate(scen_file_t *file, const yaml_node_t *node, const char *where,
                          uint32_t *rate_out);
static int scen_file_worker(scen_file_t *file, const yaml_node_t *node,
                            const char *where, int worker_count, int *worker_out);
static int scen_file_actor(scen_file_t *file, const yaml_node_t *node,
                           const char *where, const scen_t *scen, int *actor_out);
static int scen_policy_names(const char **names);
static int scen_file_parse_choices(scen_file_t *file, yaml_node_t *node, scen_t *scen);
static int scen_file_choice_values(scen_file_t *file, yaml_node_t *node,
                                   const char *name, sim_choice_class_t cls,
                                   scen_t *scen);
static int scen_file_strike_point(scen_file_t *file, yaml_node_t *node,
                                  const scen_field_t *fields, const char *where,
                                  fault_entry_t *entry);
static int scen_file_strike_fault(scen_file_t *file, const yaml_node_t *node,
                                  const char *where, fault_entry_t *entry);
static int scen_file_strike_variant(scen_file_t *file, const scen_field_t *field,
                                    const char *where, fault_entry_t *entry);
static int scen_point_kinds(fault_point_t point, const char **names,
                            fault_kind_t *kinds);
static stmt_id_t scen_stmt_family(stmt_id_t stmt);
static int scen_parse_u64(const char *text, size_t length, uint64_t *out);
static void scen_join(char *buf, size_t buf_size, const char *const *names, int count);
static int scen_node_line(const yaml_node_t *node);
static const char *scen_node_kind(const yaml_node_t *node);

int scen_file_load(const char *path, scen_t *scen_out, char *error_out,
                   size_t error_size)
{
    scen_file_t file = {path, NULL, error_out, error_size, false, false};
    struct stat info;
    FILE *in;
    int rc;

    assert(error_size > 0);
    error_out[0] = '\0';
    in = fopen(path, "rb");
    if (in == NULL) {
        snprintf(error_out, error_size, "%s: could not open scenario file: %s", path,
                 strerror(errno));
        return -1;
    }
    /* fopen opens a folder too, and libyaml then reports only "input error". */
    if (fstat(fileno(in), &info) == 0 && S_ISDIR(info.st_mode)) {
        snprintf(error_out, error_size,
                 "%s: could not read scenario file: it is a folder; name a .yaml file "
                 "(check runs every file of a folder)", path);
        fclose(in);
        return -1;
    }
    rc = scen_file_load_from(&file, in, NULL, 0, scen_out);
    fclose(in);
    return rc;
}

int scen_file_load_text(const char *name, const char *text, size_t text_length,
                        scen_t *scen_out, char *error_out, size_t error_size)
{
    scen_file_t file = {name, NULL, error_out, error_size, false, false};

    assert(error_size > 0);
    assert(text != NULL || text_length == 0);
    error_out[0] = '\0';
    return scen_file_load_from(&file, NULL, text != NULL ? text : "", text_length,
                               scen_out);
}

/* Read the document from in, or from text when in is NULL, and parse it. */
static int scen_file_load_from(scen_file_t *file, FILE *in, const char *text,
                               size_t text_length, scen_t *scen_out)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_node_t *root;
    scen_t *scen;
    int rc;

    if (!yaml_parser_initialize(&parser)) {
        snprintf(file->error, file->error_size, "%s: out of memory", file->path);
        return -1;
    }
    if (in != NULL) {
        yaml_parser_set_input_file(&parser, in);
    } else {
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, text_length);
    }
    rc = scen_file_read(file, &parser, in, &doc);
    yaml_parser_delete(&parser);
    if (rc != 0) {
        return -1;
    }

    /* Parse into a scratch copy so a failure leaves the caller's untouched. */
    scen = malloc(sizeof(*scen));
    if (scen == NULL) {
        snprintf(file->error, file->error_size, "%s: out of memory", file->path);
        yaml_document_delete(&doc);
        return -1;
    }
    file->doc = &doc;
    root = yaml_document_get_root_node(&doc);
    rc = scen_file_parse(file, root, scen);
    if (rc == 0) {
        *scen_out = *scen;
    }
    free(scen);
    yaml_document_delete(&doc);
    return rc;
}

int scen_duration_parse(const char *text, int64_t *duration_us_out)
{
    const char *p = text;
    int64_t whole = 0;
    int64_t fraction = 0;
    int64_t fraction_scale = 1;
    int digits = 0;
    size_t u;

    if (strcmp(text, "0") == 0) {
        *duration_us_out = 0;
        return 0;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        if (++digits > SCEN_DIGITS_MAX) {
            return -1;
        }
        whole = whole * 10 + (*p - '0');
    }
    if (digits == 0) {
        return -1;
    }
    if (*p == '.') {
        for (p++, digits = 0; *p >= '0' && *p <= '9'; p++) {
            if (++digits > SCEN_FRACTION_DIGITS_MAX) {
                return -1;
            }
            fraction = fraction * 10 + (*p - '0');
            fraction_scale *= 10;
        }
        if (digits == 0) {
            return -1;
        }
    }

    for (u = 0; u < sizeof(scen_units) / sizeof(scen_units[0]); u++) {
        int64_t scale = scen_units[u].scale_us;

        if (strcmp(p, scen_units[u].name) != 0) {
            continue;
        }
        /* A fraction must come out as whole microseconds: 1.5s yes, 0.5us no. */
        if ((fraction * scale) % fraction_scale != 0 ||
            whole > SCEN_DURATION_MAX_US / scale) {
            return -1;
        }
        *duration_us_out = whole * scale + fraction * scale / fraction_scale;
        return *duration_us_out <= SCEN_DURATION_MAX_US ? 0 : -1;
    }
    return -1;
}

int scen_duration_range_parse(const char *text, int64_t *min_us_out,
                              int64_t *max_us_out)
{
    const char *dots = strstr(text, "..");
    char first[64];
    size_t length;

    if (dots == NULL) {
        if (scen_duration_parse(text, min_us_out) != 0) {
            return -1;
        }
        *max_us_out = *min_us_out;
        return 0;
    }
    length = (size_t)(dots - text);
    if (length >= sizeof(first)) {
        return -1;
    }
    memcpy(first, text, length);
    first[length] = '\0';
    if (scen_duration_parse(first, min_us_out) != 0 ||
        scen_duration_parse(dots + 2, max_us_out) != 0) {
        return -1;
    }
    return *min_us_out <= *max_us_out ? 0 : -1;
}

/* Read the one YAML document of the parser's input (in, or NULL for text);
 * a parse error names its line. The caller deletes the parser. */
static int scen_file_read(scen_file_t *file, yaml_parser_t *parser, FILE *in,
                          yaml_document_t *doc)
{
    yaml_document_t extra;
    bool more;

    if (!yaml_parser_load(parser, doc)) {
        /* A failed read is the file's problem, not the YAML's. */
        if (parser->error == YAML_READER_ERROR && in != NULL && ferror(in)) {
            snprintf(file->error, file->error_size,
                     "%s: could not read scenario file: %s", file->path, strerror(errno));
            return -1;
        }
        snprintf(file->error, file->error_size, "%s:%zu: invalid YAML: %s%s%s",
                 file->path, parser->problem_mark.line + 1,
                 parser->problem != NULL ? parser->problem : "unknown error",
                 parser->context != NULL ? " " : "",
                 parser->context != NULL ? parser->context : "");
        return -1;
    }
    if (yaml_document_get_root_node(doc) == NULL) {
        snprintf(file->error, file->error_size,
                 "%s:1: empty scenario file: expected a mapping with at least "
                 "name and summary", file->path);
        yaml_document_delete(doc);
        return -1;
    }

    /* A second document would be ignored silently, so it is an error. */
    if (!yaml_parser_load(parser, &extra)) {
        snprintf(file->error, file->error_size, "%s:%zu: invalid YAML: %s",
                 file->path, parser->problem_mark.line + 1,
                 parser->problem != NULL ? parser->problem : "unknown error");
        yaml_document_delete(doc);
        return -1;
    }
    more = yaml_document_get_root_node(&extra) != NULL;
    if (more) {
        snprintf(file->error, file->error_size,
                 "%s:%zu: unexpected second YAML document: a scenario file "
                 "holds exactly one",
                 file->path, extra.start_mark.line + 1);
        yaml_document_delete(doc);
    }
    yaml_document_delete(&extra);
    return more ? -1 : 0;
}

/* Parse the root mapping in dependency order: sizes and the base first, then
 * everything that is checked against them. */
static int scen_file_parse(scen_file_t *file, yaml_node_t *root, scen_t *scen)
{
    scen_field_t fields[SCEN_TOP_KEY_COUNT];

    if (scen_file_fields(file, root, NULL, scen_top_keys, SCEN_TOP_KEY_COUNT,
                         fields) != 0) {
        return -1;
    }
    if (scen_file_parse_base(file, root, fields, scen) != 0 ||
        scen_file_parse_head(file, root, fields, scen) != 0 ||
        scen_file_parse_run(file, fields, scen) != 0) {
        return -1;
    }

    if (fields[SCEN_TOP_FAULTS].value != NULL &&
        scen_file_parse_faults(file, fields[SCEN_TOP_FAULTS].value, scen) != 0) {
        return -1;
    }
    if (fields[SCEN_TOP_SCHEDULE].value != NULL &&
        scen_file_parse_schedule(file, fields[SCEN_TOP_SCHEDULE].value,
                                 &fields[SCEN_TOP_FAULTS], scen) != 0) {
        return -1;
    }
    if (fields[SCEN_TOP_COVERAGE].value != NULL) {
        static const char *const levels[] = {"none", "faults"};
        int level;

        if (scen_file_choice(file, fields[SCEN_TOP_COVERAGE].value, "coverage", levels, 2,
                             &level) != 0) {
            return -1;
        }
        scen->coverage_required = level == 1;
    }
    if (fields[SCEN_TOP_CHOICES].value != NULL &&
        scen_file_parse_choices(file, fields[SCEN_TOP_CHOICES].value, scen) != 0) {
        return -1;
    }
    return scen_file_parse_checks(file, fields, scen);
}

/* choices: {CLASS: [value, ...], ...}; fault values are kind names. */
static int scen_file_parse_choices(scen_file_t *file, yaml_node_t *node, scen_t *scen)
{
    char classes[SCEN_LIST_MAX];
    const char *names[SIM_CHOICE_CLASS_COUNT];
    yaml_node_pair_t *pair;
    int i;

    for (i = 0; i < SIM_CHOICE_CLASS_COUNT; i++) {
        names[i] = sim_choice_class_name((sim_choice_class_t)i);
    }
    scen_join(classes, sizeof(classes), names, SIM_CHOICE_CLASS_COUNT);
    if (node->type != YAML_MAPPING_NODE) {
        return scen_file_fail(file, node, "choices must be a mapping of a class (%s) "
                              "to a list of values, not %s", classes,
                              scen_node_kind(node));
    }
    scen->choice_count = 0;
    for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *key = yaml_document_get_node(file->doc, pair->key);
        const char *name = scen_file_scalar(file, key, "choices", classes);
        int cls = name == NULL ? -1 : sim_choice_class_find(name);

        if (name == NULL) {
            return -1;
        }
        if (cls < 0) {
            return scen_file_invalid(file, key, "choices", classes);
        }
        if (scen_file_choice_values(file, yaml_document_get_node(file->doc, pair->value),
                                    name, (sim_choice_class_t)cls, scen) != 0) {
            return -1;
        }
    }
    return 0;
}

static int scen_file_choice_values(scen_file_t *file, yaml_node_t *node,
                                   const char *name, sim_choice_class_t cls,
                                   scen_t *scen)
{
    char where[SCEN_WHERE_MAX];
    yaml_node_item_t *item;

    if (node->type != YAML_SEQUENCE_NODE) {
        return scen_file_fail(file, node, "choices.%s must be a list of values, not %s",
                              name, scen_node_kind(node));
    }
    for (item = node->data.sequence.items.start; item < node->data.sequence.items.top;
         item++) {
        yaml_node_t *value = yaml_document_get_node(file->doc, *item);
        int64_t number;

        snprintf(where, sizeof(where), "choices.%s[%d]", name,
                 (int)(item - node->data.sequence.items.start));
        if (scen->choice_count == SCEN_CHOICE_MAX) {
            return scen_file_fail(file, value, "%s: a scenario pins at most %d "
                                  "choices; drop the trailing ones (a run continues "
                                  "with 0 past the end)", where, SCEN_CHOICE_MAX);
        }
        if (cls == SIM_CHOICE_FAULT) {
            const char *kinds[FAULT_KIND_COUNT];
            int kind;

            for (kind = 0; kind < FAULT_KIND_COUNT; kind++) {
                kinds[kind] = fault_kind_name((fault_kind_t)kind);
            }
            if (scen_file_choice(file, value, where, kinds, FAULT_KIND_COUNT, &kind) != 0) {
                return -1;
            }
            number = kind;
        } else if (scen_file_int(file, value, where, 0, SCEN_DURATION_MAX_US,
                                 &number) != 0) {
            return -1;
        }
        scen->choice_class[scen->choice_count] = (uint8_t)cls;
        scen->choice_value[scen->choice_count++] = (uint64_t)number;
    }
    return 0;
}

/* Sizes, then the base whose values absent keys keep: scen_fixed_base() for
 * a schedule, scen_default() otherwise. A schedule that also gives `faults`
 * draws them per seed inside scen_default()'s ranges unless it sets them. */
static int scen_file_parse_base(scen_file_t *file, yaml_node_t *root,
                                const scen_field_t *fields, scen_t *scen)
{
    int64_t batch_count = 8;
    int64_t worker_count = 4;
    scen_t swarm_base;

    file->fixed = fields[SCEN_TOP_SCHEDULE].value != NULL;
    file->swarm = !file->fixed || fields[SCEN_TOP_FAULTS].value != NULL;
    if (file->fixed && fields[SCEN_TOP_BATCHES].value == NULL) {
        return scen_file_missing(file, root, NULL, "batches",
                                 "the batch count, which a scenario with a schedule "
                                 "must give");
    }
    if (file->fixed && fields[SCEN_TOP_WORKERS].value == NULL) {
        return scen_file_missing(file, root, NULL, "workers",
                                 "the worker count, which a scenario with a schedule "
                                 "must give");
    }
    if (fields[SCEN_TOP_BATCHES].value != NULL &&
        scen_file_int(file, fields[SCEN_TOP_BATCHES].value, "batches", 1,
                      SCEN_BATCH_MAX, &batch_count) != 0) {
        return -1;
    }
    if (fields[SCEN_TOP_WORKERS].value != NULL &&
        scen_file_int(file, fields[SCEN_TOP_WORKERS].value, "workers", 1,
                      SCEN_WORKER_MAX, &worker_count) != 0) {
        return -1;
    }

    scen_default(&swarm_base, (int)batch_count, (int)worker_count);
    if (!file->fixed) {
        *scen = swarm_base;
        return 0;
    }
    scen_fixed_base(scen, (int)batch_count, (int)worker_count);
    if (file->swarm) {
        scen->swarm = true;
        scen->swarm_range = swarm_base.swarm_range;
    }
    return 0;
}

static int scen_file_parse_head(scen_file_t *file, yaml_node_t *root,
                                const scen_field_t *fields, scen_t *scen)
{
    if (fields[SCEN_TOP_NAME].value == NULL) {
        return scen_file_missing(file, root, NULL, "name",
                                 "a name of letters, digits, '-', '_' and '.'");
    }
    if (fields[SCEN_TOP_SUMMARY].value == NULL) {
        return scen_file_missing(file, root, NULL, "summary",
                                 "a one-line description of the scenario");
    }
    if (scen_file_text(file, fields[SCEN_TOP_NAME].value, "name", true, scen->name,
                       sizeof(scen->name)) != 0 ||
        scen_file_text(file, fields[SCEN_TOP_SUMMARY].value, "summary", false,
                       scen->summary, sizeof(scen->summary)) != 0) {
        return -1;
    }
    scen->source[0] = '\0';
    if (fields[SCEN_TOP_SOURCE].value != NULL &&
        scen_file_text(file, fields[SCEN_TOP_SOURCE].value, "source", false,
                       scen->source, sizeof(scen->source)) != 0) {
        return -1;
    }
    return 0;
}

/* Path, timings, pooler, restarts, the step limit, reapers and orchestrator. */
static int scen_file_parse_run(scen_file_t *file, const scen_field_t *fields,
                               scen_t *scen)
{
    const char *paths[SCEN_PATH_LINK + 1];
    int64_t step_max;
    int64_t reapers;
    int orchestrator = 0;
    int path;

    for (path = 0; path <= SCEN_PATH_LINK; path++) {
        paths[path] = scen_path_name((scen_path_t)path);
    }
    if (fields[SCEN_TOP_PATH].value != NULL) {
        if (scen_file_choice(file, fields[SCEN_TOP_PATH].value, "path", paths,
                             SCEN_PATH_LINK + 1, &path) != 0) {
            return -1;
        }
        scen->path = (scen_path_t)path;
    }
    if (fields[SCEN_TOP_TIMINGS].value != NULL &&
        scen_file_parse_timings(file, fields[SCEN_TOP_TIMINGS].value, scen) != 0) {
        return -1;
    }
    if (fields[SCEN_TOP_POOLER].value != NULL &&
        scen_file_parse_pooler(file, fields[SCEN_TOP_POOLER].value, scen) != 0) {
        return -1;
    }
    if (fields[SCEN_TOP_RESTART_RATE].value != NULL &&
        scen_file_rate(file, fields[SCEN_TOP_RESTART_RATE].value, "restart_rate",
                       &scen->restart_rate_max) != 0) {
        return -1;
    }
    if (fields[SCEN_TOP_STEP_MAX].value != NULL) {
        if (scen_file_int(file, fields[SCEN_TOP_STEP_MAX].value, "step_max", 1,
                          (int64_t)SCEN_STEP_MAX, &step_max) != 0) {
            return -1;
        }
        scen->step_max = (uint64_t)step_max;
    }

    /* Before the schedule, whose strikes may name a reaper. */
    if (fields[SCEN_TOP_REAPERS].value != NULL) {
        if (scen_file_int(file, fields[SCEN_TOP_REAPERS].value, "reapers", 0,
                          SCEN_REAPER_MAX, &reapers) != 0) {
            return -1;
        }
        scen->reaper_count = (int)reapers;
    }

    /* The API-deployment orchestrator takes no orchestration claim. */
    if (fields[SCEN_TOP_ORCHESTRATOR].value != NULL) {
        if (scen_file_choice(file, fields[SCEN_TOP_ORCHESTRATOR].value, "orchestrator",
                             scen_orchestrator_names, 2, &orchestrator) != 0) {
            return -1;
        }
        scen->api_orchestrator = orchestrator == 1;
    }
    return 0;
}

static int scen_file_parse_timings(scen_file_t *file, yaml_node_t *node, scen_t *scen)
{
    scen_field_t fields[SCEN_TIMINGS_KEY_COUNT];
    yaml_node_t *detect;

    if (scen_file_fields(file, node, "timings", scen_timings_keys, SCEN_TIMINGS_KEY_COUNT,
                         fields) != 0) {
        return -1;
    }
    if (fields[SCEN_TIMINGS_WORK].value != NULL &&
        scen_file_range(file, fields[SCEN_TIMINGS_WORK].value, "timings.work",
                        &scen->work_min_us, &scen->work_max_us) != 0) {
        return -1;
    }
    if (fields[SCEN_TIMINGS_LATENCY].value != NULL &&
        scen_file_range(file, fields[SCEN_TIMINGS_LATENCY].value, "timings.latency",
                        &scen->latency_min_us, &scen->latency_max_us) != 0) {
        return -1;
    }
    if (fields[SCEN_TIMINGS_LEASE].value != NULL &&
        scen_file_duration(file, fields[SCEN_TIMINGS_LEASE].value, "timings.lease", 1,
                           &scen->lease_us) != 0) {
        return -1;
    }

    /* A swarm draws the delay per seed, and would ignore this one. */
    detect = fields[SCEN_TIMINGS_DETECT_DELAY].value;
    if (detect != NULL && file->swarm) {
        return scen_file_fail(file, fields[SCEN_TIMINGS_DETECT_DELAY].key,
                              "timings.detect_delay applies to a fixed schedule only: "
                              "this scenario draws its faults per seed, so set "
                              "faults.detect_delay instead");
    }
    if (detect != NULL &&
        scen_file_duration(file, detect, "timings.detect_delay", 0,
                           &scen->fixed_plan.detect_delay_us) != 0) {
        return -1;
    }
    return scen_file_parse_reaper(file, fields, scen);
}

/* Parse the reaper's settings, which change a run only when reapers > 0. */
static int scen_file_parse_reaper(scen_file_t *file, const scen_field_t *fields,
                                  scen_t *scen)
{
    if (fields[SCEN_TIMINGS_STUCK_TIMEOUT].value != NULL &&
        scen_file_duration(file, fields[SCEN_TIMINGS_STUCK_TIMEOUT].value,
                           "timings.stuck_timeout", 1, &scen->stuck_timeout_us) != 0) {
        return -1;
    }
    if (fields[SCEN_TIMINGS_EXPIRY].value != NULL &&
        scen_file_duration(file, fields[SCEN_TIMINGS_EXPIRY].value, "timings.expiry", 1,
                           &scen->expiry_us) != 0) {
        return -1;
    }
    if (fields[SCEN_TIMINGS_REAPER_TICK].value != NULL &&
        scen_file_duration(file, fields[SCEN_TIMINGS_REAPER_TICK].value,
                           "timings.reaper_tick", 1, &scen->reaper_tick_us) != 0) {
        return -1;
    }

    /* 0 keeps the deployed retention of the reaper's marker sweep, 24 h. */
    if (fields[SCEN_TIMINGS_DEDUP_RETENTION].value != NULL &&
        scen_file_duration(file, fields[SCEN_TIMINGS_DEDUP_RETENTION].value,
                           "timings.dedup_retention", 0,
                           &scen->dedup_retention_us) != 0) {
        return -1;
    }
    return 0;
}

static int scen_file_parse_pooler(scen_file_t *file, yaml_node_t *node, scen_t *scen)
{
    scen_field_t fields[SCEN_POOLER_KEY_COUNT];
    const char *modes[SCEN_POOLER_SESSION + 1];
    yaml_node_t *idle;
    int mode;

    if (scen_file_fields(file, node, "pooler", scen_pooler_keys, SCEN_POOLER_KEY_COUNT,
                         fields) != 0) {
        return -1;
    }
    for (mode = 0; mode <= SCEN_POOLER_SESSION; mode++) {
        modes[mode] = scen_pooler_name((scen_pooler_t)mode);
    }
    if (fields[SCEN_POOLER_MODE].value != NULL) {
        if (scen_file_choice(file, fields[SCEN_POOLER_MODE].value, "pooler.mode", modes,
                             SCEN_POOLER_SESSION + 1, &mode) != 0) {
            return -1;
        }
        scen->pooler = (scen_pooler_t)mode;
    }

    idle = fields[SCEN_POOLER_CLIENT_IDLE_TIMEOUT].value;
    if (idle != NULL && file->swarm) {
        return scen_file_fail(file, fields[SCEN_POOLER_CLIENT_IDLE_TIMEOUT].key,
                              "pooler.client_idle_timeout applies to a fixed schedule "
                              "only: this scenario draws its faults per seed, so set "
                              "faults.reap_idle instead");
    }
    if (idle != NULL &&
        scen_file_duration(file, idle, "pooler.client_idle_timeout", 0,
                           &scen->fixed_plan.reap_idle_us) != 0) {
        return -1;
    }
    return 0;
}

static int scen_file_parse_faults(scen_file_t *file, yaml_node_t *node, scen_t *scen)
{
    scen_field_t fields[SCEN_FAULTS_KEY_COUNT];
    fault_swarm_t *range = &scen->swarm_range;

    if (scen_file_fields(file, node, "faults", scen_faults_keys, SCEN_FAULTS_KEY_COUNT,
                         fields) != 0) {
        return -1;
    }
    if (fields[SCEN_FAULTS_KINDS].value != NULL &&
        scen_file_kinds(file, fields[SCEN_FAULTS_KINDS].value, "faults.kinds",
                        &range->kinds_mask) != 0) {
        return -1;
    }
    if (fields[SCEN_FAULTS_REAP_IDLE].value != NULL &&
        scen_file_range(file, fields[SCEN_FAULTS_REAP_IDLE].value, "faults.reap_idle",
                        &range->reap_idle_min_us, &range->reap_idle_max_us) != 0) {
        return -1;
    }
    if (fields[SCEN_FAULTS_DETECT_DELAY].value != NULL &&
        scen_file_range(file, fields[SCEN_FAULTS_DETECT_DELAY].value,
                        "faults.detect_delay", &range->detect_delay_min_us,
                        &range->detect_delay_max_us) != 0) {
        return -1;
    }
    return 0;
}

static int scen_file_parse_schedule(scen_file_t *file, yaml_node_t *node,
                                    const scen_field_t *faults, scen_t *scen)
{
    scen_field_t fields[SCEN_SCHEDULE_KEY_COUNT];

    if (scen_file_fields(file, node, "schedule", scen_schedule_keys,
                         SCEN_SCHEDULE_KEY_COUNT, fields) != 0) {
        return -1;
    }
    if (fields[SCEN_SCHEDULE_STRIKES].value != NULL && faults->value != NULL) {
        return scen_file_fail(file, fields[SCEN_SCHEDULE_STRIKES].key,
                              "schedule.strikes cannot be combined with faults (line "
                              "%d): a scenario either draws its faults per seed or "
                              "strikes them on a schedule; remove one of the two",
                              scen_node_line(faults->key));
    }

    /* Without a batch schedule any worker may take any batch. */
    scen->assigned = fields[SCEN_SCHEDULE_BATCHES].value != NULL;
    if (scen->assigned &&
        scen_file_parse_batches(file, fields[SCEN_SCHEDULE_BATCHES].value, scen) != 0) {
        return -1;
    }
    if (fields[SCEN_SCHEDULE_STRIKES].value != NULL &&
        scen_file_parse_strikes(file, fields[SCEN_SCHEDULE_STRIKES].value, scen) != 0) {
        return -1;
    }
    return 0;
}

/* One entry per batch: the worker that takes it and how long it works.
 * A work duration that is absent or 0 is drawn from timings.work. */
static int scen_file_parse_batches(scen_file_t *file, yaml_node_t *node, scen_t *scen)
{
    char expected[64];
    int count;
    int i;

    snprintf(expected, sizeof(expected), "a list of %d {worker, work} entries, "
             "one per batch", scen->batch_count);
    if (node->type != YAML_SEQUENCE_NODE) {
        return scen_file_invalid(file, node, "schedule.batches", expected);
    }
    count = (int)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (count != scen->batch_count) {
        return scen_file_fail(file, node,
                              "schedule.batches has %d entries: expected %d, one per "
                              "batch (batches: %d)",
                              count, scen->batch_count, scen->batch_count);
    }

    for (i = 0; i < count; i++) {
        scen_field_t fields[SCEN_BATCH_KEY_COUNT];
        yaml_node_t *item = scen_file_item(file, node, i);
        char where[SCEN_WHERE_MAX];
        char key_where[SCEN_WHERE_MAX + 16];
        int worker = 0;

        snprintf(where, sizeof(where), "schedule.batches[%d]", i);
        if (scen_file_fields(file, item, where, scen_batch_keys, SCEN_BATCH_KEY_COUNT,
                             fields) != 0) {
            return -1;
        }
        if (fields[SCEN_BATCH_WORKER].value == NULL) {
            return scen_file_missing(file, item, where, "worker",
                                     "the index of the worker that takes the batch");
        }
        snprintf(key_where, sizeof(key_where), "%s.worker", where);
        if (scen_file_worker(file, fields[SCEN_BATCH_WORKER].value, key_where,
                             scen->worker_count, &worker) != 0) {
            return -1;
        }
        scen->assign_worker[i] = worker;
        scen->work_us[i] = 0;
        snprintf(key_where, sizeof(key_where), "%s.work", where);
        if (fields[SCEN_BATCH_WORK].value != NULL &&
            scen_file_duration(file, fields[SCEN_BATCH_WORK].value, key_where, 0,
                               &scen->work_us[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

static int scen_file_parse_strikes(scen_file_t *file, yaml_node_t *node, scen_t *scen)
{
    fault_plan_t *plan = &scen->fixed_plan;
    char expected[64];
    int count;
    int i;
    int j;

    snprintf(expected, sizeof(expected), "a list of at most %d strikes",
             FAULT_SCHEDULE_MAX);
    if (node->type != YAML_SEQUENCE_NODE) {
        return scen_file_invalid(file, node, "schedule.strikes", expected);
    }
    count = (int)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (count > FAULT_SCHEDULE_MAX) {
        return scen_file_fail(file, node, "schedule.strikes has %d entries: expected "
                                          "at most %d", count, FAULT_SCHEDULE_MAX);
    }

    for (i = 0; i < count; i++) {
        yaml_node_t *item = scen_file_item(file, node, i);
        fault_entry_t *entry = &plan->entries[i];
        char where[SCEN_WHERE_MAX];

        snprintf(where, sizeof(where), "schedule.strikes[%d]", i);
        if (scen_file_parse_strike(file, item, where, scen, entry) != 0) {
            return -1;
        }

        /* Only the first of two identical strikes would ever fire. */
        for (j = 0; j < i; j++) {
            const fault_entry_t *other = &plan->entries[j];

            if (other->actor_index == entry->actor_index && other->stmt == entry->stmt &&
                other->point == entry->point && other->occurrence == entry->occurrence) {
                return scen_file_fail(file, item,
                                      "%s repeats the actor, statement, point and "
                                      "occurrence of schedule.strikes[%d]: only the "
                                      "first would strike, so remove one", where, j);
            }
        }
    }
    plan->entry_count = count;
    return 0;
}

/* Parse one strike: the actor, the point (with the transaction at a send),
 * the occurrence, the fault and its form. F1 is never struck, because a
 * timer drives it (pooler.client_idle_timeout). */
static int scen_file_parse_strike(scen_file_t *file, yaml_node_t *node,
                                  const char *where, const scen_t *scen,
                                  fault_entry_t *entry)
{
    static const int required[] = {SCEN_STRIKE_ACTOR, SCEN_STRIKE_POINT,
                                   SCEN_STRIKE_FAULT};
    scen_field_t fields[SCEN_STRIKE_KEY_COUNT];
    char key_where[SCEN_WHERE_MAX + 16];
    int64_t occurrence = 1;
    size_t i;

    if (scen_file_fields(file, node, where, scen_strike_keys, SCEN_STRIKE_KEY_COUNT,
                         fields) != 0) {
        return -1;
    }
    for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        if (fields[required[i]].value == NULL) {
            return scen_file_missing(file, node, where, scen_strike_keys[required[i]],
                                     "actor, point and fault in every strike");
        }
    }

    snprintf(key_where, sizeof(key_where), "%s.actor", where);
    if (scen_file_actor(file, fields[SCEN_STRIKE_ACTOR].value, key_where, scen,
                        &entry->actor_index) != 0) {
        return -1;
    }
    if (scen_file_strike_point(file, node, fields, where, entry) != 0) {
        return -1;
    }

    snprintf(key_where, sizeof(key_where), "%s.occurrence", where);
    if (fields[SCEN_STRIKE_OCCURRENCE].value != NULL &&
        scen_file_int(file, fields[SCEN_STRIKE_OCCURRENCE].value, key_where, 1, INT_MAX,
                      &occurrence) != 0) {
        return -1;
    }
    entry->occurrence = (int)occurrence;

    snprintf(key_where, sizeof(key_where), "%s.fault", where);
    if (scen_file_strike_fault(file, fields[SCEN_STRIKE_FAULT].value, key_where,
                               entry) != 0) {
        return -1;
    }
    snprintf(key_where, sizeof(key_where), "%s.variant", where);
    return scen_file_strike_variant(file, &fields[SCEN_STRIKE_VARIANT], key_where,
                                    entry);
}

/* Parse the point, and at a send point (begin, statement, commit) the
 * statement that picks the transaction. The simulator counts the other
 * points per actor alone, so a statement there is rejected rather than read
 * as a filter, and the entry's stmt is STMT_BEGIN, the key the simulator
 * looks those strikes up with. */
static int scen_file_strike_point(scen_file_t *file, yaml_node_t *node,
                                  const scen_field_t *fields, const char *where,
                                  fault_entry_t *entry)
{
    const scen_field_t *statement = &fields[SCEN_STRIKE_STATEMENT];
    const char *labels[STMT_COUNT];
    const char *points[FAULT_POINT_COUNT];
    char key_where[SCEN_WHERE_MAX + 16];
    int index;
    int i;

    for (i = 0; i < FAULT_POINT_COUNT; i++) {
        points[i] = fault_point_name((fault_point_t)i);
    }
    snprintf(key_where, sizeof(key_where), "%s.point", where);
    if (scen_file_choice(file, fields[SCEN_STRIKE_POINT].value, key_where, points,
                         FAULT_POINT_COUNT, &index) != 0) {
        return -1;
    }
    entry->point = (fault_point_t)index;
    entry->stmt = STMT_BEGIN;

    if (entry->point > FAULT_AT_COMMIT) {
        if (statement->value != NULL) {
            return scen_file_fail(file, statement->key,
                                  "%s.statement applies to the points begin, statement "
                                  "and commit only: point %s counts every arrival of "
                                  "the actor, so remove the statement", where,
                                  points[entry->point]);
        }
        return 0;
    }
    if (statement->value == NULL) {
        return scen_file_missing(file, node, where, "statement",
                                 "the main statement of the struck transaction at "
                                 "point begin, statement or commit");
    }

    /* A strike names a transaction's main statement, never BEGIN or COMMIT. */
    for (i = STMT_ARM_UPSERT; i < STMT_COUNT; i++) {
        labels[i - STMT_ARM_UPSERT] = stmt_label((stmt_id_t)i);
    }
    snprintf(key_where, sizeof(key_where), "%s.statement", where);
    if (scen_file_choice(file, statement->value, key_where, labels,
                         STMT_COUNT - STMT_ARM_UPSERT, &index) != 0) {
        return -1;
    }
    entry->stmt = (stmt_id_t)(index + STMT_ARM_UPSERT);

    /* The simulator counts the decrement and claim forms of policies n and
     * k as Q-DEC and Q-CLAIM (sim_stmt_family in sim/simconn.c), so a
     * strike naming a form would never strike. */
    if (scen_stmt_family(entry->stmt) != entry->stmt) {
        return scen_file_fail(file, statement->value,
                              "%s.statement %s: the simulator counts the sends of this "
                              "form as %s, so name %s instead", where,
                              stmt_label(entry->stmt),
                              stmt_label(scen_stmt_family(entry->stmt)),
                              stmt_label(scen_stmt_family(entry->stmt)));
    }
    return 0;
}

/* The statement a send of stmt is counted as, for schedules. */
static stmt_id_t scen_stmt_family(stmt_id_t stmt)
{
    switch (stmt) {
    case STMT_DEC_G:
    case STMT_DEC_XID:
    case STMT_K_MARK:
    case STMT_K_STORE:
        return STMT_DEC;
    case STMT_CLAIM_G:
        return STMT_CLAIM;
    default:
        return stmt;
    }
}

/* The fault of a strike: a simulated kind that a schedule may place at the
 * strike's point (fault_kind_schedulable). */
static int scen_file_strike_fault(scen_file_t *file, const yaml_node_t *node,
                                  const char *where, fault_entry_t *entry)
{
    const char *names[FAULT_KIND_COUNT];
    fault_kind_t kinds[FAULT_KIND_COUNT];
    char list[SCEN_LIST_MAX];
    int count;
    int index;

    if (node->type == YAML_SCALAR_NODE &&
        strcmp((const char *)node->data.scalar.value, "F1") == 0) {
        return scen_file_fail(file, node, "invalid value \"F1\" for %s: an idle reap "
                              "is driven by a timer, so set pooler.client_idle_timeout "
                              "instead of striking it", where);
    }
    count = scen_point_kinds(FAULT_POINT_COUNT, names, kinds);
    if (scen_file_choice(file, node, where, names, count, &index) != 0) {
        return -1;
    }
    entry->kind = kinds[index];
    if (!fault_kind_schedulable(entry->kind, entry->point)) {
        count = scen_point_kinds(entry->point, names, kinds);
        scen_join(list, sizeof(list), names, count);
        return scen_file_fail(file, node, "fault %s cannot strike at point %s: "
                              "expected one of %s there",
                              fault_kind_name(entry->kind),
                              fault_point_name(entry->point),
                              count > 0 ? list : "(none)");
    }
    return 0;
}

/* Parse the form of a kind that has several. Absent means the first form. */
static int scen_file_strike_variant(scen_file_t *file, const scen_field_t *field,
                                    const char *where, fault_entry_t *entry)
{
    const char *const *forms = NULL;
    const char *with_forms[FAULT_KIND_COUNT];
    char list[SCEN_LIST_MAX];
    int count = fault_variant_names(entry->kind, &forms);
    int with_count = 0;
    int index = 0;
    int kind;

    entry->variant = 0;
    if (field->value == NULL) {
        return 0;
    }
    if (count == 0) {
        for (kind = FAULT_F1; kind < FAULT_KIND_COUNT; kind++) {
            if (fault_variant_count((fault_kind_t)kind) > 1) {
                with_forms[with_count++] = fault_kind_name((fault_kind_t)kind);
            }
        }
        scen_join(list, sizeof(list), with_forms, with_count);
        return scen_file_fail(file, field->key, "%s is set, but fault %s has a single "
                              "form: remove the variant (only %s have forms)", where,
                              fault_kind_name(entry->kind), list);
    }
    if (scen_file_choice(file, field->value, where, forms, count, &index) != 0) {
        return -1;
    }
    entry->variant = index;
    return 0;
}

static int scen_file_parse_checks(scen_file_t *file, const scen_field_t *fields,
                                  scen_t *scen)
{
    scen->policy_count = 0;
    scen->expect_count = 0;
    if (fields[SCEN_TOP_POLICIES].value != NULL &&
        scen_file_parse_policies(file, fields[SCEN_TOP_POLICIES].value, scen) != 0) {
        return -1;
    }
    if (fields[SCEN_TOP_SEEDS].value != NULL &&
        scen_file_parse_seeds(file, fields[SCEN_TOP_SEEDS].value, scen) != 0) {
        return -1;
    }
    if (fields[SCEN_TOP_EXPECT].value != NULL &&
        scen_file_parse_expect(file, fields[SCEN_TOP_EXPECT].value,
                               &fields[SCEN_TOP_POLICIES], scen) != 0) {
        return -1;
    }
    return 0;
}

/* A list of policy names, or [all]. */
static int scen_file_parse_policies(scen_file_t *file, yaml_node_t *node, scen_t *scen)
{
    const char *names[SCEN_POLICY_MAX + 1];
    int policy_count = scen_policy_names(names);
    char expected[SCEN_LIST_MAX];
    int count;
    int i;
    int j;

    names[policy_count] = "all";
    if (node->type != YAML_SEQUENCE_NODE) {
        scen_join(expected, sizeof(expected), names, policy_count + 1);
        return scen_file_invalid(file, node, "policies", expected);
    }
    count = (int)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (count == 0 || count > policy_count) {
        return scen_file_fail(file, node, "policies has %d entries: expected [all] or "
                                          "1 to %d policy names", count, policy_count);
    }

    for (i = 0; i < count; i++) {
        yaml_node_t *item = scen_file_item(file, node, i);
        int index;

        if (scen_file_choice(file, item, "policies", names, policy_count + 1,
                             &index) != 0) {
            return -1;
        }
        if (index == policy_count && count > 1) {
            return scen_file_fail(file, item, "invalid value \"all\" for policies: "
                                              "expected [all] alone, or policy names");
        }
        if (index == policy_count) {
            for (j = 0; j < policy_count; j++) {
                snprintf(scen->policies[j], SCEN_NAME_MAX, "%s", names[j]);
            }
            scen->policy_count = policy_count;
            return 0;
        }
        for (j = 0; j < scen->policy_count; j++) {
            if (strcmp(scen->policies[j], names[index]) == 0) {
                return scen_file_fail(file, item, "policy \"%s\" is listed twice in "
                                                  "policies: remove one", names[index]);
            }
        }
        snprintf(scen->policies[scen->policy_count++], SCEN_NAME_MAX, "%s", names[index]);
    }
    return 0;
}

/* "A..B" or a single seed. */
static int scen_file_parse_seeds(scen_file_t *file, yaml_node_t *node, scen_t *scen)
{
    static const char expected[] =
        "a seed or a range A..B of seeds with A <= B, such as 1..1000";
    const char *text = scen_file_scalar(file, node, "seeds", expected);
    const char *dots;
    uint64_t first;
    uint64_t last;

    if (text == NULL) {
        return -1;
    }
    dots = strstr(text, "..");
    if (dots == NULL) {
        if (scen_parse_u64(text, strlen(text), &first) != 0) {
            return scen_file_invalid(file, node, "seeds", expected);
        }
        last = first;
    } else if (scen_parse_u64(text, (size_t)(dots - text), &first) != 0 ||
               scen_parse_u64(dots + 2, strlen(dots + 2), &last) != 0 || first > last) {
        return scen_file_invalid(file, node, "seeds", expected);
    }
    scen->seed_first = first;
    scen->seed_last = last;
    return 0;
}

/* A mapping from policy name to what it must produce; only policies the
 * scenario runs may appear. */
static int scen_file_parse_expect(scen_file_t *file, yaml_node_t *node,
                                  const scen_field_t *policies, scen_t *scen)
{
    yaml_node_t *keys[SCEN_EXPECT_MAX];
    yaml_node_pair_t *pair;

    if (node->type != YAML_MAPPING_NODE) {
        return scen_file_invalid(file, node, "expect",
                                 "a mapping from policy name to expectation");
    }
    for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *key = yaml_document_get_node(file->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(file->doc, pair->value);
        scen_expect_t *expect;
        char where[SCEN_WHERE_MAX];

        if (scen_file_expect_key(file, key, keys, policies, scen) != 0) {
            return -1;
        }

        /* Keys are distinct policies, so the table cannot overflow. */
        assert(scen->expect_count < SCEN_EXPECT_MAX);
        expect = &scen->expect[scen->expect_count];
        memset(expect, 0, sizeof(*expect));
        snprintf(expect->policy, sizeof(expect->policy), "%s",
                 (const char *)key->data.scalar.value);
        snprintf(where, sizeof(where), "expect.%s", expect->policy);
        if (scen_file_parse_expect_entry(file, value, where, expect) != 0) {
            return -1;
        }
        keys[scen->expect_count++] = key;
    }
    return 0;
}

/* A key of expect: a known policy, not given before, that the scenario runs.
 * keys contains the key nodes of the expectations parsed so far. */
static int scen_file_expect_key(scen_file_t *file, yaml_node_t *key,
                                yaml_node_t *const *keys, const scen_field_t *policies,
                                const scen_t *scen)
{
    const char *names[SCEN_POLICY_MAX];
    char list[SCEN_LIST_MAX];
    bool listed = policies->value == NULL;
    const char *name;
    int i;

    scen_join(list, sizeof(list), names, scen_policy_names(names));
    if (key->type != YAML_SCALAR_NODE) {
        return scen_file_fail(file, key, "invalid key (%s) in expect: expected a policy "
                              "name out of %s", scen_node_kind(key), list);
    }
    name = (const char *)key->data.scalar.value;
    if (core_policy_find(name) == NULL) {
        return scen_file_fail(file, key, "unknown policy \"%.*s\" in expect: expected "
                              "one of %s", SCEN_SHOWN_MAX, name, list);
    }
    for (i = 0; i < scen->expect_count; i++) {
        if (strcmp(scen->expect[i].policy, name) == 0) {
            return scen_file_fail(file, key, "duplicate key \"%s\" in expect: first "
                                  "given at line %d", name, scen_node_line(keys[i]));
        }
    }
    for (i = 0; i < scen->policy_count; i++) {
        listed |= strcmp(scen->policies[i], name) == 0;
    }
    if (!listed) {
        return scen_file_fail(file, key, "expect names policy \"%s\", which is not in "
                              "policies (line %d): add it there or remove this "
                              "expectation", name, scen_node_line(policies->key));
    }
    return 0;
}

static int scen_file_parse_expect_entry(scen_file_t *file, yaml_node_t *node,
                                        const char *where, scen_expect_t *expect)
{
    static const char *const outcomes[] = {
#define SCEN_OUTCOME_TEXT(id, name, text) name,
        SCEN_OUTCOME_MAP(SCEN_OUTCOME_TEXT)
#undef SCEN_OUTCOME_TEXT
    };
    scen_field_t fields[SCEN_EXPECT_KEY_COUNT];
    char key_where[SCEN_WHERE_MAX + 16];
    int outcome;

    if (scen_file_fields(file, node, where, scen_expect_keys, SCEN_EXPECT_KEY_COUNT,
                         fields) != 0) {
        return -1;
    }
    if (fields[SCEN_EXPECT_OUTCOME].value == NULL &&
        fields[SCEN_EXPECT_VIOLATED].value == NULL &&
        fields[SCEN_EXPECT_HOLDS].value == NULL &&
        fields[SCEN_EXPECT_VIOLATES].value == NULL) {
        return scen_file_fail(file, node, "%s is empty: expected at least one of "
                              "outcome, violated, holds, violates", where);
    }

    snprintf(key_where, sizeof(key_where), "%s.outcome", where);
    expect->has_outcome = fields[SCEN_EXPECT_OUTCOME].value != NULL;
    if (expect->has_outcome) {
        if (scen_file_choice(file, fields[SCEN_EXPECT_OUTCOME].value, key_where, outcomes,
                             SCEN_OUTCOME_COUNT, &outcome) != 0) {
            return -1;
        }
        expect->outcome = (scen_outcome_t)outcome;
    }
    snprintf(key_where, sizeof(key_where), "%s.violated", where);
    expect->has_violated = fields[SCEN_EXPECT_VIOLATED].value != NULL;
    if (expect->has_violated &&
        scen_file_props(file, fields[SCEN_EXPECT_VIOLATED].value, key_where,
                        &expect->violated_mask) != 0) {
        return -1;
    }
    snprintf(key_where, sizeof(key_where), "%s.holds", where);
    if (fields[SCEN_EXPECT_HOLDS].value != NULL &&
        scen_file_props(file, fields[SCEN_EXPECT_HOLDS].value, key_where,
                        &expect->holds_mask) != 0) {
        return -1;
    }
    snprintf(key_where, sizeof(key_where), "%s.violates", where);
    if (fields[SCEN_EXPECT_VIOLATES].value != NULL &&
        scen_file_props(file, fields[SCEN_EXPECT_VIOLATES].value, key_where,
                        &expect->violates_mask) != 0) {
        return -1;
    }

    /* An expectation no run can meet is a mistake in the file. */
    if ((expect->holds_mask & expect->violates_mask) != 0 ||
        (expect->has_violated && (expect->holds_mask & expect->violated_mask) != 0)) {
        return scen_file_fail(file, node, "%s contradicts itself: a property in holds "
                              "is also in violates or violated", where);
    }
    return 0;
}

/* Check that map is a mapping of known, distinct keys and look each key up:
 * fields_out[i] is keys[i]'s entry. where is NULL for the root mapping. */
static int scen_file_fields(scen_file_t *file, yaml_node_t *map, const char *where,
                            const char *const *keys, int key_count,
                            scen_field_t *fields_out)
{
    char expected[SCEN_LIST_MAX];
    yaml_node_pair_t *pair;
    int i;

    memset(fields_out, 0, sizeof(*fields_out) * (size_t)key_count);
    scen_join(expected, sizeof(expected), keys, key_count);
    if (map->type != YAML_MAPPING_NODE) {
        char text[SCEN_LIST_MAX + 32];

        snprintf(text, sizeof(text), "a mapping with keys %s", expected);
        return scen_file_invalid(file, map, where == NULL ? "the scenario" : where, text);
    }

    for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *key = yaml_document_get_node(file->doc, pair->key);
        const char *name;

        if (key->type != YAML_SCALAR_NODE) {
            return scen_file_fail(file, key, "invalid key (%s)%s%s: expected one of %s",
                                  scen_node_kind(key), where == NULL ? "" : " in ",
                                  where == NULL ? "" : where, expected);
        }
        name = (const char *)key->data.scalar.value;
        for (i = 0; i < key_count && strcmp(keys[i], name) != 0; i++) {
        }
        if (i == key_count) {
            return scen_file_fail(file, key, "unknown key \"%.*s\"%s%s: expected one of %s",
                                  SCEN_SHOWN_MAX, name, where == NULL ? "" : " in ",
                                  where == NULL ? "" : where, expected);
        }
        if (fields_out[i].key != NULL) {
            return scen_file_fail(file, key, "duplicate key \"%s\"%s%s: first given at "
                                  "line %d", name, where == NULL ? "" : " in ",
                                  where == NULL ? "" : where,
                                  scen_node_line(fields_out[i].key));
        }
        fields_out[i].key = key;
        fields_out[i].value = yaml_document_get_node(file->doc, pair->value);
    }
    return 0;
}

static int scen_file_missing(scen_file_t *file, yaml_node_t *map, const char *where,
                             const char *key, const char *expected)
{
    return scen_file_fail(file, map, "missing key \"%s\"%s%s: expected %s", key,
                          where == NULL ? "" : " in ", where == NULL ? "" : where,
                          expected);
}

static int scen_file_fail(scen_file_t *file, const yaml_node_t *node,
                          const char *format, ...)
{
    va_list args;
    int used;

    used = snprintf(file->error, file->error_size, "%s:%d: ", file->path,
                    scen_node_line(node));
    if (used >= 0 && (size_t)used < file->error_size) {
        va_start(args, format);
        vsnprintf(file->error + used, file->error_size - (size_t)used, format, args);
        va_end(args);
    }
    return -1;
}

static int scen_file_invalid(scen_file_t *file, const yaml_node_t *node,
                             const char *where, const char *expected)
{
    if (node->type != YAML_SCALAR_NODE) {
        return scen_file_fail(file, node, "invalid value (%s) for %s: expected %s",
                              scen_node_kind(node), where, expected);
    }
    return scen_file_fail(file, node, "invalid value \"%.*s%s\" for %s: expected %s",
                          SCEN_SHOWN_MAX, (const char *)node->data.scalar.value,
                          node->data.scalar.length > SCEN_SHOWN_MAX ? "..." : "",
                          where, expected);
}

/* The text of a scalar node, or NULL after reporting the wrong type. */
static const char *scen_file_scalar(scen_file_t *file, const yaml_node_t *node,
                                    const char *where, const char *expected)
{
    const char *text;

    if (node->type != YAML_SCALAR_NODE) {
        scen_file_invalid(file, node, where, expected);
        return NULL;
    }
    text = (const char *)node->data.scalar.value;
    if (strlen(text) != node->data.scalar.length) {
        scen_file_fail(file, node, "invalid value for %s: it contains a NUL character",
                       where);
        return NULL;
    }
    return text;
}

static yaml_node_t *scen_file_item(scen_file_t *file, const yaml_node_t *sequence,
                                   int index)
{
    assert(sequence->type == YAML_SEQUENCE_NODE);
    return yaml_document_get_node(file->doc, sequence->data.sequence.items.start[index]);
}

static int scen_file_int(scen_file_t *file, const yaml_node_t *node, const char *where,
                         int64_t min, int64_t max, int64_t *out)
{
    char expected[96];
    const char *text;
    uint64_t value;

    assert(min >= 0);
    snprintf(expected, sizeof(expected), "an integer %lld..%lld", (long long)min,
             (long long)max);
    text = scen_file_scalar(file, node, where, expected);
    if (text == NULL) {
        return -1;
    }
    if (scen_parse_u64(text, strlen(text), &value) != 0 || value < (uint64_t)min ||
        value > (uint64_t)max) {
        return scen_file_invalid(file, node, where, expected);
    }
    *out = (int64_t)value;
    return 0;
}

static int scen_file_duration(scen_file_t *file, const yaml_node_t *node,
                              const char *where, int64_t min_us, int64_t *out_us)
{
    const char *expected = min_us > 0 ? SCEN_DURATION_TEXT ", greater than 0"
                                      : SCEN_DURATION_TEXT;
    const char *text = scen_file_scalar(file, node, where, expected);
    int64_t value;

    if (text == NULL) {
        return -1;
    }
    if (scen_duration_parse(text, &value) != 0 || value < min_us) {
        return scen_file_invalid(file, node, where, expected);
    }
    *out_us = value;
    return 0;
}

static int scen_file_range(scen_file_t *file, const yaml_node_t *node,
                           const char *where, int64_t *min_us, int64_t *max_us)
{
    const char *text = scen_file_scalar(file, node, where, SCEN_RANGE_TEXT);
    int64_t min;
    int64_t max;

    if (text == NULL) {
        return -1;
    }
    if (scen_duration_range_parse(text, &min, &max) != 0) {
        return scen_file_invalid(file, node, where, SCEN_RANGE_TEXT);
    }
    *min_us = min;
    *max_us = max;
    return 0;
}

/* Non-empty text that fits buf; an identifier is letters, digits, - _ . */
static int scen_file_text(scen_file_t *file, const yaml_node_t *node, const char *where,
                          bool identifier, char *buf, size_t buf_size)
{
    char expected[96];
    const char *text;
    size_t i;

    snprintf(expected, sizeof(expected), "%s of 1 to %zu characters",
             identifier ? "a name of letters, digits, '-', '_' and '.'" : "text",
             buf_size - 1);
    text = scen_file_scalar(file, node, where, expected);
    if (text == NULL) {
        return -1;
    }
    if (text[0] == '\0' || strlen(text) >= buf_size) {
        return scen_file_invalid(file, node, where, expected);
    }
    for (i = 0; identifier && text[i] != '\0'; i++) {
        char c = text[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';

        if (!ok) {
            return scen_file_invalid(file, node, where, expected);
        }
    }
    snprintf(buf, buf_size, "%s", text);
    return 0;
}

static int scen_file_choice(scen_file_t *file, const yaml_node_t *node,
                            const char *where, const char *const *names,
                            int name_count, int *index_out)
{
    char expected[SCEN_LIST_MAX + 16];
    char list[SCEN_LIST_MAX];
    const char *text;
    int i;

    scen_join(list, sizeof(list), names, name_count);
    snprintf(expected, sizeof(expected), "one of %s", list);
    text = scen_file_scalar(file, node, where, expected);
    if (text == NULL) {
        return -1;
    }
    for (i = 0; i < name_count; i++) {
        if (strcmp(names[i], text) == 0) {
            *index_out = i;
            return 0;
        }
    }
    return scen_file_invalid(file, node, where, expected);
}

/* A list of property ids without repeats. */
static int scen_file_props(scen_file_t *file, yaml_node_t *node, const char *where,
                           uint32_t *mask_out)
{
    const char *names[SIM_PROP_COUNT];
    char expected[SCEN_LIST_MAX + 32];
    char list[SCEN_LIST_MAX];
    int count;
    int i;

    for (i = 0; i < SIM_PROP_COUNT; i++) {
        names[i] = sim_prop_name((sim_prop_t)i);
    }
    scen_join(list, sizeof(list), names, SIM_PROP_COUNT);
    snprintf(expected, sizeof(expected), "a list of properties out of %s", list);
    if (node->type != YAML_SEQUENCE_NODE) {
        return scen_file_invalid(file, node, where, expected);
    }

    *mask_out = 0;
    count = (int)(node->data.sequence.items.top - node->data.sequence.items.start);
    for (i = 0; i < count; i++) {
        yaml_node_t *item = scen_file_item(file, node, i);
        int prop = 0;

        if (scen_file_choice(file, item, where, names, SIM_PROP_COUNT, &prop) != 0) {
            return -1;
        }
        if ((*mask_out & (1u << prop)) != 0) {
            return scen_file_fail(file, item, "property %s is listed twice in %s: remove one",
                                  names[prop], where);
        }
        *mask_out |= 1u << prop;
    }
    return 0;
}

/* A list of fault kinds a swarm may draw, without repeats. Kinds the
 * simulator cannot inject yet are rejected, so no sweep counts them as
 * passing. */
static int scen_file_kinds(scen_file_t *file, yaml_node_t *node, const char *where,
                           uint32_t *mask_out)
{
    const char *names[FAULT_KIND_COUNT - FAULT_F1];
    int name_count = FAULT_KIND_COUNT - FAULT_F1;
    char list[SCEN_LIST_MAX];
    char expected[SCEN_LIST_MAX + 32];
    int count;
    int i;

    for (i = 0; i < name_count; i++) {
        names[i] = fault_kind_name((fault_kind_t)(FAULT_F1 + i));
    }
    scen_join(list, sizeof(list), names, name_count);
    snprintf(expected, sizeof(expected), "a list of fault kinds out of %s", list);
    if (node->type != YAML_SEQUENCE_NODE) {
        return scen_file_invalid(file, node, where, expected);
    }

    *mask_out = 0;
    count = (int)(node->data.sequence.items.top - node->data.sequence.items.start);
    for (i = 0; i < count; i++) {
        yaml_node_t *item = scen_file_item(file, node, i);
        int index;
        uint32_t bit;

        if (scen_file_choice(file, item, where, names, name_count, &index) != 0) {
            return -1;
        }
        bit = 1u << (FAULT_F1 + index);
        if (!fault_kind_simulated((fault_kind_t)(FAULT_F1 + index))) {
            return scen_file_fail(file, item, "fault %s in %s cannot be injected by the "
                                  "simulator yet: remove it", names[index], where);
        }
        if ((*mask_out & bit) != 0) {
            return scen_file_fail(file, item, "fault %s is listed twice in %s: remove one",
                                  names[index], where);
        }
        *mask_out |= bit;
    }
    return 0;
}

/* "x/1024": a chance out of SCEN_RESTART_RATE_DENOMINATOR. */
static int scen_file_rate(scen_file_t *file, const yaml_node_t *node, const char *where,
                          uint32_t *rate_out)
{
    char expected[64];
    const char *text;
    const char *slash;
    uint64_t numerator;
    uint64_t denominator;

    snprintf(expected, sizeof(expected), "x/%d with x in 0..%d",
             SCEN_RESTART_RATE_DENOMINATOR, SCEN_RESTART_RATE_DENOMINATOR);
    text = scen_file_scalar(file, node, where, expected);
    if (text == NULL) {
        return -1;
    }
    slash = strchr(text, '/');
    if (slash == NULL || scen_parse_u64(text, (size_t)(slash - text), &numerator) != 0 ||
        scen_parse_u64(slash + 1, strlen(slash + 1), &denominator) != 0 ||
        denominator != SCEN_RESTART_RATE_DENOMINATOR ||
        numerator > SCEN_RESTART_RATE_DENOMINATOR) {
        return scen_file_invalid(file, node, where, expected);
    }
    *rate_out = (uint32_t)numerator;
    return 0;
}

/* A worker index below the scenario's worker count. */
static int scen_file_worker(scen_file_t *file, const yaml_node_t *node,
                            const char *where, int worker_count, int *worker_out)
{
    char expected[64];
    const char *text;
    uint64_t worker;

    snprintf(expected, sizeof(expected), "a worker index 0..%d (workers: %d)",
             worker_count - 1, worker_count);
    text = scen_file_scalar(file, node, where, expected);
    if (text == NULL) {
        return -1;
    }
    if (scen_parse_u64(text, strlen(text), &worker) != 0 ||
        worker >= (uint64_t)worker_count) {
        return scen_file_invalid(file, node, where, expected);
    }
    *worker_out = (int)worker;
    return 0;
}

/* "orchestrator" is actor 0, "worker N" is actor N + 1 and "reaper N" (N
 * from 1) is actor workers + N, the order in which the simulator spawns
 * them. */
static int scen_file_actor(scen_file_t *file, const yaml_node_t *node,
                           const char *where, const scen_t *scen, int *actor_out)
{
    static const char worker_prefix[] = "worker ";
    static const char reaper_prefix[] = "reaper ";
    char expected[160];
    const char *text;
    uint64_t number;

    if (scen->reaper_count == 0) {
        snprintf(expected, sizeof(expected),
                 "orchestrator, or worker N with N in 0..%d (workers: %d; reaper N "
                 "needs reapers: 1 or more)",
                 scen->worker_count - 1, scen->worker_count);
    } else {
        snprintf(expected, sizeof(expected),
                 "orchestrator, worker N with N in 0..%d, or reaper N with N in 1..%d "
                 "(workers: %d, reapers: %d)",
                 scen->worker_count - 1, scen->reaper_count, scen->worker_count,
                 scen->reaper_count);
    }
    text = scen_file_scalar(file, node, where, expected);
    if (text == NULL) {
        return -1;
    }

    if (strcmp(text, "orchestrator") == 0) {
        *actor_out = 0;
        return 0;
    }
    if (strncmp(text, worker_prefix, sizeof(worker_prefix) - 1) == 0 &&
        scen_parse_u64(text + sizeof(worker_prefix) - 1,
                       strlen(text + sizeof(worker_prefix) - 1), &number) == 0 &&
        number < (uint64_t)scen->worker_count) {
        *actor_out = (int)number + 1;
        return 0;
    }
    if (strncmp(text, reaper_prefix, sizeof(reaper_prefix) - 1) == 0 &&
        scen_parse_u64(text + sizeof(reaper_prefix) - 1,
                       strlen(text + sizeof(reaper_prefix) - 1), &number) == 0 &&
        number >= 1 && number <= (uint64_t)scen->reaper_count) {
        *actor_out = scen->worker_count + (int)number;
        return 0;
    }
    return scen_file_invalid(file, node, where, expected);
}

/* List the simulated kinds a schedule may place at point, or at any point
 * when point is FAULT_POINT_COUNT. F1 is left out, because a timer drives
 * it. Fills names and kinds and returns the count. */
static int scen_point_kinds(fault_point_t point, const char **names,
                            fault_kind_t *kinds)
{
    int count = 0;
    int kind;

    for (kind = FAULT_F2; kind < FAULT_KIND_COUNT; kind++) {
        bool fits = false;
        int at;

        for (at = 0; at < FAULT_POINT_COUNT; at++) {
            fits |= (point == FAULT_POINT_COUNT || (int)point == at) &&
                    fault_kind_schedulable((fault_kind_t)kind, (fault_point_t)at);
        }
        if (fits && fault_kind_simulated((fault_kind_t)kind)) {
            names[count] = fault_kind_name((fault_kind_t)kind);
            kinds[count] = (fault_kind_t)kind;
            count++;
        }
    }
    return count;
}

const char *scen_variant_name(fault_kind_t kind, int variant)
{
    const char *const *names = NULL;
    int count = fault_variant_names(kind, &names);

    if (variant < 0 || variant >= count) {
        return NULL;
    }
    return names[variant];
}


/* Decimal digits only: no sign, no spaces, no overflow. */
static int scen_parse_u64(const char *text, size_t length, uint64_t *out)
{
    uint64_t value = 0;
    size_t i;

    if (length == 0 || length > 20) {
        return -1;
    }
    for (i = 0; i < length; i++) {
        uint64_t digit;

        if (text[i] < '0' || text[i] > '9') {
            return -1;
        }
        digit = (uint64_t)(text[i] - '0');
        if (value > (UINT64_MAX - digit) / 10) {
            return -1;
        }
        value = value * 10 + digit;
    }
    *out = value;
    return 0;
}

/* Fill names with the policies' names; returns their count. */
static int scen_policy_names(const char **names)
{
    int count = core_policy_count();
    int i;

    assert(count <= SCEN_POLICY_MAX);
    for (i = 0; i < count; i++) {
        names[i] = core_policy_at(i)->name;
    }
    return count;
}

static void scen_join(char *buf, size_t buf_size, const char *const *names, int count)
{
    size_t used = 0;
    int i;

    buf[0] = '\0';
    for (i = 0; i < count && used < buf_size; i++) {
        used += (size_t)snprintf(buf + used, buf_size - used, "%s%s", i > 0 ? ", " : "",
                                 names[i]);
    }
}

static int scen_node_line(const yaml_node_t *node)
{
    return node == NULL ? 1 : (int)node->start_mark.line + 1;
}

static const char *scen_node_kind(const yaml_node_t *node)
{
    switch (node->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_SCALAR_NODE:
        return "a scalar";
    default:
        return "an empty node";
    }
}
