/*
 * sim/fiber_switch_x86_64.S: the fiber switch for x86-64 (System V ABI).
 *
 * void *sim__fiber_switch(void **save_sp, void *load_sp, void *arg)
 *   rdi = save_sp, rsi = load_sp, rdx = arg
 *
 * Pushes the registers that the ABI makes callee-saved (rbp, rbx, r12-r15)
 * and the MXCSR and x87 control word, stores rsp in *save_sp, then pops the
 * same frame from load_sp and returns on the other stack. Everything else is
 * caller-saved, so the C caller has already spilled it. sim__fiber_prepare in
 * sim/fiber.c builds this frame for a new fiber; keep the two in step.
 *
 * arg is returned in rax and also left in rdi, because a new fiber "returns"
 * into sim__fiber_main, which takes the fiber as its first parameter.
 *
 * Only the IBT half of CET is supported: endbr64 marks the entry, but the
 * stack switch breaks shadow-stack (SHSTK) return checking, so the property
 * note below claims IBT alone and the linker turns SHSTK off for the program.
 * IBT builds return with ret, because under IBT an indirect jump may only land
 * on an endbr64 and return addresses have none.
 */
#if defined(__x86_64__)

    .text
    .p2align 4
    .globl sim__fiber_switch
    .hidden sim__fiber_switch
    .type sim__fiber_switch, @function
sim__fiber_switch:
    .cfi_startproc
#if defined(__CET__) && (__CET__ & 1)
    endbr64
#endif
    pushq %rbp
    .cfi_adjust_cfa_offset 8
    pushq %rbx
    .cfi_adjust_cfa_offset 8
    pushq %r12
    .cfi_adjust_cfa_offset 8
    pushq %r13
    .cfi_adjust_cfa_offset 8
    pushq %r14
    .cfi_adjust_cfa_offset 8
    pushq %r15
    .cfi_adjust_cfa_offset 8
    subq $8, %rsp
    .cfi_adjust_cfa_offset 8
    stmxcsr (%rsp)
    fnstcw 4(%rsp)

    /* Both stacks hold the same frame layout, so the CFA offsets above stay
     * true for the loaded stack and debuggers can unwind either side. */
    movq %rsp, (%rdi)
    movq %rsi, %rsp

    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    .cfi_adjust_cfa_offset -8
    popq %r15
    .cfi_adjust_cfa_offset -8
    popq %r14
    .cfi_adjust_cfa_offset -8
    popq %r13
    .cfi_adjust_cfa_offset -8
    popq %r12
    .cfi_adjust_cfa_offset -8
    popq %rbx
    .cfi_adjust_cfa_offset -8
    popq %rbp
    .cfi_adjust_cfa_offset -8
    movq %rdx, %rax
    movq %rdx, %rdi
#if defined(__CET__) && (__CET__ & 1)
    ret
#else
    /* ret would always miss in the return stack buffer, which predicts the
     * caller of this switch on the old stack; an indirect jump is predicted
     * from branch history instead, and the switch costs about half as much. */
    popq %rcx
    .cfi_adjust_cfa_offset -8
    .cfi_register %rip, %rcx
    jmp *%rcx
#endif
    .cfi_endproc
    .size sim__fiber_switch, .-sim__fiber_switch

#if defined(__CET__) && (__CET__ & 1)
    /* GNU_PROPERTY_X86_FEATURE_1_AND with only GNU_PROPERTY_X86_FEATURE_1_IBT. */
    .section .note.gnu.property, "a"
    .p2align 3
    .long 4             /* name size: "GNU" and its NUL */
    .long 16            /* descriptor size */
    .long 5             /* NT_GNU_PROPERTY_TYPE_0 */
    .asciz "GNU"
    .long 0xc0000002    /* GNU_PROPERTY_X86_FEATURE_1_AND */
    .long 4             /* property data size */
    .long 1             /* GNU_PROPERTY_X86_FEATURE_1_IBT */
    .p2align 3
#endif

#endif /* __x86_64__ */

/* Outside the #if, so that an object built for another architecture also
 * keeps the stack non-executable. */
    .section .note.GNU-stack, "", @progbits
