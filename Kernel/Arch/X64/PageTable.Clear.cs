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
        UnmapRange(_root, 4, virt, virt + (length - 1), freeTables: false);
        return PageTableResult.Ok;
    }
}
