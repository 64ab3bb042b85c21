/*
 * Conformance of the simulator with a real PostgreSQL server: the
 * protocol's schedules, the field cases marked real, and seeded random runs
 * of policies a-e and k replayed through the mirror must all agree, and a
 * planted simulator bug must be reported with both transcripts.
 *
 * Needs BARRIERSIM_PG_CONNINFO naming a server with the schema of
 * scripts/schema.sql; `make test` starts a throwaway one (tests/with_pg.sh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../confirm/clock.h"
#include "../confirm/confirm.h"
#include "../scenarios/scen_file.h"

#define TEST_CONNINFO_ENV "BARRIERSIM_PG_CONNINFO"
#define TEST_RANDOM_SEEDS 34       /* per policy: 6 policies, 204 runs */

static sim_world_t *world;
static confirm_mirror_t *mirror;
static confirm_report_t report;
static int replies;                /* replies compared by the agreeing runs */
static int races;                  /* random runs that met a lock race */

static int test_setup(void **state)
{
    const char *conninfo = getenv(TEST_CONNINFO_ENV);
    char error[512];

    (void)state;
    if (conninfo == NULL) {
        fprintf(stderr, "%s is not set: run through tests/with_pg.sh\n", TEST_CONNINFO_ENV);
        return -1;
    }
    world = malloc(sizeof(*world));
    mirror = malloc(sizeof(*mirror));
    if (world == NULL || mirror == NULL || sim_world_create(world) != 0) {
        return -1;
    }
    if (confirm_mirror_open(mirror, conninfo, world, error, sizeof(error)) != 0) {
        fprintf(stderr, "%s\n", error);
        return -1;
    }
    return 0;
}

static int test_teardown(void **state)
{
    (void)state;
    confirm_mirror_close(mirror);
    sim_world_destroy(world);
    free(world);
    free(mirror);
    return 0;
}

static const core_policy_t *test_policy(const char *name)
{
    const core_policy_t *policy = core_policy_find(name);

    assert_non_null(policy);
    return policy;
}

/* Confirm one run and require agreement, printing the differences when not.
 * A lock race (confirm.h) is counted instead when allowed. */
static void test_agree_or_race(const scen_t *scen, const core_policy_t *policy,
                               uint64_t seed, bool race_allowed)
{
    confirm_verdict_t verdict = confirm_run(world, mirror, scen, policy, seed, 0, NULL,
                                            &report);

    if (race_allowed && verdict == CONFIRM_LOCK_RACE) {
        races++;
        return;
    }
    if (verdict != CONFIRM_AGREE) {
        print_error("%s under %s seed %llu: %s (%s), %d difference(s), first at step %u: "
                    "sim %s, real %s\n",
                    scen->name, policy->name, (unsigned long long)seed,
                    confirm_verdict_name(verdict), report.reason, report.diff_count,
                    report.diff_count > 0 ? report.diffs[0].step : 0,
                    report.diff_count > 0 ? report.diffs[0].sim : "-",
                    report.diff_count > 0 ? report.diffs[0].real : "-");
    }
    assert_int_equal(verdict, CONFIRM_AGREE);
    assert_false(report.hash_changed);
    replies += report.statements;
}

static void test_agree(const scen_t *scen, const core_policy_t *policy, uint64_t seed)
{
    test_agree_or_race(scen, policy, seed, false);
}

/* Every policy and seed of a scenario file. Returns the runs confirmed. */
static int test_agree_file(const char *path)
{
    char error[1024];
    scen_t *scen = malloc(sizeof(*scen));
    int runs = 0;
    int p;

    assert_non_null(scen);
    if (scen_file_load(path, scen, error, sizeof(error)) != 0) {
        print_error("%s\n", error);
        fail();
    }
    for (p = 0; p < scen->policy_count; p++) {
        const core_policy_t *policy = test_policy(scen->policies[p]);
        uint64_t seed;

        for (seed = scen->seed_first; seed <= scen->seed_last; seed++) {
            test_agree(scen, policy, seed);
            runs++;
        }
    }
    free(scen);
    return runs;
}

/* The protocol's single-fault schedules (section 5), the reaper's with the
 * virtual clock (confirm/clock.h). */
static void test_confirm_sigma_schedules(void **state)
{
    static const char *const files[] = {"sigma1",  "sigma2",       "sigma3", "sigma3-link",
                                        "sigma4",  "sigma4-link",  "sigma5", "sigma6",
                                        "sigma7",  "sigma8",       "sigma9", "sigma10",
                                        "sigma11", "sigma11-duplicate"};
    char path[128];
    int runs = 0;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "scenarios/schedules/%s.yaml", files[i]);
        runs += test_agree_file(path);
    }
    assert_true(runs >= 110);
}

/* The field cases that CASES.md marks real, with their variants. */
static void test_confirm_real_cases(void **state)
{
    static const char *const files[] = {"C1", "C3", "C3-autocommit", "C4", "C4-batched",
                                        "C5", "C7", "C7-control"};
    char path[128];
    int runs = 0;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "scenarios/cases/%s.yaml", files[i]);
        runs += test_agree_file(path);
    }
    assert_true(runs >= 36);
}

/* Seeded random runs of the default swarm: policies a-e and k. Runs where
 * PostgreSQL served three or more lock waiters in another order than the
 * simulator prove nothing either way; they must stay rare. */
static void test_confirm_random_seeds(void **state)
{
    static const char *const policies[] = {"no-retry", "blind", "reused-guard",
                                           "phase-split-late", "phase-split", "resolved"};
    scen_t scen;
    uint64_t seed;
    int p;

    (void)state;
    scen_default(&scen, 8, 4);
    replies = 0;
    races = 0;
    for (p = 0; p < 6; p++) {
        for (seed = 1; seed <= TEST_RANDOM_SEEDS; seed++) {
            test_agree_or_race(&scen, test_policy(policies[p]), seed, true);
        }
    }
    if (races > 0) {
        print_message("%d of %d runs met a lock race\n", races, 6 * TEST_RANDOM_SEEDS);
    }
    assert_true(races <= 6 * TEST_RANDOM_SEEDS / 20);
    assert_true(replies > 100 * 6 * TEST_RANDOM_SEEDS / 4);
}

/* A planted simulator bug (a decrement that does not append its result)
 * must be reported, with the real reply under each simulated one. */
static void test_confirm_reports_planted_bug(void **state)
{
    char *text = NULL;
    size_t size = 0;
    FILE *transcript = open_memstream(&text, &size);
    confirm_verdict_t verdict;
    scen_t scen;

    (void)state;
    assert_non_null(transcript);
    scen_default(&scen, 4, 2);
    verdict = confirm_run(world, mirror, &scen, test_policy("phase-split"), 1,
                          SIM_BUG_DEC_SKIPS_APPEND, transcript, &report);
    fclose(transcript);
    assert_int_not_equal(verdict, CONFIRM_AGREE);
    assert_int_not_equal(verdict, CONFIRM_ENVIRONMENT);
    assert_non_null(strstr(text, "(real server)"));
    assert_non_null(strstr(text, "client sees"));
    assert_true(report.diff_count > 0 || strcmp(report.sim_row.batches,
                                                report.real_row.batches) != 0);
    free(text);
}

/* On a mirror's connection, now() is virtual time after 2000-01-01 UTC,
 * and the seeded lease row starts at virtual 0; elsewhere now() is the
 * server's clock. */
static void test_confirm_clock_is_virtual(void **state)
{
    char error[256];
    PGconn *conn = PQconnectdb(getenv(TEST_CONNINFO_ENV));
    PGresult *res;

    (void)state;
    assert_int_equal(PQstatus(conn), CONNECTION_OK);
    assert_int_equal(confirm_mirror_reset(mirror), 0);
    assert_true(confirm_clock_session(conn, error, sizeof(error)));
    confirm_clock_set(conn, 5500000);
    res = PQexec(conn, "SELECT extract(epoch FROM now() - timestamptz "
                       "'2000-01-01 00:00:00+00')::text, (SELECT acquired_at = timestamptz "
                       "'2000-01-01 00:00:00+00' FROM barriersim.pg_orchestrator_lock), "
                       "pg_catalog.now() > timestamptz '2020-01-01 00:00:00+00'");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(res, 0, 0), "5.500000");
    assert_string_equal(PQgetvalue(res, 0, 1), "t");
    assert_string_equal(PQgetvalue(res, 0, 2), "t");
    PQclear(res);
    PQfinish(conn);
}

/* Every policy on the swarm of every fault kind with a reaper: the sibling
 * abort (F14), bad results (F17), batched strings and the reaper's clock
 * all take their real form. Lock races are allowed as in the random runs. */
static void test_confirm_all_faults_every_policy(void **state)
{
    char error[1024];
    scen_t *scen = malloc(sizeof(*scen));
    uint64_t seed;
    int p;

    (void)state;
    assert_non_null(scen);
    assert_int_equal(scen_file_load("scenarios/sweeps/all-faults.yaml", scen, error,
                                    sizeof(error)),
                     0);
    replies = 0;
    races = 0;
    for (p = 0; p < core_policy_count(); p++) {
        for (seed = 6; seed <= 7; seed++) {
            test_agree_or_race(scen, core_policy_at(p), seed, true);
        }
    }
    assert_true(races <= core_policy_count() * 2 / 10);
    assert_true(replies > 1000);
    free(scen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confirm_sigma_schedules),
        cmocka_unit_test(test_confirm_real_cases),
        cmocka_unit_test(test_confirm_random_seeds),
        cmocka_unit_test(test_confirm_reports_planted_bug),
        cmocka_unit_test(test_confirm_clock_is_virtual),
        cmocka_unit_test(test_confirm_all_faults_every_policy),
    };

    return cmocka_run_group_tests(tests, test_setup, test_teardown);
}
