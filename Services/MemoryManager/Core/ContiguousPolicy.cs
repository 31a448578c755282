namespace Kitten.MemoryManager;

// Catamount's policy: the whole image in one physically contiguous block, each region mapped with the
// largest pages alignment allows (1 GiB, 2 MiB, 4 KiB). A region gets a page size P if it holds at least
// one P-aligned page of that size; its place in the block is chosen so that physical ≡ virtual modulo P
// (the block itself aligned to the largest P), so large pages line up in both address spaces. Regions
// are packed largest P first, which wastes less than P per region in alignment. If no free extent holds
// the block, the largest page size is given up (1 GiB, then 2 MiB) before refusing: a smaller alignment
// may fit where a larger does not.
public sealed class ContiguousPolicy : IPlacementPolicy
{
    private static readonly ulong[] s_sizes = { MemoryProtocol.Page1G, MemoryProtocol.Page2M, MemoryProtocol.Page4K };

    public PolicyKind Kind => PolicyKind.Contiguous;

    public PageSizes PageSizes => PageSizes.Size4K | PageSizes.Size2M | PageSizes.Size1G;

    public Placement Place(IReadOnlyList<VirtualRegion> regions, IReadOnlyList<FreeExtent> free, int node)
    {
        ulong needed = 0;
        foreach (ulong largest in s_sizes)
        {
            var plan = Pack(regions, largest, out ulong total, out ulong alignment);
            needed = total;
            foreach (var extent in PlacementPolicies.InPreferenceOrder(free, node))
            {
                ulong start = VirtualLayout.AlignUp(extent.Start, alignment);
                if (start >= extent.Start && start <= extent.End && total <= extent.End - start)
                    return Placement.Of(Emit(regions, plan, start));
            }
        }
        return Placement.Refuse(MemoryRefusal.NoContiguousBlock, needed,
            $"no free extent holds a contiguous block of {needed} bytes");
    }

    // Each region's page size and offset in the block, with no page larger than `largest`.
    private static (ulong PageSize, ulong Offset)[] Pack(IReadOnlyList<VirtualRegion> regions, ulong largest, out ulong total, out ulong alignment)
    {
        var plan = new (ulong PageSize, ulong Offset)[regions.Count];
        for (int i = 0; i < regions.Count; i++)
            plan[i].PageSize = LargestPage(regions[i], largest);
        ulong cursor = 0;
        alignment = MemoryProtocol.Page4K;
        foreach (int i in Enumerable.Range(0, regions.Count).OrderByDescending(i => plan[i].PageSize).ThenBy(i => regions[i].Start))
        {
            ulong size = plan[i].PageSize;
            alignment = Math.Max(alignment, size);
            ulong offset = cursor + ((regions[i].Start - cursor) & (size - 1));     // ≡ the virtual start mod size
            plan[i].Offset = offset;
            cursor = offset + regions[i].Length;
        }
        total = cursor;
        return plan;
    }

    private static ulong LargestPage(VirtualRegion region, ulong largest)
    {
        foreach (ulong size in s_sizes)
        {
            if (size <= largest && VirtualLayout.AlignUp(region.Start, size) + size <= region.End)
                return size;
        }
        return MemoryProtocol.Page4K;
    }

    private static Layout Emit(IReadOnlyList<VirtualRegion> regions, (ulong PageSize, ulong Offset)[] plan, ulong blockStart)
    {
        var output = new List<LayoutRegion>();
        for (int i = 0; i < regions.Count; i++)
            AddRuns(output, regions[i], blockStart + plan[i].Offset, plan[i].PageSize);
        return new Layout(output);
    }

    // The region cut into runs of one page size each: at every point the largest size (up to `largest`)
    // that both addresses are aligned to and that fits in what remains, as the kernel's PageTable.Map does.
    public static void AddRuns(List<LayoutRegion> output, VirtualRegion region, ulong physical, ulong largest)
    {
        ulong virt = region.Start, remaining = region.Length;
        while (remaining > 0)
        {
            ulong size = s_sizes.First(size => size <= largest && (virt & (size - 1)) == 0 && (physical & (size - 1)) == 0 && size <= remaining);
            ulong run = 0;
            while (remaining - run >= size && Choose(virt + run, physical + run, remaining - run, largest) == size)
                run += size;
            output.Add(new LayoutRegion(virt, run, physical, size, region.Permissions));
            virt += run;
            physical += run;
            remaining -= run;
        }
    }

    private static ulong Choose(ulong virt, ulong physical, ulong remaining, ulong largest)
        => s_sizes.First(size => size <= largest && (virt & (size - 1)) == 0 && (physical & (size - 1)) == 0 && size <= remaining);
}
