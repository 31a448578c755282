namespace Kitten.MemoryManager;

// What a policy answers: a layout, or why not (with a detail: see MemoryRefusal).
public readonly record struct Placement(Layout? Layout, MemoryRefusal Refusal, ulong Detail, string Reason)
{
    public static Placement Of(Layout layout) => new(layout, 0, 0, "");

    public static Placement Refuse(MemoryRefusal refusal, ulong detail, string reason) => new(null, refusal, detail, reason);
}

// A memory policy: given the regions of an image (placed in the address space by VirtualLayout, the same
// for every policy) and the free physical memory, where each region goes and with which page sizes.
public interface IPlacementPolicy
{
    PolicyKind Kind { get; }

    PageSizes PageSizes { get; }

    // `node`: the NUMA node to prefer, -1 for none. Free extents are in address order.
    Placement Place(IReadOnlyList<VirtualRegion> regions, IReadOnlyList<FreeExtent> free, int node);
}

public static class PlacementPolicies
{
    // The free extents to try, the preferred node's first, each group in address order.
    public static IEnumerable<FreeExtent> InPreferenceOrder(IReadOnlyList<FreeExtent> free, int node)
    {
        var ordered = free.Where(extent => extent.Length > 0).OrderBy(extent => extent.Start);
        return node < 0 ? ordered : ordered.Where(extent => extent.Node == node).Concat(ordered.Where(extent => extent.Node != node));
    }
}
