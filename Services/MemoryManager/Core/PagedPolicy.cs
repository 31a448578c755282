namespace Kitten.MemoryManager;

// Linux's way, as the baseline: 4 KiB pages only, and frames from wherever free memory is, with no need
// for contiguity: each region takes what is left of the current free extent and goes on in the next, so a
// fragmented free map gives a region many runs. It fails only when free memory runs out.
public sealed class PagedPolicy : IPlacementPolicy
{
    public PolicyKind Kind => PolicyKind.Paged;

    public PageSizes PageSizes => PageSizes.Size4K;

    public Placement Place(IReadOnlyList<VirtualRegion> regions, IReadOnlyList<FreeExtent> free, int node)
    {
        var extents = PlacementPolicies.InPreferenceOrder(free, node)
            .Select(extent => (Start: VirtualLayout.PageUp(extent.Start), End: extent.End & ~(MemoryProtocol.Page4K - 1)))
            .Where(extent => extent.End > extent.Start)
            .ToList();
        var output = new List<LayoutRegion>();
        int current = 0;
        ulong used = 0;         // bytes taken from extents[current]
        ulong wanted = regions.Aggregate(0UL, (sum, region) => sum + region.Length);
        ulong placed = 0;
        foreach (var region in regions)
        {
            ulong virt = region.Start, remaining = region.Length;
            while (remaining > 0)
            {
                if (current == extents.Count)
                    return Placement.Refuse(MemoryRefusal.NoMemory, wanted - placed, $"free memory is {wanted - placed} bytes short");
                var (start, end) = extents[current];
                ulong run = Math.Min(remaining, end - start - used);
                output.Add(new LayoutRegion(virt, run, start + used, MemoryProtocol.Page4K, region.Permissions));
                virt += run;
                remaining -= run;
                placed += run;
                used += run;
                if (used == end - start)
                {
                    current++;
                    used = 0;
                }
            }
        }
        return Placement.Of(new Layout(output));
    }
}
