/*
 * sim/fiber.c: fiber stacks, state checks, and the two switch back ends.
 *
 * The assembly back end calls sim__fiber_switch from sim/fiber_switch_<arch>.S.
 * The ucontext back end calls swapcontext. sim/fiber.h lists the invariants.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS and MAP_STACK under -std=c17 */
#endif

#include "fiber.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if SIM_FIBER_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if SIM_FIBER_VALGRIND
#include <valgrind/valgrind.h>
#endif

/* Both ABIs require a 16-byte aligned stack pointer at every call. */
#define SIM_FIBER_STACK_ALIGN 16

#if !SIM_FIBER_UCONTEXT
/*
 * Words that sim__fiber_switch pops before it returns into a new fiber, from
 * the saved stack pointer upwards. x86-64: the MXCSR and x87 control word
 * (one word), r15, r14, r13, r12, rbx, rbp. AArch64: x19-x28, then x29 and
 * x30 (the return address, so it is counted with the pops), d8-d15, FPCR and
 * one word of padding.
 */
#if defined(__x86_64__)
#define SIM_FIBER_SAVED_WORDS 7
#elif defined(__aarch64__)
#define SIM_FIBER_SAVED_WORDS 22
#endif

/*
 * Saves the running context's registers on its stack and stores its stack
 * pointer in *save_sp, then loads the context saved at load_sp. Returns arg,
 * which it also passes as the first argument register, so that a new fiber's
 * entry trampoline receives it as its parameter.
 */
__attribute__((visibility("hidden"))) void *sim__fiber_switch(void **save_sp, void *load_sp,
                                                              void *arg);
#endif

static size_t sim__fiber_page_size(void);
static void sim__fiber_unpoison_stack(const sim_fiber_t *fiber);
static bool sim__fiber_on_own_stack(const sim_fiber_t *fiber);
static void sim__fiber_prepare(sim_fiber_t *fiber);
static void sim__fiber_switch_in(sim_fiber_t *fiber);
static void sim__fiber_switch_out(sim_fiber_t *fiber);
static void sim__fiber_asan_resumer_leave(const sim_fiber_t *fiber, void **fake_stack);
static void sim__fiber_asan_resumer_back(void *fake_stack);
static void sim__fiber_asan_enter(sim_fiber_t *fiber);
static void sim__fiber_asan_leave(sim_fiber_t *fiber, bool finished);

int sim_fiber_create(sim_fiber_t *fiber, size_t stack_size)
{
    assert(fiber != NULL);
    assert(stack_size > 0);
    memset(fiber, 0, sizeof(*fiber));

    size_t page_size = sim__fiber_page_size();
    if (stack_size > SIZE_MAX - 2 * page_size) {
        errno = ENOMEM;
        return -1;
    }
    size_t stack_pages = (stack_size + page_size - 1) / page_size;
    size_t mapping_size = (stack_pages + 1) * page_size;

    void *mapping = mmap(NULL, mapping_size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (mapping == MAP_FAILED) {
        return -1;
    }
    /* Stacks grow down on both architectures, so the guard page goes first. */
    if (mprotect(mapping, page_size, PROT_NONE) != 0) {
        int saved_errno = errno;
        munmap(mapping, mapping_size);
        errno = saved_errno;
        return -1;
    }

    fiber->mapping = mapping;
    fiber->mapping_size = mapping_size;
    fiber->stack_low = fiber->mapping + page_size;
    fiber->stack_high = fiber->mapping + mapping_size;
    fiber->state = SIM_FIBER_STATE_CREATED;
#if SIM_FIBER_VALGRIND
    fiber->valgrind_stack_id = VALGRIND_STACK_REGISTER(fiber->stack_low, fiber->stack_high);
#endif
#if SIM_FIBER_UCONTEXT
    /* makecontext needs a context that getcontext initialised. Later starts
     * reuse this one, so that sim_fiber_start makes no system call. */
    int rc = getcontext(&fiber->fiber_context);
    assert(rc == 0);
#endif
    return 0;
}

void sim_fiber_destroy(sim_fiber_t *fiber)
{
    assert(fiber != NULL);
    assert(fiber->state != SIM_FIBER_STATE_RUNNING);
    if (fiber->mapping != NULL) {
        sim__fiber_unpoison_stack(fiber);
#if SIM_FIBER_VALGRIND
        VALGRIND_STACK_DEREGISTER(fiber->valgrind_stack_id);
#endif
        int rc = munmap(fiber->mapping, fiber->mapping_size);
        assert(rc == 0);
    }
    memset(fiber, 0, sizeof(*fiber));
}

void sim_fiber_start(sim_fiber_t *fiber, sim_fiber_entry_cb entry, void *arg)
{
    assert(fiber != NULL);
    assert(entry != NULL);
    assert(fiber->mapping != NULL);
    assert(fiber->state != SIM_FIBER_STATE_RUNNING);

    fiber->entry = entry;
    fiber->arg = arg;
    sim__fiber_unpoison_stack(fiber);
#if SIM_FIBER_ASAN
    /* The frames of an earlier start are gone, and so is their fake stack. */
    fiber->asan_fake_stack = NULL;
#endif
    sim__fiber_prepare(fiber);
    fiber->state = SIM_FIBER_STATE_READY;
    sim_fiber_check(fiber);
}

void sim_fiber_resume(sim_fiber_t *fiber)
{
    assert(fiber != NULL);
    assert(fiber->state == SIM_FIBER_STATE_READY || fiber->state == SIM_FIBER_STATE_SUSPENDED);
    assert(!sim__fiber_on_own_stack(fiber));

    /* Nothing is asserted after the switch, because code there turns the tail
     * call into a call whose return is mispredicted. In bench/fiber_bench.c
     * (gcc 12 and clang 14, -O2, AMD EPYC VM) that raised the cost from 5.1 ns
     * to about 11.5 ns per switch. The fiber sets SUSPENDED or FINISHED itself
     * before it switches back. */
    fiber->state = SIM_FIBER_STATE_RUNNING;
    sim__fiber_switch_in(fiber);
}

void sim_fiber_yield(sim_fiber_t *fiber)
{
    assert(fiber != NULL);
    assert(fiber->state == SIM_FIBER_STATE_RUNNING);
    assert(sim__fiber_on_own_stack(fiber));

    /* sim_fiber_resume sets RUNNING before it switches back here. Its comment
     * says why nothing is asserted after the switch. */
    fiber->state = SIM_FIBER_STATE_SUSPENDED;
    sim__fiber_switch_out(fiber);
}

bool sim_fiber_finished(const sim_fiber_t *fiber)
{
    assert(fiber != NULL);
    return fiber->state == SIM_FIBER_STATE_FINISHED;
}

void sim_fiber_check(const sim_fiber_t *fiber)
{
    assert(fiber != NULL);
    assert(fiber->state >= SIM_FIBER_STATE_CREATED);
    assert(fiber->state <= SIM_FIBER_STATE_FINISHED);
    if (fiber->state == SIM_FIBER_STATE_CREATED) {
        return;
    }
    assert(fiber->mapping != NULL);
    assert(fiber->stack_low > fiber->mapping);
    assert(fiber->stack_high == fiber->mapping + fiber->mapping_size);
    assert((uintptr_t)fiber->stack_high % SIM_FIBER_STACK_ALIGN == 0);
    assert(fiber->entry != NULL);
#if !SIM_FIBER_UCONTEXT
    if (fiber->state == SIM_FIBER_STATE_READY || fiber->state == SIM_FIBER_STATE_SUSPENDED) {
        const unsigned char *sp = fiber->fiber_sp;
        assert(sp >= fiber->stack_low);
        assert(sp < fiber->stack_high);
    }
#endif
}

const char *sim_fiber_impl_name(void)
{
#if SIM_FIBER_UCONTEXT
    return "ucontext";
#elif defined(__x86_64__)
    return "asm-x86_64";
#else
    return "asm-aarch64";
#endif
}

static size_t sim__fiber_page_size(void)
{
    long page_size = sysconf(_SC_PAGESIZE);
    assert(page_size > 0);
    return (size_t)page_size;
}

/*
 * Clears AddressSanitizer's poisoning of the whole stack. Frames discarded by
 * a restart or destroy never returned, so their redzones stay poisoned, and
 * the shadow memory outlives munmap, so a later mapping at the same address
 * would inherit it. Does nothing in builds without AddressSanitizer.
 */
static void sim__fiber_unpoison_stack(const sim_fiber_t *fiber)
{
#if SIM_FIBER_ASAN
    __asan_unpoison_memory_region(fiber->stack_low,
                                  (size_t)(fiber->stack_high - fiber->stack_low));
#else
    (void)fiber;
#endif
}

/*
 * Tells whether the caller runs on this fiber's stack, to catch a yield from
 * the resumer or a resume from inside the fiber being resumed. noinline keeps
 * the probe out of the caller's frame, so the caller can still tail-call the
 * switch. The probe is the frame address, not a local variable's address:
 * AddressSanitizer's use-after-return detection moves locals to the heap.
 */
static __attribute__((noinline)) bool sim__fiber_on_own_stack(const sim_fiber_t *fiber)
{
    const unsigned char *address = __builtin_frame_address(0);
    return address >= fiber->stack_low && address < fiber->stack_high;
}

#if !SIM_FIBER_UCONTEXT

/*
 * First code a new fiber runs. sim__fiber_switch returns into it with the
 * fiber as its argument. It must never return, because nothing valid lies
 * above it on the stack, so after entry returns it switches to the resumer
 * for the last time.
 */
static _Noreturn void sim__fiber_main(void *opaque)
{
    sim_fiber_t *fiber = opaque;
    sim__fiber_asan_enter(fiber);
    assert(fiber->state == SIM_FIBER_STATE_RUNNING);

    fiber->entry(fiber->arg);

    assert(fiber->state == SIM_FIBER_STATE_RUNNING);
    fiber->state = SIM_FIBER_STATE_FINISHED;
    sim__fiber_asan_leave(fiber, true);
    sim__fiber_switch(&fiber->fiber_sp, fiber->resumer_sp, fiber);
    /* sim_fiber_resume asserts that a finished fiber is never resumed. */
    abort();
}

/*
 * Builds the frame that sim__fiber_switch expects at the top of the stack:
 * the saved registers, all zero except the floating-point control defaults,
 * then sim__fiber_main as the return address.
 */
static void sim__fiber_prepare(sim_fiber_t *fiber)
{
    uintptr_t *top = (uintptr_t *)(void *)fiber->stack_high;
#if defined(__x86_64__)
    /* After the switch pops the sim__fiber_main address, rsp must be 8 modulo
     * 16, as after a call. The zero word above it is a return address that
     * nothing uses. */
    uintptr_t *frame = top - 2 - SIM_FIBER_SAVED_WORDS;
    memset(frame, 0, (size_t)(top - frame) * sizeof(*frame));
    /* Power-on defaults: MXCSR 0x1f80 (all exceptions masked, round to nearest)
     * in the low half, x87 control word 0x037f in the high half. */
    frame[0] = (uintptr_t)0x1f80u | ((uintptr_t)0x037fu << 32);
    frame[SIM_FIBER_SAVED_WORDS] = (uintptr_t)sim__fiber_main;
#elif defined(__aarch64__)
    /* After the frame is popped sp equals the stack top, which is 16-aligned.
     * Word 11 is x30, the address that ret jumps to. FPCR 0 is the default. */
    uintptr_t *frame = top - SIM_FIBER_SAVED_WORDS;
    memset(frame, 0, (size_t)(top - frame) * sizeof(*frame));
    frame[11] = (uintptr_t)sim__fiber_main;
#endif
    fiber->fiber_sp = frame;
}

/* The sanitizer calls compile to nothing in other builds, so the switch
 * stays a tail call there (sim_fiber_resume explains why that matters). */
static void sim__fiber_switch_in(sim_fiber_t *fiber)
{
    void *fake_stack = NULL;

    sim__fiber_asan_resumer_leave(fiber, &fake_stack);
    sim__fiber_switch(&fiber->resumer_sp, fiber->fiber_sp, fiber);
    sim__fiber_asan_resumer_back(fake_stack);
}

static void sim__fiber_switch_out(sim_fiber_t *fiber)
{
    sim__fiber_asan_leave(fiber, false);
    sim__fiber_switch(&fiber->fiber_sp, fiber->resumer_sp, fiber);
    sim__fiber_asan_enter(fiber);
}

#else /* SIM_FIBER_UCONTEXT */

/*
 * First code a new fiber runs. makecontext passes only int arguments, so the
 * fiber pointer arrives split into two 32-bit halves.
 */
static void sim__fiber_main(unsigned int pointer_high, unsigned int pointer_low)
{
    uintptr_t pointer = ((uintptr_t)pointer_high << 16 << 16) | (uintptr_t)pointer_low;
    sim_fiber_t *fiber = (sim_fiber_t *)pointer;
    sim__fiber_asan_enter(fiber);
    assert(fiber->state == SIM_FIBER_STATE_RUNNING);

    fiber->entry(fiber->arg);

    assert(fiber->state == SIM_FIBER_STATE_RUNNING);
    fiber->state = SIM_FIBER_STATE_FINISHED;
    sim__fiber_asan_leave(fiber, true);
    int rc = swapcontext(&fiber->fiber_context, &fiber->resumer_context);
    assert(rc == 0);
    /* sim_fiber_resume asserts that a finished fiber is never resumed. */
    abort();
}

static void sim__fiber_prepare(sim_fiber_t *fiber)
{
    uintptr_t pointer = (uintptr_t)fiber;
    fiber->fiber_context.uc_stack.ss_sp = fiber->stack_low;
    fiber->fiber_context.uc_stack.ss_size = (size_t)(fiber->stack_high - fiber->stack_low);
    fiber->fiber_context.uc_stack.ss_flags = 0;
    fiber->fiber_context.uc_link = NULL;
    /* The cast to void (*)(void) is the type makecontext takes. */
    makecontext(&fiber->fiber_context, (void (*)(void))sim__fiber_main, 2,
                (unsigned int)(pointer >> 16 >> 16), (unsigned int)(pointer & 0xffffffffu));
}

static void sim__fiber_switch_in(sim_fiber_t *fiber)
{
    void *fake_stack = NULL;

    sim__fiber_asan_resumer_leave(fiber, &fake_stack);
    int rc = swapcontext(&fiber->resumer_context, &fiber->fiber_context);
    sim__fiber_asan_resumer_back(fake_stack);
    assert(rc == 0);
}

static void sim__fiber_switch_out(sim_fiber_t *fiber)
{
    sim__fiber_asan_leave(fiber, false);
    int rc = swapcontext(&fiber->fiber_context, &fiber->resumer_context);
    sim__fiber_asan_enter(fiber);
    assert(rc == 0);
}

#endif /* SIM_FIBER_UCONTEXT */

/*
 * AddressSanitizer's fiber protocol: the side that switches names the stack
 * it switches to (start), and the side switched to confirms it (finish) and
 * gets back the stack it came from. Each side keeps its fake stack, the
 * heap frames of stack-use-after-return detection, while it is away, and a
 * fiber that finishes passes NULL so that its fake stack is freed. Without
 * AddressSanitizer these do nothing.
 */

/* The resumer, before it switches to fiber. */
static void sim__fiber_asan_resumer_leave(const sim_fiber_t *fiber, void **fake_stack)
{
#if SIM_FIBER_ASAN
    __sanitizer_start_switch_fiber(fake_stack, fiber->stack_low,
                                   (size_t)(fiber->stack_high - fiber->stack_low));
#else
    (void)fiber;
    (void)fake_stack;
#endif
}

/* The resumer, back from the fiber. */
static void sim__fiber_asan_resumer_back(void *fake_stack)
{
#if SIM_FIBER_ASAN
    __sanitizer_finish_switch_fiber(fake_stack, NULL, NULL);
#else
    (void)fake_stack;
#endif
}

/* The fiber, on its stack after a resume: it learns the resumer's stack. */
static void sim__fiber_asan_enter(sim_fiber_t *fiber)
{
#if SIM_FIBER_ASAN
    /* A fresh start has no fake stack yet; a resume brings its own back. */
    void *fake_stack = fiber->asan_fake_stack;

    fiber->asan_fake_stack = NULL;
    __sanitizer_finish_switch_fiber(fake_stack, &fiber->asan_resumer_low,
                                    &fiber->asan_resumer_size);
#else
    (void)fiber;
#endif
}

/* The fiber, before it switches back to its resumer for a while or, when
 * finished, for good. */
static void sim__fiber_asan_leave(sim_fiber_t *fiber, bool finished)
{
#if SIM_FIBER_ASAN
    __sanitizer_start_switch_fiber(finished ? NULL : &fiber->asan_fake_stack,
                                   fiber->asan_resumer_low, fiber->asan_resumer_size);
#else
    (void)fiber;
    (void)finished;
#endif
}
