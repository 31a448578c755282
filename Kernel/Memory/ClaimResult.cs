// What Pmem.TryClaim did: the frames are now a region, or why not.
namespace Kitten.Kernel.Memory;

internal enum ClaimResult : byte
{
    Claimed,
    InUse,      // some page belongs to a region already (another process took it, or the kernel has it)
    NotMemory,  // some page is not memory pmem manages (a hole of the memory map), or the range is malformed
    NoNode,     // free, but pmem's bookkeeping is full
}
