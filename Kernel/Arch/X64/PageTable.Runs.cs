// Physically contiguous runs of a mapping: copying an address space (fork) moves memory run by run instead
// of page by page, one page-table walk per run plus a scan along the leaf table.
namespace Kitten.Kernel.Arch.X64;

internal unsafe partial struct PageTable
{
    // The run of mapped, physically contiguous memory that starts at virt, at most `limit` bytes long:
    // returns its length (0 if virt is not mapped) and its physical start in phys.
    public readonly ulong ContiguousRun(ulong virt, ulong limit, out ulong phys) => Run(virt, limit, out phys, false, out _);

    // As above, and the run's pages are alike in being untouched zero pages or not (untouchedZero): mapped
    // with PageFlags.Zeroed and never written through their entry since (Dirty clear).
    public readonly ulong ContiguousRun(ulong virt, ulong limit, out ulong phys, out bool untouchedZero)
        => Run(virt, limit, out phys, true, out untouchedZero);

    // The page that maps virt is no longer known to be zero: the kernel writes it through another mapping
    // (the direct map, another process's grant mapping), which the MMU does not mark dirty here.
    public readonly void ForgetZeroed(ulong virt)
    {
        ulong* slot = LeafSlot(virt, out _);
        if (slot != null)
            *slot &= ~PageTableEntry.Zeroed;
    }

    private static bool IsUntouchedZero(ulong entry) => (entry & (PageTableEntry.Zeroed | PageTableEntry.Dirty)) == PageTableEntry.Zeroed;

    private readonly ulong Run(ulong virt, ulong limit, out ulong phys, bool byZeroState, out bool untouchedZero)
    {
        phys = 0;
        untouchedZero = false;
        ulong* slot = LeafSlot(virt, out int level);
        if (slot == null)
            return 0;
        ulong entry = *slot;
        ulong pageSize = PageTableEntry.SpanOf(level);
        phys = PageTableEntry.AddressOf(entry, level) + (virt & (pageSize - 1));
        untouchedZero = byZeroState && IsUntouchedZero(entry);
        ulong length = pageSize - (virt & (pageSize - 1));
        while (length < limit)
        {
            ulong next = virt + length;
            // Along a leaf table of 4 KiB pages, the next entry is the next slot; anything else walks again.
            if (level == 1 && (next & (PageTableEntry.Size2M - 1)) != 0)
                slot++;
            else if ((slot = LeafSlot(next, out level)) == null)
                break;
            entry = *slot;
            if (!PageTableEntry.IsPresent(entry) || PageTableEntry.AddressOf(entry, level) != phys + length
                || (byZeroState && IsUntouchedZero(entry) != untouchedZero))
                break;
            length += PageTableEntry.SpanOf(level);
        }
        return length < limit ? length : limit;
    }

    // The leaf entry that maps virt and its level (3, 2 or 1), walking through borrowed entries too; null if
    // virt is not mapped.
    private readonly ulong* LeafSlot(ulong virt, out int level)
    {
        level = 0;
        if (_root == 0 || !IsCanonical(virt))
            return null;
        ulong table = _root;
        for (int l = 4; l >= 1; l--)
        {
            ulong* slot = Table(table) + PageTableEntry.IndexOf(virt, l);
            ulong entry = *slot;
            if (!PageTableEntry.IsPresent(entry))
                return null;
            if (l <= 3 && PageTableEntry.IsLeaf(entry, l))
            {
                level = l;
                return slot;
            }
            table = entry & PageTableEntry.AddressMask;
        }
        return null;
    }
}
