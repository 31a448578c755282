// pmem's portable core, run inside the kernel (so that ILC compiles it and it runs on the real target):
// bookkeeping only, over the machine's real usable map and over made-up ranges far above 4 GiB. No managed
// memory is touched, so these tests are safe before the kernel hands memory to pmem for real.
using Kitten.Kernel.Boot;
using Kitten.Kernel.SelfTest;

namespace Kitten.Kernel.Memory;

internal static unsafe class PmemSelfTests
{
    private const ulong MiB = 1UL << 20;
    private const ulong GiB = 1UL << 30;

    public static void Register(SelfTestList tests)
    {
        tests.Add("memory.pmem_boot_map", &BootMap);
        tests.Add("memory.pmem_aligned_above_4g", &AlignedAbove4G);
        tests.Add("memory.pmem_churn_keeps_invariants", &Churn);
    }

    private static bool NameIs(in PmemRegion region, string name)
    {
        byte* ascii = stackalloc byte[PmemRegion.MaxNameLength];
        return region.NameEquals(PmemRegion.ToAscii(name, ascii));
    }

    private static PmemNode* NewNodes(int capacity) => (PmemNode*)KernelHeap.AllocateZeroed((ulong)(capacity * Pmem.NodeSize));

    // The boot sequence the kernel's wrapper will follow: the usable map, then the kernel heap reserved.
    private static void BootMap(ref TestContext t)
    {
        const int Capacity = 256;
        PmemNode* nodes = NewNodes(Capacity);
        Pmem pmem = default;
        pmem.Initialize(nodes, Capacity);
        PhysicalRange[] usable = BootInfo.UsableMemory;
        for (int i = 0; i < usable.Length; i++)
            t.Check(pmem.AddFree(usable[i].Base, usable[i].Length), "AddFree of a usable range failed");
        t.Equal(BootInfo.UsableBytes, pmem.FreeBytes, "free bytes after adding the usable map");
        t.Check(pmem.Reserve(KernelHeap.PhysicalBase, KernelHeap.TotalBytes, RegionType.KernelHeap, "kernel heap"),
            "reserving the kernel heap failed");
        t.Equal(BootInfo.UsableBytes, pmem.TotalBytes, "the heap lies in usable memory");
        t.Check(pmem.FindRegion(KernelHeap.PhysicalBase, out PmemRegion heap) && heap.Type == RegionType.KernelHeap
            && NameIs(heap, "kernel heap"), "the heap region is not found by address");
        if (pmem.TryAllocate(2 * MiB, 2 * MiB, RegionType.UserMemory, "test", out ulong b))
        {
            t.Check((b & (2 * MiB - 1)) == 0, "2 MiB allocation not aligned");
            t.Check(b + 2 * MiB <= heap.Base || b >= heap.End, "allocation overlaps the heap");
            t.Check(pmem.Free(b), "free failed");
        }
        t.Check(pmem.Free(heap.Base), "freeing the heap region failed");
        t.Equal(BootInfo.UsableBytes, pmem.FreeBytes, "free bytes after freeing everything");
        string problem = pmem.Validate();
        t.Check(problem == null, problem ?? "");
        KernelHeap.Free(nodes);
    }

    private static void AlignedAbove4G(ref TestContext t)
    {
        const int Capacity = 64;
        PmemNode* nodes = NewNodes(Capacity);
        Pmem pmem = default;
        pmem.Initialize(nodes, Capacity);
        pmem.AddFree(0x1_0000_0000 + 4096, 256 * GiB);
        pmem.AddFree(MiB, 3 * MiB); // a small hole that small allocations must prefer
        ulong small = 0, large = 0, huge = 0;
        t.Check(pmem.TryAllocate(4096, 4096, RegionType.PageTables, "pt", out small), "4 KiB allocation failed");
        t.Check(small < 4 * MiB, "4 KiB allocation did not use the small hole");
        t.Check(pmem.TryAllocate(2 * MiB, 2 * MiB, RegionType.UserMemory, "2m", out large), "2 MiB allocation failed");
        t.Equal(2 * MiB, large, "2 MiB allocation is not in the small hole");
        t.Check(pmem.TryAllocate(100 * GiB, GiB, RegionType.InitTask, "1g", out huge), "1 GiB-aligned allocation failed");
        t.Equal(0x1_4000_0000, huge, "1 GiB-aligned allocation not at the first boundary");
        t.Equal(3, (ulong)pmem.RegionCount, "region count");
        t.Check(pmem.Free(small) && pmem.Free(large) && pmem.Free(huge), "free failed");
        t.Equal(2, (ulong)pmem.FreeExtentCount, "free extents did not merge back");
        string problem = pmem.Validate();
        t.Check(problem == null, problem ?? "");
        KernelHeap.Free(nodes);
    }

    private static void Churn(ref TestContext t)
    {
        const int Capacity = 512;
        const int Slots = 128;
        PmemNode* nodes = NewNodes(Capacity);
        Pmem pmem = default;
        pmem.Initialize(nodes, Capacity);
        pmem.AddFree(16 * MiB, 4 * GiB);
        pmem.AddFree(8 * GiB, 64 * GiB);
        ulong total = pmem.FreeBytes;
        ulong* live = stackalloc ulong[Slots];
        for (int i = 0; i < Slots; i++)
            live[i] = 0;
        ulong state = 0x9E3779B97F4A7C15;
        for (int step = 0; step < 3000 && !t.Failed; step++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            int slot = (int)(state % Slots);
            if (live[slot] != 0)
            {
                t.Check(pmem.Free(live[slot]), "free of a live region failed");
                live[slot] = 0;
            }
            else
            {
                ulong size = ((state >> 8) % 4096 + 1) * 4096;
                ulong alignment = 4096UL << (int)((state >> 24) % 19);
                if (pmem.TryAllocate(size, alignment, RegionType.UserMemory, "churn", out ulong b))
                {
                    t.Check((b & (alignment - 1)) == 0, "allocation not aligned");
                    live[slot] = b;
                }
            }
            if (step % 100 == 0)
            {
                string problem = pmem.Validate();
                t.Check(problem == null, problem ?? "");
            }
        }
        for (int i = 0; i < Slots; i++)
            if (live[i] != 0)
                pmem.Free(live[i]);
        t.Equal(total, pmem.FreeBytes, "free bytes after the churn");
        t.Equal(2, (ulong)pmem.FreeExtentCount, "free extents after the churn");
        KernelHeap.Free(nodes);
    }
}
