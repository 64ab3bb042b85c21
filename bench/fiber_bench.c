/*
 * bench/fiber_bench.c: measures the cost of one fiber switch.
 *
 * Usage: fiber_bench [round_trip_count]   (default 10000000)
 *
 * One round trip is a resume plus a yield, which is two switches. The loop
 * runs 7 times and the median is printed, so one slow repetition (a timer
 * interrupt, a migration to another core) does not move the result. Wall-clock
 * time is fine here; simulator code never reads it.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c17 */
#endif

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../sim/fiber.h"

enum {
    BENCH_REPETITION_COUNT = 7,
    BENCH_STACK_SIZE = 64 * 1024,
};

#define BENCH_ROUND_TRIP_COUNT_DEFAULT 10000000ull

typedef struct bench_worker {
    sim_fiber_t fiber;
    bool stop_requested;
    uint64_t yield_count;
} bench_worker_t;

static bool bench_parse_count(const char *text, uint64_t *count);
static double bench_measure_ns_per_switch(bench_worker_t *worker, uint64_t round_trip_count);
static void bench_worker_entry(void *arg);
static uint64_t bench_now_ns(void);
static int bench_compare_doubles(const void *left, const void *right);

int main(int argc, char **argv)
{
    uint64_t round_trip_count = BENCH_ROUND_TRIP_COUNT_DEFAULT;
    if (argc > 2) {
        fprintf(stderr, "usage: %s [round_trip_count]\n", argv[0]);
        return 2;
    }
    if (argc == 2 && !bench_parse_count(argv[1], &round_trip_count)) {
        fprintf(stderr, "invalid round_trip_count \"%s\": expected a positive integer\n",
                argv[1]);
        fprintf(stderr, "usage: %s [round_trip_count]\n", argv[0]);
        return 2;
    }

    bench_worker_t worker = {0};
    if (sim_fiber_create(&worker.fiber, BENCH_STACK_SIZE) != 0) {
        fprintf(stderr, "could not create fiber with a %d-byte stack: %s\n", BENCH_STACK_SIZE,
                strerror(errno));
        return 1;
    }

    double ns_per_switch[BENCH_REPETITION_COUNT];
    for (size_t i = 0; i < BENCH_REPETITION_COUNT; i++) {
        ns_per_switch[i] = bench_measure_ns_per_switch(&worker, round_trip_count);
    }
    qsort(ns_per_switch, BENCH_REPETITION_COUNT, sizeof(ns_per_switch[0]), bench_compare_doubles);

    printf("fiber switch impl=%s ns_per_switch=%.1f (median of %d, min %.1f, max %.1f, "
           "%llu round trips each)\n",
           sim_fiber_impl_name(), ns_per_switch[BENCH_REPETITION_COUNT / 2],
           BENCH_REPETITION_COUNT, ns_per_switch[0], ns_per_switch[BENCH_REPETITION_COUNT - 1],
           (unsigned long long)round_trip_count);
    sim_fiber_destroy(&worker.fiber);
    return 0;
}

static bool bench_parse_count(const char *text, uint64_t *count)
{
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value == 0 || text[0] == '-') {
        return false;
    }
    *count = value;
    return true;
}

/* Starts the worker afresh and times round_trip_count resume-yield pairs. */
static double bench_measure_ns_per_switch(bench_worker_t *worker, uint64_t round_trip_count)
{
    worker->stop_requested = false;
    worker->yield_count = 0;
    sim_fiber_start(&worker->fiber, bench_worker_entry, worker);

    uint64_t start_ns = bench_now_ns();
    for (uint64_t i = 0; i < round_trip_count; i++) {
        sim_fiber_resume(&worker->fiber);
    }
    uint64_t elapsed_ns = bench_now_ns() - start_ns;

    /* Let the entry return, so that the next repetition restarts a finished fiber. */
    worker->stop_requested = true;
    sim_fiber_resume(&worker->fiber);
    assert(sim_fiber_finished(&worker->fiber));
    assert(worker->yield_count == round_trip_count);
    return (double)elapsed_ns / (2.0 * (double)round_trip_count);
}

static void bench_worker_entry(void *arg)
{
    bench_worker_t *worker = arg;
    while (!worker->stop_requested) {
        worker->yield_count++;
        sim_fiber_yield(&worker->fiber);
    }
}

static uint64_t bench_now_ns(void)
{
    struct timespec now;
    int rc = clock_gettime(CLOCK_MONOTONIC, &now);
    assert(rc == 0);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static int bench_compare_doubles(const void *left, const void *right)
{
    double left_value = *(const double *)left;
    double right_value = *(const double *)right;
    return (left_value > right_value) - (left_value < right_value);
}
