; SYSCALL entry (AMD APM vol. 2, 6.1.1; Intel SDM vol. 2B, SYSCALL). The CPU has put the user RIP in RCX
; and RFLAGS in R11, loaded the kernel CS/SS from STAR and cleared the RFLAGS bits in FMASK (IF among
; them); RSP is still the user's. We switch to the current thread's kernel stack (CpuLocal: GS:16) and
; save the user state as an InterruptContext, exactly as interrupts.asm lays it out, so that the rest of
; the kernel sees one kind of saved context. The return goes through interrupt_return (IRETQ), which
; also handles a context that a signal or the scheduler changed.
bits 64
section .text
extern SyscallDispatch
extern interrupt_return

USER_CS equ 0x23
USER_SS equ 0x1B
SYSCALL_VECTOR equ 0x100                ; above every hardware vector: marks a syscall context

global syscall_entry
syscall_entry:
        swapgs
        mov [gs:8], rsp
        mov rsp, [gs:16]
        push USER_SS
        push qword [gs:8]
        push r11
        push USER_CS
        push rcx
        push 0
        push SYSCALL_VECTOR
        push rax
        push rbx
        push rcx
        push rdx
        push rsi
        push rdi
        push rbp
        push r8
        push r9
        push r10
        push r11
        push r12
        push r13
        push r14
        push r15
        sub rsp, 512
        fxsave [rsp]
        cld
        mov rdi, rsp
        call SyscallDispatch
        jmp interrupt_return

global kitten_syscall_entry
kitten_syscall_entry:
        lea rax, [rel syscall_entry]
        ret
