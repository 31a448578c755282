// Address spaces on the real MMU: the kernel's own tables (W^X, the direct map), pmem, and user address
// spaces that the CPU actually walks: loads and stores through them after a CR3 switch, SMARTMAP between
// several spaces at once, and the page-table cost of large pages.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Boot;
using Kitten.Kernel.SelfTest;

namespace Kitten.Kernel.Memory;

internal static unsafe class AddressSpaceSelfTests
{
    private const ulong MiB = 1UL << 20;
    private const ulong GiB = 1UL << 30;
    private const int RegionCapacity = 16;

    public static void Register(SelfTestList tests)
    {
        tests.Add("memory.kernel_image_is_w_xor_x", &KernelImageIsWXorX);
        tests.Add("memory.direct_map_covers_all_ram", &DirectMapCoversAllRam);
        tests.Add("memory.pmem_zeroes_on_request", &PmemZeroesOnRequest);
        tests.Add("memory.pmem_regions_typed_and_named", &PmemRegionsTypedAndNamed);
        tests.Add("memory.aspace_loads_and_stores_after_cr3_switch", &LoadsAndStoresAfterCr3Switch);
        tests.Add("memory.aspace_1gib_uses_at_most_8kib_of_tables", &OneGibUsesAtMost8Kib);
        tests.Add("memory.aspace_page_sizes_at_region_edges", &PageSizesAtRegionEdges);
        tests.Add("memory.smartmap_pct_and_three_ranks", &SmartMapPctAndThreeRanks);
    }

    // An address space with the kernel half shared, its region storage on the heap.
    private static AddressSpace* NewSpace()
    {
        var space = (AddressSpace*)KernelHeap.AllocateZeroed((ulong)sizeof(AddressSpace), 64);
        var regions = (VirtualRegion*)KernelHeap.AllocateZeroed((ulong)(RegionCapacity * sizeof(VirtualRegion)));
        if (space->Create(PhysicalMemoryManager.PageTableAllocator, KernelPageTables.HasNoExecute, regions, RegionCapacity) != AddressSpaceResult.Ok
            || space->ShareKernelHalf(KernelPageTables.Table) != AddressSpaceResult.Ok)
            return null;
        return space;
    }

    private static void DeleteSpace(AddressSpace* space, VirtualRegion* regions)
    {
        space->Destroy();
        KernelHeap.Free(regions);
        KernelHeap.Free(space);
    }

    private static VirtualRegion* RegionsOf(AddressSpace* space) => space->RegionStorage;

    private static ulong CodeAddress() => (ulong)(delegate*<ref TestContext, void>)&KernelImageIsWXorX;

    private static ulong s_dataWord;

    private static void KernelImageIsWXorX(ref TestContext t)
    {
        ref PageTable kernel = ref KernelPageTables.Table;
        t.Check(kernel.Translate(CodeAddress(), out _, out PageFlags code, out _), "kernel code is not mapped");
        t.Check((code & PageFlags.Executable) != 0 && (code & PageFlags.Writable) == 0, "kernel code is writable or not executable");
        ulong data;
        fixed (ulong* word = &s_dataWord)
            data = (ulong)word;
        t.Check(kernel.Translate(data, out _, out PageFlags dataFlags, out _), "kernel data is not mapped");
        t.Check((dataFlags & PageFlags.Writable) != 0 && (dataFlags & PageFlags.Executable) == 0, "kernel data is read-only or executable");
        t.Equal(KernelPageTables.Table.RootPhysical, Cpu.ReadCr3() & ~0xFFFUL, "CR3 holds the kernel's tables");
    }

    private static void DirectMapCoversAllRam(ref TestContext t)
    {
        PhysicalRange[] usable = BootInfo.UsableMemory;
        for (int i = 0; i < usable.Length; i++)
        {
            ulong last = usable[i].End - 4096;
            bool first = KernelPageTables.Table.Translate(PhysicalMemory.DirectMapBase + usable[i].Base, out ulong p1, out _, out _);
            bool end = KernelPageTables.Table.Translate(PhysicalMemory.DirectMapBase + last, out ulong p2, out _, out _);
            t.Check(first && end && p1 == usable[i].Base && p2 == last, "a usable range is not in the direct map");
        }
    }

    private static void PmemZeroesOnRequest(ref TestContext t)
    {
        const ulong Size = 64 * 1024;
        ulong dirty = PhysicalMemoryManager.Allocate(Size, 4096, RegionType.Other, "dirty", zero: false);
        t.Check(dirty != 0, "allocation failed");
        Runtime.MemoryOps.Fill((byte*)PhysicalMemory.ToVirtual(dirty), 0xAA, (nuint)Size);
        PhysicalMemoryManager.Free(dirty);
        ulong clean = PhysicalMemoryManager.Allocate(Size, 4096, RegionType.Other, "clean", zero: true);
        var bytes = (byte*)PhysicalMemory.ToVirtual(clean);
        bool zero = true;
        for (ulong i = 0; i < Size; i++)
            zero &= bytes[i] == 0;
        t.Equal(dirty, clean, "best fit gave back the same memory");
        t.Check(zero, "memory asked for zeroed is not");
        PhysicalMemoryManager.Free(clean);
    }

    private static void PmemRegionsTypedAndNamed(ref TestContext t)
    {
        ulong code = CodeAddress() - PhysicalMemory.KernelImageBase;
        t.Check(PhysicalMemoryManager.FindRegion(code, out PmemRegion image) && image.Type == RegionType.Kernel,
            "the kernel code's physical address is not in a Kernel region");
        t.Equal(1, PhysicalMemoryManager.CountRegions(RegionType.KernelHeap), "kernel heap regions");
        ulong freeBefore = PhysicalMemoryManager.FreeBytes;
        ulong user = PhysicalMemoryManager.Allocate(3 * MiB, 2 * MiB, RegionType.UserMemory, "selftest rank 0", zero: false);
        t.Check(user != 0 && (user & (2 * MiB - 1)) == 0, "2 MiB-aligned allocation");
        t.Check(PhysicalMemoryManager.FindRegion(user + MiB, out PmemRegion found) && found.Base == user
            && found.Type == RegionType.UserMemory && found.NameEquals("selftest rank 0"u8), "the region is not found by an inner address with its type and name");
        t.Check(PhysicalMemoryManager.NextRegion(0, RegionType.UserMemory, out PmemRegion byType) && byType.Base == user,
            "the region is not found by type");
        PhysicalMemoryManager.Free(user);
        t.Equal(freeBefore, PhysicalMemoryManager.FreeBytes, "free bytes after free");
        t.Check(PhysicalMemoryManager.Validate() == null, "pmem invariants broken");
    }

    private static void LoadsAndStoresAfterCr3Switch(ref TestContext t)
    {
        ulong freeBefore = FreeBytesWithoutKeptTables();
        AddressSpace* space = NewSpace();
        ulong frame = PhysicalMemoryManager.Allocate(2 * MiB, 2 * MiB, RegionType.UserMemory, "selftest", zero: true);
        const ulong UserAddress = 0x4000_0000;
        t.Check(space != null && frame != 0, "set-up failed");
        t.Equal((ulong)AddressSpaceResult.Ok, (ulong)space->AddRegion(UserAddress, 2 * MiB, PageFlags.Writable | PageFlags.User, PageSizes.All), "add region");
        t.Equal((ulong)AddressSpaceResult.Ok, (ulong)space->MapPhysical(UserAddress, frame, 2 * MiB), "map");
        t.Check(space->Translate(UserAddress + 4096, out ulong physical, out _, out ulong pageSize) && physical == frame + 4096 && pageSize == 2 * MiB,
            "translation through a 2 MiB page");

        bool interrupts = Cpu.InterruptsEnabled;
        Cpu.DisableInterrupts();
        ulong kernelCr3 = Cpu.ReadCr3();
        Cpu.WriteCr3(space->RootPhysical);
        *(ulong*)(UserAddress + 8) = 0x1234_5678_9ABC_DEF0;
        ulong readBack = *(ulong*)(UserAddress + MiB);
        *(ulong*)(UserAddress + MiB) = readBack + 7;
        Cpu.WriteCr3(kernelCr3);
        if (interrupts) Cpu.EnableInterrupts();

        var direct = (ulong*)PhysicalMemory.ToVirtual(frame);
        t.Equal(0x1234_5678_9ABC_DEF0, direct[1], "store through the user mapping seen in the direct map");
        t.Equal(7, direct[MiB / 8], "load and store in the same page");
        DeleteSpace(space, RegionsOf(space));
        PhysicalMemoryManager.Free(frame);
        t.Equal(freeBefore, FreeBytesWithoutKeptTables(), "pmem free bytes after destroying the space");
    }

    // Only the tables are counted, so the 1 GiB of physical address space need not be free memory: it is
    // mapped, measured and unmapped without being touched.
    private static void OneGibUsesAtMost8Kib(ref TestContext t)
    {
        ulong freeBefore = FreeBytesWithoutKeptTables();
        ulong withGiant = MeasureTables(KernelPageTables.LargestPages);
        ulong with2M = MeasureTables(PageSizes.Size4K | PageSizes.Size2M);
        ulong with4K = MeasureTables(PageSizes.Size4K);
        if (KernelPageTables.HasGigabytePages)
            t.InRange(withGiant, 1, 8192, "page-table bytes for 1 GiB with 1 GiB pages");
        t.Equal(3 * 4096, with2M, "page-table bytes for 1 GiB with 2 MiB pages");
        t.Equal((3 + 512) * 4096, with4K, "page-table bytes for 1 GiB with 4 KiB pages");
        t.Equal(freeBefore, FreeBytesWithoutKeptTables(), "pmem free bytes afterwards");
    }

    public static ulong MeasureTables(PageSizes sizes)
    {
        AddressSpace* space = NewSpace();
        space->AddRegion(GiB, GiB, PageFlags.Writable | PageFlags.User, sizes);
        space->MapPhysical(GiB, GiB, GiB);
        ulong bytes = space->PageTableBytes;
        DeleteSpace(space, RegionsOf(space));
        return bytes;
    }

    private static void PageSizesAtRegionEdges(ref TestContext t)
    {
        AddressSpace* space = NewSpace();
        ulong start = GiB - 8 * 1024, end = 2 * GiB + 2 * MiB + 4096;
        space->AddRegion(start, end - start, PageFlags.Writable | PageFlags.User, KernelPageTables.LargestPages);
        t.Equal((ulong)AddressSpaceResult.Ok, (ulong)space->MapPhysical(start, start, end - start), "map");
        ulong expectedMiddle = KernelPageTables.HasGigabytePages ? GiB : 2 * MiB;
        t.Equal(4096, SizeAt(space, start), "page at the unaligned start");
        t.Equal(expectedMiddle, SizeAt(space, GiB), "page in the aligned middle");
        t.Equal(2 * MiB, SizeAt(space, 2 * GiB), "page after the last 1 GiB boundary");
        t.Equal(4096, SizeAt(space, 2 * GiB + 2 * MiB), "page at the unaligned end");
        t.Check(!space->Translate(end, out _, out _, out _), "mapped past the region's end");
        DeleteSpace(space, RegionsOf(space));
    }

    private static ulong SizeAt(AddressSpace* space, ulong address)
    {
        space->Translate(address, out _, out _, out ulong pageSize);
        return pageSize;
    }

    // Kitten's SMARTMAP: slot 0 shows the PCT, slot i+1 rank i; every rank sees every other's memory at a
    // fixed offset with plain loads.
    private static void SmartMapPctAndThreeRanks(ref TestContext t)
    {
        const int Spaces = 4;
        const ulong Data = 0x1000_0000;
        var spaces = stackalloc AddressSpace*[Spaces];
        var frames = stackalloc ulong[Spaces];
        for (int i = 0; i < Spaces; i++)
        {
            spaces[i] = NewSpace();
            frames[i] = PhysicalMemoryManager.Allocate(4096, 4096, RegionType.UserMemory, "smartmap test", zero: true);
            *(ulong*)PhysicalMemory.ToVirtual(frames[i]) = 1000 + (ulong)i;
            spaces[i]->AddRegion(Data, 4096, PageFlags.Writable | PageFlags.User, PageSizes.Size4K);
            spaces[i]->MapPhysical(Data, frames[i], 4096);
        }
        for (int viewer = 0; viewer < Spaces; viewer++)
            for (int slot = 0; slot < Spaces; slot++)
                t.Equal((ulong)AddressSpaceResult.Ok, (ulong)spaces[viewer]->AttachSmartMap(slot, spaces[slot]), "attach");

        var seen = stackalloc ulong[Spaces * Spaces];
        bool interrupts = Cpu.InterruptsEnabled;
        Cpu.DisableInterrupts();
        ulong kernelCr3 = Cpu.ReadCr3();
        for (int viewer = 0; viewer < Spaces; viewer++)
        {
            Cpu.WriteCr3(spaces[viewer]->RootPhysical);
            for (int slot = 0; slot < Spaces; slot++)
                seen[viewer * Spaces + slot] = *(ulong*)PageTable.SmartMapAddress(slot, Data);
        }
        // A store through a slot lands in the source's memory.
        Cpu.WriteCr3(spaces[1]->RootPhysical);
        *(ulong*)PageTable.SmartMapAddress(3, Data) = 4242;
        Cpu.WriteCr3(kernelCr3);
        if (interrupts) Cpu.EnableInterrupts();

        for (int viewer = 0; viewer < Spaces; viewer++)
            for (int slot = 0; slot < Spaces; slot++)
                if (!(slot == 3 && viewer > 1))
                    t.Equal(1000 + (ulong)slot, seen[viewer * Spaces + slot], "value read through a SMARTMAP slot");
        t.Equal(4242, *(ulong*)PhysicalMemory.ToVirtual(frames[3]), "store through a slot");

        for (int viewer = 0; viewer < Spaces; viewer++)
            for (int slot = 0; slot < Spaces; slot++)
                spaces[viewer]->DetachSmartMap(slot);
        for (int i = 0; i < Spaces; i++)
        {
            DeleteSpace(spaces[i], RegionsOf(spaces[i]));
            PhysicalMemoryManager.Free(frames[i]);
        }
    }

    // Free pmem once page-table pages kept for reuse have gone back: what an address space left behind.
    private static ulong FreeBytesWithoutKeptTables()
    {
        PageTablePages.Drain();
        return PhysicalMemoryManager.FreeBytes;
    }
}
