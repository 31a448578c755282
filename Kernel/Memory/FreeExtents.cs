// Free physical memory as maximal extents [Base, End): two neighbouring free ranges are always merged, so
// free memory is described by as few nodes as possible. Two trees over the same nodes: by base (to find the
// neighbours to merge with, and what an address falls in) and by (length, base) (to find the best fit).
// All addresses and lengths are multiples of PageSize.
//
// Best fit with an alignment: the smallest extent that holds an aligned sub-range of the size asked for.
// Extents of at least size bytes are tried in order of length, up to Candidates of them; past those, the
// first extent of at least size + alignment - PageSize bytes always fits (an extent starts on a page, so at
// most alignment - PageSize bytes are skipped to reach an aligned address). Each try is O(log n), so the
// search is O(log n). Small requests thus go to the smallest hole that fits, and a large aligned extent
// is split only when no smaller extent can serve the request (among those tried). The price of the bound:
// if more than Candidates extents are at least size long, none of the first Candidates fits, and none is
// size + alignment - PageSize long, the request fails even when a later extent happens to be aligned
// well enough to hold it.
namespace Kitten.Kernel.Memory;

internal unsafe struct FreeExtents
{
    public const ulong PageSize = 4096;
    private const int Candidates = 8;

    private PmemNode* _nodes;
    private AvlTree _byBase;
    private AvlTree _bySize;
    private ulong _bytes;

    public readonly ulong Bytes => _bytes;
    public readonly int Count => _byBase.Count;
    public readonly ulong Visits => _byBase.Visits + _bySize.Visits;

    public void Initialize(PmemNode* nodes)
    {
        _nodes = nodes;
        _byBase.Initialize(&nodes->ByAddress, sizeof(PmemNode));
        _bySize.Initialize(&nodes->BySize, sizeof(PmemNode));
        _bytes = 0;
    }

    public readonly PmemNode* At(int index) => &_nodes[index];

    public ulong Largest
    {
        get
        {
            int n = _bySize.Last();
            return n == AvlTree.Nil ? 0 : _nodes[n].Region.Length;
        }
    }

    // The extent of the given rank by size, 0 being the largest (ties: the higher base first), or Nil if
    // there are not that many. O((rank + 1) log n).
    public int RankedBySize(int rank)
    {
        int n = _bySize.Last();
        for (int i = 0; i < rank && n != AvlTree.Nil; i++)
            n = _bySize.Previous(n);
        return n;
    }

    // The extent that holds address, or Nil.
    public int Containing(ulong address)
    {
        int n = _byBase.Floor(address, 0);
        return n != AvlTree.Nil && _nodes[n].Region.End > address ? n : AvlTree.Nil;
    }

    // The extent with the lowest base >= address, or Nil.
    public int StartingFrom(ulong address) => _byBase.LowerBound(address, 0);

    public bool Overlaps(ulong start, ulong end)
    {
        if (Containing(start) != AvlTree.Nil)
            return true;
        int next = _byBase.LowerBound(start, 0);
        return next != AvlTree.Nil && _nodes[next].Region.Base < end;
    }

    // Adds [start, end), which must not overlap free space, merging it with the extents it touches. A new
    // node is needed only if it touches none: spare if given (otherwise one from the pool). Returns false,
    // changing nothing, if a node is needed and there is none. A spare that is not needed goes to the pool.
    public bool Add(ulong start, ulong end, ref PmemNodePool pool, int spare)
    {
        int left = _byBase.Floor(start, 0);
        if (left != AvlTree.Nil && _nodes[left].Region.End != start)
            left = AvlTree.Nil;
        int right = _byBase.Find(end, 0);

        if (left == AvlTree.Nil && right == AvlTree.Nil)
        {
            int node = spare != AvlTree.Nil ? spare : pool.Take();
            if (node == AvlTree.Nil)
                return false;
            Link(node, start, end);
            return true;
        }
        if (left == AvlTree.Nil)
        {
            // Grows the right neighbour downwards.
            ulong rightEnd = _nodes[right].Region.End;
            Unlink(right);
            Link(right, start, rightEnd);
        }
        else
        {
            // Grows the left neighbour upwards, over the right neighbour too if there is one.
            ulong newEnd = end;
            if (right != AvlTree.Nil)
            {
                newEnd = _nodes[right].Region.End;
                Unlink(right);
                pool.Release(right);
            }
            ulong leftBase = _nodes[left].Region.Base;
            Unlink(left);
            Link(left, leftBase, newEnd);
        }
        if (spare != AvlTree.Nil)
            pool.Release(spare);
        return true;
    }

    // Finds where an aligned range of size bytes goes: the extent and the lowest aligned address in it.
    public bool FindFit(ulong size, ulong alignment, out int extent, out ulong start)
    {
        int n = _bySize.LowerBound(size, 0);
        for (int i = 0; i < Candidates && n != AvlTree.Nil; i++)
        {
            if (Fits(n, size, alignment, out start))
            {
                extent = n;
                return true;
            }
            n = _bySize.Next(n);
        }
        if (n != AvlTree.Nil && size <= ulong.MaxValue - (alignment - PageSize))
        {
            n = _bySize.LowerBound(size + alignment - PageSize, 0);
            // Always fits by the argument above; checked anyway so that the arithmetic never goes wrong.
            if (n != AvlTree.Nil && Fits(n, size, alignment, out start))
            {
                extent = n;
                return true;
            }
        }
        extent = AvlTree.Nil;
        start = 0;
        return false;
    }

    // How many more nodes RemoveRange(start, end) needs than it gives back: 1 if it splits one extent in
    // two, minus one for every extent that it removes whole.
    public int NodesNeededToRemove(ulong start, ulong end)
    {
        int needed = 0;
        for (int n = First(start); n != AvlTree.Nil && _nodes[n].Region.Base < end; n = _byBase.Next(n))
        {
            ref PmemRegion r = ref _nodes[n].Region;
            if (r.Base < start && r.End > end)
                return 1;
            if (r.Base >= start && r.End <= end)
                needed--;
        }
        return needed;
    }

    // Takes [start, end) out of free space: extents inside it go, extents across its ends are cut. The
    // caller checked with NodesNeededToRemove that the pool can cover a split.
    public void RemoveRange(ulong start, ulong end, ref PmemNodePool pool)
    {
        int n = First(start);
        while (n != AvlTree.Nil && _nodes[n].Region.Base < end)
        {
            int next = _byBase.Next(n);
            ulong b = _nodes[n].Region.Base;
            ulong e = _nodes[n].Region.End;
            Unlink(n);
            if (b < start)
            {
                Link(n, b, start);
                if (e > end)
                    Link(pool.Take(), end, e);
            }
            else if (e > end)
            {
                Link(n, end, e);
            }
            else
            {
                pool.Release(n);
            }
            n = next;
        }
    }

    // Checks both trees and that they describe the same disjoint, merged, page-granular extents.
    public readonly string Validate(int capacity)
    {
        string problem = _byBase.Validate(capacity);
        if (problem != null)
            return problem;
        problem = _bySize.Validate(capacity);
        if (problem != null)
            return problem;
        if (_byBase.Count != _bySize.Count)
            return "free trees hold different numbers of extents";
        AvlTree byBase = _byBase; // a copy: the walk counts visits, which Validate must not change
        AvlTree bySize = _bySize;
        ulong total = 0;
        ulong previousEnd = 0;
        bool first = true;
        for (int n = byBase.First(); n != AvlTree.Nil; n = byBase.Next(n))
        {
            PmemNode* node = &_nodes[n];
            ref PmemRegion r = ref node->Region;
            if (node->Kind != PmemNodeKind.FreeExtent || r.Type != RegionType.Free)
                return "a node in the free trees is not a free extent";
            if (r.Base >= r.End || ((r.Base | r.End) & (PageSize - 1)) != 0)
                return "free extent is empty or not page-aligned";
            if (node->ByAddress.Major != r.Base || node->ByAddress.Minor != 0
                || node->BySize.Major != r.Length || node->BySize.Minor != r.Base)
                return "free extent keys do not match its range";
            if (bySize.Find(r.Length, r.Base) != n)
                return "free extent missing from the size tree";
            if (!first && previousEnd >= r.Base)
                return previousEnd == r.Base ? "two adjacent free extents were not merged" : "free extents overlap";
            first = false;
            previousEnd = r.End;
            total += r.Length;
        }
        return total == _bytes ? null : "free byte count does not match the extents";
    }

    // The first extent that may overlap a range starting at start: the one holding start, else the next.
    private int First(ulong start)
    {
        int n = Containing(start);
        return n != AvlTree.Nil ? n : _byBase.LowerBound(start, 0);
    }

    private readonly bool Fits(int n, ulong size, ulong alignment, out ulong start)
    {
        ulong b = _nodes[n].Region.Base;
        ulong e = _nodes[n].Region.End;
        start = 0;
        if (b > ulong.MaxValue - (alignment - 1))
            return false;
        ulong aligned = (b + alignment - 1) & ~(alignment - 1);
        if (aligned > e || e - aligned < size)
            return false;
        start = aligned;
        return true;
    }

    private void Link(int n, ulong start, ulong end)
    {
        PmemNode* node = &_nodes[n];
        node->Kind = PmemNodeKind.FreeExtent;
        node->Region.Base = start;
        node->Region.End = end;
        node->Region.Type = RegionType.Free;
        node->Region.SetName(default);
        node->ByAddress.Major = start;
        node->ByAddress.Minor = 0;
        node->BySize.Major = end - start;
        node->BySize.Minor = start;
        _byBase.Insert(n);
        _bySize.Insert(n);
        _bytes += end - start;
    }

    private void Unlink(int n)
    {
        _byBase.Remove(n);
        _bySize.Remove(n);
        _bytes -= _nodes[n].Region.Length;
        _nodes[n].Kind = PmemNodeKind.Unused;
    }
}
