// `bench=memory` (what `./kitten bench memory` boots): the page-table memory an address space needs to map
// 1 GiB of contiguous, aligned RAM with 4 KiB, 2 MiB and 1 GiB pages, and the time (TSC ticks; under
// -icount, instructions) to create the space, map the gigabyte and destroy it again.
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Memory;

internal static unsafe class MemoryBenchmark
{
    private const ulong GiB = 1UL << 30;
    private const int Repetitions = 5;

    public static bool Run()
    {
        ulong memory = PhysicalMemoryManager.Allocate(GiB, GiB, RegionType.UserMemory, "memory benchmark", zero: false);
        if (memory == 0)
        {
            Console.WriteLine("bench memory: needs 1 GiB of free, 1 GiB-aligned RAM (boot with --mem 3072 or more)");
            return false;
        }
        ulong giantBytes = 0, giantTicks = 0;
        Measure("4K", PageSizes.Size4K, memory, out _, out _);
        Measure("2M", PageSizes.Size4K | PageSizes.Size2M, memory, out _, out _);
        if (KernelPageTables.HasGigabytePages)
            Measure("1G", PageSizes.All, memory, out giantBytes, out giantTicks);
        else
            Measure("2M", PageSizes.Size4K | PageSizes.Size2M, memory, out giantBytes, out giantTicks);
        PhysicalMemoryManager.Free(memory);
        Console.WriteLine($"bench memory: pt_bytes_per_gib={giantBytes} create_map_destroy_ticks={giantTicks}");
        return true;
    }

    // The smallest of several runs: the first touches cold caches and pmem's trees.
    private static void Measure(string name, PageSizes sizes, ulong memory, out ulong tableBytes, out ulong bestTicks)
    {
        tableBytes = 0;
        bestTicks = ulong.MaxValue;
        var regions = (VirtualRegion*)KernelHeap.AllocateZeroed(4 * (ulong)sizeof(VirtualRegion));
        var space = (AddressSpace*)KernelHeap.AllocateZeroed((ulong)sizeof(AddressSpace), 64);
        for (int i = 0; i < Repetitions; i++)
        {
            ulong start = Cpu.ReadTscOrdered();
            space->Create(PhysicalMemoryManager.PageTableAllocator, KernelPageTables.HasNoExecute, regions, 4);
            space->ShareKernelHalf(KernelPageTables.Table);
            space->AddRegion(GiB, GiB, PageFlags.Writable | PageFlags.User, sizes);
            space->MapPhysical(GiB, memory, GiB);
            tableBytes = space->PageTableBytes;
            space->Destroy();
            ulong ticks = Cpu.ReadTscOrdered() - start;
            if (ticks < bestTicks)
                bestTicks = ticks;
        }
        KernelHeap.Free(space);
        KernelHeap.Free(regions);
        Console.WriteLine($"memory: pages={name} pt_bytes_per_gib={tableBytes} create_map_destroy_ticks={bestTicks}");
    }
}
