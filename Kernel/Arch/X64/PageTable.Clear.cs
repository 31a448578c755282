// Removing translations while other CPUs may still walk the tables: ClearLeaves unmaps a range but keeps
// every table, so that a CPU whose paging-structure caches still point at them (until it is flushed) never
// walks through a table that was freed and reused. The empty tables go with a later Unmap or Destroy.
namespace Kitten.Kernel.Arch.X64;

internal unsafe partial struct PageTable
{
    public PageTableResult ClearLeaves(ulong virt, ulong length)
    {
        PageTableResult check = CheckRange(virt, length);
        if (check != PageTableResult.Ok)
            return check;
        check = SplitEdges(virt, length);
        if (check != PageTableResult.Ok)
            return check;
        ClearRange(_root, 4, virt, virt + (length - 1));
        return PageTableResult.Ok;
    }

    private void ClearRange(ulong table, int level, ulong start, ulong last)
    {
        ulong* entries = Table(table);
        ulong span = PageTableEntry.SpanOf(level);
        ulong v = start;
        while (true)
        {
            ulong stop = ClipToEntry(v, span, last);
            int index = PageTableEntry.IndexOf(v, level);
            ulong entry = entries[index];
            if (PageTableEntry.IsPresent(entry) && !(level == 4 && IsBorrowed(index)))
            {
                if (PageTableEntry.IsLeaf(entry, level))
                    entries[index] = 0;
                else
                    ClearRange(entry & PageTableEntry.AddressMask, level - 1, v, stop);
            }
            if (stop == last)
                return;
            v = stop + 1;
        }
    }
}
