/* conn_pq_inline — a statement's parameters written into its text, for the
 * one form that cannot carry them separately: a batched string. */
#include "conn_pq.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static size_t conn_pq_inline_size(const char *sql, const char *const *values, int count);

char *conn_pq_inline_sql(PGconn *conn, const char *sql, const char *const *values,
                         int count)
{
    size_t size = conn_pq_inline_size(sql, values, count);
    char *out = malloc(size);
    size_t used = 0;
    const char *p = sql;

    if (out == NULL) { /* LCOV_EXCL_BR_LINE: only when malloc fails */
        return NULL;   /* LCOV_EXCL_LINE */
    }
    while (*p != '\0') {
        char *end;
        long index = *p == '$' && isdigit((unsigned char)p[1]) ? strtol(p + 1, &end, 10) : 0;
        char *literal;

        if (index < 1 || index > count) {
            out[used++] = *p++;
            continue;
        }

        /* PQescapeLiteral quotes the value and, for backslashes, writes the
         * E'' form, so the server reads exactly the bytes a parameter
         * would carry. */
        literal = values[index - 1] == NULL
                      ? NULL
                      : PQescapeLiteral(conn, values[index - 1], strlen(values[index - 1]));
        if (values[index - 1] != NULL && literal == NULL) {
            free(out);
            return NULL;
        }
        used += (size_t)strlen(strcpy(out + used, literal == NULL ? "NULL" : literal));
        PQfreemem(literal);
        p = end;
    }
    out[used] = '\0';
    return out;
}

/* Room for the text with each $N as its value's longest literal: every
 * byte doubled, E and two quotes (or NULL). */
static size_t conn_pq_inline_size(const char *sql, const char *const *values, int count)
{
    size_t size = strlen(sql) + 1;
    const char *p;

    for (p = sql; *p != '\0'; p++) {
        long index = *p == '$' && isdigit((unsigned char)p[1]) ? strtol(p + 1, NULL, 10) : 0;

        if (index >= 1 && index <= count) {
            size += values[index - 1] == NULL ? 4 : 2 * strlen(values[index - 1]) + 3;
        }
    }
    return size;
}
