; Privileged x86-64 instructions as SysV-ABI functions, for the C# side (Kitten.Kernel.Arch.X64.Cpu).
; Arguments arrive in RDI, RSI, RDX, RCX; results return in RAX.
bits 64
section .text

%macro FUNC 1
global %1
%1:
%endmacro

FUNC cpu_inb
        mov edx, edi
        in al, dx
        movzx eax, al
        ret
FUNC cpu_inw
        mov edx, edi
        in ax, dx
        movzx eax, ax
        ret
FUNC cpu_ind
        mov edx, edi
        in eax, dx
        ret
FUNC cpu_outb
        mov edx, edi
        mov eax, esi
        out dx, al
        ret
FUNC cpu_outw
        mov edx, edi
        mov eax, esi
        out dx, ax
        ret
FUNC cpu_outd
        mov edx, edi
        mov eax, esi
        out dx, eax
        ret

FUNC cpu_rdmsr
        mov ecx, edi
        rdmsr
        shl rdx, 32
        or rax, rdx
        ret
FUNC cpu_wrmsr
        mov ecx, edi
        mov eax, esi
        mov rdx, rsi
        shr rdx, 32
        wrmsr
        ret

FUNC cpu_rdtsc
        rdtsc
        shl rdx, 32
        or rax, rdx
        ret
; RDTSCP waits for earlier instructions to finish (Intel SDM vol. 2B, RDTSCP), for measurements.
FUNC cpu_rdtscp
        rdtscp
        shl rdx, 32
        or rax, rdx
        ret

; cpu_cpuid(leaf, subleaf, uint* out4): EAX, EBX, ECX, EDX into out4[0..3].
FUNC cpu_cpuid
        push rbx
        mov r8, rdx
        mov eax, edi
        mov ecx, esi
        cpuid
        mov [r8], eax
        mov [r8 + 4], ebx
        mov [r8 + 8], ecx
        mov [r8 + 12], edx
        pop rbx
        ret

FUNC cpu_read_cr0
        mov rax, cr0
        ret
FUNC cpu_read_cr2
        mov rax, cr2
        ret
FUNC cpu_read_cr3
        mov rax, cr3
        ret
FUNC cpu_write_cr3
        mov cr3, rdi
        ret
FUNC cpu_read_cr4
        mov rax, cr4
        ret
FUNC cpu_write_cr4
        mov cr4, rdi
        ret
FUNC cpu_read_rflags
        pushfq
        pop rax
        ret
FUNC cpu_read_rsp
        lea rax, [rsp + 8]
        ret

FUNC cpu_invlpg
        invlpg [rdi]
        ret

FUNC cpu_enable_interrupts
        sti
        ret
FUNC cpu_disable_interrupts
        cli
        ret
FUNC cpu_halt
        hlt
        ret
; Enable interrupts and halt as one step: STI's one-instruction shadow means an interrupt that is
; already pending is taken after HLT begins, so no wake-up is lost (Intel SDM vol. 2B, STI).
FUNC cpu_enable_interrupts_and_halt
        sti
        hlt
        ret
FUNC cpu_pause
        pause
        ret

; kitten_spin_acquire(int* held) -> 1 if interrupts were enabled (RFLAGS.IF, bit 9), else 0: masks
; interrupts, then takes a test-and-test-and-set lock, in one call instead of four (SpinLock.Acquire,
; about a hundred times per process started).
FUNC kitten_spin_acquire
        pushfq
        pop rax
        cli
.retry:
        mov edx, 1
        xchg [rdi], edx
        test edx, edx
        jnz .wait
        shr eax, 9
        and eax, 1
        ret
.wait:
        pause
        cmp dword [rdi], 0
        jne .wait
        jmp .retry

; kitten_spin_release(int* held, int enableInterrupts): frees the lock (XCHG: a full barrier), then sets
; the interrupt flag if asked.
FUNC kitten_spin_release
        xor eax, eax
        xchg [rdi], eax
        test esi, esi
        jz .done
        sti
.done:
        ret

; cpu_load_gdt(pointer to {limit, base}, code selector, data selector): reload all segment registers.
FUNC cpu_load_gdt
        lgdt [rdi]
        mov ax, dx
        mov ds, ax
        mov es, ax
        mov ss, ax
        xor eax, eax
        mov fs, ax
        mov gs, ax
        ; Far return to reload CS.
        pop rax
        push rsi
        push rax
        retfq
FUNC cpu_load_idt
        lidt [rdi]
        ret
FUNC cpu_load_tr
        ltr di
        ret

; An instruction that does not exist, so that tests can check the #UD path.
FUNC cpu_raise_invalid_opcode
        ud2
        ret

FUNC cpu_read_cs
        mov ax, cs
        movzx eax, ax
        ret
FUNC cpu_read_tr
        str ax
        movzx eax, ax
        ret
FUNC cpu_breakpoint
        int3
        ret

; Self-test of the interrupt path's SSE save: load XMM0-15 with known values, take software interrupt
; 0x41 (whose handler clobbers them with cpu_clobber_xmm), and return 1 if all sixteen survived.
FUNC cpu_test_xmm_preserved
        push rbp
        mov rbp, rsp
        sub rsp, 256
        and rsp, -16
%assign i 0
%rep 16
        mov rax, 0x1111111111111111 * (i + 1)
        mov [rsp + i * 16], rax
        mov [rsp + i * 16 + 8], rax
        movdqa xmm %+ i, [rsp + i * 16]
%assign i i + 1
%endrep
        int 0x41
        mov eax, 1
%assign i 0
%rep 16
        pcmpeqb xmm %+ i, [rsp + i * 16]
        pmovmskb ecx, xmm %+ i
        cmp ecx, 0xFFFF
        je .ok %+ i
        xor eax, eax
.ok %+ i:
%assign i i + 1
%endrep
        mov rsp, rbp
        pop rbp
        ret

FUNC cpu_clobber_xmm
%assign i 0
%rep 16
        pxor xmm %+ i, xmm %+ i
%assign i i + 1
%endrep
        ret

FUNC cpu_local_self
        mov rax, [gs:0]
        ret

; Scheduler.Yield: the switch happens in the interrupt path (InterruptVectors.Yield = 0x30).
FUNC cpu_yield
        int 0x30
        ret

; RDRAND (Intel SDM vol. 2B): returns 1 and the value in *out, or 0 if the CPU had no entropy ready.
FUNC cpu_rdrand
        rdrand rax
        jnc .none
        mov [rdi], rax
        mov eax, 1
        ret
.none:
        xor eax, eax
        ret

FUNC cpu_fxsave
        fxsave [rdi]
        ret
