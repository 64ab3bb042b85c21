/* histo — log-linear buckets, exact below 128, mergeable. */
#include "histo.h"

#include <assert.h>
#include <string.h>

void report_histo_init(report_histo_t *histo)
{
    memset(histo, 0, sizeof(*histo));
}

void report_histo_add(report_histo_t *histo, uint64_t value)
{
    if (value > REPORT_HISTO_VALUE_MAX) {
        value = REPORT_HISTO_VALUE_MAX;
    }
    if (histo->count == 0 || value < histo->min) {
        histo->min = value;
    }
    if (histo->count == 0 || value > histo->max) {
        histo->max = value;
    }
    histo->count++;
    histo->sum = histo->sum > UINT64_MAX - value ? UINT64_MAX : histo->sum + value;
    histo->buckets[report_histo_bucket(value)]++;
}

void report_histo_merge(report_histo_t *into, const report_histo_t *from)
{
    int i;

    if (from->count == 0) {
        return;
    }
    if (into->count == 0 || from->min < into->min) {
        into->min = from->min;
    }
    if (into->count == 0 || from->max > into->max) {
        into->max = from->max;
    }
    into->count += from->count;
    into->sum = into->sum > UINT64_MAX - from->sum ? UINT64_MAX : into->sum + from->sum;
    for (i = 0; i < REPORT_HISTO_BUCKET_COUNT; i++) {
        into->buckets[i] += from->buckets[i];
    }
}

uint64_t report_histo_percentile(const report_histo_t *histo, int percent)
{
    uint64_t rank;
    uint64_t seen = 0;
    uint64_t value;
    int i;

    assert(percent >= 1);
    assert(percent <= 100);
    if (histo->count == 0) {
        return 0;
    }

    /* ceil(percent * count / 100) without overflow for any count. */
    rank = histo->count / 100 * (uint64_t)percent +
           ((histo->count % 100) * (uint64_t)percent + 99) / 100;
    for (i = 0; i < REPORT_HISTO_BUCKET_COUNT; i++) {
        seen += histo->buckets[i];
        if (seen >= rank) {
            break;
        }
    }
    assert(i < REPORT_HISTO_BUCKET_COUNT);

    value = report_histo_bucket_low(i);
    if (value < histo->min) {
        return histo->min;
    }
    return value > histo->max ? histo->max : value;
}

int report_histo_bucket(uint64_t value)
{
    int top;

    if (value > REPORT_HISTO_VALUE_MAX) {
        value = REPORT_HISTO_VALUE_MAX;
    }
    if (value < REPORT_HISTO_EXACT_MAX) {
        return (int)value;
    }

    /* top is the index of the highest set bit, 7 or more; the next 6 bits
     * below it pick the sub-bucket. */
    top = 63 - __builtin_clzll(value);
    return REPORT_HISTO_EXACT_MAX + (top - REPORT_HISTO_SUB_BITS - 1) * REPORT_HISTO_SUB_COUNT +
           (int)((value >> (top - REPORT_HISTO_SUB_BITS)) & (REPORT_HISTO_SUB_COUNT - 1));
}

uint64_t report_histo_bucket_low(int bucket)
{
    int octave;
    int sub;

    assert(bucket >= 0);
    assert(bucket < REPORT_HISTO_BUCKET_COUNT);
    if (bucket < REPORT_HISTO_EXACT_MAX) {
        return (uint64_t)bucket;
    }
    octave = (bucket - REPORT_HISTO_EXACT_MAX) / REPORT_HISTO_SUB_COUNT;
    sub = (bucket - REPORT_HISTO_EXACT_MAX) % REPORT_HISTO_SUB_COUNT;
    return (uint64_t)(REPORT_HISTO_SUB_COUNT + sub) << (octave + 1);
}

bool report_histo_equal(const report_histo_t *a, const report_histo_t *b)
{
    return a->count == b->count && a->sum == b->sum && a->min == b->min &&
           a->max == b->max && memcmp(a->buckets, b->buckets, sizeof(a->buckets)) == 0;
}
