; Multiboot2 entry. GRUB enters here in 32-bit protected mode with paging off, EAX = 0x36D76289 and
; EBX = the physical address of the boot information (Multiboot2 specification, section 3.3, "I386
; machine state"). Under UEFI, GRUB exits boot services first and enters the same way.
;
; We build boot page tables, enter long mode (AMD APM vol. 2, 14.6 "Enabling and Activating Long Mode")
; and jump to the kernel, which is linked in the top 2 GiB of the address space:
;   0xFFFFFFFF80000000 + p  -> physical p, for p < 1 GiB   (kernel image, -mcmodel=kernel style)
;   0xFFFF800000000000 + p  -> physical p, for p < 4 GiB   (direct map of physical memory)
; The identity map of the low 4 GiB exists only until we run in the higher half; it is then removed so
; that a null pointer in ring 0 faults.

%include "context.inc"

bits 32

KERNEL_VMA      equ 0xFFFFFFFF80000000
MB2_MAGIC       equ 0xE85250D6
MB2_ARCH_I386   equ 0

PTE_PRESENT     equ 1 << 0
PTE_WRITE       equ 1 << 1
PTE_PWT         equ 1 << 3
PTE_PCD         equ 1 << 4
PTE_LARGE       equ 1 << 7

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
        dd MB2_MAGIC
        dd MB2_ARCH_I386
        dd mb2_header_end - mb2_header
        dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
        ; end tag
        dw 0, 0
        dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
global _start
_start:
        cli
        cld
        mov edi, eax                    ; keep magic and MBI across CPUID/RDMSR (which leave EDI/ESI alone)
        mov esi, ebx

        ; The boot stack is in the higher half, unreachable until paging is on; use a low one meanwhile.
        mov esp, boot_low_stack_top

        ; Long mode and NX support: CPUID 0x80000001 EDX bits 29 (LM) and 20 (NX).
        mov eax, 0x80000000
        cpuid
        cmp eax, 0x80000001
        jb .no_long_mode
        mov eax, 0x80000001
        cpuid
        test edx, 1 << 29
        jz .no_long_mode
        mov ebp, edx                    ; remember the NX bit

        ; Zero the page-table area (the ELF loader zeroes .bss, but do not rely on it).
        push edi
        mov edi, boot_page_tables
        mov ecx, (boot_page_tables_end - boot_page_tables) / 4
        xor eax, eax
        rep stosd
        pop edi

        ; PD entries for the low 4 GiB in 2 MiB pages; the top GiB (PCI hole: LAPIC, IOAPIC, HPET) uncached.
        mov ebx, boot_pd_low
        xor ecx, ecx
.fill_pd:
        mov eax, ecx
        shl eax, 21
        or eax, PTE_PRESENT | PTE_WRITE | PTE_LARGE
        cmp ecx, 3 * 512
        jb .cached
        or eax, PTE_PCD | PTE_PWT
.cached:
        mov [ebx + ecx * 8], eax
        mov eax, ecx
        shr eax, 11                     ; bits 32+ of the address
        mov [ebx + ecx * 8 + 4], eax
        inc ecx
        cmp ecx, 4 * 512
        jb .fill_pd

        ; PDPT for the low 4 GiB: four PDs.
        mov eax, boot_pd_low + (PTE_PRESENT | PTE_WRITE)
        mov [boot_pdpt_low + 0], eax
        add eax, 4096
        mov [boot_pdpt_low + 8], eax
        add eax, 4096
        mov [boot_pdpt_low + 16], eax
        add eax, 4096
        mov [boot_pdpt_low + 24], eax

        ; PDPT for the top 512 GiB: entries 510 and 511 map the first 2 GiB at KERNEL_VMA.
        mov eax, boot_pd_low + (PTE_PRESENT | PTE_WRITE)
        mov [boot_pdpt_high + 510 * 8], eax
        add eax, 4096
        mov [boot_pdpt_high + 511 * 8], eax

        ; PML4: 0 = identity (temporary), 256 = direct map, 511 = kernel.
        mov eax, boot_pdpt_low + (PTE_PRESENT | PTE_WRITE)
        mov [boot_pml4 + 0], eax
        mov [boot_pml4 + 256 * 8], eax
        mov eax, boot_pdpt_high + (PTE_PRESENT | PTE_WRITE)
        mov [boot_pml4 + 511 * 8], eax

        ; CR4.PAE, then CR3, then EFER.LME (+NXE), then CR0.PG: the order AMD APM vol. 2, 14.6.1 gives.
        mov eax, cr4
        or eax, 1 << 5
        mov cr4, eax
        mov eax, boot_pml4
        mov cr3, eax
        mov ecx, 0xC0000080
        rdmsr
        or eax, 1 << 8                  ; LME
        test ebp, 1 << 20
        jz .no_nx
        or eax, 1 << 11                 ; NXE
.no_nx:
        wrmsr
        mov eax, cr0
        or eax, (1 << 31) | (1 << 16) | 1   ; PG, WP, PE
        mov cr0, eax

        lgdt [boot_gdt_pointer]
        jmp 0x08:.long_mode

.no_long_mode:
        mov esi, no_long_mode_message
.print:
        lodsb
        test al, al
        jz .halt
        mov dx, 0x3F8
        out dx, al
        jmp .print
.halt:
        hlt
        jmp .halt

bits 64
.long_mode:
        mov rax, higher_half
        jmp rax

section .boot.rodata progbits alloc noexec nowrite align=16
no_long_mode_message: db "kitten: this CPU has no long mode (x86-64); cannot boot", 13, 10, 0

align 16
boot_gdt:
        dq 0
        dq 0x00AF9A000000FFFF           ; 0x08: 64-bit code, ring 0
        dq 0x00CF92000000FFFF           ; 0x10: data, ring 0
boot_gdt_end:
boot_gdt_pointer:
        dw boot_gdt_end - boot_gdt - 1
        dq boot_gdt

section .boot.bss nobits alloc noexec write align=4096
global boot_pml4
boot_page_tables:
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd_low:    resb 4 * 4096
boot_page_tables_end:
boot_low_stack: resb 4096
boot_low_stack_top:

; ---------------------------------------------------------------------------------------------------
section .text
extern KernelMain
extern __bss_start
extern __bss_end

higher_half:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        xor ax, ax
        mov fs, ax
        mov gs, ax
        mov rsp, boot_stack_top

        ; Drop the identity map now that we run in the higher half.
        mov rax, boot_pml4 + KERNEL_VMA
        mov qword [rax], 0
        mov rax, cr3
        mov cr3, rax

        ENABLE_SSE

        ; Zero .bss in the higher half (managed statics live there). The boot stack is in .bss too, so
        ; keep the boot arguments in registers, not on the stack.
        mov r12d, edi                   ; magic
        mov r13d, esi                   ; MBI physical address (below 4 GiB)
        mov rdi, __bss_start
        mov rcx, __bss_end
        sub rcx, rdi
        xor eax, eax
        rep stosb

        ; KernelMain(multiboot info physical address, multiboot magic). RSP is 16-byte aligned here.
        mov rdi, r13
        mov rsi, r12
        xor ebp, ebp
        call KernelMain
.halt:
        cli
        hlt
        jmp .halt

section .bss
align 16
boot_stack:     resb 64 * 1024
boot_stack_top:

; Bounds of the loaded kernel image (physical), for the memory map.
section .text
extern __kernel_physical_start
extern __kernel_physical_end
global kitten_image_physical_start
kitten_image_physical_start:
        mov rax, __kernel_physical_start
        ret
global kitten_image_physical_end
kitten_image_physical_end:
        mov rax, __kernel_physical_end
        ret
; The kernel image's sections (virtual addresses), for KernelPageTables' W^X mapping.
extern __text_start
extern __rodata_start
extern __data_start
extern __kernel_end
global kitten_image_sections
kitten_image_sections:
        lea rax, [rel image_sections]
        ret
section .rodata
align 8
image_sections:
        dq __text_start, __rodata_start, __data_start, __kernel_end
section .text
global kitten_boot_stack_bottom
kitten_boot_stack_bottom:
        mov rax, boot_stack
        ret
global kitten_boot_pml4
kitten_boot_pml4:
        mov rax, boot_pml4
        ret
