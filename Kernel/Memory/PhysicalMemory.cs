// Addresses: physical memory is reachable from the kernel through the direct map, a linear window at
// DirectMapBase (the boot page tables map the first 4 GiB there).
namespace Kitten.Kernel.Memory;

internal static unsafe class PhysicalMemory
{
    public const ulong DirectMapBase = 0xFFFF800000000000;
    public const ulong KernelImageBase = 0xFFFFFFFF80000000;
    public const ulong BootDirectMapLimit = 4UL << 30;

    public static void* ToVirtual(ulong physical) => (void*)(DirectMapBase + physical);

    public static ulong ToPhysical(void* virtualAddress)
    {
        ulong address = (ulong)virtualAddress;
        return address >= KernelImageBase ? address - KernelImageBase : address - DirectMapBase;
    }
}
