/* tap — write the property suite as TAP version 13: one "ok" or "not ok"
 * line per case, named "SCENARIO POLICY", and after each failure a YAML
 * block with the reasons, the scenario file and the command that
 * reproduces it. */
#include "suite.h"
#include "atomic.h"

#include <limits.h>
#include <stdio.h>

#define REPORT_TAP_WHAT "TAP"

static void report_tap_description(FILE *out, const char *text);
static void report_tap_yaml(FILE *out, const char *key, const char *value);

int report_write_tap(const char *path, const report_suite_t *suite)
{
    char tmp_path[PATH_MAX];
    FILE *out = report_atomic_open(path, REPORT_TAP_WHAT, tmp_path, sizeof(tmp_path));
    int i;

    if (out == NULL) {
        return -1;
    }
    fprintf(out, "TAP version 13\n1..%d\n", suite->case_count);
    for (i = 0; i < suite->case_count; i++) {
        const report_case_t *entry = &suite->cases[i];
        const report_group_t *group = &suite->groups[entry->group_index];

        fprintf(out, "%s %d - ", entry->passed ? "ok" : "not ok", i + 1);
        report_tap_description(out, group->name);
        fputc(' ', out);
        report_tap_description(out, entry->name);
        fputc('\n', out);
        if (entry->passed) {
            continue;
        }
        fprintf(out, "  ---\n");
        report_tap_yaml(out, "message", entry->message != NULL ? entry->message : "failed");
        report_tap_yaml(out, "file", group->file);
        if (entry->command != NULL) {
            report_tap_yaml(out, "reproduce", entry->command);
        }
        fprintf(out, "  ...\n");
    }
    return report_atomic_close(out, true, tmp_path, path, REPORT_TAP_WHAT);
}

/* A '#' would start a directive (SKIP, TODO), so it and the backslash that
 * escapes it are escaped. */
static void report_tap_description(FILE *out, const char *text)
{
    for (; *text != '\0'; text++) {
        if (*text == '#' || *text == '\\') {
            fputc('\\', out);
        }
        fputc(*text, out);
    }
}

/* A single-quoted YAML scalar: only the quote itself needs escaping, by
 * doubling, once the suite has removed control characters. */
static void report_tap_yaml(FILE *out, const char *key, const char *value)
{
    fprintf(out, "  %s: '", key);
    for (; *value != '\0'; value++) {
        if (*value == '\'') {
            fputc('\'', out);
        }
        fputc(*value, out);
    }
    fprintf(out, "'\n");
}
