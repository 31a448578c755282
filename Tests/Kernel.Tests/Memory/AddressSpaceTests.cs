using System.Runtime.InteropServices;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Tests.Arch.X64;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Memory;

public unsafe class AddressSpaceTests
{
    private const ulong K4 = 1UL << 12;
    private const ulong M2 = 1UL << 21;
    private const ulong G1 = 1UL << 30;
    private const ulong Ram = 64UL << 30;
    private const int Capacity = 8;
    private const PageFlags UserData = PageFlags.Writable | PageFlags.User;
    private const PageFlags UserCode = PageFlags.Executable | PageFlags.User;

    private SimulatedPhysicalMemory _memory;
    private readonly List<nint> _native = new();

    [SetUp]
    public void CreateMemory() => _memory = new SimulatedPhysicalMemory();

    [TearDown]
    public void FreeMemory()
    {
        foreach (nint p in _native)
            NativeMemory.Free((void*)p);
        _native.Clear();
        var errors = _memory.Errors.ToList();
        _memory.Dispose();
        Assert.That(errors, Is.Empty);
    }

    // Address spaces must not move (SMARTMAP slots record where their source is): native memory.
    private AddressSpace* NewSpace(int capacity = Capacity)
    {
        var space = (AddressSpace*)NativeMemory.AllocZeroed((nuint)sizeof(AddressSpace));
        var regions = (VirtualRegion*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(VirtualRegion)));
        _native.Add((nint)space);
        _native.Add((nint)regions);
        Assert.That(space->Create(_memory.Allocator, true, regions, capacity), Is.EqualTo(AddressSpaceResult.Ok));
        return space;
    }

    [Test]
    public void RegionsAreKeptInOrderAndMayNotOverlap()
    {
        AddressSpace* space = NewSpace();
        Assert.That(space->AddRegion(0x40_0000, 0x10_0000, UserCode, PageSizes.All), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->AddRegion(0x10_0000, 0x10_0000, UserData, PageSizes.All), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->AddRegion(0x20_0000, 0x20_0000, UserData, PageSizes.All), Is.EqualTo(AddressSpaceResult.Ok), "touching both neighbours");

        foreach (var (start, length) in new[] { (0x40_0000UL, K4), (0x3F_F000UL, 2 * K4), (0x4F_F000UL, 2 * K4), (0UL, 0x100_0000UL), (0x48_0000UL, K4) })
            Assert.That(space->AddRegion(start, length, UserData, PageSizes.All), Is.EqualTo(AddressSpaceResult.Overlaps), $"0x{start:X}+0x{length:X}");

        Assert.That(space->RegionCount, Is.EqualTo(3));
        Assert.That(Enumerable.Range(0, 3).Select(i => space->RegionAt(i).Start), Is.EqualTo(new ulong[] { 0x10_0000, 0x20_0000, 0x40_0000 }));
        Assert.That(space->FindRegion(0x4F_FFFF, out VirtualRegion region), Is.True);
        Assert.That((region.Start, region.End, region.Flags, region.HasBacking), Is.EqualTo((0x40_0000UL, 0x50_0000UL, UserCode, false)));
        Assert.That(space->FindRegion(0x50_0000, out _), Is.False);
        Assert.That(space->FindRegion(ulong.MaxValue, out _), Is.False);
    }

    [TestCase(0x1000UL, 0x800UL, (byte)AddressSpaceResult.Misaligned)]
    [TestCase(0x1800UL, 0x1000UL, (byte)AddressSpaceResult.Misaligned)]
    [TestCase(0x1000UL, 0UL, (byte)AddressSpaceResult.InvalidRange)]
    [TestCase(0x7F_FFFF_F000UL, 0x2000UL, (byte)AddressSpaceResult.InvalidRange)]   // crosses 512 GiB
    [TestCase(0x80_0000_0000UL, 0x1000UL, (byte)AddressSpaceResult.InvalidRange)]   // a SMARTMAP slot
    [TestCase(0xFFFF_8000_0000_0000UL, 0x1000UL, (byte)AddressSpaceResult.InvalidRange)]
    [TestCase(0x1000UL, 0xFFFF_FFFF_FFFF_F000UL, (byte)AddressSpaceResult.InvalidRange)]
    public void RegionsMustBePageAlignedAndInTheUserHalf(ulong start, ulong length, byte expected)
    {
        AddressSpace* space = NewSpace();
        Assert.That(space->AddRegion(start, length, UserData, PageSizes.All), Is.EqualTo((AddressSpaceResult)expected));
        Assert.That(space->RegionCount, Is.Zero);
    }

    [Test]
    public void UserRegionsCannotBeGlobal()
    {
        AddressSpace* space = NewSpace();
        Assert.That(space->AddRegion(0x40_0000, K4, UserData | PageFlags.Global, PageSizes.All, Ram), Is.EqualTo(AddressSpaceResult.InvalidFlags));
        Assert.That(space->RegionCount, Is.Zero);
        Assert.That(space->Translate(0x40_0000, out _, out _, out _), Is.False);
    }

    [Test]
    public void TheLastRegionBelow512GiBIsFine()
    {
        AddressSpace* space = NewSpace();
        Assert.That(space->AddRegion(AddressSpace.UserEnd - G1, G1, UserData, PageSizes.All, Ram), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->Translate(AddressSpace.UserEnd - 1, out ulong phys, out _, out ulong size), Is.True);
        Assert.That((phys, size), Is.EqualTo((Ram + G1 - 1, G1)));
    }

    [Test]
    public void RegionStorageHasAFixedCapacity()
    {
        AddressSpace* space = NewSpace(capacity: 3);
        for (ulong i = 0; i < 3; i++)
            Assert.That(space->AddRegion(i * M2, K4, UserData, PageSizes.All), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->AddRegion(10 * M2, K4, UserData, PageSizes.All), Is.EqualTo(AddressSpaceResult.RegionsFull));
        Assert.That(space->AddRegion(10 * M2, K4, UserData, PageSizes.All, Ram), Is.EqualTo(AddressSpaceResult.RegionsFull));
        Assert.That(space->Translate(10 * M2, out _, out _, out _), Is.False, "a refused region maps nothing");
        Assert.That(space->RemoveRegion(M2, K4), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->AddRegion(10 * M2, K4, UserData, PageSizes.All), Is.EqualTo(AddressSpaceResult.Ok));
    }

    [Test]
    public void ABackedRegionIsMappedWithItsPermissions()
    {
        AddressSpace* space = NewSpace();
        // [1G - 8K, 2G + 2M + 4K): as in the page-table tests, 4K/2M edges and a 1G middle.
        ulong start = G1 - 2 * K4, length = G1 + M2 + 3 * K4;
        Assert.That(space->AddRegion(start, length, UserData, PageSizes.All, Ram + start), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->PageTableBytes, Is.EqualTo(6 * 4096UL));
        Assert.That(space->Translate(G1 + 5, out ulong phys, out PageFlags flags, out ulong size), Is.True);
        Assert.That((phys, flags, size), Is.EqualTo((Ram + G1 + 5, UserData, G1)));
        Assert.That(space->FindRegion(start, out VirtualRegion region) && region.BackingPhysical == Ram + start, Is.True);

        // A region of 2M pages only cannot be backed by memory that is only 4K-aligned to it.
        Assert.That(space->AddRegion(4 * G1, M2, UserData, PageSizes.Size2M, Ram + K4), Is.EqualTo(AddressSpaceResult.Misaligned));
        Assert.That(space->RegionCount, Is.EqualTo(1));
    }

    [Test]
    public void MappingsMustLieInsideOneRegion()
    {
        AddressSpace* space = NewSpace();
        Assert.That(space->AddRegion(0x40_0000, 4 * M2, UserCode, PageSizes.Size4K), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->AddRegion(0x40_0000 + 4 * M2, 4 * M2, UserData, PageSizes.All), Is.EqualTo(AddressSpaceResult.Ok));

        Assert.That(space->MapPhysical(0x20_0000, Ram, K4), Is.EqualTo(AddressSpaceResult.NoRegion), "outside every region");
        Assert.That(space->MapPhysical(0x40_0000 + 4 * M2 - K4, Ram, 2 * K4), Is.EqualTo(AddressSpaceResult.NoRegion), "straddles two regions");
        Assert.That(space->MapPhysical(0x40_0000 + 8 * M2 - K4, Ram, 2 * K4), Is.EqualTo(AddressSpaceResult.NoRegion), "runs past the end");

        // The region decides permissions and page sizes: 4K-only code, large-page data.
        Assert.That(space->MapPhysical(0x40_0000, Ram, M2), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->MapPhysical(0x40_0000 + 4 * M2, Ram + G1, 4 * M2), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->Translate(0x40_0000 + 5, out ulong phys, out PageFlags flags, out ulong size), Is.True);
        Assert.That((phys, flags, size), Is.EqualTo((Ram + 5, UserCode, K4)));
        Assert.That(space->Translate(0x40_0000 + 5 * M2, out phys, out flags, out size), Is.True);
        Assert.That((phys, flags, size), Is.EqualTo((Ram + G1 + M2, UserData, M2)));

        Assert.That(space->MapPhysical(0x40_0000 + K4, Ram, K4), Is.EqualTo(AddressSpaceResult.AlreadyMapped));
        Assert.That(space->UnmapPhysical(0x40_0000 + 5 * M2 + K4, K4), Is.EqualTo(AddressSpaceResult.Ok), "splits a 2M page");
        Assert.That(space->Translate(0x40_0000 + 5 * M2 + K4, out _, out _, out _), Is.False);
        Assert.That(space->Translate(0x40_0000 + 5 * M2, out _, out _, out size) && size == K4, Is.True);
        Assert.That(space->UnmapPhysical(0x30_0000, K4), Is.EqualTo(AddressSpaceResult.NoRegion));
    }

    [Test]
    public void RemovingARegionUnmapsItAndFreesItsTables()
    {
        AddressSpace* space = NewSpace();
        Assert.That(space->AddRegion(G1 - 2 * K4, G1 + M2 + 3 * K4, UserData, PageSizes.All, Ram), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->AddRegion(5 * G1, M2, UserData, PageSizes.All), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->MapPhysical(5 * G1 + K4, Ram, K4), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->RemoveRegion(G1 - 2 * K4, G1), Is.EqualTo(AddressSpaceResult.NoRegion), "length must match");
        Assert.That(space->RemoveRegion(G1, G1), Is.EqualTo(AddressSpaceResult.NoRegion), "start must match");
        Assert.That(space->RemoveRegion(G1 - 2 * K4, G1 + M2 + 3 * K4), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->Translate(G1, out _, out _, out _), Is.False);
        Assert.That(space->RemoveRegion(5 * G1, M2), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->RegionCount, Is.Zero);
        Assert.That(space->PageTableBytes, Is.EqualTo(8192));
        Assert.That(_memory.PagesInUse, Is.EqualTo(2));
        Assert.That(space->Destroy(), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(_memory.PagesInUse, Is.Zero);
    }

    // A node running a job: the PCT and three ranks, each shown in every other's slots (and its own).
    [Test]
    public void SmartMapAcrossAJob()
    {
        const int processes = 4;   // slot 0: the PCT; slot i + 1: rank i
        const ulong heap = 0x1000_0000;
        var spaces = new AddressSpace*[processes];
        var pages = new ulong[processes];
        for (int i = 0; i < processes; i++)
        {
            spaces[i] = NewSpace();
            pages[i] = _memory.AllocatePage();
            *_memory.Pointer(pages[i]) = 100 + (ulong)i;
            Assert.That(spaces[i]->AddRegion(heap, M2, UserData, PageSizes.All), Is.EqualTo(AddressSpaceResult.Ok));
            Assert.That(spaces[i]->MapPhysical(heap, pages[i], K4), Is.EqualTo(AddressSpaceResult.Ok));
        }
        int tablePages = _memory.PagesInUse - processes;
        for (int viewer = 0; viewer < processes; viewer++)
            for (int slot = 0; slot < processes; slot++)
                Assert.That(spaces[viewer]->AttachSmartMap(slot, spaces[slot]), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(_memory.PagesInUse - processes, Is.EqualTo(tablePages), "slots cost no tables");

        for (int viewer = 0; viewer < processes; viewer++)
        {
            Assert.That(spaces[viewer]->SmartMapViewers, Is.EqualTo(processes));
            for (int slot = 0; slot < processes; slot++)
            {
                Assert.That(spaces[viewer]->Translate(PageTable.SmartMapAddress(slot, heap), out ulong phys, out PageFlags flags, out _), Is.True);
                Assert.That(*_memory.Pointer(phys), Is.EqualTo(100 + (ulong)slot), $"process {viewer} reading slot {slot}");
                Assert.That(flags, Is.EqualTo(UserData));
            }
        }

        Assert.That(spaces[0]->AttachSmartMap(1, spaces[2]), Is.EqualTo(AddressSpaceResult.SlotInUse));
        Assert.That(spaces[0]->AttachSmartMap(PageTable.SmartMapSlots, spaces[2]), Is.EqualTo(AddressSpaceResult.InvalidSlot));
        Assert.That(spaces[0]->AttachSmartMap(9, null), Is.EqualTo(AddressSpaceResult.NotCreated));
        Assert.That(spaces[0]->DetachSmartMap(9), Is.EqualTo(AddressSpaceResult.SlotEmpty));

        // Rank 1 (slot 2) exits: refused while others show it; detached everywhere, then destroyed.
        Assert.That(spaces[2]->Destroy(), Is.EqualTo(AddressSpaceResult.InUse));
        Assert.That(spaces[0]->Translate(PageTable.SmartMapAddress(2, heap), out _, out _, out _), Is.True, "a refused Destroy changes nothing");
        for (int viewer = 0; viewer < processes; viewer++)
        {
            if (viewer != 2)
                Assert.That(spaces[viewer]->DetachSmartMap(2), Is.EqualTo(AddressSpaceResult.Ok));
        }
        Assert.That(spaces[2]->SmartMapViewers, Is.EqualTo(1), "only its own slot");
        int before = _memory.PagesInUse;
        Assert.That(spaces[2]->Destroy(), Is.EqualTo(AddressSpaceResult.Ok), "its own slots, itself included, go with it");
        Assert.That(_memory.PagesInUse, Is.EqualTo(before - 4), "its PML4, PDPT, PD and PT, and no table of the others");
        for (int viewer = 0; viewer < processes; viewer++)
        {
            if (viewer == 2)
                continue;
            Assert.That(spaces[viewer]->SmartMapViewers, Is.EqualTo(processes - 1));
            Assert.That(spaces[viewer]->Translate(PageTable.SmartMapAddress(2, heap), out _, out _, out _), Is.False);
            Assert.That(spaces[viewer]->Translate(PageTable.SmartMapAddress(3, heap), out ulong phys, out _, out _) && phys == pages[3], Is.True);
        }

        // Everyone else leaves; nothing leaks.
        for (int viewer = 0; viewer < processes; viewer++)
            for (int slot = 0; slot < processes; slot++)
                if (viewer != 2 && slot != 2 && slot != viewer)
                    Assert.That(spaces[viewer]->DetachSmartMap(slot), Is.EqualTo(AddressSpaceResult.Ok));
        for (int i = 0; i < processes; i++)
        {
            if (i != 2)
                Assert.That(spaces[i]->Destroy(), Is.EqualTo(AddressSpaceResult.Ok));
            _memory.FreePage(pages[i]);
        }
        Assert.That(_memory.PagesInUse, Is.Zero);
    }

    [Test]
    public void TheKernelHalfIsShared()
    {
        var kernel = new PageTable();
        Assert.That(kernel.Create(_memory.Allocator, true), Is.EqualTo(PageTableResult.Ok));
        Assert.That(kernel.PreallocateKernelHalf(), Is.EqualTo(PageTableResult.Ok));
        Assert.That(kernel.Map(0xFFFF_8000_0000_0000, 0, 4 * G1, PageFlags.Writable | PageFlags.Global, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        AddressSpace* space = NewSpace();
        Assert.That(space->ShareKernelHalf(kernel), Is.EqualTo(AddressSpaceResult.Ok));
        Assert.That(space->Translate(0xFFFF_8000_0010_0000, out ulong phys, out _, out _) && phys == 0x10_0000, Is.True);
        Assert.That(space->PageTableBytes, Is.EqualTo(8192));
        Assert.That(space->Destroy(), Is.EqualTo(AddressSpaceResult.Ok));
        kernel.Destroy();
        Assert.That(_memory.PagesInUse, Is.Zero);
    }

    [Test]
    public void UncreatedSpacesRefuseEverything()
    {
        var space = (AddressSpace*)NativeMemory.AllocZeroed((nuint)sizeof(AddressSpace));
        _native.Add((nint)space);
        Assert.That(space->AddRegion(0, K4, UserData, PageSizes.All), Is.EqualTo(AddressSpaceResult.NotCreated));
        Assert.That(space->MapPhysical(0, 0, K4), Is.EqualTo(AddressSpaceResult.NotCreated));
        Assert.That(space->Destroy(), Is.EqualTo(AddressSpaceResult.NotCreated));
        AddressSpace* other = NewSpace();
        Assert.That(other->AttachSmartMap(0, space), Is.EqualTo(AddressSpaceResult.NotCreated));
        _memory.FailAfter = 1;
        var third = (AddressSpace*)NativeMemory.AllocZeroed((nuint)sizeof(AddressSpace));
        _native.Add((nint)third);
        Assert.That(third->Create(_memory.Allocator, true, null, 0), Is.EqualTo(AddressSpaceResult.OutOfMemory));
    }
}
