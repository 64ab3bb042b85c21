/*
 * bench/server_bench.c: decrement transactions per second of the simulated
 * server alone, the counterpart of pgbench running Q-DEC on a real server.
 *
 * Usage: server_bench [DECREMENTS]
 *
 * One repetition arms a barrier of 200 and runs BEGIN, Q-DEC, COMMIT on
 * the simulated server (sim/server.h) until the counter reaches 0, then
 * arms again, DECREMENTS times in all (default 5,000,000). No scheduler,
 * fibers, faults or trace: this is the statement's cost in the model, which
 * pgbench's figure is compared with. The median of 7 repetitions is printed
 * as "server_decrements_per_s median=N min=N max=N".
 *
 * Wall-clock time is fine here; simulator code never reads it.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c17 */
#endif

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../sim/server.h"

#define BENCH_DECREMENTS_DEFAULT 5000000ull
#define BENCH_REPEAT_COUNT 7
#define BENCH_BARRIER_SIZE 200

static sim_server_t bench_server;

static double bench_now_s(void);
static int bench_compare_doubles(const void *left, const void *right);
static int bench_txn(stmt_id_t stmt, const conn_params_t *params, int64_t *value_out);
static double bench_repetition(uint64_t decrement_count);

int main(int argc, char **argv)
{
    uint64_t decrement_count = BENCH_DECREMENTS_DEFAULT;
    double rates[BENCH_REPEAT_COUNT];
    char *end = NULL;
    int i;

    if (argc > 1) {
        decrement_count = strtoull(argv[1], &end, 10);
        if (end == argv[1] || *end != '\0' || decrement_count == 0) {
            fprintf(stderr, "server_bench: invalid DECREMENTS \"%s\": expected a positive "
                            "integer\n", argv[1]);
            return 2;
        }
    }
    for (i = 0; i < BENCH_REPEAT_COUNT; i++) {
        rates[i] = bench_repetition(decrement_count);
        if (rates[i] < 0) {
            return 1;
        }
    }
    qsort(rates, BENCH_REPEAT_COUNT, sizeof(rates[0]), bench_compare_doubles);
    printf("server_decrements_per_s median=%.0f min=%.0f max=%.0f decrements=%" PRIu64 "\n",
           rates[BENCH_REPEAT_COUNT / 2], rates[0], rates[BENCH_REPEAT_COUNT - 1],
           decrement_count);
    return 0;
}

/* Decrement transactions per second, or -1 when the server misbehaved. */
static double bench_repetition(uint64_t decrement_count)
{
    conn_params_t params;
    int64_t remaining = 0;
    double start_s;
    uint64_t done;

    memset(&params, 0, sizeof(params));
    params.exec_id = SIM_EXEC_ID;
    params.org_id = SIM_ORG_ID;
    params.count = BENCH_BARRIER_SIZE;
    params.ttl_s = 3600;

    start_s = bench_now_s();
    for (done = 0; done < decrement_count; done++) {
        /* The transaction table has room for SIM_TXN_MAX ids: a new barrier, like
         * a new run, starts it over. */
        if (remaining == 0) {
            sim_server_init(&bench_server, 1);
            if (bench_txn(STMT_ARM_UPSERT, &params, &remaining) != 0) {
                return -1;
            }
            remaining = BENCH_BARRIER_SIZE;
        }
        params.result.batch_index = (int32_t)(done % BENCH_BARRIER_SIZE);
        if (bench_txn(STMT_DEC, &params, &remaining) != 0) {
            return -1;
        }
    }
    return (double)decrement_count / (bench_now_s() - start_s);
}

/* Run BEGIN, stmt, COMMIT on the simulated server. Returns 0, or -1 after
 * printing why when the statement failed or waited. */
static int bench_txn(stmt_id_t stmt, const conn_params_t *params, int64_t *value_out)
{
    int txn = sim_server_begin(&bench_server, 1, 0);
    conn_raw_t raw;
    int wait_txn = 0;

    raw.sqlstate[0] = '\0';
    raw.row_count = 0;
    if (sim_server_exec(&bench_server, txn, stmt, params, &raw, &wait_txn) != SIM_EXEC_DONE ||
        raw.sqlstate[0] != '\0' || raw.row_count != 1) {
        fprintf(stderr, "server_bench: %s did not update the row\n", stmt_label(stmt));
        return -1;
    }
    sim_server_commit(&bench_server, txn);
    *value_out = raw.value;
    return 0;
}

static double bench_now_s(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static int bench_compare_doubles(const void *left, const void *right)
{
    double a = *(const double *)left;
    double b = *(const double *)right;

    return (a > b) - (a < b);
}
