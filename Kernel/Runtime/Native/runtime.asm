; Runtime entry points that ILC-generated code calls and that need a register contract or no frame.
bits 64
section .text

%macro FUNC 1
global %1
%1:
%endmacro

; Copy one object reference from [RSI] to [RDI] and advance both by 8; with no GC this is a plain copy.
; Contract: only RDI, RSI (and RCX on some targets) may change (NativeAOT's WriteBarriers.S).
FUNC RhpByRefAssignRef
        movsq
        ret

; GC transitions around P/Invokes and reverse P/Invokes: the kernel has no GC to cooperate with.
FUNC RhpPInvoke
        ret
FUNC RhpPInvokeReturn
        ret
FUNC RhpReversePInvoke
        ret
FUNC RhpReversePInvokeReturn
        ret
FUNC RhpGcPoll
        ret

; Bounds of ILC's __modules section (pointers to ReadyToRun headers), from the linker script.
extern __modules_start
extern __modules_end
FUNC kitten_modules_start
        mov rax, __modules_start
        ret
FUNC kitten_modules_end
        mov rax, __modules_end
        ret

; memmove(dst, src, n): forwards with REP MOVSQ for the bulk and REP MOVSB for the tail, or backwards
; byte by byte (DF=1) when the ranges overlap that way. Eight bytes per iteration matter twice: for speed,
; and under QEMU's -icount, where every iteration of a REP string instruction counts as an instruction.
FUNC kitten_memmove
        cmp rdi, rsi
        jbe .forward
        lea rax, [rsi + rdx]
        cmp rdi, rax
        jae .forward
        mov rcx, rdx
        lea rsi, [rsi + rdx - 1]
        lea rdi, [rdi + rdx - 1]
        std
        rep movsb
        cld
        ret
.forward:
        mov rcx, rdx
        shr rcx, 3
        rep movsq
        mov rcx, rdx
        and rcx, 7
        rep movsb
        ret

; memset(dst, byte, n): the byte replicated into a quadword, then 256-byte blocks of sixteen 16-byte SSE
; stores, then REP STOSQ and REP STOSB for the rest. The SSE loop is 19 instructions per 256 bytes where
; REP STOSQ is 32 iterations, each an instruction under QEMU's -icount: zeroing a 4 KiB page costs 304
; instead of 512, and pages are zeroed for every page table and every committed page. XMM0 is
; caller-saved in the SysV ABI (only compiled code calls this) and saved on every kernel entry.
FUNC kitten_memset
        movzx eax, sil
        mov r8, 0x0101010101010101
        imul rax, r8
        cmp rdx, 256
        jb .quads
        movq xmm0, rax
        punpcklqdq xmm0, xmm0
        mov rcx, rdx
        shr rcx, 8
.block:
        movups [rdi + 0], xmm0
        movups [rdi + 16], xmm0
        movups [rdi + 32], xmm0
        movups [rdi + 48], xmm0
        movups [rdi + 64], xmm0
        movups [rdi + 80], xmm0
        movups [rdi + 96], xmm0
        movups [rdi + 112], xmm0
        movups [rdi + 128], xmm0
        movups [rdi + 144], xmm0
        movups [rdi + 160], xmm0
        movups [rdi + 176], xmm0
        movups [rdi + 192], xmm0
        movups [rdi + 208], xmm0
        movups [rdi + 224], xmm0
        movups [rdi + 240], xmm0
        add rdi, 256
        dec rcx
        jnz .block
        and rdx, 255
.quads:
        mov rcx, rdx
        shr rcx, 3
        rep stosq
        mov rcx, rdx
        and rcx, 7
        rep stosb
        ret

; Atomic operations (LOCK-prefixed), for code the JIT does not expand inline.
FUNC kitten_cmpxchg64          ; (long* location, long value, long comparand) -> previous value
        mov rax, rdx
        lock cmpxchg [rdi], rsi
        ret
FUNC kitten_cmpxchg32
        mov eax, edx
        lock cmpxchg [rdi], esi
        ret
FUNC kitten_xadd64             ; (long* location, long addend) -> previous value
        mov rax, rsi
        lock xadd [rdi], rax
        ret
FUNC kitten_xadd32
        mov eax, esi
        lock xadd [rdi], eax
        ret
FUNC kitten_xchg64
        mov rax, rsi
        xchg [rdi], rax
        ret
FUNC kitten_xchg32
        mov eax, esi
        xchg [rdi], eax
        ret
FUNC kitten_mfence
        mfence
        ret

; Called by generated code when the runtime state is too broken to report through managed code.
extern RuntimeFailFast
FUNC RhpFallbackFailFast
        and rsp, -16
        call RuntimeFailFast
.halt:
        cli
        hlt
        jmp .halt

section .data
; Stack-protector canary that ILC-generated code checks (/GS-style buffer checks).
global __security_cookie
align 8
__security_cookie: dq 0x2B992DDFA232
