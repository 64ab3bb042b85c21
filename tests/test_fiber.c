/*
 * tests/test_fiber.c: unit tests for sim/fiber (resume, yield, finish, restart).
 *
 * The same tests run against whichever switch the build selects. Build once
 * more with -DSIM_FIBER_UCONTEXT=1 to test the ucontext fallback.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* fork, waitpid and setrlimit under -std=c17 */
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../sim/fiber.h"

enum {
    TEST_STACK_SIZE = 64 * 1024,
    TEST_LOG_LENGTH_MAX = 64,
    TEST_PING_PONG_STEP_COUNT = 4,
    TEST_MIXING_ITERATION_COUNT = 1000,
    TEST_RESTART_COUNT = 10000,
    TEST_DEEP_ARRAY_SIZE = 16 * 1024,
    TEST_OVERFLOW_ARRAY_SIZE = 2 * TEST_STACK_SIZE,
};

/* Shared event log that two fibers and the scheduler append to in turn. */
typedef struct test_log {
    int event_codes[TEST_LOG_LENGTH_MAX];
    size_t event_count;
} test_log_t;

typedef struct test_ping_pong_actor {
    sim_fiber_t fiber;
    test_log_t *log;
    int actor_id;
} test_ping_pong_actor_t;

static void test_log_append(test_log_t *log, int event_code)
{
    assert_true(log->event_count < TEST_LOG_LENGTH_MAX);
    log->event_codes[log->event_count] = event_code;
    log->event_count++;
}

/* Logs actor_id * 10 + step before each yield, and actor_id * 10 + 9 last. */
static void test_ping_pong_entry(void *arg)
{
    test_ping_pong_actor_t *actor = arg;
    for (int step = 0; step < TEST_PING_PONG_STEP_COUNT; step++) {
        test_log_append(actor->log, actor->actor_id * 10 + step);
        sim_fiber_yield(&actor->fiber);
    }
    test_log_append(actor->log, actor->actor_id * 10 + 9);
}

static void test_fiber_ping_pong_order(void **state)
{
    (void)state;
    test_log_t log = {0};
    test_ping_pong_actor_t actors[2] = {
        {.log = &log, .actor_id = 1},
        {.log = &log, .actor_id = 2},
    };
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(sim_fiber_create(&actors[i].fiber, TEST_STACK_SIZE), 0);
        sim_fiber_start(&actors[i].fiber, test_ping_pong_entry, &actors[i]);
    }

    /* The scheduler logs 0 before every resume, so the log shows who ran when. */
    for (int round = 0; round <= TEST_PING_PONG_STEP_COUNT; round++) {
        for (size_t i = 0; i < 2; i++) {
            assert_false(sim_fiber_finished(&actors[i].fiber));
            test_log_append(&log, 0);
            sim_fiber_resume(&actors[i].fiber);
        }
    }

    const int expected_codes[] = {
        0, 10, 0, 20, 0, 11, 0, 21, 0, 12, 0, 22, 0, 13, 0, 23, 0, 19, 0, 29,
    };
    size_t expected_count = sizeof(expected_codes) / sizeof(expected_codes[0]);
    assert_int_equal(log.event_count, expected_count);
    for (size_t i = 0; i < expected_count; i++) {
        assert_int_equal(log.event_codes[i], expected_codes[i]);
    }
    for (size_t i = 0; i < 2; i++) {
        assert_true(sim_fiber_finished(&actors[i].fiber));
        sim_fiber_destroy(&actors[i].fiber);
    }
}

/* Called between iterations of the mixing loop: a yield, or nothing. */
typedef void (*test_between_cb)(void *context);

typedef struct test_mixing_result {
    uint64_t words[8];
    double accumulator;
} test_mixing_result_t;

typedef struct test_mixing_fiber {
    sim_fiber_t fiber;
    test_mixing_result_t result;
} test_mixing_fiber_t;

/*
 * Keeps more integer locals and a double live across each call to between
 * than there are callee-saved registers, so a switch that loses a register
 * or a stack slot changes the result. noinline keeps one copy of the code,
 * so the reference run and the fiber run do the same floating-point steps.
 */
static __attribute__((noinline)) test_mixing_result_t test_mixing_loop(test_between_cb between,
                                                                       void *context)
{
    uint64_t a = 1, b = 2, c = 3, d = 5, e = 7, f = 11, g = 13, h = 17;
    double accumulator = 0.5;
    for (int i = 0; i < TEST_MIXING_ITERATION_COUNT; i++) {
        a = a * 6364136223846793005u + b;
        b ^= a >> 7;
        c += b * 3 + (uint64_t)i;
        d = (d << 5) ^ c;
        e += d >> 3;
        f ^= e * 31;
        g += f + a;
        h = (h ^ g) * 0x100000001b3u;
        accumulator = accumulator * 1.000001 + (double)(h & 0xffff) / 65536.0;
        between(context);
    }
    test_mixing_result_t result = {{a, b, c, d, e, f, g, h}, accumulator};
    return result;
}

static void test_between_nothing(void *context)
{
    (void)context;
}

static void test_between_yield(void *context)
{
    sim_fiber_yield(context);
}

static void test_mixing_entry(void *arg)
{
    test_mixing_fiber_t *mixing = arg;
    mixing->result = test_mixing_loop(test_between_yield, &mixing->fiber);
}

static void test_fiber_locals_survive_yields(void **state)
{
    (void)state;
    test_mixing_result_t expected = test_mixing_loop(test_between_nothing, NULL);
    test_mixing_fiber_t mixing = {0};
    assert_int_equal(sim_fiber_create(&mixing.fiber, TEST_STACK_SIZE), 0);
    sim_fiber_start(&mixing.fiber, test_mixing_entry, &mixing);

    /* The scheduler side also keeps locals across resumes. */
    uint64_t resume_count = 0;
    double scheduler_sum = 0.25;
    while (!sim_fiber_finished(&mixing.fiber)) {
        sim_fiber_resume(&mixing.fiber);
        sim_fiber_check(&mixing.fiber);
        resume_count++;
        scheduler_sum += 0.5;
    }

    assert_int_equal(resume_count, TEST_MIXING_ITERATION_COUNT + 1);
    assert_true(scheduler_sum == 0.25 + 0.5 * (TEST_MIXING_ITERATION_COUNT + 1));
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(mixing.result.words[i], expected.words[i]);
    }
    assert_true(mixing.result.accumulator == expected.accumulator);
    sim_fiber_destroy(&mixing.fiber);
}

typedef struct test_finish_probe {
    sim_fiber_t fiber;
    int entry_call_count;
    int yield_count;
} test_finish_probe_t;

/* Yields yield_count times, then returns. */
static void test_finish_entry(void *arg)
{
    test_finish_probe_t *probe = arg;
    probe->entry_call_count++;
    for (int i = 0; i < probe->yield_count; i++) {
        sim_fiber_yield(&probe->fiber);
    }
}

static void test_fiber_entry_return_finishes(void **state)
{
    (void)state;
    test_finish_probe_t probe = {.yield_count = 1};
    assert_int_equal(sim_fiber_create(&probe.fiber, TEST_STACK_SIZE), 0);
    sim_fiber_start(&probe.fiber, test_finish_entry, &probe);
    assert_false(sim_fiber_finished(&probe.fiber));

    sim_fiber_resume(&probe.fiber);
    assert_int_equal(probe.entry_call_count, 1);
    assert_false(sim_fiber_finished(&probe.fiber));

    /* The entry returns here; control must come back to this frame. */
    sim_fiber_resume(&probe.fiber);
    assert_int_equal(probe.entry_call_count, 1);
    assert_true(sim_fiber_finished(&probe.fiber));
    sim_fiber_check(&probe.fiber);
    sim_fiber_destroy(&probe.fiber);
}

static void test_fiber_restart_after_finish(void **state)
{
    (void)state;
    test_finish_probe_t probe = {0};
    assert_int_equal(sim_fiber_create(&probe.fiber, TEST_STACK_SIZE), 0);

    for (int run = 0; run < TEST_RESTART_COUNT; run++) {
        probe.entry_call_count = 0;
        probe.yield_count = run % 3;
        sim_fiber_start(&probe.fiber, test_finish_entry, &probe);
        int resume_count = 0;
        while (!sim_fiber_finished(&probe.fiber)) {
            sim_fiber_resume(&probe.fiber);
            resume_count++;
        }
        assert_int_equal(probe.entry_call_count, 1);
        assert_int_equal(resume_count, probe.yield_count + 1);
    }
    sim_fiber_destroy(&probe.fiber);
}

typedef struct test_deep_fiber {
    sim_fiber_t fiber;
    uint64_t checksum_before_yield;
    uint64_t checksum_after_yield;
} test_deep_fiber_t;

static uint64_t test_checksum(const volatile unsigned char *bytes, size_t size)
{
    uint64_t checksum = 0;
    for (size_t i = 0; i < size; i++) {
        checksum = checksum * 31 + bytes[i];
    }
    return checksum;
}

/* Fills a 16 KiB local array, yields, and sums it again after the resume. */
static void test_deep_entry(void *arg)
{
    test_deep_fiber_t *deep = arg;
    volatile unsigned char bytes[TEST_DEEP_ARRAY_SIZE];
    for (size_t i = 0; i < sizeof(bytes); i++) {
        bytes[i] = (unsigned char)(i * 7 + 3);
    }
    deep->checksum_before_yield = test_checksum(bytes, sizeof(bytes));
    sim_fiber_yield(&deep->fiber);
    deep->checksum_after_yield = test_checksum(bytes, sizeof(bytes));
}

static void test_fiber_deep_stack_use(void **state)
{
    (void)state;
    test_deep_fiber_t deep = {0};
    assert_int_equal(sim_fiber_create(&deep.fiber, TEST_STACK_SIZE), 0);
    sim_fiber_start(&deep.fiber, test_deep_entry, &deep);

    sim_fiber_resume(&deep.fiber);
    assert_false(sim_fiber_finished(&deep.fiber));
    sim_fiber_check(&deep.fiber);
    /* Scribble over the scheduler's own stack while the fiber is suspended. */
    volatile unsigned char scheduler_bytes[TEST_DEEP_ARRAY_SIZE];
    for (size_t i = 0; i < sizeof(scheduler_bytes); i++) {
        scheduler_bytes[i] = 0xa5;
    }

    sim_fiber_resume(&deep.fiber);
    assert_true(sim_fiber_finished(&deep.fiber));
    assert_int_not_equal(deep.checksum_before_yield, 0);
    assert_int_equal(deep.checksum_after_yield, deep.checksum_before_yield);
    sim_fiber_destroy(&deep.fiber);
}

/* Out of line, so that the array's address escapes and AddressSanitizer
 * gives the caller's frame redzones. */
static __attribute__((noinline)) void test_fill_bytes(volatile unsigned char *bytes, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        bytes[i] = (unsigned char)i;
    }
}

/* Fills a small local array and yields. The frame is never resumed. Under
 * AddressSanitizer the discarded frame leaves redzones poisoned near the top
 * of the stack. */
static void test_small_array_entry(void *arg)
{
    sim_fiber_t *fiber = arg;
    volatile unsigned char bytes[40];
    test_fill_bytes(bytes, sizeof(bytes));
    sim_fiber_yield(fiber);
    fail_msg("a discarded frame was resumed");
}

/* Counts its call and writes a local array over the region where the
 * discarded frames of test_small_array_entry lay. */
static void test_count_entry(void *arg)
{
    int *entry_call_count = arg;
    volatile unsigned char bytes[256];
    test_fill_bytes(bytes, sizeof(bytes));
    (*entry_call_count)++;
}

static void test_fiber_restart_discards_suspended(void **state)
{
    (void)state;
    sim_fiber_t fiber;
    assert_int_equal(sim_fiber_create(&fiber, TEST_STACK_SIZE), 0);
    sim_fiber_start(&fiber, test_small_array_entry, &fiber);
    sim_fiber_resume(&fiber);
    assert_false(sim_fiber_finished(&fiber));

    /* A scheduler that stops a run early reuses the stack without unwinding
     * the suspended frames. */
    int entry_call_count = 0;
    sim_fiber_start(&fiber, test_count_entry, &entry_call_count);
    sim_fiber_resume(&fiber);
    assert_int_equal(entry_call_count, 1);
    assert_true(sim_fiber_finished(&fiber));
    sim_fiber_destroy(&fiber);
}

/* Writes an array twice the stack size from its top down, so the first byte
 * written below the stack lies in the guard page. */
static void test_overflow_entry(void *arg)
{
    (void)arg;
    volatile unsigned char bytes[TEST_OVERFLOW_ARRAY_SIZE];
    for (size_t i = sizeof(bytes); i > 0; i--) {
        bytes[i - 1] = (unsigned char)i;
    }
}

/* Runs the overflow in a child process, because it must die with SIGSEGV. */
static void test_fiber_overflow_hits_guard_page(void **state)
{
    (void)state;
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        /* cmocka's own SIGSEGV handler is inherited: without this, it could
         * catch the fault when the overflow leaves room below the stack
         * pointer, and the child would go on running tests. */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        sim_fiber_t fiber;
        if (sim_fiber_create(&fiber, TEST_STACK_SIZE) != 0) {
            _exit(2);
        }
        sim_fiber_start(&fiber, test_overflow_entry, NULL);
        sim_fiber_resume(&fiber);
        _exit(0);
    }

    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSEGV);
}

#if defined(__x86_64__)
typedef struct test_mxcsr_fiber {
    sim_fiber_t fiber;
    unsigned int mxcsr_at_entry;
    unsigned int mxcsr_after_yield;
} test_mxcsr_fiber_t;

/* MXCSR rounding-control field: 0 is round to nearest, 3 is toward zero. */
#define TEST_MXCSR_ROUNDING_MASK 0x6000u
#define TEST_MXCSR_ROUND_TOWARD_ZERO 0x6000u

static void test_mxcsr_entry(void *arg)
{
    test_mxcsr_fiber_t *probe = arg;
    probe->mxcsr_at_entry = __builtin_ia32_stmxcsr();
    __builtin_ia32_ldmxcsr(probe->mxcsr_at_entry | TEST_MXCSR_ROUND_TOWARD_ZERO);
    sim_fiber_yield(&probe->fiber);
    probe->mxcsr_after_yield = __builtin_ia32_stmxcsr();
}

/* A rounding mode set inside a fiber stays inside it, on x86-64 only. */
static void test_fiber_mxcsr_private(void **state)
{
    (void)state;
    test_mxcsr_fiber_t probe = {0};
    unsigned int scheduler_mxcsr = __builtin_ia32_stmxcsr();
    assert_int_equal(scheduler_mxcsr & TEST_MXCSR_ROUNDING_MASK, 0);
    assert_int_equal(sim_fiber_create(&probe.fiber, TEST_STACK_SIZE), 0);
    sim_fiber_start(&probe.fiber, test_mxcsr_entry, &probe);

    sim_fiber_resume(&probe.fiber);
    assert_int_equal(__builtin_ia32_stmxcsr(), scheduler_mxcsr);
    sim_fiber_resume(&probe.fiber);
    assert_int_equal(probe.mxcsr_at_entry & TEST_MXCSR_ROUNDING_MASK, 0);
    assert_int_equal(probe.mxcsr_after_yield & TEST_MXCSR_ROUNDING_MASK,
                     TEST_MXCSR_ROUND_TOWARD_ZERO);
    assert_int_equal(__builtin_ia32_stmxcsr(), scheduler_mxcsr);
    sim_fiber_destroy(&probe.fiber);
}
#endif

static void test_fiber_impl_name_matches_build(void **state)
{
    (void)state;
#if SIM_FIBER_UCONTEXT
    assert_string_equal(sim_fiber_impl_name(), "ucontext");
#elif defined(__x86_64__)
    assert_string_equal(sim_fiber_impl_name(), "asm-x86_64");
#else
    assert_string_equal(sim_fiber_impl_name(), "asm-aarch64");
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fiber_ping_pong_order),
        cmocka_unit_test(test_fiber_locals_survive_yields),
        cmocka_unit_test(test_fiber_entry_return_finishes),
        cmocka_unit_test(test_fiber_restart_after_finish),
        cmocka_unit_test(test_fiber_restart_discards_suspended),
        cmocka_unit_test(test_fiber_deep_stack_use),
        cmocka_unit_test(test_fiber_overflow_hits_guard_page),
#if defined(__x86_64__)
        cmocka_unit_test(test_fiber_mxcsr_private),
#endif
        cmocka_unit_test(test_fiber_impl_name_matches_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
