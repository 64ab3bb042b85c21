/*
 * sim/fiber.h: asymmetric coroutines ("fibers") for the scheduler.
 *
 * The scheduler resumes a worker fiber, the worker runs straight-line C code
 * and yields back at each database call. A run switches hundreds of times, so
 * the switch saves only what the calling convention requires the callee to
 * preserve, plus the floating-point control registers. Two implementations
 * exist, and the build picks one of them:
 *
 *   asm-x86_64, asm-aarch64  sim/fiber_switch_<arch>.S, about 25 instructions.
 *   ucontext                 glibc's swapcontext, which also makes a
 *                            sigprocmask system call on every switch.
 *
 * The assembly switch is used on x86-64 and AArch64 unless the build defines
 * SIM_FIBER_UCONTEXT=1. The macro changes the layout of sim_fiber_t, so every
 * translation unit that includes this header must see the same value.
 *
 * Invariants:
 *   1. A fiber is in exactly one state of sim_fiber_state_t. Only the fiber
 *      itself moves RUNNING to SUSPENDED (yield) or FINISHED (entry returned).
 *      Only the resumer moves READY or SUSPENDED to RUNNING (resume).
 *   2. At most one fiber runs at a time, and it returns control to the context
 *      that resumed it. Fibers are not thread-safe.
 *   3. While a fiber is SUSPENDED, its saved stack pointer lies inside its own
 *      stack, between the guard page and the top of the stack.
 *   4. Control never runs off the end of the entry function: when entry
 *      returns, the fiber marks itself FINISHED and switches to its resumer.
 *   5. A sim_fiber_t is never copied or moved while its stack is in use,
 *      because the saved contexts contain pointers into the struct and stack.
 */
#ifndef SIM_FIBER_H
#define SIM_FIBER_H

#include <stdbool.h>
#include <stddef.h>

#ifndef SIM_FIBER_UCONTEXT
#if defined(__x86_64__) || defined(__aarch64__)
#define SIM_FIBER_UCONTEXT 0
#else
#define SIM_FIBER_UCONTEXT 1
#endif
#endif

#if !SIM_FIBER_UCONTEXT && !defined(__x86_64__) && !defined(__aarch64__)
#error "SIM_FIBER_UCONTEXT=0 needs an assembly switch: build with SIM_FIBER_UCONTEXT=1"
#endif

#if SIM_FIBER_UCONTEXT
#include <ucontext.h>
#endif

/*
 * AddressSanitizer must learn of every stack switch, or it takes a fiber's
 * stack for a corrupt thread stack. sim/fiber.c reports each switch with
 * __sanitizer_start_switch_fiber. gcc defines __SANITIZE_ADDRESS__, and
 * clang reports it through __has_feature.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SIM_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_FIBER_ASAN 1
#endif
#endif
#ifndef SIM_FIBER_ASAN
#define SIM_FIBER_ASAN 0
#endif

/*
 * Valgrind takes a stack pointer that jumps into another mapping for a huge
 * frame unless the stack is registered. Its client requests cost a few
 * instructions outside Valgrind and are made at create and destroy only.
 * The header comes with Debian's valgrind package; without it the build
 * still works, and Valgrind may then warn about the switches.
 */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#define SIM_FIBER_VALGRIND 1
#endif
#endif
#ifndef SIM_FIBER_VALGRIND
#define SIM_FIBER_VALGRIND 0
#endif

/* Function that a fiber runs. It may call sim_fiber_yield any number of times. */
typedef void (*sim_fiber_entry_cb)(void *arg);

/* Lifecycle of a fiber. The enum only grows. */
typedef enum sim_fiber_state {
    SIM_FIBER_STATE_CREATED = 0, /* stack allocated, no entry yet */
    SIM_FIBER_STATE_READY,       /* started, entry not yet running */
    SIM_FIBER_STATE_RUNNING,     /* on the CPU, its resumer is suspended */
    SIM_FIBER_STATE_SUSPENDED,   /* yielded, waiting for the next resume */
    SIM_FIBER_STATE_FINISHED,    /* entry returned */
} sim_fiber_state_t;

/*
 * A fiber and its stack. Callers embed it and treat the fields as private,
 * so that no switch allocates memory.
 */
typedef struct sim_fiber {
    unsigned char *mapping;    /* mmap result: guard page, then the stack */
    size_t mapping_size;       /* bytes in the mapping, guard page included */
    unsigned char *stack_low;  /* lowest usable stack byte, above the guard */
    unsigned char *stack_high; /* one past the highest stack byte, 16-aligned */
    sim_fiber_entry_cb entry;
    void *arg;
    sim_fiber_state_t state;
#if SIM_FIBER_UCONTEXT
    ucontext_t fiber_context;   /* fiber registers while it is not running */
    ucontext_t resumer_context; /* resumer registers while the fiber runs */
#else
    void *fiber_sp;   /* fiber stack pointer while it is not running */
    void *resumer_sp; /* resumer stack pointer while the fiber runs */
#endif
#if SIM_FIBER_ASAN
    void *asan_fake_stack;        /* the fiber's fake stack while it is not running */
    const void *asan_resumer_low; /* the resumer's stack, as the sanitizer saw it */
    size_t asan_resumer_size;
#endif
#if SIM_FIBER_VALGRIND
    unsigned valgrind_stack_id; /* from VALGRIND_STACK_REGISTER */
#endif
} sim_fiber_t;

/*
 * Allocates a stack of at least stack_size bytes, rounded up to whole pages,
 * with an inaccessible guard page below it so that an overflow faults instead
 * of overwriting other memory. stack_size must be greater than 0. Returns 0,
 * or -1 with errno set (ENOMEM, or an error from mmap or mprotect) and the
 * fiber left without a stack.
 */
int sim_fiber_create(sim_fiber_t *fiber, size_t stack_size);

/* Unmaps the stack. The fiber must not be RUNNING. A SUSPENDED fiber's frames
 * are discarded without running any cleanup. */
void sim_fiber_destroy(sim_fiber_t *fiber);

/*
 * Prepares the fiber to run entry(arg) from the top of its stack on the next
 * resume. Allowed in every state except RUNNING, so a finished fiber's stack
 * can be reused for the next run. Restarting a SUSPENDED fiber discards its
 * frames without cleanup. Makes no system call.
 */
void sim_fiber_start(sim_fiber_t *fiber, sim_fiber_entry_cb entry, void *arg);

/* Runs a READY or SUSPENDED fiber until it yields or its entry returns.
 * Called by the resumer, never from inside a fiber that is the target. */
void sim_fiber_resume(sim_fiber_t *fiber);

/* Suspends the calling fiber and returns control to its resumer. Must be
 * called on that fiber's own stack while it is RUNNING. */
void sim_fiber_yield(sim_fiber_t *fiber);

/* Returns true once entry has returned. Resuming the fiber after that fails an assertion. */
bool sim_fiber_finished(const sim_fiber_t *fiber);

/* Asserts the invariants above; the scheduler calls it after every step. */
void sim_fiber_check(const sim_fiber_t *fiber);

/* Returns the switch compiled in: "asm-x86_64", "asm-aarch64" or "ucontext". */
const char *sim_fiber_impl_name(void);

#endif /* SIM_FIBER_H */
