// The bits of an x86-64 paging-structure entry with 4-level paging (Intel SDM vol. 3A, 4.5 "4-Level
// Paging and 5-Level Paging", Tables 4-15 to 4-20; AMD APM vol. 2, 5.3 "Long-Mode Page Translation").
// Level numbers used throughout: 4 = PML4, 3 = page-directory-pointer table (PDPT), 2 = page directory
// (PD), 1 = page table (PT). Level 3 and 2 entries with PS set map a 1 GiB or 2 MiB page; level 1 entries
// always map a 4 KiB page (there bit 7 is PAT, not PS).
using System.Runtime.CompilerServices;

namespace Kitten.Kernel.Arch.X64;

internal static class PageTableEntry
{
    public const ulong Present = 1UL << 0;
    public const ulong Writable = 1UL << 1;       // R/W: writes allowed (Table 4-15..4-20)
    public const ulong User = 1UL << 2;           // U/S: accessible from ring 3
    public const ulong WriteThrough = 1UL << 3;   // PWT
    public const ulong CacheDisable = 1UL << 4;   // PCD; PCD|PWT with PAT=0 selects PAT entry 3, UC by default (11.12.3)
    public const ulong Accessed = 1UL << 5;
    public const ulong Dirty = 1UL << 6;          // leaves only
    public const ulong PageSize = 1UL << 7;       // PS in PDPTEs and PDEs; the PAT bit in PTEs
    public const ulong Global = 1UL << 8;         // leaves only, with CR4.PGE (4.10.2.4)
    // Software-defined, in a bit the MMU ignores in every leaf format (bits 11:9; Intel SDM vol. 3A, Tables
    // 4-18, 4-20): the page was zero when mapped. With Dirty still clear (the MMU sets it on the first
    // write through this entry, 4.8 "Accessed and Dirty Flags") the page is still all zeros, so a copy
    // of it can be made by zeroing instead of copying. Kernel writes that bypass this entry (through the
    // direct map) clear it: PageTable.ForgetZeroed.
    public const ulong Zeroed = 1UL << 9;
    public const ulong LargePat = 1UL << 12;      // PAT bit of a 1 GiB or 2 MiB leaf (Table 4-17, 4-19)
    public const ulong NoExecute = 1UL << 63;     // XD; reserved (a #PF with RSVD) unless IA32_EFER.NXE = 1

    // Physical address bits 51:12 (MAXPHYADDR is at most 52, 4.1.4); large leaves use 51:30 and 51:21.
    public const ulong AddressMask = 0x000F_FFFF_FFFF_F000;
    public const ulong MaxPhysicalAddress = 1UL << 52;

    public const int EntriesPerTable = 512;
    public const ulong TableSize = 4096;

    public const ulong Size4K = 1UL << 12;
    public const ulong Size2M = 1UL << 21;
    public const ulong Size1G = 1UL << 30;
    public const ulong Size512G = 1UL << 39;

    // The size of the region one entry of a table at this level covers. (These helpers are inlined: the
    // page-table walks of every fork and execve call them per entry.)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SpanOf(int level) => 1UL << (12 + 9 * (level - 1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOf(ulong virtualAddress, int level) => (int)((virtualAddress >> (12 + 9 * (level - 1))) & 511);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsPresent(ulong entry) => (entry & Present) != 0;

    // A present entry that maps a page rather than pointing at the next table.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsLeaf(ulong entry, int level) => level == 1 || (level <= 3 && (entry & PageSize) != 0);

    // The physical address an entry holds: the next table, or the page it maps.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AddressOf(ulong entry, int level)
    {
        if (level == 1 || !IsLeaf(entry, level))
            return entry & AddressMask;
        return entry & AddressMask & ~(SpanOf(level) - 1);
    }
}
