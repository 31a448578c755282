// pmem: physical memory as typed, named, physically contiguous regions. Free memory comes from the
// memory map (AddFree, any number of ranges, above 4 GiB too); memory already in use at boot is recorded
// with Reserve; the rest is handed out by TryAllocate with an alignment (4 KiB, 2 MiB, 1 GiB, ...) and
// taken back by Free. Allocation, free and address lookups are O(log n) in the number of regions and free
// extents (see FreeExtents for the best-fit rule). Every byte managed is either in one free extent or in
// one region, never both: FreeBytes + UsedBytes == TotalBytes, checked by Validate.
//
// Portable and single-threaded: it never touches the memory it manages (so it neither zeroes nor needs a
// mapping of it) and takes no lock. Bookkeeping is an array of PmemNode the caller provides: one node per
// free extent and per region. When the nodes run out, the call that needed one returns false and changes
// nothing.
//
// What the kernel's wrapper (a static class around one Pmem) must add:
//   - a lock (interrupt-safe spinlock) around every call, queries included, as KernelHeap does;
//   - the node array: capacity * NodeSize bytes from the kernel heap (or a static buffer), before use;
//   - zeroing on request, after TryAllocate returns and outside the lock, through a mapping of the
//     range (the boot direct map covers only the first 4 GiB, PhysicalMemory.BootDirectMapLimit);
//   - the boot sequence: AddFree for each range MemoryMap.BuildUsable returns, then Reserve with the
//     right type and name for the kernel image, boot information, boot modules and the kernel heap
//     (Reserve also records ranges that were never free, so they are counted and can be freed later);
//   - a panic, not a silent false, where a failure means a kernel bug (such as freeing an unknown base).
using System;

namespace Kitten.Kernel.Memory;

internal unsafe struct Pmem
{
    public const ulong PageSize = FreeExtents.PageSize;

    private PmemNode* _nodes;
    private PmemNodePool _pool;
    private FreeExtents _free;
    private RegionTable _regions;

    public static int NodeSize => sizeof(PmemNode);

    // The nodes need not be initialized; capacity bounds free extents plus regions.
    public void Initialize(PmemNode* nodes, int capacity)
    {
        _nodes = nodes;
        _pool.Initialize(nodes, capacity);
        _free.Initialize(nodes);
        _regions.Initialize(nodes);
    }

    public readonly ulong FreeBytes => _free.Bytes;
    public readonly ulong UsedBytes => _regions.Bytes;
    public readonly ulong TotalBytes => _free.Bytes + _regions.Bytes;
    public readonly int FreeExtentCount => _free.Count;
    public readonly int RegionCount => _regions.Count;
    public readonly int AvailableNodes => _pool.Available;
    public ulong LargestFreeExtent => _free.Largest;

    // Tree nodes looked at since Initialize: a debug statistic, to check that operations stay O(log n).
    public readonly ulong Visits => _free.Visits + _regions.Visits;

    // Regions of a type; for RegionType.Free, the number of free extents.
    public readonly int CountRegions(RegionType type) => type == RegionType.Free ? _free.Count : _regions.CountOf(type);

    // Adds the whole pages of [base, base + length) to free memory, merging with free neighbours. False,
    // changing nothing, if the range overlaps free memory or a region, or if no node is left. A range
    // without a whole page adds nothing and is not an error.
    public bool AddFree(ulong rangeBase, ulong length)
    {
        ulong end = rangeBase + length < rangeBase ? ulong.MaxValue : rangeBase + length;
        if (rangeBase > ulong.MaxValue - (PageSize - 1))
            return true;
        ulong start = AlignUp(rangeBase);
        end = AlignDown(end);
        if (start >= end)
            return true;
        if (_free.Overlaps(start, end) || _regions.Overlaps(start, end))
            return false;
        return _free.Add(start, end, ref _pool, AvlTree.Nil);
    }

    // Records memory that is in use (the kernel image, a boot module, the kernel heap) as a region, widened
    // to whole pages; the part of it that was free is free no longer. False, changing nothing, if it is
    // empty, overlaps a region, wraps around, the type is Free, or no node is left.
    public bool Reserve(ulong rangeBase, ulong length, RegionType type, ReadOnlySpan<byte> name)
    {
        if (!RegionTypes.IsAllocatable(type) || length == 0 || rangeBase > ulong.MaxValue - length)
            return false;
        ulong end = rangeBase + length;
        if (end > ulong.MaxValue - (PageSize - 1))
            return false;
        ulong start = AlignDown(rangeBase);
        end = AlignUp(end);
        if (_regions.Overlaps(start, end))
            return false;
        return Take(start, end, type, name);
    }

    public bool Reserve(ulong rangeBase, ulong length, RegionType type, string name)
    {
        byte* ascii = stackalloc byte[PmemRegion.MaxNameLength];
        return Reserve(rangeBase, length, type, PmemRegion.ToAscii(name, ascii));
    }

    // Allocates size bytes (rounded up to whole pages) of physically contiguous free memory at an address
    // that is a multiple of alignment (a power of two; below PageSize counts as PageSize), recorded as a
    // region of the given type and name. The smallest free extent that fits is used, at its lowest aligned
    // address. False (and base 0) if size is 0, the type is Free, the alignment is not a power of two, no
    // free extent fits, or no node is left.
    public bool TryAllocate(ulong size, ulong alignment, RegionType type, ReadOnlySpan<byte> name, out ulong regionBase)
    {
        regionBase = 0;
        if (!RegionTypes.IsAllocatable(type) || size == 0 || size > ulong.MaxValue - (PageSize - 1))
            return false;
        if ((alignment & (alignment - 1)) != 0)
            return false;
        if (alignment < PageSize)
            alignment = PageSize;
        size = AlignUp(size);
        if (!_free.FindFit(size, alignment, out _, out ulong start))
            return false;
        if (!Take(start, start + size, type, name))
            return false;
        regionBase = start;
        return true;
    }

    public bool TryAllocate(ulong size, ulong alignment, RegionType type, string name, out ulong regionBase)
    {
        byte* ascii = stackalloc byte[PmemRegion.MaxNameLength];
        return TryAllocate(size, alignment, type, PmemRegion.ToAscii(name, ascii), out regionBase);
    }

    // Makes exactly [start, start + length) a region of the given type, if every page of it is free: a
    // placement chosen elsewhere (the memory-policy service) taking the frames it planned. Unlike Reserve
    // it takes free memory only. Changes nothing unless it returns Claimed.
    public ClaimResult TryClaim(ulong start, ulong length, RegionType type, ReadOnlySpan<byte> name)
    {
        if (!RegionTypes.IsAllocatable(type) || length == 0 || ((start | length) & (PageSize - 1)) != 0
            || start > ulong.MaxValue - length)
            return ClaimResult.NotMemory;
        ulong end = start + length;
        int extent = _free.Containing(start);
        if (extent == AvlTree.Nil || Node(extent)->Region.End < end)
            return Manages(start, end) ? ClaimResult.InUse : ClaimResult.NotMemory;
        return Take(start, end, type, name) ? ClaimResult.Claimed : ClaimResult.NoNode;
    }

    public ClaimResult TryClaim(ulong start, ulong length, RegionType type, string name)
    {
        byte* ascii = stackalloc byte[PmemRegion.MaxNameLength];
        return TryClaim(start, length, type, PmemRegion.ToAscii(name, ascii));
    }

    // Whether every page of [start, end) is pmem's, free or in a region (not a hole of the memory map).
    private bool Manages(ulong start, ulong end)
    {
        for (ulong at = start; at < end;)
        {
            int n = _regions.Containing(at);
            if (n == AvlTree.Nil)
                n = _free.Containing(at);
            if (n == AvlTree.Nil)
                return false;
            at = Node(n)->Region.End;
        }
        return true;
    }

    // Frees the region that starts at base (of any type, reserved ones too): its memory becomes free and
    // merges with free neighbours. False, changing nothing, if no region starts there.
    public bool Free(ulong regionBase)
    {
        int n = _regions.StartingAt(regionBase);
        if (n == AvlTree.Nil)
            return false;
        ulong end = Node(n)->Region.End;
        _regions.Remove(n);
        // The region's node is the spare: the merge always has the node it may need.
        return _free.Add(regionBase, end, ref _pool, n);
    }

    // What holds address: a region, or a free extent (type Free, no name). False if pmem does not manage it.
    public bool FindRegion(ulong address, out PmemRegion region)
    {
        int n = _regions.Containing(address);
        if (n == AvlTree.Nil)
            n = _free.Containing(address);
        return Report(n, out region);
    }

    // The region with the lowest base >= address; free extents are not regions. To list all regions:
    //   for (ulong a = 0; pmem.NextRegion(a, out PmemRegion r); a = r.End) ...
    public bool NextRegion(ulong address, out PmemRegion region) => Report(_regions.StartingFrom(address), out region);

    // Like NextRegion, but only regions of one type; RegionType.Free lists the free extents. Skipping
    // regions of other types costs O(log n) each.
    public bool NextRegion(ulong address, RegionType type, out PmemRegion region)
    {
        if (type == RegionType.Free)
            return Report(_free.StartingFrom(address), out region);
        int n = _regions.StartingFrom(address);
        while (n != AvlTree.Nil && Node(n)->Region.Type != type)
            n = _regions.Next(n);
        return Report(n, out region);
    }

    // The free extent of the given rank by size (0: the largest; of equal lengths, the higher base ranks
    // first). False if there are not that many free extents.
    public bool RankedFreeExtent(int rank, out PmemRegion region) => Report(rank < 0 ? AvlTree.Nil : _free.RankedBySize(rank), out region);

    // Null if every invariant holds, else a description of the first one broken: both structures are valid
    // on their own, no region overlaps free memory, and every node is accounted for exactly once.
    public readonly string Validate()
    {
        int capacity = _pool.Capacity;
        string problem = _pool.Validate();
        if (problem == null)
            problem = _free.Validate(capacity);
        if (problem == null)
            problem = _regions.Validate(capacity);
        if (problem != null)
            return problem;
        if (_pool.Available + _free.Count + _regions.Count != capacity)
            return "nodes are lost: unused + free extents + regions != capacity";

        // Both lists are sorted and disjoint within themselves, so walking them merged in address order and
        // comparing neighbours finds any overlap between the two.
        Pmem copy = this; // walks count visits; Validate must not change them
        int f = copy._free.StartingFrom(0);
        int r = copy._regions.StartingFrom(0);
        ulong previousEnd = 0;
        while (f != AvlTree.Nil || r != AvlTree.Nil)
        {
            bool takeFree = r == AvlTree.Nil || (f != AvlTree.Nil && Node(f)->Region.Base < Node(r)->Region.Base);
            PmemRegion* next = &Node(takeFree ? f : r)->Region;
            if (next->Base < previousEnd)
                return "a region overlaps free memory";
            previousEnd = next->End;
            if (takeFree)
                f = copy._free.StartingFrom(next->End);
            else
                r = copy._regions.Next(r);
        }
        return null;
    }

    // Makes [start, end) a region: what of it is free leaves free space. The caller checked that it
    // overlaps no region.
    private bool Take(ulong start, ulong end, RegionType type, ReadOnlySpan<byte> name)
    {
        if (_pool.Available < 1 + _free.NodesNeededToRemove(start, end))
            return false;
        _free.RemoveRange(start, end, ref _pool);
        int n = _pool.Take();
        PmemNode* node = Node(n);
        node->Region.Base = start;
        node->Region.End = end;
        node->Region.Type = type;
        node->Region.SetName(name);
        _regions.Add(n);
        return true;
    }

    private readonly bool Report(int n, out PmemRegion region)
    {
        if (n == AvlTree.Nil)
        {
            region = default;
            return false;
        }
        region = Node(n)->Region;
        return true;
    }

    private readonly PmemNode* Node(int n) => &_nodes[n];

    private static ulong AlignUp(ulong value) => (value + PageSize - 1) & ~(PageSize - 1);
    private static ulong AlignDown(ulong value) => value & ~(PageSize - 1);
}
