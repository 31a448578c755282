; Memory copies that survive a fault. If the marked instruction takes a page fault or a general protection
; fault (a non-canonical address), the exception dispatcher finds it in the fix-up table and resumes at
; the paired label, which returns the number of bytes NOT copied (0 means success). This is how the kernel
; reads and writes through pointers it cannot trust (Linux does the same with its exception table).
bits 64
section .text

%macro FIXUP 2
section .kitten_fixups
        dq %1, %2
section .text
%endmacro

; size_t kitten_copy_checked(void* dst, const void* src, size_t n): quadwords, then the tail. A fault in the
; quadword part leaves RCX quadwords (and the tail) not copied: a quadword that faults is not written at all.
; (Eight bytes per iteration: under -icount every iteration of a REP instruction counts as one.)
global kitten_copy_checked
kitten_copy_checked:
        mov rcx, rdx
        shr rcx, 3
.copy_quads:
        rep movsq
        mov rcx, rdx
        and rcx, 7
.copy_bytes:
        rep movsb
        xor eax, eax
        ret
.fault_quads:
        lea rax, [rcx * 8]
        and rdx, 7
        add rax, rdx                    ; bytes left
        cld
        ret
.fault_bytes:
        mov rax, rcx
        cld
        ret
FIXUP kitten_copy_checked.copy_quads, kitten_copy_checked.fault_quads
FIXUP kitten_copy_checked.copy_bytes, kitten_copy_checked.fault_bytes

; size_t kitten_fill_checked(void* dst, byte value, size_t n)
global kitten_fill_checked
kitten_fill_checked:
        movzx eax, sil
        mov r8, 0x0101010101010101
        imul rax, r8
        mov rcx, rdx
        shr rcx, 3
.fill_quads:
        rep stosq
        mov rcx, rdx
        and rcx, 7
.fill_bytes:
        rep stosb
        xor eax, eax
        ret
.fault_quads:
        lea rax, [rcx * 8]
        and rdx, 7
        add rax, rdx
        ret
.fault_bytes:
        mov rax, rcx
        ret
FIXUP kitten_fill_checked.fill_quads, kitten_fill_checked.fault_quads
FIXUP kitten_fill_checked.fill_bytes, kitten_fill_checked.fault_bytes

global kitten_fixup_table_start
kitten_fixup_table_start:
        mov rax, __kitten_fixups_start
        ret
global kitten_fixup_table_end
kitten_fixup_table_end:
        mov rax, __kitten_fixups_end
        ret
extern __kitten_fixups_start
extern __kitten_fixups_end
