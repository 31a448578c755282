// Physically contiguous runs of a mapping: copying an address space (fork) moves memory run by run instead
// of page by page, one page-table walk per run plus a scan along the leaf table.
namespace Kitten.Kernel.Arch.X64;

internal unsafe partial struct PageTable
{
    // The run of mapped, physically contiguous memory that starts at virt, at most `limit` bytes long:
    // returns its length (0 if virt is not mapped) and its physical start in phys.
    public readonly ulong ContiguousRun(ulong virt, ulong limit, out ulong phys)
    {
        if (!Translate(virt, out phys, out _, out ulong pageSize))
            return 0;
        ulong length = pageSize - (virt & (pageSize - 1));
        ulong* leaves = null; // the leaf table of the current 2 MiB region, once looked up
        while (length < limit)
        {
            ulong next = virt + length;
            // Along a leaf table of 4 KiB pages, the next entry is read directly; anything else walks again.
            if (pageSize == PageTableEntry.Size4K && (next & (PageTableEntry.Size2M - 1)) != 0
                && (leaves != null || LeafTable(next, out leaves)))
            {
                ulong entry = leaves[PageTableEntry.IndexOf(next, 1)];
                if (!PageTableEntry.IsPresent(entry) || (entry & PageTableEntry.AddressMask) != phys + length)
                    break;
                length += PageTableEntry.Size4K;
                continue;
            }
            leaves = null; // a new 2 MiB region (or a large page): walk from the root
            if (!Translate(next, out ulong nextPhys, out _, out pageSize) || nextPhys != phys + length)
                break;
            length += pageSize;
        }
        return length < limit ? length : limit;
    }

    // The level-1 table that maps virt, if virt is mapped with 4 KiB pages.
    private readonly bool LeafTable(ulong virt, out ulong* leaves)
    {
        leaves = null;
        ulong table = _root;
        for (int level = 4; level >= 2; level--)
        {
            ulong entry = Table(table)[PageTableEntry.IndexOf(virt, level)];
            if (!PageTableEntry.IsPresent(entry) || PageTableEntry.IsLeaf(entry, level))
                return false;
            table = entry & PageTableEntry.AddressMask;
        }
        leaves = Table(table);
        return true;
    }
}
