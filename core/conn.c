/* conn — wrappers around the registered ops table and the one classifier. */
#include "conn.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

static const char *const conn_status_names[] = {
#define CONN_STATUS_NAME(name, text) text,
    CONN_STATUS_MAP(CONN_STATUS_NAME)
#undef CONN_STATUS_NAME
};

static void conn_copy_rows(const conn_raw_t *raw, conn_result_t *result);
static bool conn_sqlstate_is_operational(const char *sqlstate);
static bool conn_sqlstate_is_lost(const char *sqlstate);

int conn_ops_check(const conn_ops_t *ops, const char **missing_out)
{
    *missing_out = NULL;
    if (ops->version != CONN_OPS_VERSION) {
        *missing_out = "version";
    } else if (ops->connect == NULL) {
        *missing_out = "connect";
    } else if (ops->exec == NULL) {
        *missing_out = "exec";
    } else if (ops->rollback == NULL) {
        *missing_out = "rollback";
    } else if (ops->txn_status == NULL) {
        *missing_out = "txn_status";
    } else if (ops->is_closed == NULL) {
        *missing_out = "is_closed";
    } else if (ops->close == NULL) {
        *missing_out = "close";
    }
    return *missing_out == NULL ? 0 : -1;
}

void conn_init(conn_t *conn, const conn_ops_t *ops, void *backend)
{
    const char *missing;

    assert(conn_ops_check(ops, &missing) == 0);
    conn->ops = ops;
    conn->backend = backend;
    conn->handle = NULL;
    conn->classify_strict = false;
}

bool conn_is_open(const conn_t *conn)
{
    return conn->handle != NULL;
}

conn_status_t conn_connect(conn_t *conn)
{
    void *handle = NULL;
    conn_status_t status;

    assert(conn->handle == NULL);
    status = conn->ops->connect(conn->backend, &handle);
    assert(status == CONN_OK || status == CONN_DEAD);
    assert((status == CONN_OK) == (handle != NULL));
    conn->handle = handle;
    return status;
}

void conn_exec(conn_t *conn, const stmt_t *stmt, const conn_params_t *params,
               conn_result_t *result_out)
{
    conn_raw_t raw;

    assert(conn->handle != NULL);
    if (conn->ops->is_closed(conn->handle)) {
        memset(&raw, 0, sizeof(raw));
        raw.connection_bad = true;
        conn_classify(&raw, result_out);
        return;
    }

    memset(&raw, 0, offsetof(conn_raw_t, elements));
    conn->ops->exec(conn->handle, stmt, params, &raw);
    assert(raw.element_count >= 0);
    assert(raw.element_count <= CONN_ELEMENTS_MAX);
    conn_classify_with(&raw, conn->classify_strict, result_out);
}

void conn_exec_batched(conn_t *conn, const stmt_t *stmt, const conn_params_t *params,
                       conn_result_t *result_out)
{
    conn_raw_t raw;

    assert(conn->handle != NULL);
    memset(&raw, 0, offsetof(conn_raw_t, elements));
    if (conn->ops->is_closed(conn->handle)) {
        raw.connection_bad = true;
    } else if (conn->ops->exec_batched == NULL) {
        raw.answered = true;
        memcpy(raw.sqlstate, "0A000", CONN_SQLSTATE_SIZE);
    } else {
        conn->ops->exec_batched(conn->handle, stmt, params, &raw);
    }
    assert(raw.element_count >= 0);
    assert(raw.element_count <= CONN_ELEMENTS_MAX);
    conn_classify_with(&raw, conn->classify_strict, result_out);
}

conn_status_t conn_begin(conn_t *conn)
{
    conn_result_t result;

    conn_exec(conn, stmt_get(STMT_BEGIN), NULL, &result);
    return result.status;
}

conn_status_t conn_commit(conn_t *conn, conn_result_t *result_out)
{
    conn_exec(conn, stmt_get(STMT_COMMIT), NULL, result_out);
    return result_out->status;
}

conn_status_t conn_rollback(conn_t *conn)
{
    conn_raw_t raw;
    conn_result_t result;
    conn_txn_t txn;

    assert(conn->handle != NULL);
    if (conn->ops->is_closed(conn->handle)) {
        return CONN_DEAD;
    }

    txn = conn->ops->txn_status(conn->handle);
    if (txn == CONN_TXN_IDLE) {
        return CONN_OK;
    }

    memset(&raw, 0, offsetof(conn_raw_t, elements));
    conn->ops->rollback(conn->handle, &raw);
    conn_classify_with(&raw, conn->classify_strict, &result);

    /* A rollback that reached a live server cannot fail logically. */
    return result.status == CONN_OK ? CONN_OK : CONN_DEAD;
}

conn_txn_t conn_txn_status(const conn_t *conn)
{
    assert(conn->handle != NULL);
    return conn->ops->txn_status(conn->handle);
}

bool conn_is_closed(const conn_t *conn)
{
    assert(conn->handle != NULL);
    return conn->ops->is_closed(conn->handle);
}

void conn_close(conn_t *conn)
{
    if (conn->handle == NULL) {
        return;
    }
    conn->ops->close(conn->handle);
    conn->handle = NULL;
}

void conn_classify(const conn_raw_t *raw, conn_result_t *result_out)
{
    conn_classify_with(raw, false, result_out);
}

void conn_classify_with(const conn_raw_t *raw, bool strict, conn_result_t *result_out)
{
    bool dead_class = strict ? conn_sqlstate_is_lost(raw->sqlstate)
                             : conn_sqlstate_is_operational(raw->sqlstate);

    memcpy(result_out->sqlstate, raw->sqlstate, CONN_SQLSTATE_SIZE);
    result_out->sqlstate[CONN_SQLSTATE_SIZE - 1] = '\0';

    if (!raw->answered || raw->connection_bad) {
        result_out->status = CONN_DEAD;
    } else if (raw->sqlstate[0] == '\0') {
        result_out->status = CONN_OK;
    } else if (dead_class) {
        result_out->status = CONN_DEAD;
    } else {
        result_out->status = CONN_LOGICAL;
    }

    conn_copy_rows(raw, result_out);
}

const char *conn_status_name(conn_status_t status)
{
    assert(status >= 0);
    assert((size_t)status < sizeof(conn_status_names) / sizeof(conn_status_names[0]));
    return conn_status_names[status];
}

static void conn_copy_rows(const conn_raw_t *raw, conn_result_t *result)
{
    if (result->status != CONN_OK) {
        result->row_count = 0;
        result->value = 0;
        result->element_count = 0;
        return;
    }
    result->row_count = raw->row_count;
    result->value = raw->value;
    result->value2 = raw->value2;
    memcpy(result->texts, raw->texts, sizeof(result->texts));
    result->element_count = raw->element_count;
    memcpy(result->elements, raw->elements,
           (size_t)raw->element_count * sizeof(raw->elements[0]));
}

/* psycopg2's base_exception_from_sqlstate maps these SQLSTATE classes to
 * OperationalError (or its subclass TransactionRollbackError), which
 * upstream counts as "connection is dead": classes 08, 26, 27, 28, 34, 40,
 * HV and every class starting with 5 (deadlock and statement timeout
 * included). */
static bool conn_sqlstate_is_operational(const char *sqlstate)
{
    static const char *const classes[] = {"08", "26", "27", "28", "34", "40", "HV"};
    size_t i;

    if (sqlstate[0] == '5') {
        return true;
    }
    for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        if (sqlstate[0] == classes[i][0] && sqlstate[1] == classes[i][1]) {
            return true;
        }
    }
    return false;
}

/* SQLSTATEs that mean the connection itself is gone: class 08 (connection
 * exception) and 57P01..57P05 (admin shutdown, crash shutdown, ...). */
static bool conn_sqlstate_is_lost(const char *sqlstate)
{
    if (sqlstate[0] == '0' && sqlstate[1] == '8') {
        return true;
    }
    return sqlstate[0] == '5' && sqlstate[1] == '7' && sqlstate[2] == 'P';
}
