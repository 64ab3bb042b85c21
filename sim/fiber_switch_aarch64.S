/*
 * sim/fiber_switch_aarch64.S: the fiber switch for AArch64 (AAPCS64).
 *
 * void *sim__fiber_switch(void **save_sp, void *load_sp, void *arg)
 *   x0 = save_sp, x1 = load_sp, x2 = arg
 *
 * Saves the registers that the ABI makes callee-saved (x19-x28, the frame
 * pointer x29, the link register x30 and the low halves d8-d15 of v8-v15)
 * and FPCR in a 176-byte frame, stores sp in *save_sp, then loads the same
 * frame from load_sp and returns through the loaded x30. Everything else is
 * caller-saved, so the C caller has already spilled it. sim__fiber_prepare in
 * sim/fiber.c builds this frame for a new fiber; keep the two in step.
 *
 *   offset   0..79   x19-x28        offset  96..159  d8-d15
 *   offset  80..95   x29, x30       offset 160       FPCR, then 8 bytes padding
 *
 * arg is returned in x0, because a new fiber "returns" into sim__fiber_main,
 * which takes the fiber as its first parameter.
 *
 * BTI: "bti c" marks the entry for indirect calls; ret needs no landing pad.
 * Return addresses are not signed here, so pointer authentication in the C
 * callers is unaffected.
 */
#if defined(__aarch64__)

    .text
    .p2align 4
    .globl sim__fiber_switch
    .hidden sim__fiber_switch
    .type sim__fiber_switch, %function
sim__fiber_switch:
    .cfi_startproc
    hint #34 /* bti c, a no-op on cores without BTI */
    sub sp, sp, #176
    .cfi_adjust_cfa_offset 176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mrs x9, fpcr
    str x9, [sp, #160]

    /* Both stacks hold the same frame layout, so the CFA offset above stays
     * true for the loaded stack. */
    mov x9, sp
    str x9, [x0]
    mov sp, x1

    ldr x9, [sp, #160]
    msr fpcr, x9
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #176
    .cfi_adjust_cfa_offset -176
    mov x0, x2
    ret
    .cfi_endproc
    .size sim__fiber_switch, .-sim__fiber_switch

/*
 * GNU_PROPERTY_AARCH64_FEATURE_1_AND note: BTI (bit 0) because of "bti c",
 * and PAC (bit 1) because x30 is saved and restored unchanged, signed or not.
 * Without the note, one object built with -mbranch-protection would turn
 * these features off for the whole program.
 */
#if defined(__ARM_FEATURE_BTI_DEFAULT) && __ARM_FEATURE_BTI_DEFAULT
#define SIM_FIBER_FEATURE_BTI 1
#else
#define SIM_FIBER_FEATURE_BTI 0
#endif
#if defined(__ARM_FEATURE_PAC_DEFAULT) && __ARM_FEATURE_PAC_DEFAULT
#define SIM_FIBER_FEATURE_PAC 2
#else
#define SIM_FIBER_FEATURE_PAC 0
#endif

#if (SIM_FIBER_FEATURE_BTI | SIM_FIBER_FEATURE_PAC) != 0
    .section .note.gnu.property, "a"
    .p2align 3
    .long 4             /* name size: "GNU" and its NUL */
    .long 16            /* descriptor size */
    .long 5             /* NT_GNU_PROPERTY_TYPE_0 */
    .asciz "GNU"
    .long 0xc0000000    /* GNU_PROPERTY_AARCH64_FEATURE_1_AND */
    .long 4             /* property data size */
    .long SIM_FIBER_FEATURE_BTI | SIM_FIBER_FEATURE_PAC
    .p2align 3
#endif

#endif /* __aarch64__ */

/* Outside the #if, so that an object built for another architecture also
 * keeps the stack non-executable. */
    .section .note.GNU-stack, "", @progbits
