using Kitten.Kernel.Memory;
using NUnit.Framework;
using static Kitten.Kernel.Tests.Memory.PmemHarness;

namespace Kitten.Kernel.Tests.Memory;

public class PmemTests
{
    [Test]
    public void EmptyPmemHasNothing()
    {
        var h = new PmemHarness(16);
        Assert.That(h.Pmem.TotalBytes, Is.Zero);
        Assert.That(h.Pmem.LargestFreeExtent, Is.Zero);
        Assert.That(h.Pmem.AvailableNodes, Is.EqualTo(16));
        Assert.That(h.Pmem.TryAllocate(4096, 4096, RegionType.UserMemory, Name("x"), out ulong b), Is.False);
        Assert.That(b, Is.Zero);
        Assert.That(h.Pmem.FindRegion(0x100000, out _), Is.False);
        Assert.That(h.Pmem.Validate(), Is.Null);
    }

    [Test]
    public void AddFreeKeepsWholePagesAndMergesNeighbours()
    {
        var h = new PmemHarness(16);
        Assert.That(h.Pmem.AddFree(0x100800, 0x1FF000), Is.True); // whole pages: 0x101000-0x2FF000
        Assert.That(h.Pmem.AddFree(0x2FF000, 0x1000), Is.True);   // touches the end
        Assert.That(h.Pmem.AddFree(0x100000, 0x1000), Is.True);   // touches the start
        Assert.That(h.Pmem.AddFree(0x500000, 0x800), Is.True, "less than a page is not an error");
        Assert.That(h.FreeExtents(), Is.EqualTo(new[] { (0x100000UL, 0x300000UL) }));
        Assert.That(h.Pmem.FreeBytes, Is.EqualTo(0x200000UL));
        Assert.That(h.Pmem.AvailableNodes, Is.EqualTo(15), "merged ranges share one node");
        Assert.That(h.Pmem.Validate(), Is.Null);
    }

    [Test]
    public void AddFreeRefusesOverlaps()
    {
        var h = new PmemHarness(16);
        h.Pmem.AddFree(0x100000, 0x100000);
        h.Pmem.Reserve(0x400000, 0x1000, RegionType.Firmware, Name("acpi"));
        string before = h.Snapshot();
        Assert.That(h.Pmem.AddFree(0x1FF000, 0x2000), Is.False, "overlaps the end of free memory");
        Assert.That(h.Pmem.AddFree(0x080000, 0x100000), Is.False, "overlaps the start of free memory");
        Assert.That(h.Pmem.AddFree(0, 0x1000000), Is.False, "covers free memory");
        Assert.That(h.Pmem.AddFree(0x3FF000, 0x2000), Is.False, "overlaps a region");
        Assert.That(h.Snapshot(), Is.EqualTo(before));
        Assert.That(h.Pmem.Validate(), Is.Null);
    }

    [TestCase(4 * KiB)]
    [TestCase(2 * MiB)]
    [TestCase(1 * GiB)]
    public void AllocationsAreAlignedAtTheLowestAlignedAddress(ulong alignment)
    {
        var h = new PmemHarness(64);
        h.Pmem.AddFree(0x101000, 8 * GiB);
        ulong expected = (0x101000 + alignment - 1) & ~(alignment - 1);
        ulong first = h.Allocate(alignment, alignment);
        Assert.That(first, Is.EqualTo(expected));
        ulong second = h.Allocate(5000, alignment); // rounds up to two pages
        Assert.That(second % alignment, Is.Zero);
        Assert.That(h.Pmem.FindRegion(second, out PmemRegion r), Is.True);
        Assert.That(r.Length, Is.EqualTo(8 * KiB));
        Assert.That(h.Pmem.FreeBytes + h.Pmem.UsedBytes, Is.EqualTo(8 * GiB));
        if (alignment > 4 * KiB)
            Assert.That(h.FreeExtents()[0], Is.EqualTo((0x101000UL, expected)), "the gap before stays free");
    }

    [Test]
    public void BestFitPrefersTheSmallestHole()
    {
        var h = new PmemHarness(64);
        h.Pmem.AddFree(0x10000000, 256 * MiB);
        h.Pmem.AddFree(0x1000000, 1 * MiB);
        h.Pmem.AddFree(0x2000000, 64 * KiB);
        h.Pmem.AddFree(0x3000000, 16 * MiB);
        Assert.That(h.Allocate(32 * KiB), Is.EqualTo(0x2000000UL), "the 64 KiB hole");
        Assert.That(h.Allocate(32 * KiB), Is.EqualTo(0x2008000UL), "the rest of it");
        Assert.That(h.Allocate(32 * KiB), Is.EqualTo(0x1000000UL), "now the 1 MiB hole");
        Assert.That(h.Allocate(2 * MiB), Is.EqualTo(0x3000000UL), "the 16 MiB extent, not the 256 MiB one");
        Assert.That(h.Pmem.LargestFreeExtent, Is.EqualTo(256 * MiB));
    }

    [Test]
    public void OneGigabyteBlockSurvivesSmallAllocationsWhileSmallHolesExist()
    {
        var h = new PmemHarness(1024);
        h.Pmem.AddFree(1 * GiB, 1 * GiB);
        h.Pmem.AddFree(1 * MiB, 1 * MiB); // a small hole
        h.Pmem.AddFree(4 * MiB, 2 * MiB); // an aligned 2 MiB hole
        for (int i = 0; i < 256; i++)
            Assert.That(h.Allocate(4 * KiB), Is.LessThan(2 * MiB), "a small allocation did not go to the small hole");
        Assert.That(h.Allocate(2 * MiB, 2 * MiB), Is.EqualTo(4 * MiB), "the 2 MiB hole");
        Assert.That(h.Allocate(1 * GiB, 1 * GiB), Is.EqualTo(1 * GiB), "the 1 GiB block is still whole");
        Assert.That(h.Pmem.FreeBytes, Is.Zero);
    }

    [Test]
    public void AlignedRequestSkipsMisalignedHolesThatAreLongEnough()
    {
        var h = new PmemHarness(64);
        h.Pmem.AddFree(2 * MiB + 4 * KiB, 2 * MiB);  // long enough, but no 2 MiB boundary leaves 2 MiB
        h.Pmem.AddFree(10 * MiB + 4 * KiB, 4 * MiB); // holds 12-14 MiB
        h.Pmem.AddFree(64 * MiB, 64 * MiB);
        Assert.That(h.Allocate(2 * MiB, 2 * MiB), Is.EqualTo(12 * MiB));
    }

    [Test]
    public void MemoryFarAbove4GiBWorks()
    {
        var h = new PmemHarness(4096);
        h.Pmem.AddFree(0x1_0000_0000, 500 * GiB);
        h.Pmem.AddFree(0x100000, 0x7FF00000); // and some below 4 GiB
        ulong total = h.Pmem.FreeBytes;
        var gigs = Enumerable.Range(0, 300).Select(_ => h.Allocate(GiB, GiB, RegionType.InitTask, "rank")).ToList();
        Assert.That(gigs[0], Is.EqualTo(1 * GiB), "best fit: the 2 GiB range below 4 GiB first");
        Assert.That(gigs.Skip(1).All(b => b >= 4 * GiB && b % GiB == 0), Is.True);
        Assert.That(gigs.Distinct().Count(), Is.EqualTo(300));
        ulong huge = h.Allocate(150 * GiB, 2 * MiB);
        Assert.That(huge, Is.GreaterThanOrEqualTo(0x1_0000_0000UL));
        Assert.That(h.Pmem.FindRegion(huge + 149 * GiB, out PmemRegion r), Is.True);
        Assert.That((r.Base, r.Length), Is.EqualTo((huge, 150 * GiB)));
        Assert.That(h.Pmem.CountRegions(RegionType.InitTask), Is.EqualTo(300));
        foreach (ulong b in gigs)
            Assert.That(h.Pmem.Free(b), Is.True);
        Assert.That(h.Pmem.Free(huge), Is.True);
        Assert.That(h.Pmem.FreeBytes, Is.EqualTo(total));
        Assert.That(h.FreeExtents(), Is.EqualTo(new[] { (0x100000UL, 0x80000000UL), (0x1_0000_0000UL, 0x1_0000_0000UL + 500 * GiB) }));
        Assert.That(h.Pmem.Validate(), Is.Null);
    }

    [Test]
    public void RangesAtTheTopOfTheAddressSpaceDoNotWrap()
    {
        var h = new PmemHarness(16);
        Assert.That(h.Pmem.AddFree(ulong.MaxValue - 3 * MiB, 8 * MiB), Is.True); // clamped at 2^64
        Assert.That(h.Pmem.FreeBytes, Is.EqualTo(3 * MiB - 4 * KiB));
        Assert.That(h.Pmem.TryAllocate(2 * MiB, 1UL << 63, RegionType.UserMemory, Name("x"), out _), Is.False);
        Assert.That(h.Pmem.TryAllocate(ulong.MaxValue, 4096, RegionType.UserMemory, Name("x"), out _), Is.False);
        Assert.That(h.Pmem.Reserve(ulong.MaxValue - 100, 200, RegionType.Device, Name("x")), Is.False);
        Assert.That(h.Allocate(3 * MiB - 4 * KiB), Is.EqualTo(0xFFFF_FFFF_FFD0_0000UL));
        Assert.That(h.Pmem.Validate(), Is.Null);
    }

    [Test]
    public void FreeMergesWithBothNeighbours()
    {
        var h = new PmemHarness(16);
        h.Pmem.AddFree(1 * MiB, 1 * MiB);
        ulong a = h.Allocate(64 * KiB), b = h.Allocate(64 * KiB), c = h.Allocate(64 * KiB);
        Assert.That((b - a, c - b), Is.EqualTo((64 * KiB, 64 * KiB)), "lowest address first");
        Assert.That(h.Pmem.Free(a), Is.True);
        Assert.That(h.Pmem.Free(c), Is.True); // merges with the free tail
        Assert.That(h.Pmem.FreeExtentCount, Is.EqualTo(2));
        Assert.That(h.Pmem.Free(b), Is.True); // joins the two
        Assert.That(h.FreeExtents(), Is.EqualTo(new[] { (1 * MiB, 2 * MiB) }));
        Assert.That(h.Pmem.RegionCount, Is.Zero);
        Assert.That(h.Pmem.AvailableNodes, Is.EqualTo(15));
        Assert.That(h.Pmem.Validate(), Is.Null);
    }

    [Test]
    public void ReserveCutsFreeSpaceAndRecordsTheRegion()
    {
        var h = new PmemHarness(16);
        h.Pmem.AddFree(1 * MiB, 63 * MiB);
        Assert.That(h.Pmem.Reserve(4 * MiB + 100, 2 * MiB, RegionType.BootModule, Name("initrd")), Is.True);
        Assert.That(h.FreeExtents(), Is.EqualTo(new[] { (1 * MiB, 4 * MiB), (6 * MiB + 4 * KiB, 64 * MiB) }),
            "widened to whole pages");
        Assert.That(h.Pmem.FindRegion(5 * MiB, out PmemRegion r), Is.True);
        Assert.That((r.Base, r.End, r.Type, NameOf(r)), Is.EqualTo((4 * MiB, 6 * MiB + 4 * KiB, RegionType.BootModule, "initrd")));
        Assert.That(h.Pmem.FindRegion(2 * MiB, out PmemRegion f), Is.True);
        Assert.That((f.Base, f.End, f.Type, f.NameLength), Is.EqualTo((1 * MiB, 4 * MiB, RegionType.Free, 0)));
        Assert.That(h.Pmem.TotalBytes, Is.EqualTo(63 * MiB), "reserving free memory does not change the total");
        Assert.That(h.Pmem.Reserve(5 * MiB, 4 * MiB, RegionType.Kernel, Name("x")), Is.False, "overlaps a region");
        Assert.That(h.Pmem.Free(4 * MiB), Is.True, "reserved memory can be given back");
        Assert.That(h.FreeExtents(), Is.EqualTo(new[] { (1 * MiB, 64 * MiB) }));
        Assert.That(h.Pmem.Validate(), Is.Null);
    }

    [Test]
    public void ReserveOfMemoryThatWasNeverFreeCountsIt()
    {
        var h = new PmemHarness(16);
        h.Pmem.AddFree(1 * MiB, 1 * MiB);
        h.Pmem.AddFree(3 * MiB, 1 * MiB);
        h.Pmem.AddFree(5 * MiB, 1 * MiB);
        // The kernel image is not in the usable map; this reservation spans it, the middle free range and
        // the gaps around it.
        Assert.That(h.Pmem.Reserve(1536 * KiB, 4 * MiB, RegionType.Kernel, Name("kernel image")), Is.True);
        Assert.That(h.FreeExtents(), Is.EqualTo(new[] { (1 * MiB, 1536 * KiB), (5632 * KiB, 6 * MiB) }));
        Assert.That(h.Pmem.UsedBytes, Is.EqualTo(4 * MiB));
        Assert.That(h.Pmem.TotalBytes, Is.EqualTo(5 * MiB));
        Assert.That(h.Pmem.FreeExtentCount, Is.EqualTo(2));
        Assert.That(h.Pmem.Validate(), Is.Null);
        Assert.That(h.Pmem.Free(1536 * KiB), Is.True);
        Assert.That(h.FreeExtents(), Is.EqualTo(new[] { (1 * MiB, 6 * MiB) }));
    }

    [Test]
    public void BadFreesChangeNothing()
    {
        var h = new PmemHarness(16);
        h.Pmem.AddFree(1 * MiB, 16 * MiB);
        ulong a = h.Allocate(64 * KiB);
        h.Allocate(64 * KiB);
        string before = h.Snapshot();
        Assert.That(h.Pmem.Free(0), Is.False, "unmanaged");
        Assert.That(h.Pmem.Free(a + 4096), Is.False, "inside a region, not its base");
        Assert.That(h.Pmem.Free(a + 1), Is.False, "not page-aligned");
        Assert.That(h.Pmem.Free(8 * MiB), Is.False, "free memory");
        Assert.That(h.Pmem.Free(ulong.MaxValue), Is.False);
        Assert.That(h.Snapshot(), Is.EqualTo(before));
        Assert.That(h.Pmem.Free(a), Is.True);
        Assert.That(h.Pmem.Free(a), Is.False, "double free");
        Assert.That(h.Pmem.Validate(), Is.Null);
    }

    [Test]
    public void BadRequestsFailCleanly()
    {
        var h = new PmemHarness(16);
        h.Pmem.AddFree(1 * MiB, 16 * MiB);
        string before = h.Snapshot();
        ulong b;
        Assert.That(h.Pmem.TryAllocate(0, 4096, RegionType.UserMemory, Name("x"), out b), Is.False, "size 0");
        Assert.That(h.Pmem.TryAllocate(4096, 3 * 4096, RegionType.UserMemory, Name("x"), out b), Is.False, "alignment not a power of two");
        Assert.That(h.Pmem.TryAllocate(4096, 4096, RegionType.Free, Name("x"), out b), Is.False, "type Free");
        Assert.That(h.Pmem.TryAllocate(4096, 4096, (RegionType)200, Name("x"), out b), Is.False, "unknown type");
        Assert.That(h.Pmem.TryAllocate(17 * MiB, 4096, RegionType.UserMemory, Name("x"), out b), Is.False, "too large");
        Assert.That(h.Pmem.TryAllocate(8 * MiB, 16 * MiB, RegionType.UserMemory, Name("x"), out b), Is.False, "no aligned fit");
        Assert.That(h.Pmem.Reserve(2 * MiB, 0, RegionType.Kernel, Name("x")), Is.False, "empty");
        Assert.That(h.Pmem.Reserve(2 * MiB, 4096, RegionType.Free, Name("x")), Is.False, "type Free");
        Assert.That(b, Is.Zero);
        Assert.That(h.Snapshot(), Is.EqualTo(before));
        Assert.That(h.Pmem.TryAllocate(100, 1, RegionType.UserMemory, Name("x"), out b), Is.True, "small alignments mean a page");
        Assert.That(b, Is.EqualTo(1 * MiB));
    }

    [Test]
    public void OutOfNodesFailsCleanlyAndRecovers()
    {
        var h = new PmemHarness(3);
        h.Pmem.AddFree(1 * MiB, 16 * MiB);   // node 1
        ulong a = h.Allocate(4 * KiB);       // node 2; the extent shrinks in place
        Assert.That(h.Pmem.AvailableNodes, Is.EqualTo(1));
        string before = h.Snapshot();
        // A 2 MiB-aligned allocation leaves free memory on both sides: a region and a second extent.
        Assert.That(h.Pmem.TryAllocate(4 * KiB, 2 * MiB, RegionType.UserMemory, Name("x"), out _), Is.False);
        Assert.That(h.Pmem.Reserve(8 * MiB, 4 * KiB, RegionType.Device, Name("x")), Is.False);
        Assert.That(h.Snapshot(), Is.EqualTo(before));
        ulong b = h.Allocate(4 * KiB);       // needs only the region's node
        Assert.That(h.Pmem.AvailableNodes, Is.Zero);
        Assert.That(h.Pmem.AddFree(64 * MiB, 1 * MiB), Is.False, "a separate range needs a node");
        Assert.That(h.Pmem.AddFree(17 * MiB, 1 * MiB), Is.True, "a range that merges does not");
        Assert.That(h.Pmem.TryAllocate(4 * KiB, 4 * KiB, RegionType.UserMemory, Name("x"), out _), Is.False);
        Assert.That(h.Pmem.Validate(), Is.Null);
        Assert.That(h.Pmem.Free(a), Is.True, "a free that leaves a hole reuses the region's node");
        Assert.That(h.Pmem.AvailableNodes, Is.Zero);
        Assert.That(h.Pmem.Free(b), Is.True);
        Assert.That(h.Pmem.AvailableNodes, Is.EqualTo(2));
        Assert.That(h.FreeExtents(), Is.EqualTo(new[] { (1 * MiB, 18 * MiB) }));
        Assert.That(h.Pmem.Validate(), Is.Null);
    }

    [Test]
    public void ExactFitReusesTheExtentsNode()
    {
        var h = new PmemHarness(1);
        h.Pmem.AddFree(1 * MiB, 2 * MiB);
        Assert.That(h.Allocate(2 * MiB, 1 * MiB), Is.EqualTo(1 * MiB));
        Assert.That(h.Pmem.FreeBytes, Is.Zero);
        Assert.That(h.Pmem.Free(1 * MiB), Is.True);
        Assert.That(h.Pmem.Reserve(1 * MiB, 2 * MiB, RegionType.KernelHeap, Name("heap")), Is.True);
    }

    [Test]
    public void NamesAreShortPrintableAsciiAndCanBeCompared()
    {
        var h = new PmemHarness(16);
        h.Pmem.AddFree(1 * MiB, 16 * MiB);
        ulong a = h.Allocate(4096, 4096, RegionType.PageTables, "a name longer than twenty-three bytes");
        ulong b = h.Allocate(4096, 4096, RegionType.Device, "nic\n\u0001");
        h.Pmem.FindRegion(a, out PmemRegion ra);
        h.Pmem.FindRegion(b, out PmemRegion rb);
        Assert.That(NameOf(ra), Is.EqualTo("a name longer than twen"));
        Assert.That(NameOf(rb), Is.EqualTo("nic??"));
        Assert.That(rb.NameEquals("nic??"u8), Is.True);
        Assert.That(rb.NameEquals("nic"u8), Is.False);
        Assert.That(ra.NameAt(0), Is.EqualTo((byte)'a'));
        Assert.That(ra.NameAt(23), Is.Zero);
        Assert.That(h.Pmem.Free(a), Is.True);
        ulong c = h.Allocate(4096, 4096, RegionType.UserMemory, "");
        h.Pmem.FindRegion(c, out PmemRegion rc);
        Assert.That(rc.NameLength, Is.Zero, "a reused node does not keep the old name");
        Assert.That(ra.NameEquals("a name longer than twen"u8), Is.True, "a copy outlives the region");
    }

    [Test]
    public void StringNamesAreStoredAsAscii()
    {
        var h = new PmemHarness(16);
        h.Pmem.AddFree(1 * MiB, 16 * MiB);
        Assert.That(h.Pmem.Reserve(1 * MiB, 4096, RegionType.Firmware, "caf\u00e9 tables and a long tail"), Is.True);
        Assert.That(h.Pmem.TryAllocate(4096, 4096, RegionType.Device, (string)null, out ulong b), Is.True);
        h.Pmem.FindRegion(1 * MiB, out PmemRegion r);
        h.Pmem.FindRegion(b, out PmemRegion d);
        Assert.That(NameOf(r), Is.EqualTo("caf? tables and a long "));
        Assert.That(d.NameLength, Is.Zero);
    }

    [Test]
    public void RegionsListInAddressOrderAndByType()
    {
        var h = new PmemHarness(64);
        h.Pmem.AddFree(16 * MiB, 240 * MiB);
        h.Pmem.Reserve(2 * MiB, 1 * MiB, RegionType.Kernel, Name("kernel"));
        h.Pmem.Reserve(20 * MiB, 1 * MiB, RegionType.BootModule, Name("init"));
        h.Pmem.Reserve(30 * MiB, 1 * MiB, RegionType.BootModule, Name("files"));
        ulong user = h.Allocate(8 * MiB, 2 * MiB, RegionType.UserMemory, "rank0");
        ulong heap = h.Allocate(1 * MiB, 4096, RegionType.KernelHeap, "heap");
        var regions = h.Regions();
        Assert.That(regions.Select(r => r.Base), Is.Ordered);
        Assert.That(regions.Select(r => NameOf(r)), Is.EqualTo(new[] { "kernel", "init", "heap", "rank0", "files" }));
        // Best fit: 8 MiB at 2 MiB alignment fits in 21-30 MiB (at 22, skipping 16-20 MiB, too short); then
        // 1 MiB fits exactly in the 21-22 MiB gap that left.
        Assert.That((user, heap), Is.EqualTo((22 * MiB, 21 * MiB)));
        var modules = new List<string>();
        for (ulong a = 0; h.Pmem.NextRegion(a, RegionType.BootModule, out PmemRegion r); a = r.End)
            modules.Add(NameOf(r));
        Assert.That(modules, Is.EqualTo(new[] { "init", "files" }));
        Assert.That(h.Pmem.CountRegions(RegionType.BootModule), Is.EqualTo(2));
        Assert.That(h.Pmem.CountRegions(RegionType.Firmware), Is.Zero);
        Assert.That(h.Pmem.CountRegions(RegionType.Free), Is.EqualTo(h.FreeExtents().Count));
        Assert.That(h.Pmem.CountRegions((RegionType)99), Is.Zero);
        Assert.That(h.Pmem.FindRegion(1 * MiB, out _), Is.False, "not managed");
    }

    // Validate must not be a rubber stamp: break the bookkeeping behind the API's back in several ways.
    [Test]
    public void ValidateNoticesCorruption()
    {
        var h = new PmemHarness(8);
        h.Pmem.AddFree(1 * MiB, 16 * MiB);
        h.Allocate(4096, 4096, RegionType.InitTask, "init");
        Assert.That(h.Pmem.Validate(), Is.Null);
        int extent = h.IndexOf(PmemNodeKind.FreeExtent), region = h.IndexOf(PmemNodeKind.Region);

        h.Node(extent).Region.End += 4096; // the size tree's key no longer matches
        Assert.That(h.Pmem.Validate(), Is.Not.Null);
        h.Node(extent).Region.End -= 4096;

        h.Node(region).Region.Type = RegionType.Device; // the count by type no longer matches
        Assert.That(h.Pmem.Validate(), Does.Contain("type"));
        h.Node(region).Region.Type = RegionType.InitTask;

        h.Node(region).Region.End += 4096; // overlaps the free extent after it
        Assert.That(h.Pmem.Validate(), Is.Not.Null);
        h.Node(region).Region.End -= 4096;

        // A freed region's node goes back on the unused list (nodes never handed out are not on it).
        ulong scratch = h.Allocate(4096, 4096, RegionType.UserMemory, "scratch");
        var kinds = Enumerable.Range(0, 8).Select(i => h.Node(i).Kind).ToArray();
        Assert.That(h.Pmem.Free(scratch), Is.True);
        Assert.That(h.Pmem.Validate(), Is.Null);
        int released = Enumerable.Range(0, 8).First(i => kinds[i] != PmemNodeKind.Unused && h.Node(i).Kind == PmemNodeKind.Unused);
        h.Node(released).Kind = PmemNodeKind.Region; // in use, but on the unused list
        Assert.That(h.Pmem.Validate(), Does.Contain("unused"));
    }
}
