/* clock — the simulator's virtual clock on the real server. */
#include "clock.h"

#include <inttypes.h>
#include <stdio.h>

#define CONFIRM_CLOCK_EPOCH "timestamptz '2000-01-01 00:00:00+00'"

static bool confirm_clock_command(PGconn *conn, const char *sql, char *error,
                                  size_t error_size);

bool confirm_clock_install(PGconn *admin, char *error, size_t error_size)
{
    /* STABLE, like pg_catalog.now(): one value per statement. */
    static const char *const function_sql =
        "CREATE OR REPLACE FUNCTION barriersim.now() RETURNS timestamptz "
        "LANGUAGE sql STABLE AS $$ SELECT " CONFIRM_CLOCK_EPOCH " + "
        "pg_catalog.current_setting('barriersim.now_us')::bigint * "
        "interval '1 microsecond' $$";
    static const char *const lease_sql =
        "UPDATE barriersim.pg_orchestrator_lock SET acquired_at = " CONFIRM_CLOCK_EPOCH;

    return confirm_clock_command(admin, function_sql, error, error_size) &&
           confirm_clock_command(admin, lease_sql, error, error_size);
}

bool confirm_clock_session(PGconn *conn, char *error, size_t error_size)
{
    return confirm_clock_command(conn, "SET search_path = barriersim, pg_catalog", error,
                                 error_size);
}

void confirm_clock_set(PGconn *conn, int64_t now_us)
{
    char text[24];
    const char *values[1] = {text};

    snprintf(text, sizeof(text), "%" PRId64, now_us);
    PQclear(PQexecParams(conn, "SELECT pg_catalog.set_config('barriersim.now_us', $1, false)",
                         1, NULL, values, NULL, NULL, 0));
}

static bool confirm_clock_command(PGconn *conn, const char *sql, char *error,
                                  size_t error_size)
{
    PGresult *res = PQexec(conn, sql);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;

    if (!ok) {
        snprintf(error, error_size, "%s: %s", sql, PQerrorMessage(conn));
    }
    PQclear(res);
    return ok;
}
