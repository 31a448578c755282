// The kernel's own page tables, built once at boot to replace the boot tables of multiboot2.asm:
//   - the direct map of physical memory at DirectMapBase: the first 4 GiB as at boot (write-back below
//     3 GiB, uncached above, where the PCI hole with the local APIC and I/O APIC lies), plus every usable
//     range above 4 GiB, with the largest pages that fit (1 GiB where the CPU has them);
//   - the kernel image at KernelImageBase with W^X permissions: code read+execute, read-only data
//     read-only, data and bss read+write, never execute;
//   - every kernel-half PML4 entry pre-allocated, so that address spaces created later share all kernel
//     mappings made at any time (AddressSpace.ShareKernelHalf).
// The pages come from the kernel heap, which lies below 4 GiB and so is reachable before the switch.
using System.Runtime;
using System.Runtime.CompilerServices;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Diagnostics;

namespace Kitten.Kernel.Memory;

internal static unsafe class KernelPageTables
{
    private const ulong GiB = 1UL << 30;
    private const ulong CachedLowEnd = 3 * GiB;
    private const ulong LowEnd = 4 * GiB;
    private const ulong GlobalPagesFlag = 1 << 7; // CR4.PGE (Intel SDM vol. 3, 4.10.2.4)

    private static PageTable s_kernel;
    private static PageSizes s_largestPages;

    public static ref PageTable Table => ref s_kernel;
    public static PageSizes LargestPages => s_largestPages;
    public static bool HasGigabytePages { get; private set; }
    public static bool HasNoExecute { get; private set; }

    [RuntimeImport("kitten_image_sections")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern ulong* ImageSections(); // text start, rodata start, data start, image end (virtual)

    public static void BuildAndSwitch(System.ReadOnlySpan<PhysicalRange> usable)
    {
        HasGigabytePages = (Cpu.Cpuid(0x80000001).Edx & (1 << 26)) != 0;
        HasNoExecute = (Cpu.Cpuid(0x80000001).Edx & (1 << 20)) != 0;
        s_largestPages = HasGigabytePages ? PageSizes.All : PageSizes.Size4K | PageSizes.Size2M;

        var allocator = new PageTableAllocator
        {
            AllocateZeroedPage = &HeapPage,
            FreePage = &FreeHeapPage,
            DirectMapBase = PhysicalMemory.DirectMapBase,
        };
        Check(s_kernel.Create(allocator, HasNoExecute), "create");
        Check(s_kernel.PreallocateKernelHalf(), "pre-allocate the kernel half");

        const PageFlags data = PageFlags.Writable | PageFlags.Global;
        Check(s_kernel.Map(PhysicalMemory.DirectMapBase, 0, CachedLowEnd, data, s_largestPages), "direct map below 3 GiB");
        Check(s_kernel.Map(PhysicalMemory.DirectMapBase + CachedLowEnd, CachedLowEnd, LowEnd - CachedLowEnd,
            data | PageFlags.NoCache, s_largestPages), "direct map of the PCI hole");
        for (int i = 0; i < usable.Length; i++)
        {
            PhysicalRange r = usable[i];
            if (r.End <= LowEnd)
                continue;
            ulong start = r.Base < LowEnd ? LowEnd : r.Base;
            Check(s_kernel.Map(PhysicalMemory.DirectMapBase + start, start, r.End - start, data, s_largestPages), "direct map above 4 GiB");
        }

        ulong* sections = ImageSections();
        ulong textStart = sections[0], rodataStart = sections[1], dataStart = sections[2], imageEnd = sections[3];
        MapImage(textStart, rodataStart, PageFlags.Executable | PageFlags.Global, "kernel code");
        MapImage(rodataStart, dataStart, PageFlags.Global, "kernel read-only data");
        MapImage(dataStart, imageEnd, PageFlags.Writable | PageFlags.Global, "kernel data");

        Cpu.WriteCr3(s_kernel.RootPhysical);
        Cpu.WriteCr4(Cpu.ReadCr4() | GlobalPagesFlag);
    }

    private static void MapImage(ulong start, ulong end, PageFlags flags, string what)
    {
        ulong physical = start - PhysicalMemory.KernelImageBase;
        Check(s_kernel.Map(start, physical, end - start, flags, s_largestPages), what);
    }

    private static void Check(PageTableResult result, string what)
    {
        if (result != PageTableResult.Ok)
            Panic.Fail2("kernel page tables: could not ", what);
    }

    private static ulong HeapPage(void* context)
    {
        void* page = KernelHeap.AllocateZeroed(4096, 4096);
        return page == null ? 0 : PhysicalMemory.ToPhysical(page);
    }

    private static void FreeHeapPage(void* context, ulong physical) => KernelHeap.Free(PhysicalMemory.ToVirtual(physical));
}
