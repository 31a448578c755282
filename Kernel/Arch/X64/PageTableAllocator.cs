// Where page-table pages come from, and how the code reaches them. The kernel passes its physical page
// allocator and the direct map (PhysicalMemory.DirectMapBase); host tests pass a simulated physical memory,
// a buffer standing for [simulatedBase, simulatedBase + size), with DirectMapBase = buffer - simulatedBase.
namespace Kitten.Kernel.Arch.X64;

internal unsafe struct PageTableAllocator
{
    // Passed back to both functions: the allocator's own state.
    public void* Context;

    // Returns the physical address of a zeroed, 4 KiB-aligned page, or 0 when out of memory.
    public delegate*<void*, ulong> AllocateZeroedPage;

    // Takes back a page AllocateZeroedPage returned.
    public delegate*<void*, ulong, void> FreePage;

    // The table at physical address p is read and written at (byte*)DirectMapBase + p.
    public ulong DirectMapBase;
}
