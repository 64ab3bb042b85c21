/*
 * suite — the property suite's verdicts as test cases, written as JUnit XML
 * (junit.c) and TAP version 13 (tap.c) for CI systems.
 *
 * A group is one scenario file; a case is one policy's expectation in that
 * file, or the file's coverage check. A case that failed carries its reasons
 * and a command that reproduces it.
 *
 * Invariants:
 *  1. Every text the suite stores is valid UTF-8 without control characters:
 *     the suite's functions replace anything else with '?', so both writers
 *     emit well-formed documents whatever a path or a name contains.
 *  2. A writer writes PATH through reports/atomic.h, so PATH contains
 *     either the old file or the whole new one.
 */
#ifndef BARRIERSIM_SUITE_H
#define BARRIERSIM_SUITE_H

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    int group_index;
    char *name;       /* the policy, or "coverage" */
    bool passed;
    char *message;    /* the reasons, joined by "; "; NULL when passed */
    char *command;    /* the command that reproduces a failure, or NULL */
} report_case_t;

typedef struct {
    char *name;       /* the scenario's name */
    char *file;       /* the scenario file's path */
    double seconds;   /* wall time of the group's runs, for the reader only */
    int case_count;
    int failed_count;
} report_group_t;

typedef struct {
    char *name;       /* the whole suite, e.g. "barriersim check scenarios/" */
    double seconds;
    int group_count;
    int group_capacity;
    report_group_t *groups;
    int case_count;
    int case_capacity;
    report_case_t *cases;
    int failed_count;
} report_suite_t;

/* Start an empty suite. Returns 0, or -1 when out of memory. */
int report_suite_init(report_suite_t *suite, const char *name);
void report_suite_free(report_suite_t *suite);

/* Open a group; the cases added next belong to it. Returns 0 or -1. */
int report_suite_group(report_suite_t *suite, const char *name, const char *file);
/* Record the wall time the last group's runs took. */
void report_suite_group_time(report_suite_t *suite, double seconds);

/* Add a case to the last group, which must exist. message and command may
 * be NULL. Returns 0 or -1. */
int report_suite_add(report_suite_t *suite, const char *name, bool passed,
                     const char *message, const char *command);

/* Write the suite as JUnit XML (the Jenkins/Ant junit-10.xsd dialect) or as
 * TAP version 13. Returns 0, or -1 after printing an error that names path. */
int report_write_junit(const char *path, const report_suite_t *suite);
int report_write_tap(const char *path, const report_suite_t *suite);

#endif
