/* suite — collect the property suite's test cases. */
#include "suite.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_GROWTH_MIN 16

static char *report_clean_text(const char *text);
static size_t report_utf8_length(const unsigned char *text);
static int report_grow(void **items, int *capacity, int count, size_t item_size);

int report_suite_init(report_suite_t *suite, const char *name)
{
    memset(suite, 0, sizeof(*suite));
    suite->name = report_clean_text(name);
    return suite->name == NULL ? -1 : 0;
}

void report_suite_free(report_suite_t *suite)
{
    int i;

    for (i = 0; i < suite->group_count; i++) {
        free(suite->groups[i].name);
        free(suite->groups[i].file);
    }
    for (i = 0; i < suite->case_count; i++) {
        free(suite->cases[i].name);
        free(suite->cases[i].message);
        free(suite->cases[i].command);
    }
    free(suite->groups);
    free(suite->cases);
    free(suite->name);
    memset(suite, 0, sizeof(*suite));
}

int report_suite_group(report_suite_t *suite, const char *name, const char *file)
{
    report_group_t *group;

    if (report_grow((void **)&suite->groups, &suite->group_capacity, suite->group_count,
                    sizeof(*suite->groups)) != 0) {
        return -1;
    }
    group = &suite->groups[suite->group_count];
    memset(group, 0, sizeof(*group));
    group->name = report_clean_text(name);
    group->file = report_clean_text(file);
    if (group->name == NULL || group->file == NULL) {
        free(group->name);
        free(group->file);
        return -1;
    }
    suite->group_count++;
    return 0;
}

void report_suite_group_time(report_suite_t *suite, double seconds)
{
    if (suite->group_count > 0) {
        suite->groups[suite->group_count - 1].seconds = seconds;
        suite->seconds += seconds;
    }
}

int report_suite_add(report_suite_t *suite, const char *name, bool passed,
                     const char *message, const char *command)
{
    report_case_t *entry;
    report_group_t *group;

    if (suite->group_count == 0 ||
        report_grow((void **)&suite->cases, &suite->case_capacity, suite->case_count,
                    sizeof(*suite->cases)) != 0) {
        return -1;
    }
    entry = &suite->cases[suite->case_count];
    memset(entry, 0, sizeof(*entry));
    entry->group_index = suite->group_count - 1;
    entry->passed = passed;
    entry->name = report_clean_text(name);
    entry->message = message != NULL ? report_clean_text(message) : NULL;
    entry->command = command != NULL ? report_clean_text(command) : NULL;
    if (entry->name == NULL || (message != NULL && entry->message == NULL) ||
        (command != NULL && entry->command == NULL)) {
        free(entry->name);
        free(entry->message);
        free(entry->command);
        return -1;
    }

    group = &suite->groups[entry->group_index];
    group->case_count++;
    group->failed_count += passed ? 0 : 1;
    suite->failed_count += passed ? 0 : 1;
    suite->case_count++;
    return 0;
}

/* A copy of text that keeps invariant 1: an invalid UTF-8 byte, a control
 * character or a code point XML 1.0 forbids becomes '?'. */
static char *report_clean_text(const char *text)
{
    const unsigned char *in = (const unsigned char *)text;
    size_t size = strlen(text);
    char *copy = malloc(size + 1);
    size_t used = 0;

    if (copy == NULL) {
        return NULL;
    }
    while (*in != '\0') {
        size_t length = report_utf8_length(in);

        if (length == 0 || (length == 1 && (*in < 0x20 || *in == 0x7f))) {
            copy[used++] = '?';
            in++;
            continue;
        }
        memcpy(copy + used, in, length);
        used += length;
        in += length;
    }
    copy[used] = '\0';
    return copy;
}

/* The length of the well-formed UTF-8 sequence at text, or 0 when it is
 * malformed or encodes a C1 control, a surrogate, U+FFFE or U+FFFF. */
static size_t report_utf8_length(const unsigned char *text)
{
    unsigned char lead = text[0];
    uint32_t code;
    size_t length;
    size_t i;

    if (lead < 0x80) {
        return 1;
    }
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
        code = lead & 0x1fu;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        code = lead & 0x0fu;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        code = lead & 0x07u;
    } else {
        return 0;
    }

    /* A terminating NUL fails the continuation test, so no byte past it is read. */
    for (i = 1; i < length; i++) {
        if ((text[i] & 0xc0) != 0x80) {
            return 0;
        }
        code = (code << 6) | (text[i] & 0x3fu);
    }
    if ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000) ||
        code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        return 0;
    }
    if (code <= 0x9f || code == 0xfffe || code == 0xffff) {
        return 0;
    }
    return length;
}

static int report_grow(void **items, int *capacity, int count, size_t item_size)
{
    void *grown;
    int new_capacity;

    if (count < *capacity) {
        return 0;
    }
    new_capacity = *capacity < REPORT_GROWTH_MIN ? REPORT_GROWTH_MIN : *capacity * 2;
    grown = realloc(*items, (size_t)new_capacity * item_size);
    if (grown == NULL) {
        return -1;
    }
    *items = grown;
    *capacity = new_capacity;
    return 0;
}
