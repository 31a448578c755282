// One virtual region of an address space: a page-aligned range [Start, End) of the user half with the
// permissions every mapping in it gets and the page sizes mappings in it may use (Kitten's aspace regions).
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Memory;

internal struct VirtualRegion
{
    // BackingPhysical of a region whose memory is mapped piece by piece (or not yet), not as one block.
    public const ulong NoBacking = ulong.MaxValue;

    public ulong Start;
    public ulong End;
    public PageFlags Flags;
    public PageSizes PageSizes;
    public ulong BackingPhysical;   // where Start maps to, for a region added with its physical memory

    public readonly ulong Length => End - Start;
    public readonly bool HasBacking => BackingPhysical != NoBacking;

    // [start, end) lies inside this region; end is exclusive and greater than start.
    public readonly bool Contains(ulong start, ulong end) => start >= Start && end <= End;

    public readonly bool Overlaps(ulong start, ulong end) => start < End && Start < end;
}
