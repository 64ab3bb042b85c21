/*
 * histo — a histogram of non-negative integers whose merge is exact.
 *
 * Values below REPORT_HISTO_EXACT_MAX (128) each have a bucket of their
 * own. Above, every power of two is split into 64 buckets of equal width,
 * so a bucket's lowest value is within 1/64 (1.6 %) of every value in it,
 * as in HdrHistogram with two significant digits. Values at or above
 * REPORT_HISTO_VALUE_MAX land in the top bucket.
 *
 * Percentiles are nearest-rank. The p-th is the lowest value of the bucket
 * that contains the ceil(p * count / 100)-th smallest value, clamped to the
 * exact minimum and maximum. They depend only on the bucket counts, so two
 * histograms merged give the same percentiles as one histogram fed every
 * value: sharded sweeps merge to the single-process report.
 *
 * Invariants:
 *  1. count is the sum of the buckets; min <= max when count > 0.
 *  2. Merging is commutative and associative.
 */
#ifndef BARRIERSIM_HISTO_H
#define BARRIERSIM_HISTO_H

#include <stdbool.h>
#include <stdint.h>

#define REPORT_HISTO_SUB_BITS 6
#define REPORT_HISTO_SUB_COUNT (1 << REPORT_HISTO_SUB_BITS)      /* 64 */
#define REPORT_HISTO_EXACT_MAX (2 * REPORT_HISTO_SUB_COUNT)     /* 128 */
#define REPORT_HISTO_TOP_BITS 40         /* values up to 2^40 - 1: 12.7 days in us */
#define REPORT_HISTO_VALUE_MAX ((UINT64_C(1) << REPORT_HISTO_TOP_BITS) - 1)
#define REPORT_HISTO_BUCKET_COUNT \
    (REPORT_HISTO_EXACT_MAX +     \
     (REPORT_HISTO_TOP_BITS - REPORT_HISTO_SUB_BITS - 1) * REPORT_HISTO_SUB_COUNT)

_Static_assert(REPORT_HISTO_TOP_BITS < 63, "sums of clamped values must fit");

typedef struct {
    uint64_t count;
    uint64_t sum;          /* of the clamped values; saturates at UINT64_MAX */
    uint64_t min;
    uint64_t max;
    uint64_t buckets[REPORT_HISTO_BUCKET_COUNT];
} report_histo_t;

void report_histo_init(report_histo_t *histo);
void report_histo_add(report_histo_t *histo, uint64_t value);
void report_histo_merge(report_histo_t *into, const report_histo_t *from);

/* The nearest-rank percentile (1..100); 0 when the histogram is empty. */
uint64_t report_histo_percentile(const report_histo_t *histo, int percent);

/* The bucket of a value, and the lowest value of a bucket. */
int report_histo_bucket(uint64_t value);
uint64_t report_histo_bucket_low(int bucket);

/* Whether two histograms hold the same counts. */
bool report_histo_equal(const report_histo_t *a, const report_histo_t *b);

#endif
