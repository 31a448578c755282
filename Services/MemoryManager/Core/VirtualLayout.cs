namespace Kitten.MemoryManager;

public enum RegionKind
{
    Segment,
    Heap,
    Stack,
}

// A region of the address space before it has physical memory: page-aligned, non-empty.
public readonly record struct VirtualRegion(RegionKind Kind, ulong Start, ulong Length, Permissions Permissions)
{
    public ulong End => Start + Length;
}

// Where the image's regions go in the address space; the same for every policy, so that policies differ
// only in physical placement and page sizes. Within the user half that SMARTMAP shares, [0, 512 GiB)
// (Kernel/Arch/X64/PageTable.Sharing.cs): the segments where the program says; the heap after the last
// segment, aligned to 2 MiB (1 GiB for a heap of 1 GiB or more) so it can use large pages; the stack
// ending at StackTop, 1 GiB-aligned for the same reason.
public static class VirtualLayout
{
    public const ulong UserEnd = 1UL << 39;
    public const ulong StackTop = UserEnd - MemoryProtocol.Page1G;

    public static ulong PageUp(ulong value) => (value + MemoryProtocol.Page4K - 1) & ~(MemoryProtocol.Page4K - 1);

    public static ulong AlignUp(ulong value, ulong alignment) => (value + alignment - 1) & ~(alignment - 1);

    // The regions in address order, or null (with the reason) if the request does not fit the rules.
    public static List<VirtualRegion>? Place(ImageRequest request, out string? problem)
    {
        problem = null;
        var regions = new List<VirtualRegion>();
        if (request.Segments.Count == 0 || request.Segments.Count > MemoryProtocol.MaxSegments)
        {
            problem = $"1 to {MemoryProtocol.MaxSegments} segments, not {request.Segments.Count}";
            return null;
        }
        foreach (var segment in request.Segments.OrderBy(segment => segment.VirtualStart))
        {
            ulong start = segment.VirtualStart & ~(MemoryProtocol.Page4K - 1);
            if (segment.Length == 0 || segment.VirtualStart >= StackTop || segment.Length > StackTop - segment.VirtualStart)
            {
                problem = $"segment at {segment.VirtualStart:x} of {segment.Length} bytes: empty or beyond {StackTop:x}";
                return null;
            }
            ulong end = PageUp(segment.VirtualStart + segment.Length);
            if (regions.Count > 0 && start < regions[^1].End)
            {
                problem = $"segment at {segment.VirtualStart:x} overlaps the one before (after rounding to pages)";
                return null;
            }
            regions.Add(new VirtualRegion(RegionKind.Segment, start, end - start, segment.Permissions));
        }
        ulong top = regions[^1].End;
        if (request.HeapBytes > 0)
        {
            ulong heapStart = AlignUp(top, request.HeapBytes >= MemoryProtocol.Page1G ? MemoryProtocol.Page1G : MemoryProtocol.Page2M);
            ulong heapLength = PageUp(request.HeapBytes);
            if (heapLength == 0 || heapStart >= StackTop || heapLength > StackTop - heapStart)
            {
                problem = $"a {request.HeapBytes}-byte heap does not fit below the stack";
                return null;
            }
            regions.Add(new VirtualRegion(RegionKind.Heap, heapStart, heapLength, Permissions.Read | Permissions.Write));
            top = heapStart + heapLength;
        }
        if (request.StackBytes > 0)
        {
            ulong stackLength = PageUp(request.StackBytes);
            if (stackLength == 0 || stackLength > StackTop - top)
            {
                problem = $"a {request.StackBytes}-byte stack does not fit above the heap";
                return null;
            }
            regions.Add(new VirtualRegion(RegionKind.Stack, StackTop - stackLength, stackLength, Permissions.Read | Permissions.Write));
        }
        return regions;
    }
}
