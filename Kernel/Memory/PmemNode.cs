// The physical memory manager's bookkeeping lives out of band, in an array of these nodes the caller
// provides (never inside the memory it manages, so memory above the direct map and memory not yet mapped
// can be managed, and a stray write into free memory cannot corrupt the allocator). A node is unused, a
// free extent (in the two free trees) or a region (in the region tree).
namespace Kitten.Kernel.Memory;

internal enum PmemNodeKind : byte
{
    Unused,
    FreeExtent,
    Region,
}

internal struct PmemNode
{
    public AvlNode ByAddress; // free extents: key (Base, 0) in the free tree; regions: (Base, 0) in the region tree
    public AvlNode BySize;    // free extents only: key (Length, Base)
    public PmemRegion Region; // the range, its type and name (type Free for an extent)
    public int NextUnused;    // the unused list's link
    public PmemNodeKind Kind;
}

// The unused nodes: those released, a singly linked list threaded through NextUnused, and the ones never
// handed out yet, [_fresh, capacity), which are set up only when first taken (so that a pool of any size
// costs nothing to create: every process has one).
internal unsafe struct PmemNodePool
{
    private PmemNode* _nodes;
    private int _capacity;
    private int _head;
    private int _available;
    private int _fresh;

    public readonly int Capacity => _capacity;
    public readonly int Available => _available;

    public void Initialize(PmemNode* nodes, int capacity)
    {
        _nodes = nodes;
        _capacity = capacity < 0 ? 0 : capacity;
        _head = AvlTree.Nil;
        _available = _capacity;
        _fresh = 0;
    }

    // An unused node's index, or Nil when none is left.
    public int Take()
    {
        int n = _head;
        if (n == AvlTree.Nil)
        {
            if (_fresh == _capacity)
                return AvlTree.Nil;
            n = _fresh++;
            _nodes[n] = default;
            _available--;
            return n;
        }
        _head = _nodes[n].NextUnused;
        _available--;
        return n;
    }

    public void Release(int index)
    {
        PmemNode* node = &_nodes[index];
        node->Kind = PmemNodeKind.Unused;
        node->Region.Type = RegionType.Free;
        node->Region.SetName(default);
        node->NextUnused = _head;
        _head = index;
        _available++;
    }

    public readonly string Validate()
    {
        int seen = 0;
        for (int n = _head; n != AvlTree.Nil; n = _nodes[n].NextUnused)
        {
            if (n < 0 || n >= _capacity)
                return "unused list link out of range";
            if (_nodes[n].Kind != PmemNodeKind.Unused)
                return "a node on the unused list is in use";
            if (++seen > _available)
                return "unused list is longer than its count (a cycle?)";
        }
        return seen + (_capacity - _fresh) == _available ? null : "unused list is shorter than its count";
    }
}
