; Resuming a context from C# (Kernel/Ipc/IpcBlocking.cs): the IPC continuation, once it has written a
; thread's results into its saved user registers, leaves through the common return path of interrupts.asm
; (RAX: the context to load) and never returns.
bits 64
section .text
extern interrupt_return

global kitten_resume_context
kitten_resume_context:
        cli
        mov rax, rdi
        jmp interrupt_return
