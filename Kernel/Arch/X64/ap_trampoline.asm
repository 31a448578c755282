; Start-up code for the other processors (application processors). A STARTUP IPI starts an AP in real
; mode at page-number << 12 (Intel SDM vol. 3, 8.4.4 "MP Initialization Example"); the kernel copies this
; position-independent blob to such a page below 1 MiB and fills the data fields at its end. The blob
; enters long mode directly (PE and PG together, then a far jump to a 64-bit code segment) with page
; tables that map both the blob (identity) and the kernel, then jumps to ap_entry in the higher half.
%include "context.inc"
bits 16
section .rodata
align 16
global ap_trampoline_start
ap_trampoline_start:
        cli
        cld
        mov ax, cs
        mov ds, ax
        lgdt [tr_gdtr - ap_trampoline_start]
        mov eax, [tr_cr4 - ap_trampoline_start]
        mov cr4, eax
        mov eax, [tr_cr3 - ap_trampoline_start]
        mov cr3, eax
        mov ecx, 0xC0000080
        rdmsr
        or eax, [tr_efer - ap_trampoline_start]
        wrmsr
        mov eax, 0x80010001                     ; PG | WP | PE
        mov cr0, eax
        o32 jmp far [tr_far_pointer - ap_trampoline_start]

bits 64
tr_long_mode:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov rsp, [rel tr_stack]
        mov rdi, [rel tr_cpu_index]
        mov rsi, [rel tr_kernel_cr3]
        mov rax, [rel tr_entry]
        jmp rax

align 16
tr_gdt:
        dq 0
        dq 0x00AF9A000000FFFF                   ; 0x08: 64-bit code
        dq 0x00CF92000000FFFF                   ; 0x10: data
tr_gdtr:
        dw 23
        dd 0                                    ; physical address of tr_gdt
tr_far_pointer:
        dd 0                                    ; physical address of tr_long_mode
        dw 0x08
tr_cr3:         dd 0
tr_cr4:         dd 0
tr_efer:        dd 0
align 8
tr_stack:       dq 0
tr_entry:       dq 0
tr_cpu_index:   dq 0
tr_kernel_cr3:  dq 0
global ap_trampoline_end
ap_trampoline_end:

; Offsets of the fields, for Smp.cs.
align 8
global ap_trampoline_layout
ap_trampoline_layout:
        dq ap_trampoline_end - ap_trampoline_start
        dq tr_gdt - ap_trampoline_start
        dq tr_gdtr - ap_trampoline_start
        dq tr_far_pointer - ap_trampoline_start
        dq tr_long_mode - ap_trampoline_start
        dq tr_cr3 - ap_trampoline_start
        dq tr_cr4 - ap_trampoline_start
        dq tr_efer - ap_trampoline_start
        dq tr_stack - ap_trampoline_start
        dq tr_entry - ap_trampoline_start
        dq tr_cpu_index - ap_trampoline_start
        dq tr_kernel_cr3 - ap_trampoline_start

section .text
bits 64
global kitten_ap_trampoline
kitten_ap_trampoline:                           ; -> address of the blob
        lea rax, [rel ap_trampoline_start]
        ret
global kitten_ap_trampoline_layout
kitten_ap_trampoline_layout:
        lea rax, [rel ap_trampoline_layout]
        ret

; The AP's first code in the higher half: rdi = CPU index, rsi = the kernel's CR3, rsp = its stack.
extern ApMain
global ap_entry
ap_entry:
        mov cr3, rsi                            ; leave the trampoline's page tables
        ENABLE_SSE
        and rsp, -16
        xor ebp, ebp
        call ApMain
.halt:
        cli
        hlt
        jmp .halt
global kitten_ap_entry
kitten_ap_entry:
        lea rax, [rel ap_entry]
        ret
