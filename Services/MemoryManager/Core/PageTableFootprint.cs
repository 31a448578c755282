namespace Kitten.MemoryManager;

// The bytes of page tables a layout needs with 4-level x86-64 paging (Intel SDM vol. 3A, 4.5): one PML4;
// a PDPT per 512 GiB slot touched (the user half's first one always, as Kernel/Arch/X64/PageTable.cs
// makes it with the PML4); a page directory per 1 GiB slot touched by pages smaller than 1 GiB; a page
// table per 2 MiB slot touched by 4 KiB pages. Slots shared by regions count once. This is what the
// kernel's PageTable reports as PageTableBytes after mapping the layout, which the tests check.
public static class PageTableFootprint
{
    public const ulong TableBytes = 4096;
    private const int Pml4Shift = 39, PdptShift = 30, PdShift = 21;

    public static ulong Bytes(IEnumerable<LayoutRegion> regions)
    {
        var pdpts = new HashSet<ulong> { 0 };
        var directories = new HashSet<ulong>();
        var tables = new HashSet<ulong>();
        foreach (var region in regions)
        {
            if (region.Length == 0)
                continue;
            ulong last = region.VirtualEnd - 1;
            AddSlots(pdpts, region.VirtualStart, last, Pml4Shift);
            if (region.PageSize < MemoryProtocol.Page1G)
                AddSlots(directories, region.VirtualStart, last, PdptShift);
            if (region.PageSize < MemoryProtocol.Page2M)
                AddSlots(tables, region.VirtualStart, last, PdShift);
        }
        return (ulong)(1 + pdpts.Count + directories.Count + tables.Count) * TableBytes;
    }

    private static void AddSlots(HashSet<ulong> slots, ulong first, ulong last, int shift)
    {
        for (ulong slot = first >> shift; slot <= last >> shift; slot++)
            slots.Add(slot);
    }
}
