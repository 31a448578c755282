; Entry stubs for all 256 interrupt vectors. Each pushes its vector number (and a zero where the CPU
; pushes no error code), then the common path saves the whole register state as an InterruptContext:
;   [rsp + 0]    FXSAVE area, 512 bytes (XMM registers: compiled C# uses them)
;   [rsp + 512]  r15 r14 r13 r12 r11 r10 r9 r8 rbp rdi rsi rdx rcx rbx rax
;   [rsp + 632]  vector, error code, then the CPU's frame: rip, cs, rflags, rsp, ss
; and calls InterruptDispatch(context*), which returns the context to resume (the same one, or another
; thread's when the scheduler switches). Vectors with an error code: Intel SDM vol. 3, table 6-1.
bits 64
%include "context.inc"
section .text
extern InterruptDispatch

%macro STUB_NO_ERROR 1
isr_stub_%1:
        push 0
        push %1
        jmp isr_common
%endmacro

%macro STUB_ERROR 1
isr_stub_%1:
        push %1
        jmp isr_common
%endmacro

%assign v 0
%rep 256
%if v == 8 || v == 10 || v == 11 || v == 12 || v == 13 || v == 14 || v == 17 || v == 21 || v == 29 || v == 30
        STUB_ERROR v
%else
        STUB_NO_ERROR v
%endif
%assign v v + 1
%endrep

isr_common:
        ; From ring 3, swap in the kernel's GS base (per-CPU data).
        test byte [rsp + 24], 3
        jz .from_kernel
        swapgs
.from_kernel:
        PUSH_GENERAL_REGISTERS
        ; The CPU aligned RSP to 16 before its 40-byte frame; with 17 words pushed since, RSP is 16-aligned.
        sub rsp, 512
        fxsave [rsp]
        cld
        mov rdi, rsp
        call InterruptDispatch
global interrupt_return
interrupt_return:
        mov rsp, rax
        fxrstor [rsp]
        add rsp, 512
        POP_GENERAL_REGISTERS
        test byte [rsp + 24], 3
        jz .to_kernel
        swapgs
.to_kernel:
        add rsp, 16
        iretq

; The stub addresses, for the IDT builder.
section .rodata
align 8
global isr_stub_table
isr_stub_table:
%assign v 0
%rep 256
        dq isr_stub_%[v]
%assign v v + 1
%endrep

section .text
global kitten_isr_stub_table
kitten_isr_stub_table:
        lea rax, [rel isr_stub_table]
        ret
