// The allocated and reserved physical regions, in a tree by base address: the region that holds an address
// is the one with the largest base at or below it (regions never overlap), found in O(log n); walking the
// tree in key order lists the regions in address order. A count per type answers "how many" in O(1).
namespace Kitten.Kernel.Memory;

internal unsafe struct RegionTable
{
    private PmemNode* _nodes;
    private AvlTree _byBase;
    private ulong _bytes;
    private fixed int _countByType[RegionTypes.Count];

    public readonly ulong Bytes => _bytes;
    public readonly int Count => _byBase.Count;
    public readonly ulong Visits => _byBase.Visits;

    public void Initialize(PmemNode* nodes)
    {
        _nodes = nodes;
        _byBase.Initialize(&nodes->ByAddress, sizeof(PmemNode));
        _bytes = 0;
        for (int i = 0; i < RegionTypes.Count; i++)
            _countByType[i] = 0;
    }

    public readonly int CountOf(RegionType type) => (int)type < RegionTypes.Count ? _countByType[(int)type] : 0;

    // The region that holds address, or Nil.
    public int Containing(ulong address)
    {
        int n = _byBase.Floor(address, 0);
        return n != AvlTree.Nil && _nodes[n].Region.End > address ? n : AvlTree.Nil;
    }

    // The region that starts exactly at base, or Nil.
    public int StartingAt(ulong regionBase) => _byBase.Find(regionBase, 0);

    // The region with the lowest base >= address, or Nil.
    public int StartingFrom(ulong address) => _byBase.LowerBound(address, 0);

    public int Next(int index) => _byBase.Next(index);

    public bool Overlaps(ulong start, ulong end)
    {
        if (Containing(start) != AvlTree.Nil)
            return true;
        int next = _byBase.LowerBound(start, 0);
        return next != AvlTree.Nil && _nodes[next].Region.Base < end;
    }

    // Links in a node whose Region is filled in; it must not overlap any region.
    public void Add(int n)
    {
        PmemNode* node = &_nodes[n];
        node->Kind = PmemNodeKind.Region;
        node->ByAddress.Major = node->Region.Base;
        node->ByAddress.Minor = 0;
        _byBase.Insert(n);
        _bytes += node->Region.Length;
        _countByType[(int)node->Region.Type]++;
    }

    public void Remove(int n)
    {
        PmemNode* node = &_nodes[n];
        _byBase.Remove(n);
        _bytes -= node->Region.Length;
        _countByType[(int)node->Region.Type]--;
    }

    public readonly string Validate(int capacity)
    {
        string problem = _byBase.Validate(capacity);
        if (problem != null)
            return problem;
        AvlTree byBase = _byBase; // a copy: the walk counts visits, which Validate must not change
        ulong total = 0;
        ulong previousEnd = 0;
        int* counts = stackalloc int[RegionTypes.Count];
        for (int i = 0; i < RegionTypes.Count; i++)
            counts[i] = 0;
        for (int n = byBase.First(); n != AvlTree.Nil; n = byBase.Next(n))
        {
            PmemNode* node = &_nodes[n];
            ref PmemRegion r = ref node->Region;
            if (node->Kind != PmemNodeKind.Region || !RegionTypes.IsAllocatable(r.Type))
                return "a node in the region tree is not a region";
            if (r.Base >= r.End || ((r.Base | r.End) & (FreeExtents.PageSize - 1)) != 0)
                return "region is empty or not page-aligned";
            if (node->ByAddress.Major != r.Base || node->ByAddress.Minor != 0)
                return "region key does not match its base";
            if (r.Base < previousEnd)
                return "regions overlap";
            previousEnd = r.End;
            total += r.Length;
            counts[(int)r.Type]++;
        }
        for (int i = 0; i < RegionTypes.Count; i++)
            if (counts[i] != _countByType[i])
                return "region count by type does not match the regions";
        return total == _bytes ? null : "region byte count does not match the regions";
    }
}
