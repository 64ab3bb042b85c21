/* conn_pq — the libpq implementation of the connection ops table. */
#include "conn_pq.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>

#include <fiu.h>
#include <jansson.h>
#include <libpq-fe.h>

/* Maximum parameters of one statement; the catalogue uses at most four. */
#define CONN_PQ_PARAM_MAX 8
#define CONN_PQ_NUMBER_SIZE 24 /* INT64_MIN in decimal plus the NUL */
#define CONN_PQ_JSON_SIZE 64   /* {"batch":INT32_MIN,"value":INT32_MIN} */
#define CONN_PQ_DRAIN_SIZE 4096 /* bytes dropped per read after a cut */

/* Fixed type OIDs of the built-in types (pg_type.dat); client programs have
 * no header for them. */
#define CONN_PQ_INT8OID 20
#define CONN_PQ_INT2OID 21
#define CONN_PQ_INT4OID 23
#define CONN_PQ_JSONBOID 3802

/* Text forms of one statement's parameters, in $1.. order. */
typedef struct {
    const char *values[CONN_PQ_PARAM_MAX];
    char numbers[CONN_PQ_PARAM_MAX][CONN_PQ_NUMBER_SIZE];
    char json[CONN_PQ_JSON_SIZE];
    int count;
} conn_pq_params_t;

static conn_status_t conn_pq_connect(void *backend, void **handle_out);
static void conn_pq_exec(void *handle, const stmt_t *stmt,
                         const conn_params_t *params, conn_raw_t *raw_out);
static void conn_pq_exec_batched(void *handle, const stmt_t *stmt,
                                 const conn_params_t *params, conn_raw_t *raw_out);
static void conn_pq_rollback(void *handle, conn_raw_t *raw_out);
static conn_txn_t conn_pq_txn_status(void *handle);
static bool conn_pq_is_closed(void *handle);
static void conn_pq_close(void *handle);

static bool conn_pq_build_params(const stmt_t *stmt, const conn_params_t *params,
                                 conn_pq_params_t *text_out);
static void conn_pq_format_number(conn_pq_params_t *text, int index, int64_t number);
static bool conn_pq_format_element(conn_pq_params_t *text, int index,
                                   const conn_element_t *element);
static void conn_pq_discard_notice(void *arg, const char *message);
static PGresult *conn_pq_exec_cut(PGconn *conn, const stmt_t *stmt,
                                  const conn_params_t *params);
static void conn_pq_cut(PGconn *conn);
static PGresult *conn_pq_wait(PGconn *conn, bool batched);

/* How long one wait for a reply may take (conn_pq_set_wait_ms). */
static int conn_pq_wait_ms = CONN_PQ_WAIT_MS_DEFAULT;
static void conn_pq_read_result(PGconn *conn, PGresult *res, conn_raw_t *raw);
static void conn_pq_read_texts(PGresult *res, conn_raw_t *raw);
static void conn_pq_read_rows(PGresult *res, conn_raw_t *raw);
static int64_t conn_pq_first_integer(const PGresult *res);
static int64_t conn_pq_integer_at(const PGresult *res, int column);
static void conn_pq_read_elements(const char *text, conn_raw_t *raw);
static void conn_pq_read_element(const json_t *item, size_t index,
                                 conn_element_t *element_out);
static _Noreturn void conn_pq_reject_results(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

const conn_ops_t conn_pq_ops = {
    .version = CONN_OPS_VERSION,
    .name = "libpq",
    .connect = conn_pq_connect,
    .exec = conn_pq_exec,
    .exec_batched = conn_pq_exec_batched,
    .rollback = conn_pq_rollback,
    .txn_status = conn_pq_txn_status,
    .is_closed = conn_pq_is_closed,
    .close = conn_pq_close,
};

int conn_pq_backend_pid(const void *handle)
{
    assert(handle != NULL);
    return PQbackendPID(handle);
}

static conn_status_t conn_pq_connect(void *backend, void **handle_out)
{
    const conn_pq_backend_t *pq = backend;
    PGconn *conn;

    assert(pq != NULL);
    assert(pq->conninfo != NULL);
    *handle_out = NULL;

    /* PQconnectdb returns NULL only when it cannot allocate the PGconn. */
    conn = PQconnectdb(pq->conninfo);
    /* LCOV_EXCL_START: out of memory only */
    if (conn == NULL) {
        return CONN_DEAD;
    }
    /* LCOV_EXCL_STOP */
    if (PQstatus(conn) != CONNECTION_OK) {
        PQfinish(conn);
        return CONN_DEAD;
    }

    /* libpq prints notices to stderr by default, such as the WARNING of a
     * COMMIT sent outside a transaction; they would interleave with the
     * run's output, and the classification does not use them. */
    PQsetNoticeProcessor(conn, conn_pq_discard_notice, NULL);
    *handle_out = conn;
    return CONN_OK;
}

bool conn_pq_send(PGconn *conn, const stmt_t *stmt, const conn_params_t *params)
{
    conn_pq_params_t text;

    if (stmt->params[0] == '\0') {
        return PQsendQuery(conn, stmt->sql) == 1;
    }
    if (!conn_pq_build_params(stmt, params, &text)) {
        return false; /* LCOV_EXCL_LINE: only when malloc fails */
    }
    return PQsendQueryParams(conn, stmt->sql, text.count, NULL, text.values, NULL, NULL,
                             0) == 1;
}

bool conn_pq_send_batched(PGconn *conn, const stmt_t *stmt, const conn_params_t *params)
{
    conn_pq_params_t text;
    char *inlined;
    char *sql;
    bool sent;

    if (!conn_pq_build_params(stmt, params, &text)) {
        return false; /* LCOV_EXCL_LINE: only when malloc fails */
    }
    inlined = conn_pq_inline_sql(conn, stmt->sql, text.values, text.count);
    if (inlined == NULL) {
        return false;
    }
    if (asprintf(&sql, "BEGIN; %s; COMMIT", inlined) < 0) { /* LCOV_EXCL_BR_LINE */
        /* LCOV_EXCL_START: asprintf fails when it cannot allocate */
        free(inlined);
        return false;
        /* LCOV_EXCL_STOP */
    }
    sent = PQsendQuery(conn, sql) == 1;
    free(sql);
    free(inlined);
    return sent;
}

PGresult *conn_pq_keep_reply(PGresult *reply, PGresult *res, int index, bool batched)
{
    bool replace = !batched || reply == NULL ||
                   (PQresultStatus(reply) != PGRES_FATAL_ERROR &&
                    (index == 1 || PQresultStatus(res) == PGRES_FATAL_ERROR));

    if (replace) {
        PQclear(reply);
        return res;
    }
    PQclear(res);
    return reply;
}

void conn_pq_raw(PGconn *conn, PGresult *res, conn_raw_t *raw_out)
{
    conn_pq_read_result(conn, res, raw_out);
}

static void conn_pq_exec(void *handle, const stmt_t *stmt,
                         const conn_params_t *params, conn_raw_t *raw_out)
{
    PGconn *conn = handle;
    PGresult *res;
    bool commit;

    assert(conn != NULL);
    assert(stmt != NULL);

    /* The fail points of conn_pq.h, armed from a run's plan. */
    commit = stmt->id == STMT_COMMIT;
    if (fiu_fail(commit ? CONN_PQ_FIU_F4_SEND : CONN_PQ_FIU_F2_SEND) != 0) {
        conn_pq_cut(conn);
    }
    if (fiu_fail(commit ? CONN_PQ_FIU_F5_REPLY : CONN_PQ_FIU_F3_REPLY) != 0) {
        res = conn_pq_exec_cut(conn, stmt, params);
    } else if (conn_pq_send(conn, stmt, params)) {
        res = conn_pq_wait(conn, false);
    } else {
        /* Nothing was sent, which the classifier treats like a libpq call
         * that returned no result. */
        res = NULL;
    }

    conn_pq_read_result(conn, res, raw_out);
    PQclear(res);
}

/* Send BEGIN, the statement and COMMIT as one string, as lib/pq did (field
 * case C4). NOTE: no libfiu fail point covers this send, so the batched
 * faults are produced on a real server only by the confirm mirror. */
static void conn_pq_exec_batched(void *handle, const stmt_t *stmt,
                                 const conn_params_t *params, conn_raw_t *raw_out)
{
    PGconn *conn = handle;
    PGresult *res = conn_pq_send_batched(conn, stmt, params) ? conn_pq_wait(conn, true)
                                                              : NULL;

    conn_pq_read_result(conn, res, raw_out);
    PQclear(res);
}

void conn_pq_set_wait_ms(int wait_ms)
{
    conn_pq_wait_ms = wait_ms;
}

/* Wait for the reply with a deadline, then read every result and keep the
 * reply (conn_pq_keep_reply). A socket that went quiet (a failed send()
 * does not close it, REAL_PG.md) would make PQexec wait forever, so after
 * the deadline the socket is shut down and the connection reads as bad. */
static PGresult *conn_pq_wait(PGconn *conn, bool batched)
{
    struct pollfd fd = {PQsocket(conn), POLLIN, 0};
    PGresult *reply = NULL;
    PGresult *res;
    int index = 0;

    while (PQisBusy(conn)) {
        if (poll(&fd, 1, conn_pq_wait_ms) <= 0) {
            conn_pq_cut(conn);
            PQconsumeInput(conn);
            break;
        }
        if (!PQconsumeInput(conn)) {
            break;
        }
    }
    while ((res = PQgetResult(conn)) != NULL) {
        reply = conn_pq_keep_reply(reply, res, index++, batched);
    }
    return reply;
}

static void conn_pq_rollback(void *handle, conn_raw_t *raw_out)
{
    PGconn *conn = handle;
    PGresult *res;

    assert(conn != NULL);
    res = PQsendQuery(conn, "ROLLBACK") == 1 ? conn_pq_wait(conn, false) : NULL;
    conn_pq_read_result(conn, res, raw_out);
    PQclear(res);
}

static conn_txn_t conn_pq_txn_status(void *handle)
{
    switch (PQtransactionStatus(handle)) {
    case PQTRANS_IDLE:
        return CONN_TXN_IDLE;
    /* LCOV_EXCL_START: libpq reports ACTIVE only while an asynchronous query
     * runs, and exec reads every result of its query before it returns. */
    case PQTRANS_ACTIVE:
        return CONN_TXN_ACTIVE;
    /* LCOV_EXCL_STOP */
    case PQTRANS_INTRANS:
        return CONN_TXN_INTRANS;
    case PQTRANS_INERROR:
        return CONN_TXN_INERROR;
    case PQTRANS_UNKNOWN:
        return CONN_TXN_UNKNOWN;
    }
    return CONN_TXN_UNKNOWN; /* LCOV_EXCL_LINE: libpq has no other status */
}

static bool conn_pq_is_closed(void *handle)
{
    return PQstatus(handle) == CONNECTION_BAD;
}

static void conn_pq_close(void *handle)
{
    PQfinish(handle);
}

/* Render each parameter letter of the descriptor as text. Returns false
 * only when jansson could not allocate. */
static bool conn_pq_build_params(const stmt_t *stmt, const conn_params_t *params,
                                 conn_pq_params_t *text_out)
{
    int i;

    assert(params != NULL);
    text_out->count = (int)strlen(stmt->params);
    assert(text_out->count <= CONN_PQ_PARAM_MAX);

    for (i = 0; i < text_out->count; i++) {
        switch (stmt->params[i]) {
        case 'e':
            assert(params->exec_id != NULL);
            text_out->values[i] = params->exec_id;
            break;
        case 'o':
            assert(params->org_id != NULL);
            text_out->values[i] = params->org_id;
            break;
        case 'i':
            conn_pq_format_number(text_out, i, params->batch_index);
            break;
        case 'n':
            conn_pq_format_number(text_out, i, params->count);
            break;
        case 't':
            conn_pq_format_number(text_out, i, params->ttl_s);
            break;
        case 'r':
            if (!conn_pq_format_element(text_out, i, &params->result)) {
                return false; /* LCOV_EXCL_LINE: only when malloc fails */
            }
            break;
        case 'l':
            assert(params->leader != NULL);
            text_out->values[i] = params->leader;
            break;
        case 's':
            conn_pq_format_number(text_out, i, params->stuck_s);
            break;
        case 'L':
            conn_pq_format_number(text_out, i, params->lease_s);
            break;
        case 'g':
            conn_pq_format_number(text_out, i, params->generation);
            break;
        case 'x':
            conn_pq_format_number(text_out, i, params->xid);
            break;
        case 'p':
            conn_pq_format_number(text_out, i, params->post_remaining);
            break;
        case 'R':
            conn_pq_format_number(text_out, i, params->retention_s);
            break;
        case 'k':
            conn_pq_format_number(text_out, i, params->msg_kind);
            break;
        case 'M':
            conn_pq_format_number(text_out, i, params->msg_id);
            break;
        /* LCOV_EXCL_START: every descriptor in stmt.h uses the letters above. */
        default:
            assert(!"unknown parameter letter in statement descriptor");
            return false;
        /* LCOV_EXCL_STOP */
        }
    }
    return true;
}

static void conn_pq_format_number(conn_pq_params_t *text, int index, int64_t number)
{
    int length = snprintf(text->numbers[index], CONN_PQ_NUMBER_SIZE, "%" PRId64,
                          number);

    assert(length > 0);
    assert(length < CONN_PQ_NUMBER_SIZE);
    text->values[index] = text->numbers[index];
}

/* Serialise one batch result as the JSON object Q-DEC appends to results. */
static bool conn_pq_format_element(conn_pq_params_t *text, int index,
                                   const conn_element_t *element)
{
    json_t *object = json_pack("{s:i, s:i}", "batch", (int)element->batch_index,
                               "value", (int)element->value);
    size_t length;

    /* A NUL byte survives JSON encoding as \u0000 and is rejected by jsonb
     * with SQLSTATE 22P05, which is the fault this flag stands for. */
    if (object != NULL && (element->flags & CONN_ELEMENT_NUL) != 0) {
        json_object_set_new(object, "note", json_stringn("a\0b", 3));
    }

    /* LCOV_EXCL_START: with this format json_pack fails only when malloc does */
    if (object == NULL) {
        return false;
    }
    /* LCOV_EXCL_STOP */
    length = json_dumpb(object, text->json, sizeof(text->json) - 1, JSON_COMPACT);
    json_decref(object);
    /* LCOV_EXCL_START: json_dumpb fails only when malloc does */
    if (length == 0) {
        return false;
    }
    /* LCOV_EXCL_STOP */

    /* Two int32 fields and a short note always fit; json_dumpb does not add
     * the terminating NUL. */
    assert(length < sizeof(text->json));
    text->json[length] = '\0';
    text->values[index] = text->json;
    return true;
}

static void conn_pq_discard_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Send stmt, cut the connection, and read what libpq makes of that: the
 * server runs the whole statement, flushed by the send, and loses its
 * reply. Returns the last result, or NULL when nothing was sent. */
static PGresult *conn_pq_exec_cut(PGconn *conn, const stmt_t *stmt,
                                  const conn_params_t *params)
{
    PGresult *last = NULL;
    PGresult *res;

    if (!conn_pq_send(conn, stmt, params)) {
        return NULL;
    }
    conn_pq_cut(conn);
    while ((res = PQgetResult(conn)) != NULL) {
        PQclear(last);
        last = res;
    }
    return last;
}

/* Shut the socket down both ways and drop what the server sent already,
 * so that libpq's next read meets end of file whatever the timing. After
 * the shutdown the server can queue nothing more, so the drain ends. */
static void conn_pq_cut(PGconn *conn)
{
    char drain[CONN_PQ_DRAIN_SIZE];
    int fd = PQsocket(conn);

    if (fd < 0) {
        return;
    }
    (void)shutdown(fd, SHUT_RDWR);
    while (recv(fd, drain, sizeof(drain), MSG_DONTWAIT) > 0) {
        /* A reply that came back before the cut is lost with the rest. */
    }
}

/* Fill raw from one libpq call's result; res may be NULL. */
static void conn_pq_read_result(PGconn *conn, PGresult *res, conn_raw_t *raw)
{
    ExecStatusType status = res == NULL ? PGRES_FATAL_ERROR : PQresultStatus(res);
    const char *sqlstate = NULL;

    memset(raw, 0, offsetof(conn_raw_t, elements));
    raw->connection_bad = PQstatus(conn) == CONNECTION_BAD;

    if (res != NULL && status == PGRES_FATAL_ERROR) {
        sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    }
    if (sqlstate != NULL) {
        snprintf(raw->sqlstate, sizeof(raw->sqlstate), "%s", sqlstate);
    }

    switch (status) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
        raw->answered = true;
        conn_pq_read_rows(res, raw);
        break;
    case PGRES_FATAL_ERROR:
        /* Without a SQLSTATE the error came from libpq itself (lost
         * connection, protocol out of step), not from the server. */
        raw->answered = raw->sqlstate[0] != '\0';
        break;
    default:
        /* PGRES_BAD_RESPONSE and statuses the catalogue never produces
         * (COPY, empty query): the connection can no longer be trusted. */
        raw->answered = false;
        break;
    }
}

/* Row count, the first integer column and the results column. */
static void conn_pq_read_rows(PGresult *res, conn_raw_t *raw)
{
    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
        /* A DELETE or UPDATE without RETURNING: the count is in the command
         * tag, which is "" for BEGIN and COMMIT. */
        raw->row_count = atoi(PQcmdTuples(res));
        return;
    }

    raw->row_count = PQntuples(res);
    if (raw->row_count == 0) {
        return;
    }
    raw->value = conn_pq_first_integer(res);
    raw->value2 = conn_pq_integer_at(res, 2);
    conn_pq_read_texts(res, raw);

    /* The core reads the results only to fire, when the counter it got back
     * is 0 or below. Parsing the growing array on every decrement lowered the
     * decrement rate by about a quarter in bench/pq_bench.c. */
    if (PQnfields(res) >= 2 && PQftype(res, 1) == CONN_PQ_JSONBOID &&
        !PQgetisnull(res, 0, 1) && raw->value <= 0) {
        conn_pq_read_elements(PQgetvalue(res, 0, 1), raw);
    }
}

/* Q-DEC returns remaining as an integer; the other statements that return
 * rows return a text id, which reads as 0. */
static int64_t conn_pq_first_integer(const PGresult *res)
{
    return conn_pq_integer_at(res, 0);
}

/* Column of the first row as an integer, 0 when it is not one. */
static int64_t conn_pq_integer_at(const PGresult *res, int column)
{
    Oid type;
    const char *text;
    char *end;
    long long number;

    if (column >= PQnfields(res)) {
        return 0;
    }
    type = PQftype(res, column);
    if (type != CONN_PQ_INT2OID && type != CONN_PQ_INT4OID &&
        type != CONN_PQ_INT8OID) {
        return 0;
    }
    if (PQgetisnull(res, 0, column)) {
        return 0;
    }

    text = PQgetvalue(res, 0, column);
    errno = 0;
    number = strtoll(text, &end, 10);
    assert(errno == 0);
    assert(end != text);
    assert(*end == '\0');
    return number;
}

/* Parse the results column: a jsonb array of {"batch": i, "value": v}. */
static void conn_pq_read_elements(const char *text, conn_raw_t *raw)
{
    json_error_t error;
    json_t *array = json_loads(text, 0, &error);
    size_t index;
    json_t *item;

    if (!json_is_array(array)) {
        conn_pq_reject_results("is not a JSON array");
    }
    if (json_array_size(array) > CONN_ELEMENTS_MAX) {
        /* NOTE: conn_raw_t has room for CONN_ELEMENTS_MAX results, so a
         * barrier armed for more batches stops here rather than firing with
         * a truncated list. */
        conn_pq_reject_results("holds %zu elements", json_array_size(array));
    }

    json_array_foreach(array, index, item) {
        conn_pq_read_element(item, index, &raw->elements[index]);
    }
    raw->element_count = (int)json_array_size(array);
    json_decref(array);
}

static void conn_pq_read_element(const json_t *item, size_t index,
                                 conn_element_t *element_out)
{
    const json_t *batch = json_object_get(item, "batch");
    const json_t *value = json_object_get(item, "value");
    json_int_t batch_index;
    json_int_t number;

    if (!json_is_integer(batch) || !json_is_integer(value)) {
        conn_pq_reject_results("element %zu has no integer batch or value",
                               index);
    }

    batch_index = json_integer_value(batch);
    number = json_integer_value(value);
    if (batch_index < INT32_MIN || batch_index > INT32_MAX || number < INT32_MIN ||
        number > INT32_MAX) {
        conn_pq_reject_results("element %zu is outside the int32 range", index);
    }
    element_out->batch_index = (int32_t)batch_index;
    element_out->value = (int32_t)number;
}

/* Only Q-DEC writes results, so a column of another shape was written by
 * something outside the harness. There is no truthful SQLSTATE for it, so
 * the run stops instead of passing on a wrong list. */
static _Noreturn void conn_pq_reject_results(const char *format, ...)
{
    va_list args;

    fprintf(stderr, "conn_pq: pg_barrier_state.results ");
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "; it must be an array of at most %d {\"batch\": int, "
                    "\"value\": int} objects\n",
            CONN_ELEMENTS_MAX);
    abort();
}

/* Columns 2 and 3 of the first row as text: the reaper's SELECT returns the
 * execution and organization ids there. Longer values are cut. */
static void conn_pq_read_texts(PGresult *res, conn_raw_t *raw)
{
    int column;

    for (column = 1; column <= CONN_TEXT_MAX && column < PQnfields(res); column++) {
        if (PQntuples(res) > 0 && !PQgetisnull(res, 0, column)) {
            snprintf(raw->texts[column - 1], CONN_TEXT_SIZE, "%s",
                     PQgetvalue(res, 0, column));
        }
    }
}
