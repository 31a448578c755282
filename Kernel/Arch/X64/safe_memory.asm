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

; size_t kitten_copy_checked(void* dst, const void* src, size_t n)
global kitten_copy_checked
kitten_copy_checked:
        mov rcx, rdx
.copy:
        rep movsb
        xor eax, eax
        ret
.fault:
        mov rax, rcx                    ; bytes left
        cld
        ret
FIXUP kitten_copy_checked.copy, kitten_copy_checked.fault

; size_t kitten_fill_checked(void* dst, byte value, size_t n)
global kitten_fill_checked
kitten_fill_checked:
        mov rcx, rdx
        mov eax, esi
.fill:
        rep stosb
        xor eax, eax
        ret
.fault:
        mov rax, rcx
        ret
FIXUP kitten_fill_checked.fill, kitten_fill_checked.fault

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
