/* junit — write the property suite as JUnit XML with libxml2's writer, which
 * escapes every attribute and text node. The layout follows the Jenkins/Ant
 * junit-10.xsd schema: testsuites > testsuite (one per scenario file) >
 * testcase (one per policy, and one per coverage check) > failure. */
#include "suite.h"
#include "atomic.h"

#include <libxml/xmlwriter.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#define REPORT_JUNIT_WHAT "JUnit XML"
#define REPORT_FAILURE_TYPE "expectation mismatch"

static bool report_junit_document(xmlTextWriterPtr writer, const report_suite_t *suite);
static bool report_junit_group(xmlTextWriterPtr writer, const report_suite_t *suite,
                               int group_index);
static bool report_junit_case(xmlTextWriterPtr writer, const report_suite_t *suite,
                              const report_case_t *entry);
static bool report_junit_failure(xmlTextWriterPtr writer, const report_case_t *entry);
static bool report_xml_attribute(xmlTextWriterPtr writer, const char *name,
                                 const char *value);
static bool report_xml_count(xmlTextWriterPtr writer, const char *name, int value);
static bool report_xml_seconds(xmlTextWriterPtr writer, const char *name, double value);

int report_write_junit(const char *path, const report_suite_t *suite)
{
    char tmp_path[PATH_MAX];
    xmlOutputBufferPtr buffer;
    xmlTextWriterPtr writer = NULL;
    FILE *out = report_atomic_open(path, REPORT_JUNIT_WHAT, tmp_path, sizeof(tmp_path));
    bool ok = false;

    if (out == NULL) {
        return -1;
    }

    /* The buffer writes through out and leaves closing it to us. */
    buffer = xmlOutputBufferCreateFile(out, NULL);
    if (buffer != NULL) {
        writer = xmlNewTextWriter(buffer);
        if (writer == NULL) {
            xmlOutputBufferClose(buffer);
        }
    }
    if (writer != NULL) {
        ok = report_junit_document(writer, suite);

        /* Freeing the writer flushes and closes its buffer. */
        xmlFreeTextWriter(writer);
    }
    if (!ok) {
        fprintf(stderr, "barriersim: could not write %s \"%s\": libxml2 failed to "
                        "write the document\n",
                REPORT_JUNIT_WHAT, path);
    }
    return report_atomic_close(out, ok, tmp_path, path, REPORT_JUNIT_WHAT);
}

static bool report_junit_document(xmlTextWriterPtr writer, const report_suite_t *suite)
{
    bool ok = true;
    int i;

    ok &= xmlTextWriterSetIndent(writer, 1) >= 0;
    ok &= xmlTextWriterSetIndentString(writer, BAD_CAST "  ") >= 0;
    ok &= xmlTextWriterStartDocument(writer, NULL, "UTF-8", NULL) >= 0;
    ok &= xmlTextWriterStartElement(writer, BAD_CAST "testsuites") >= 0;
    ok &= report_xml_attribute(writer, "name", suite->name);
    ok &= report_xml_count(writer, "tests", suite->case_count);
    ok &= report_xml_count(writer, "failures", suite->failed_count);
    ok &= report_xml_count(writer, "errors", 0);
    ok &= report_xml_seconds(writer, "time", suite->seconds);

    for (i = 0; ok && i < suite->group_count; i++) {
        ok &= report_junit_group(writer, suite, i);
    }
    ok &= xmlTextWriterEndElement(writer) >= 0;
    ok &= xmlTextWriterEndDocument(writer) >= 0;
    return ok;
}

static bool report_junit_group(xmlTextWriterPtr writer, const report_suite_t *suite,
                               int group_index)
{
    const report_group_t *group = &suite->groups[group_index];
    bool ok = true;
    int i;

    ok &= xmlTextWriterStartElement(writer, BAD_CAST "testsuite") >= 0;
    ok &= report_xml_attribute(writer, "name", group->name);
    ok &= report_xml_count(writer, "tests", group->case_count);
    ok &= report_xml_count(writer, "failures", group->failed_count);
    ok &= report_xml_count(writer, "errors", 0);
    ok &= report_xml_count(writer, "skipped", 0);
    ok &= report_xml_seconds(writer, "time", group->seconds);
    ok &= report_xml_attribute(writer, "file", group->file);

    /* Cases are stored in group order, so this scan visits each once per group. */
    for (i = 0; ok && i < suite->case_count; i++) {
        if (suite->cases[i].group_index == group_index) {
            ok &= report_junit_case(writer, suite, &suite->cases[i]);
        }
    }
    ok &= xmlTextWriterEndElement(writer) >= 0;
    return ok;
}

static bool report_junit_case(xmlTextWriterPtr writer, const report_suite_t *suite,
                              const report_case_t *entry)
{
    const report_group_t *group = &suite->groups[entry->group_index];
    bool ok = true;

    ok &= xmlTextWriterStartElement(writer, BAD_CAST "testcase") >= 0;
    ok &= report_xml_attribute(writer, "classname", group->name);
    ok &= report_xml_attribute(writer, "name", entry->name);
    if (ok && !entry->passed) {
        ok &= report_junit_failure(writer, entry);
    }
    ok &= xmlTextWriterEndElement(writer) >= 0;
    return ok;
}

/* The message attribute and the text both carry the reasons and the
 * command, because CI front ends show one or the other. */
static bool report_junit_failure(xmlTextWriterPtr writer, const report_case_t *entry)
{
    const char *message = entry->message != NULL ? entry->message : "failed";
    char *text = NULL;
    int length;
    bool ok = true;

    if (entry->command != NULL) {
        length = asprintf(&text, "%s; reproduce: %s", message, entry->command);
    } else {
        length = asprintf(&text, "%s", message);
    }
    if (length < 0) {
        return false;
    }
    ok &= xmlTextWriterStartElement(writer, BAD_CAST "failure") >= 0;
    ok &= report_xml_attribute(writer, "type", REPORT_FAILURE_TYPE);
    ok &= report_xml_attribute(writer, "message", text);
    ok &= xmlTextWriterWriteString(writer, BAD_CAST text) >= 0;
    ok &= xmlTextWriterEndElement(writer) >= 0;
    free(text);
    return ok;
}

static bool report_xml_attribute(xmlTextWriterPtr writer, const char *name,
                                 const char *value)
{
    return xmlTextWriterWriteAttribute(writer, BAD_CAST name, BAD_CAST value) >= 0;
}

static bool report_xml_count(xmlTextWriterPtr writer, const char *name, int value)
{
    return xmlTextWriterWriteFormatAttribute(writer, BAD_CAST name, "%d", value) >= 0;
}

/* The schema's SUREFIRE_TIME: digits with an optional fraction. */
static bool report_xml_seconds(xmlTextWriterPtr writer, const char *name, double value)
{
    return xmlTextWriterWriteFormatAttribute(writer, BAD_CAST name, "%.3f",
                                             value < 0 ? 0.0 : value) >= 0;
}
