// A process's physical memory: contiguous chunks taken from pmem (the LWK way: a process's memory is a
// few large contiguous blocks, not scattered pages), carved into the pieces that back its mappings, best
// fit and aligned so that large pages can be used. Any page range can be given back and merges with its
// neighbours. Built on pmem's free-extent structure; portable.
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.Processes;

internal unsafe struct PhysicalPool
{
    private FreeExtents _free;
    private PmemNodePool _nodes;

    public void Initialize(PmemNode* nodes, int capacity)
    {
        _nodes.Initialize(nodes, capacity);
        _free.Initialize(nodes);
    }

    public readonly ulong FreeBytes => _free.Bytes;
    public readonly ulong LargestFree => _free.Largest;

    // Adds free memory (a new chunk, or pages given back). False if out of bookkeeping nodes.
    public bool Give(ulong start, ulong length) => length == 0 || _free.Add(start, start + length, ref _nodes, AvlTree.Nil);

    // Whether all of [start, end) is free in the pool (so that the chunk holding it can go back to pmem).
    public readonly bool IsFree(ulong start, ulong end)
    {
        int extent = _free.Containing(start);
        return extent != AvlTree.Nil && _free.At(extent)->Region.End >= end;
    }

    // Takes a free range out of the pool (IsFree said so); false if that needs a node and there is none.
    public bool Withdraw(ulong start, ulong end)
    {
        if (_free.NodesNeededToRemove(start, end) > _nodes.Available)
            return false;
        _free.RemoveRange(start, end, ref _nodes);
        return true;
    }

    public bool TryTake(ulong length, ulong alignment, out ulong start)
    {
        if (!_free.FindFit(length, alignment, out _, out start))
            return false;
        if (_free.NodesNeededToRemove(start, start + length) > _nodes.Available)
            return false;
        _free.RemoveRange(start, start + length, ref _nodes);
        return true;
    }
}
