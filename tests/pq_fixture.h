/*
 * The set-up that the real-server tests share (tests/test_pq.c and
 * tests/test_pq_faults.c): the admin connection to the server that
 * BARRIERSIM_PG_CONNINFO names, its statements, and the nap between polls.
 *
 * Include it after cmocka.h, because a failure here ends the running test
 * with fail_msg(). The test's teardown then closes what was opened.
 */
#ifndef BARRIERSIM_TESTS_PQ_FIXTURE_H
#define BARRIERSIM_TESTS_PQ_FIXTURE_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

#include <libpq-fe.h>

#define PQ_FIXTURE_CONNINFO_ENV "BARRIERSIM_PG_CONNINFO"

/* Sleep for duration_us of wall time, and again for the rest after a signal. */
static inline void pq_fixture_nap_us(int64_t duration_us)
{
    struct timespec delay = {duration_us / 1000000, (duration_us % 1000000) * 1000};

    while (nanosleep(&delay, &delay) != 0 && errno == EINTR) {
        /* Interrupted by a signal: sleep the rest. */
    }
}

/* Run sql on the admin connection, and fail the test unless it succeeds. */
static inline void pq_fixture_exec(PGconn *admin, const char *sql)
{
    PGresult *res = PQexec(admin, sql);
    ExecStatusType status = PQresultStatus(res);

    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        fail_msg("admin statement failed: %s: %s", sql, PQerrorMessage(admin));
    }
    PQclear(res);
}

/* Connect *admin_out to conninfo, the value of BARRIERSIM_PG_CONNINFO, and
 * set its lock_timeout to 5 s, so that a row or table that a broken test
 * left locked fails the next test instead of hanging it. Fails the test
 * when conninfo is NULL or the connection fails. *admin_out is set before
 * that check, so the teardown's PQfinish() frees a failed connection. */
static inline void pq_fixture_connect(const char *conninfo, PGconn **admin_out)
{
    if (conninfo == NULL) {
        fail_msg("%s is not set. Run these tests with make test or run_tests.sh, "
                 "which start a throwaway cluster, or set it to the conninfo of a "
                 "database with scripts/schema.sql loaded",
                 PQ_FIXTURE_CONNINFO_ENV);
    }
    *admin_out = PQconnectdb(conninfo);
    if (PQstatus(*admin_out) != CONNECTION_OK) {
        fail_msg("could not connect to %s=\"%s\": %s", PQ_FIXTURE_CONNINFO_ENV, conninfo,
                 PQerrorMessage(*admin_out));
    }
    pq_fixture_exec(*admin_out, "SET lock_timeout = '5s'");
}

#endif
