/*
 * bench/sim_bench.c: measures simulator throughput on the default scenario.
 *
 * Usage: sim_bench [--policy NAME] [--seeds N] [--repeat R]
 *
 * One repetition runs seeds 1..N of the default scenario (8 batches,
 * 4 workers) under one policy, in this process, on one thread. Every
 * repetition runs the same seeds. A run is a pure function of its seed, so
 * the repetitions do identical work and differ only in how long the machine
 * took. The median over the repetitions is printed with the minimum and
 * maximum, so one slow repetition (a timer interrupt, a noisy neighbour on a
 * VM) does not move the result.
 *
 * Output is one key=value line per figure. bench/run_bench.sh parses it, so
 * a change to a key or a line prefix must be made there too.
 *
 * Exit status: 0 success, 1 the repetitions disagreed or the simulator could
 * not be set up, 2 usage error.
 *
 * Wall-clock time is fine here; simulator code never reads it.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime and getrusage under -std=c17 */
#endif

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../core/policy.h"
#include "../scenarios/scen.h"
#include "../sim/world.h"

#define BENCH_BATCH_COUNT 8
#define BENCH_WORKER_COUNT 4
#define BENCH_SEED_COUNT_DEFAULT 20000u
#define BENCH_REPEAT_COUNT_DEFAULT 7
#define BENCH_REPEAT_COUNT_MAX 101 /* size of the fixed per-repetition arrays */
#define BENCH_CPU_MODEL_SIZE 128

#define BENCH_EXIT_OK 0
#define BENCH_EXIT_FAILURE 1
#define BENCH_EXIT_USAGE 2

#if defined(__clang__)
#define BENCH_COMPILER __VERSION__ /* clang's __VERSION__ already names clang */
#elif defined(__GNUC__)
#define BENCH_COMPILER "gcc " __VERSION__
#else
#define BENCH_COMPILER "unknown"
#endif

typedef struct {
    const core_policy_t *policy;
    uint64_t seed_count;
    int repeat_count;
    int batch_count;
    int worker_count;
    const char *faults;   /* "none", "default" (F1-F5) or "all" */
} bench_options_t;

/* What one repetition did and how long it took. */
typedef struct {
    double elapsed_s;
    uint64_t decrement_total;
    uint64_t step_total;
    uint64_t violating_run_count;
    uint64_t trace_hash_sum; /* wrapping sum, compared only between repetitions */
} bench_repetition_t;

/* Median, minimum and maximum of one figure over the repetitions. */
typedef struct {
    double median;
    double min;
    double max;
} bench_spread_t;

static int bench_parse_options(int argc, char **argv, bench_options_t *options);
static int bench_parse_value(const char *option, const char *value,
                             bench_options_t *options);
static void bench_apply_faults(scen_t *scen, const char *faults);
static bool bench_parse_count(const char *text, uint64_t *count);
static void bench_print_usage(FILE *out, const char *program);
static void bench_print_machine(void);
static int bench_count_cpus(void);
static void bench_read_cpu_model(char *buf, size_t buf_size);
static void bench_run_repetition(sim_world_t *world, const scen_t *scen,
                                 const core_policy_t *policy, uint64_t seed_count,
                                 bench_repetition_t *repetition_out);
static int bench_report(const bench_options_t *options,
                        const bench_repetition_t *repetitions);
static bench_spread_t bench_spread(double *values, int value_count);
static double bench_now_s(void);
static int bench_compare_doubles(const void *left, const void *right);

int main(int argc, char **argv)
{
    bench_options_t options;
    int rc = bench_parse_options(argc, argv, &options);
    if (rc != BENCH_EXIT_OK) {
        return rc;
    }

    scen_t scen;
    scen_default(&scen, options.batch_count, options.worker_count);
    bench_apply_faults(&scen, options.faults);

    /* The world's connection and message arrays are too large for the stack. */
    sim_world_t *world = malloc(sizeof(*world));
    if (world == NULL || sim_world_create(world) != 0) {
        fprintf(stderr, "sim_bench: could not allocate the simulator's memory: %s\n",
                strerror(errno));
        free(world);
        return BENCH_EXIT_FAILURE;
    }

    printf("sim_bench policy=%s scenario=%s batches=%d workers=%d faults=%s "
           "seeds_per_repeat=%" PRIu64 " repeats=%d\n",
           options.policy->name, scen.name, scen.batch_count, scen.worker_count,
           options.faults, options.seed_count, options.repeat_count);
    bench_print_machine();
    fflush(stdout);

    bench_repetition_t repetitions[BENCH_REPEAT_COUNT_MAX];
    for (int i = 0; i < options.repeat_count; i++) {
        bench_run_repetition(world, &scen, options.policy, options.seed_count,
                             &repetitions[i]);
    }
    sim_world_destroy(world);
    free(world);

    return bench_report(&options, repetitions);
}

static int bench_parse_options(int argc, char **argv, bench_options_t *options)
{
    options->policy = core_policy_find(CORE_POLICY_DEFAULT);
    options->seed_count = BENCH_SEED_COUNT_DEFAULT;
    options->repeat_count = BENCH_REPEAT_COUNT_DEFAULT;
    options->batch_count = BENCH_BATCH_COUNT;
    options->worker_count = BENCH_WORKER_COUNT;
    options->faults = "default";
    assert(options->policy != NULL);

    for (int i = 1; i < argc; i++) {
        const char *option = argv[i];
        if (strcmp(option, "--help") == 0) {
            bench_print_usage(stdout, argv[0]);
            exit(BENCH_EXIT_OK);
        }
        bool known = strcmp(option, "--policy") == 0 || strcmp(option, "--seeds") == 0 ||
                     strcmp(option, "--repeat") == 0 || strcmp(option, "--batches") == 0 ||
                     strcmp(option, "--workers") == 0 || strcmp(option, "--faults") == 0;
        if (!known) {
            fprintf(stderr, "sim_bench: unknown option \"%s\"\n", option);
            bench_print_usage(stderr, argv[0]);
            return BENCH_EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "sim_bench: missing value for %s\n", option);
            bench_print_usage(stderr, argv[0]);
            return BENCH_EXIT_USAGE;
        }
        const char *value = argv[++i];
        int rc = bench_parse_value(option, value, options);
        if (rc != BENCH_EXIT_OK) {
            return rc;
        }
    }
    return BENCH_EXIT_OK;
}

/* One option's value into options; prints why and returns BENCH_EXIT_USAGE
 * when it is invalid. */
static int bench_parse_value(const char *option, const char *value,
                             bench_options_t *options)
{
    uint64_t count = 0;

    if (strcmp(option, "--batches") == 0 || strcmp(option, "--workers") == 0) {
        bool batches = strcmp(option, "--batches") == 0;
        int max = batches ? SCEN_BATCH_MAX : SCEN_WORKER_MAX;

        if (!bench_parse_count(value, &count) || count > (uint64_t)max) {
            fprintf(stderr, "sim_bench: invalid value \"%s\" for %s: expected an integer "
                            "from 1 to %d\n", value, option, max);
            return BENCH_EXIT_USAGE;
        }
        *(batches ? &options->batch_count : &options->worker_count) = (int)count;
        return BENCH_EXIT_OK;
    }
    if (strcmp(option, "--faults") == 0) {
        if (strcmp(value, "none") != 0 && strcmp(value, "default") != 0 &&
            strcmp(value, "all") != 0) {
            fprintf(stderr, "sim_bench: invalid value \"%s\" for --faults: expected none, "
                            "default or all\n", value);
            return BENCH_EXIT_USAGE;
        }
        options->faults = value;
        return BENCH_EXIT_OK;
    }
    if (strcmp(option, "--policy") == 0) {
        options->policy = core_policy_find(value);
        if (options->policy == NULL) {
            fprintf(stderr, "sim_bench: unknown policy \"%s\"; choose one of:", value);
            for (int p = 0; p < core_policy_count(); p++) {
                fprintf(stderr, " %s", core_policy_at(p)->name);
            }
            fprintf(stderr, "\n");
            return BENCH_EXIT_USAGE;
        }
        return BENCH_EXIT_OK;
    }
    if (strcmp(option, "--seeds") == 0) {
        if (!bench_parse_count(value, &count)) {
            fprintf(stderr, "sim_bench: invalid value \"%s\" for --seeds: expected a "
                            "positive integer\n", value);
            return BENCH_EXIT_USAGE;
        }
        options->seed_count = count;
        return BENCH_EXIT_OK;
    }
    if (!bench_parse_count(value, &count) || count > BENCH_REPEAT_COUNT_MAX) {
        fprintf(stderr, "sim_bench: invalid value \"%s\" for --repeat: expected an "
                        "integer from 1 to %d\n", value, BENCH_REPEAT_COUNT_MAX);
        return BENCH_EXIT_USAGE;
    }
    options->repeat_count = (int)count;
    return BENCH_EXIT_OK;
}

/* The fault kinds a seed may draw: none, the default scenario's F1-F5, or
 * every simulated kind. */
static void bench_apply_faults(scen_t *scen, const char *faults)
{
    if (strcmp(faults, "none") == 0) {
        scen->swarm_range.kinds_mask = 0;
    } else if (strcmp(faults, "all") == 0) {
        scen->swarm_range.kinds_mask = 0;
        for (int kind = FAULT_F1; kind < FAULT_KIND_COUNT; kind++) {
            scen->swarm_range.kinds_mask |= 1u << kind;
        }
    }
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

static void bench_print_usage(FILE *out, const char *program)
{
    fprintf(out,
            "usage: %s [--policy NAME] [--seeds N] [--repeat R] [--batches B]\n"
            "         [--workers W] [--faults none|default|all]\n"
            "  --policy NAME  retry policy to run (default %s)\n"
            "  --seeds N      seeds per repetition, 1..N (default %u)\n"
            "  --repeat R     repetitions, 1..%d; the median is reported (default %d)\n"
            "  --batches B    batches of the default scenario, 1..%d (default %d)\n"
            "  --workers W    workers of the default scenario, 1..%d (default %d)\n"
            "  --faults SET   kinds a seed may draw: none, default (F1-F5) or all\n",
            program, CORE_POLICY_DEFAULT, BENCH_SEED_COUNT_DEFAULT, BENCH_REPEAT_COUNT_MAX,
            BENCH_REPEAT_COUNT_DEFAULT, SCEN_BATCH_MAX, BENCH_BATCH_COUNT, SCEN_WORKER_MAX,
            BENCH_WORKER_COUNT);
}

/* Prints the line that identifies where the figures were measured. */
static void bench_print_machine(void)
{
    char cpu_model[BENCH_CPU_MODEL_SIZE];
    bench_read_cpu_model(cpu_model, sizeof(cpu_model));
    printf("machine nproc=%d cpu=\"%s\" compiler=\"%s\"\n", bench_count_cpus(), cpu_model,
           BENCH_COMPILER);
}

/* Counts the CPUs this process may run on, as nproc(1) does. */
static int bench_count_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        return CPU_COUNT(&set);
    }
    long online_count = sysconf(_SC_NPROCESSORS_ONLN);
    return online_count > 0 ? (int)online_count : 0;
}

/* Copies the first "model name" of /proc/cpuinfo into buf, or "unknown" where
 * there is none (AArch64 kernels, systems without /proc). */
static void bench_read_cpu_model(char *buf, size_t buf_size)
{
    snprintf(buf, buf_size, "unknown");
    FILE *cpuinfo = fopen("/proc/cpuinfo", "r");
    if (cpuinfo == NULL) {
        return;
    }

    char line[256];
    while (fgets(line, sizeof(line), cpuinfo) != NULL) {
        const char *colon = strchr(line, ':');
        if (strncmp(line, "model name", strlen("model name")) != 0 || colon == NULL) {
            continue;
        }
        const char *value = colon + 1;
        while (*value == ' ' || *value == '\t') {
            value++;
        }
        snprintf(buf, buf_size, "%.*s", (int)strcspn(value, "\n"), value);
        break;
    }
    fclose(cpuinfo);

    /* The value is printed between double quotes, which run_bench.sh splits on. */
    for (char *c = buf; *c != '\0'; c++) {
        if (*c == '"') {
            *c = '\'';
        }
    }
}

static void bench_run_repetition(sim_world_t *world, const scen_t *scen,
                                 const core_policy_t *policy, uint64_t seed_count,
                                 bench_repetition_t *repetition_out)
{
    bench_repetition_t repetition = {0};
    sim_result_t result;

    double start_s = bench_now_s();
    for (uint64_t seed = 1; seed <= seed_count; seed++) {
        sim_world_run(world, scen, policy, seed, 0, NULL, &result);
        assert(result.decrement_count >= 0);
        repetition.decrement_total += (uint64_t)result.decrement_count;
        repetition.step_total += result.steps;
        repetition.violating_run_count += result.violated_mask != 0;
        repetition.trace_hash_sum += result.trace_hash;
    }
    repetition.elapsed_s = bench_now_s() - start_s;

    *repetition_out = repetition;
}

/* Prints the figures. Returns BENCH_EXIT_FAILURE when the repetitions did
 * different work, because their rates would then not be comparable. */
static int bench_report(const bench_options_t *options,
                        const bench_repetition_t *repetitions)
{
    const bench_repetition_t *first = &repetitions[0];
    for (int i = 1; i < options->repeat_count; i++) {
        if (repetitions[i].decrement_total != first->decrement_total ||
            repetitions[i].step_total != first->step_total ||
            repetitions[i].trace_hash_sum != first->trace_hash_sum) {
            fprintf(stderr, "sim_bench: repetition %d ran %" PRIu64 " steps and %" PRIu64
                            " decrements (trace hash sum %016" PRIx64 "), repetition 1 ran %"
                            PRIu64 " and %" PRIu64 " (%016" PRIx64 "); the same seeds must "
                            "do the same work, so a run depends on something other than its "
                            "seed: check it with tests/ or barriersim replay\n",
                    i + 1, repetitions[i].step_total, repetitions[i].decrement_total,
                    repetitions[i].trace_hash_sum, first->step_total, first->decrement_total,
                    first->trace_hash_sum);
            return BENCH_EXIT_FAILURE;
        }
    }

    double runs_per_s[BENCH_REPEAT_COUNT_MAX];
    double decrements_per_s[BENCH_REPEAT_COUNT_MAX];
    for (int i = 0; i < options->repeat_count; i++) {
        runs_per_s[i] = (double)options->seed_count / repetitions[i].elapsed_s;
        decrements_per_s[i] = (double)repetitions[i].decrement_total / repetitions[i].elapsed_s;
    }
    bench_spread_t runs = bench_spread(runs_per_s, options->repeat_count);
    bench_spread_t decrements = bench_spread(decrements_per_s, options->repeat_count);

    /* On Linux ru_maxrss is in KiB. It counts the touched pages of the fiber stacks
     * and of the shared libraries loaded at startup. */
    struct rusage usage;
    int rc = getrusage(RUSAGE_SELF, &usage);
    assert(rc == 0);

    double seed_count = (double)options->seed_count;
    printf("runs_per_s median=%.0f min=%.0f max=%.0f\n", runs.median, runs.min, runs.max);
    printf("decrements_per_s median=%.0f min=%.0f max=%.0f\n", decrements.median,
           decrements.min, decrements.max);
    printf("steps_per_run mean=%.1f\n", (double)first->step_total / seed_count);
    printf("decrements_per_run mean=%.2f\n", (double)first->decrement_total / seed_count);
    printf("violating_runs count=%" PRIu64 "\n", first->violating_run_count);
    printf("peak_rss_kib=%ld\n", usage.ru_maxrss);
    return BENCH_EXIT_OK;
}

/* Sorts values in place. For an even count the median is the mean of the two
 * middle values. */
static bench_spread_t bench_spread(double *values, int value_count)
{
    assert(value_count >= 1);
    qsort(values, (size_t)value_count, sizeof(values[0]), bench_compare_doubles);

    bench_spread_t spread;
    spread.min = values[0];
    spread.max = values[value_count - 1];
    if (value_count % 2 == 1) {
        spread.median = values[value_count / 2];
    } else {
        spread.median = (values[value_count / 2 - 1] + values[value_count / 2]) / 2.0;
    }
    return spread;
}

static double bench_now_s(void)
{
    struct timespec now;
    int rc = clock_gettime(CLOCK_MONOTONIC, &now);
    assert(rc == 0);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static int bench_compare_doubles(const void *left, const void *right)
{
    double left_value = *(const double *)left;
    double right_value = *(const double *)right;
    return (left_value > right_value) - (left_value < right_value);
}
