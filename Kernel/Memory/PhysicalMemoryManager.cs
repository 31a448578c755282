// The kernel's pmem: one Pmem (typed, named, contiguous regions) behind an interrupt-safe lock, with
// zeroing on request through the direct map. Everything that needs physical memory at run time (page
// tables, processes, the memory-policy service) comes here; the kernel heap is one region in it.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Diagnostics;
using Kitten.Kernel.Runtime;
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Memory;

internal static unsafe class PhysicalMemoryManager
{
    private const int NodeCapacity = 16384;

    private static Pmem s_pmem;
    private static SpinLock s_lock;
    private static bool s_ready;

    public static bool IsReady => s_ready;

    // Free memory from the usable map; then what the kernel already uses, recorded as regions.
    public static void Initialize(System.ReadOnlySpan<PhysicalRange> usable, ulong imageBase, ulong imageEnd,
        ulong bootInfoBase, ulong bootInfoEnd)
    {
        var nodes = (PmemNode*)KernelHeap.AllocateZeroed((ulong)NodeCapacity * (ulong)Pmem.NodeSize);
        s_pmem.Initialize(nodes, NodeCapacity);
        for (int i = 0; i < usable.Length; i++)
            if (!s_pmem.AddFree(usable[i].Base, usable[i].Length))
                Panic.Fail("pmem: could not add a usable range");
        Reserve(imageBase, imageEnd - imageBase, RegionType.Kernel, "kernel image");
        // GRUB may put the boot information in a gap of the image (after the small boot section); the image
        // region covers it then.
        if (bootInfoEnd <= imageBase || bootInfoBase >= imageEnd)
            Reserve(bootInfoBase, bootInfoEnd - bootInfoBase, RegionType.BootInfo, "multiboot2 info");
        Reserve(KernelHeap.PhysicalBase, KernelHeap.TotalBytes, RegionType.KernelHeap, "kernel heap");
        s_ready = true;
    }

    public static void Reserve(ulong start, ulong length, RegionType type, string name)
    {
        bool interrupts = s_lock.Acquire();
        bool ok = s_pmem.Reserve(start, length, type, name);
        s_lock.Release(interrupts);
        if (!ok)
            Panic.Fail2("pmem: could not reserve ", name);
    }

    // A physically contiguous region, or 0 if none is free; zeroed when asked.
    public static ulong Allocate(ulong size, ulong alignment, RegionType type, string name, bool zero)
    {
        bool interrupts = s_lock.Acquire();
        bool ok = s_pmem.TryAllocate(size, alignment, type, name, out ulong start);
        s_lock.Release(interrupts);
        if (!ok)
            return 0;
        if (zero)
            MemoryOps.Zero(PhysicalMemory.ToVirtual(start), (nuint)RoundToPages(size));
        return start;
    }

    // Exactly [start, start + length) as a region, if all of it is free (PlacedExec: the frames a
    // placement planned). ClaimResult.Claimed, or why not (nothing changed then).
    public static ClaimResult TryClaim(ulong start, ulong length, RegionType type, string name)
    {
        byte* ascii = stackalloc byte[PmemRegion.MaxNameLength];
        System.ReadOnlySpan<byte> bytes = PmemRegion.ToAscii(name, ascii);
        bool interrupts = s_lock.Acquire();
        ClaimResult result = s_pmem.TryClaim(start, length, type, bytes);
        s_lock.Release(interrupts);
        return result;
    }

    public static void Free(ulong start)
    {
        bool interrupts = s_lock.Acquire();
        bool ok = s_pmem.Free(start);
        s_lock.Release(interrupts);
        if (!ok)
            Panic.Fail("pmem: free of an address that starts no region");
    }

    public static bool FindRegion(ulong address, out PmemRegion region)
    {
        bool interrupts = s_lock.Acquire();
        bool found = s_pmem.FindRegion(address, out region);
        s_lock.Release(interrupts);
        return found;
    }

    public static bool NextRegion(ulong address, RegionType type, out PmemRegion region)
    {
        bool interrupts = s_lock.Acquire();
        bool found = s_pmem.NextRegion(address, type, out region);
        s_lock.Release(interrupts);
        return found;
    }

    public static int CountRegions(RegionType type)
    {
        bool interrupts = s_lock.Acquire();
        int count = s_pmem.CountRegions(type);
        s_lock.Release(interrupts);
        return count;
    }

    // The free extents into a free-memory view (FreeMemoryView.WriteContents), read under the lock so that
    // they are one consistent picture. The number written.
    public static int WriteFreeMemoryView(byte* view, int bytes, System.ReadOnlySpan<byte> cpuNodes, byte node)
    {
        bool interrupts = s_lock.Acquire();
        int count = FreeMemoryView.WriteContents(view, bytes, ref s_pmem, cpuNodes, node);
        s_lock.Release(interrupts);
        return count;
    }

    public static ulong FreeBytes => s_pmem.FreeBytes;
    public static ulong TotalBytes => s_pmem.TotalBytes;
    public static ulong LargestFreeExtent => s_pmem.LargestFreeExtent;

    public static string Validate()
    {
        bool interrupts = s_lock.Acquire();
        string problem = s_pmem.Validate();
        s_lock.Release(interrupts);
        return problem;
    }

    private static ulong RoundToPages(ulong size) => (size + Pmem.PageSize - 1) & ~(Pmem.PageSize - 1);

    // Page-table pages for address spaces, each a PageTables region of its own, reused through a free list.
    public static PageTableAllocator PageTableAllocator => new PageTableAllocator
    {
        AllocateZeroedPage = &AllocatePageTablePage,
        FreePage = &FreePageTablePage,
        DirectMapBase = PhysicalMemory.DirectMapBase,
    };

    private static ulong AllocatePageTablePage(void* context) => PageTablePages.Allocate();

    private static void FreePageTablePage(void* context, ulong page) => PageTablePages.Free(page);
}
