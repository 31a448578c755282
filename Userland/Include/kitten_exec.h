/*
 * kitten_exec.h: kitten_exec_placed, Kitten.Cosmos's execve with a physical placement (system call 1045),
 * for C programs (static, x86-64), header-only. The contract is Kernel/Ipc/README.md ("kitten_exec_placed")
 * and Kernel/Processes/PlacedExec.cs; the layout is that of the MemoryManager's LayoutRegion
 * (Services/MemoryManager/Core/Layout.cs). Returns what the kernel returned: on success it does not return
 * (the process runs the new program); on failure -errno, and the caller goes on:
 *   EINVAL  the placement breaks a rule (the console says which), or a planned frame is not memory
 *   EFAULT  the placement or its regions are not readable
 *   EBUSY   a planned frame is not free (taken since the plan was made): plan again
 *   E2BIG   argv and envp do not fit in the planned stack (or in execve's limits)
 *   anything execve(2) returns (ENOENT, ENOEXEC, ENOMEM, ...)
 */
#ifndef KITTEN_EXEC_H
#define KITTEN_EXEC_H

#include <stdint.h>

#define KITTEN_EXEC_PLACED 1045
#define KITTEN_PLACEMENT_MAX_REGIONS 4096

/* One region: [virt, virt + length) mapped to [phys, ...) in pages of page_size bytes (4 KiB, 2 MiB or
 * 1 GiB; virt, phys and length multiples of it). p_flags: the ELF bits PF_X 1, PF_W 2, PF_R 4 (informative). */
struct kitten_region {
    uint64_t virt, length, phys;
    uint32_t page_size, p_flags;
};

/* The brk heap [heap_start, heap_start + heap_length) and the committed stack [stack_top - stack_length,
 * stack_top), each exactly a union of regions, or 0, 0 for none; regions: region_count entries (1..4096). */
struct kitten_placement {
    uint64_t heap_start, heap_length;
    uint64_t stack_top, stack_length;
    uint64_t region_count;
    uint64_t regions; /* const struct kitten_region * */
};

_Static_assert(sizeof(struct kitten_region) == 32, "kitten_region is 32 bytes");
_Static_assert(sizeof(struct kitten_placement) == 48, "kitten_placement is 48 bytes");

static inline long kitten_exec_placed(const char *path, char *const argv[], char *const envp[],
                                      const struct kitten_placement *placement)
{
    long ret;
    register uint64_t r10 __asm__("r10") = (uint64_t)(uintptr_t)placement;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"((long)KITTEN_EXEC_PLACED), "D"(path), "S"(argv), "d"(envp), "r"(r10)
                     : "rcx", "r11", "memory");
    return ret;
}

#endif
