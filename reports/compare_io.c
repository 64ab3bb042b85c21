/* compare_io — write the report's three files atomically; read a report. */
#include "compare.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef void (*report_writer_cb)(FILE *out, const report_compare_t *report);

static int report_write_one(const report_compare_t *report, const char *dir,
                            const char *name, report_writer_cb writer, char *error,
                            size_t error_size);
static void report_write_json_cb(FILE *out, const report_compare_t *report);

int report_compare_write_dir(const report_compare_t *report, const char *dir,
                             bool json_only, char *error, size_t error_size)
{
    if (report_make_dir(dir, error, error_size) != 0) {
        return -1;
    }
    if (report_write_one(report, dir, "report.json", report_write_json_cb, error,
                         error_size) != 0) {
        return -1;
    }
    if (json_only) {
        return 0;
    }
    if (report_write_one(report, dir, "report.md", report_compare_write_md, error,
                         error_size) != 0) {
        return -1;
    }
    return report_write_one(report, dir, "report.html", report_compare_write_html, error,
                            error_size);
}

int report_make_dir(const char *dir, char *error, size_t error_size)
{
    char path[PATH_MAX];
    struct stat st;
    size_t i;

    if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path) || path[0] == '\0') {
        snprintf(error, error_size, "invalid report folder \"%s\": empty or too long", dir);
        return -1;
    }

    /* Create each missing parent, then the folder, as mkdir -p does. */
    for (i = 1; path[i - 1] != '\0'; i++) {
        if (path[i] != '/' && path[i] != '\0') {
            continue;
        }
        path[i] = path[i] == '/' ? '\0' : path[i];
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            snprintf(error, error_size, "could not create the report folder \"%s\": %s; "
                     "check that its parent is writable", path, strerror(errno));
            return -1;
        }
        if (i < strlen(dir)) {
            path[i] = '/';
        }
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(error, error_size, "\"%s\" exists and is not a folder; name another "
                 "folder for the report", dir);
        return -1;
    }
    return 0;
}

int report_compare_read_file(const char *path, report_compare_t *report, char *error,
                             size_t error_size)
{
    char reason[REPORT_ERROR_MAX];
    json_error_t json_error;
    json_t *root = json_load_file(path, 0, &json_error);
    int rc;

    if (root == NULL) {
        report_json_error(&json_error, reason, sizeof(reason));
        snprintf(error, error_size, "could not read report \"%s\": %s", path, reason);
        return -1;
    }
    rc = report_compare_from_json(root, report, reason, sizeof(reason));
    json_decref(root);
    if (rc != 0) {
        snprintf(error, error_size, "%s: %s", path, reason);
    }
    return rc;
}

/* DIR/NAME through DIR/.NAME.tmp, renamed into place once complete. */
static int report_write_one(const report_compare_t *report, const char *dir,
                            const char *name, report_writer_cb writer, char *error,
                            size_t error_size)
{
    char path[PATH_MAX];
    char tmp_path[PATH_MAX];
    FILE *out;
    int failed;

    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
        snprintf(tmp_path, sizeof(tmp_path), "%s/.%s.tmp", dir, name) >=
            (int)sizeof(tmp_path)) {
        snprintf(error, error_size, "report folder path is too long: %s", dir);
        return -1;
    }
    out = fopen(tmp_path, "w");
    if (out == NULL) {
        snprintf(error, error_size, "could not write \"%s\": %s; check that the folder is "
                 "writable", tmp_path, strerror(errno));
        return -1;
    }
    writer(out, report);
    failed = ferror(out);
    failed |= fflush(out) != 0 || fsync(fileno(out)) != 0;
    failed |= fclose(out) != 0;
    if (failed || rename(tmp_path, path) != 0) {
        snprintf(error, error_size, "could not write \"%s\": %s; check the free space and "
                 "that the folder is writable", path, strerror(errno));
        remove(tmp_path);
        return -1;
    }
    return 0;
}

static void report_write_json_cb(FILE *out, const report_compare_t *report)
{
    json_t *root = report_compare_to_json(report);

    json_dumpf(root, out, REPORT_JSON_FLAGS);
    fputc('\n', out);
    json_decref(root);
}

void report_json_error(const json_error_t *json_error, char *buf, size_t buf_size)
{
    if (json_error->line > 0) {
        snprintf(buf, buf_size, "%s (line %d)", json_error->text, json_error->line);
    } else {
        snprintf(buf, buf_size, "%s", json_error->text);
    }
}
