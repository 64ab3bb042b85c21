/*
 * bench_clock — the wall clock and the median sort the benchmarks share.
 * Only benchmarks read the wall clock; no simulated run does.
 */
#ifndef BARRIERSIM_BENCH_CLOCK_H
#define BARRIERSIM_BENCH_CLOCK_H

#include <time.h>

/* Seconds on the monotonic clock. */
static inline double bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* qsort order of doubles, for medians. */
static inline int bench_compare(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

#endif
