using Kitten.Kernel.Arch.X64;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Arch.X64;

public class PageTableMapTests : PageTableTestBase
{
    private const PageFlags Rw = PageFlags.Writable;

    [Test]
    public void CreateMakesThePml4AndTheUserPdpt()
    {
        var pt = NewPageTable();
        Assert.That(pt.PageTableBytes, Is.EqualTo(8192));
        Assert.That(Memory.PagesInUse, Is.EqualTo(2));
        Assert.That(pt.RootPhysical % 4096, Is.Zero);
        Assert.That(Leaves(pt), Is.Empty);
        pt.Destroy();
        Assert.That(Memory.PagesInUse, Is.Zero);
    }

    [Test]
    public void CreateFailsCleanlyWithoutMemory([Values(0, 1)] int failAfter)
    {
        Memory.FailAfter = failAfter;
        var pt = new PageTable();
        Assert.That(pt.Create(Memory.Allocator, true), Is.EqualTo(PageTableResult.OutOfMemory));
        Assert.That(pt.IsCreated, Is.False);
        Assert.That(Memory.PagesInUse, Is.Zero);
        Assert.That(pt.Map(0, Ram, K4, Rw, PageSizes.All), Is.EqualTo(PageTableResult.NotCreated));
    }

    // [1G-8K, 2G+2M+4K): two 4K pages up to 1G, one 1G page, one 2M page, one 4K page.
    [Test]
    public void UnalignedEdgesGetSmallerPages()
    {
        var pt = NewPageTable();
        ulong start = G1 - 2 * K4, length = G1 + M2 + 3 * K4;
        Assert.That(pt.Map(start, Ram + start, length, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));

        var sizes = Sizes(pt);
        Assert.That(sizes[K4], Is.EqualTo(3));
        Assert.That(sizes[M2], Is.EqualTo(1));
        Assert.That(sizes[G1], Is.EqualTo(1));
        // PML4, PDPT, and a PD + PT at each end.
        Assert.That(pt.PageTableBytes, Is.EqualTo(6 * 4096));
        Assert.That(Memory.PagesInUse, Is.EqualTo(6));

        var leaves = Leaves(pt).Select(l => (l.Virtual, l.Size, l.Physical)).ToList();
        Assert.That(leaves, Is.EqualTo(new[]
        {
            (G1 - 2 * K4, K4, Ram + G1 - 2 * K4),
            (G1 - K4, K4, Ram + G1 - K4),
            (G1, G1, Ram + G1),
            (2 * G1, M2, Ram + 2 * G1),
            (2 * G1 + M2, K4, Ram + 2 * G1 + M2),
        }));
        AssertUnmapped(pt, start - K4);
        AssertUnmapped(pt, start + length);
    }

    // [4K, 4G-4K): 511 4K, 511 2M, two 1G, 511 2M, 511 4K.
    [Test]
    public void EveryLevelOfEdgeIsUsedSymmetrically()
    {
        var pt = NewPageTable();
        Assert.That(pt.Map(K4, Ram + K4, 4 * G1 - 2 * K4, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        var sizes = Sizes(pt);
        Assert.That(sizes[K4], Is.EqualTo(1022));
        Assert.That(sizes[M2], Is.EqualTo(1022));
        Assert.That(sizes[G1], Is.EqualTo(2));
        Assert.That(pt.PageTableBytes, Is.EqualTo((2 + 2 + 2) * 4096UL));
    }

    [TestCase((uint)PageSizes.All, 8192UL, 0, 0, 1)]
    [TestCase((uint)(PageSizes.Size2M | PageSizes.Size4K), 3 * 4096UL, 0, 512, 0)]
    [TestCase((uint)PageSizes.Size2M, 3 * 4096UL, 0, 512, 0)]
    [TestCase((uint)PageSizes.Size4K, (3 + 512) * 4096UL, 512 * 512, 0, 0)]
    public void OneAlignedGigabyteCostsAsExpected(uint allowedSizes, ulong tableBytes, int pages4K, int pages2M, int pages1G)
    {
        var allowed = (PageSizes)allowedSizes;
        var pt = NewPageTable();
        Assert.That(pt.Map(5 * G1, Ram, G1, Rw, allowed), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.PageTableBytes, Is.EqualTo(tableBytes));
        Assert.That((ulong)Memory.PagesInUse * 4096UL, Is.EqualTo(tableBytes));
        var sizes = Sizes(pt);
        Assert.That((sizes[K4], sizes[M2], sizes[G1]), Is.EqualTo((pages4K, pages2M, pages1G)));
        if (allowed == PageSizes.All)
            Assert.That(pt.PageTableBytes, Is.LessThanOrEqualTo(8 * 1024), "the issue's bound for 1 GiB");
        if (allowed == PageSizes.Size4K)
            Assert.That(pt.PageTableBytes, Is.InRange(2UL << 20, (2UL << 20) + 16384), "about 2 MiB per GiB in 4 KiB pages");
    }

    // The page size also depends on the physical address: a virtual 1G boundary with a physical address
    // only 2M-aligned cannot use a 1G page.
    [TestCase(M2, 0, 512)]
    [TestCase(K4, 512 * 512, 0)]
    public void PhysicalAlignmentLimitsThePageSize(ulong physicalSkew, int pages4K, int pages2M)
    {
        var pt = NewPageTable();
        Assert.That(pt.Map(G1, Ram + physicalSkew, G1, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        var sizes = Sizes(pt);
        Assert.That((sizes[K4], sizes[M2], sizes[G1]), Is.EqualTo((pages4K, pages2M, 0)));
        AssertTranslates(pt, G1 + 12345, Ram + physicalSkew + 12345, pages2M > 0 ? M2 : K4, Rw);
    }

    [Test]
    public void TranslateHandlesEveryPageSize()
    {
        var pt = NewPageTable();
        PageFlags code = PageFlags.Executable | PageFlags.User;
        PageFlags data = PageFlags.Writable | PageFlags.User;
        PageFlags device = PageFlags.Writable | PageFlags.NoCache;
        Assert.That(pt.Map(0x40_0000 + K4, Ram + 0x7000, K4, code, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Map(0x80_0000, Ram + 0x20_0000, M2, data, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Map(3 * G1, Ram + 7 * G1, G1, device, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        foreach (ulong offset in new ulong[] { 0UL, 1, 0x123, K4 - 1 })
            AssertTranslates(pt, 0x40_0000 + K4 + offset, Ram + 0x7000 + offset, K4, code);
        foreach (ulong offset in new ulong[] { 0UL, 0x1234, M2 - 1 })
            AssertTranslates(pt, 0x80_0000 + offset, Ram + 0x20_0000 + offset, M2, data);
        foreach (ulong offset in new ulong[] { 0UL, 0x12_3456, G1 - 1 })
            AssertTranslates(pt, 3 * G1 + offset, Ram + 7 * G1 + offset, G1, device);
        AssertUnmapped(pt, 0x40_0000);
        AssertUnmapped(pt, 0x40_0000 + 2 * K4);
        AssertUnmapped(pt, 0x80_0000 + M2);
        AssertUnmapped(pt, 4 * G1);
        AssertUnmapped(pt, 0x0000_8000_0000_0000);  // not canonical
        AssertUnmapped(pt, DirectMapBase);
    }

    [Test]
    public void TheTopTwoGigabytesMapLikeTheKernelImage()
    {
        var pt = NewPageTable();
        Assert.That(pt.Map(KernelImageBase, 0, 2 * G1, PageFlags.Writable | PageFlags.Executable | PageFlags.Global, PageSizes.All),
            Is.EqualTo(PageTableResult.Ok));
        Assert.That(Sizes(pt)[G1], Is.EqualTo(2));
        PageFlags expected = PageFlags.Writable | PageFlags.Executable | PageFlags.Global;
        AssertTranslates(pt, KernelImageBase, 0, G1, expected);
        AssertTranslates(pt, ulong.MaxValue, 2 * G1 - 1, G1, expected);
        Assert.That(pt.Map(ulong.MaxValue - K4 + 1, 0, 2 * K4, PageFlags.None, PageSizes.All), Is.EqualTo(PageTableResult.InvalidRange), "wraps");
        Assert.That(pt.Unmap(ulong.MaxValue - K4 + 1, K4), Is.EqualTo(PageTableResult.Ok));
        AssertUnmapped(pt, ulong.MaxValue);
        AssertTranslates(pt, ulong.MaxValue - 2 * K4 + 1, 2 * G1 - 2 * K4, K4, expected);
        AssertTranslates(pt, ulong.MaxValue - K4, 2 * G1 - K4 - 1, K4, expected);
    }

    [Test]
    public void EntryBitsFollowTheSdm()
    {
        var pt = NewPageTable(noExecute: true);
        Assert.That(pt.Map(0x40_0000, Ram, K4, PageFlags.Writable | PageFlags.User | PageFlags.NoCache, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Map(0x60_0000, Ram, K4, PageFlags.Executable | PageFlags.User, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Map(DirectMapBase, 0, M2, PageFlags.Writable | PageFlags.Global, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        var leaves = Leaves(pt).ToDictionary(l => l.Virtual);

        const ulong P = 1, RW = 2, US = 4, PWT = 8, PCD = 16, PS = 128, G = 256, XD = 1UL << 63;
        ulong data = leaves[0x40_0000].Entry;
        Assert.That(data & ~0x000F_FFFF_FFFF_F000UL, Is.EqualTo(P | RW | US | PWT | PCD | XD));
        Assert.That(data & 0x000F_FFFF_FFFF_F000UL, Is.EqualTo(Ram));
        ulong code = leaves[0x60_0000].Entry;
        Assert.That(code & ~0x000F_FFFF_FFFF_F000UL, Is.EqualTo(P | US), "executable: XD clear; 4K leaf: bit 7 (PAT) clear");
        ulong kernel = leaves[DirectMapBase].Entry;
        Assert.That(kernel & ~0x000F_FFFF_FFFF_F000UL, Is.EqualTo(P | RW | PS | G | XD));

        // Tables above a leaf allow everything (the leaf decides), and U/S only in the lower half.
        foreach (ulong entry in leaves[0x40_0000].Path)
            Assert.That(entry & (P | RW | US | XD | PS), Is.EqualTo(P | RW | US));
        foreach (ulong entry in leaves[DirectMapBase].Path)
            Assert.That(entry & (P | RW | US | XD | PS), Is.EqualTo(P | RW));
    }

    [Test]
    public void WithoutNxNoEntryHasBit63AndEverythingIsExecutable()
    {
        var pt = NewPageTable(noExecute: false);
        Assert.That(pt.Map(0x40_0000, Ram, 3 * M2 + K4, PageFlags.Writable, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(Leaves(pt).All(l => (l.Entry & (1UL << 63)) == 0), Is.True);
        AssertTranslates(pt, 0x40_0000, Ram, M2, PageFlags.Writable | PageFlags.Executable);
        Assert.That(pt.NoExecuteSupported, Is.False);
    }

    [Test]
    public void MappingOverAMappingIsRefusedAndChangesNothing()
    {
        var pt = NewPageTable();
        Assert.That(pt.Map(G1, Ram, G1, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Map(3 * G1 - K4, Ram, K4, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        var before = Snapshot(pt);
        int pages = Memory.PagesInUse;

        (ulong Virt, ulong Length)[] overlapping =
        {
            (G1, K4),                       // the first page of a 1G page
            (2 * G1 - K4, 2 * K4),          // the last page of it, and one beyond
            (G1 / 2, G1),                   // straddles its start, from a free area
            (G1 + 5 * M2 + K4, 3 * K4),     // the middle
            (2 * G1, G1),                   // free except its very last page
            (0, 4 * G1),                    // everything
        };
        foreach (var (virt, length) in overlapping)
        {
            Assert.That(pt.Map(virt, 100 * G1, length, Rw, PageSizes.All), Is.EqualTo(PageTableResult.AlreadyMapped), $"0x{virt:X}+0x{length:X}");
            Assert.That(Memory.PagesInUse, Is.EqualTo(pages), "a refused map allocated tables");
            Assert.That(Snapshot(pt), Is.EqualTo(before));
        }
        Assert.That(pt.Map(2 * G1, Ram, G1 - K4, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok), "the gap just fits");
    }

    [TestCase(0x1001UL, 0UL, 4096UL, (uint)PageSizes.All, (byte)PageTableResult.Misaligned)]
    [TestCase(0x1000UL, 0x10UL, 4096UL, (uint)PageSizes.All, (byte)PageTableResult.Misaligned)]
    [TestCase(0x1000UL, 0UL, 4095UL, (uint)PageSizes.All, (byte)PageTableResult.Misaligned)]
    [TestCase(0x1000UL, 0UL, 0UL, (uint)PageSizes.All, (byte)PageTableResult.InvalidRange)]
    [TestCase(0x0000_8000_0000_0000UL, 0UL, 4096UL, (uint)PageSizes.All, (byte)PageTableResult.InvalidRange)]
    [TestCase(0x0000_7FFF_FFFF_F000UL, 0UL, 8192UL, (uint)PageSizes.All, (byte)PageTableResult.InvalidRange)]
    [TestCase(0xFFFF_7FFF_FFFF_F000UL, 0UL, 4096UL, (uint)PageSizes.All, (byte)PageTableResult.InvalidRange)]
    [TestCase(0x1000UL, 1UL << 52, 4096UL, (uint)PageSizes.All, (byte)PageTableResult.InvalidRange)]
    [TestCase(0x1000UL, (1UL << 52) - 4096, 8192UL, (uint)PageSizes.All, (byte)PageTableResult.InvalidRange)]
    [TestCase(0x20_0000UL, 0x20_0000UL, 0x20_1000UL, (uint)PageSizes.Size2M, (byte)PageTableResult.Misaligned)]
    [TestCase(0x40_0000UL, 0UL, 0x4000_0000UL, (uint)PageSizes.Size1G, (byte)PageTableResult.Misaligned)]
    [TestCase(0xFFFF_8000_0000_0000UL, 0UL, 4096UL, 0u, (byte)PageTableResult.Misaligned)]
    public void BadRequestsAreRefusedWithoutSideEffects(ulong virt, ulong phys, ulong length, uint sizes, byte expected)
    {
        var pt = NewPageTable();
        Assert.That(pt.Map(virt, phys, length, Rw, (PageSizes)sizes), Is.EqualTo((PageTableResult)expected));
        Assert.That(Memory.PagesInUse, Is.EqualTo(2));
        Assert.That(Leaves(pt), Is.Empty);
    }

    [Test]
    public void UserPagesInTheKernelHalfAreRefused()
    {
        var pt = NewPageTable();
        Assert.That(pt.Map(DirectMapBase, 0, K4, PageFlags.User, PageSizes.All), Is.EqualTo(PageTableResult.InvalidFlags));
        Assert.That(pt.Map(DirectMapBase, 0, K4, PageFlags.None, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Protect(DirectMapBase, K4, PageFlags.User), Is.EqualTo(PageTableResult.InvalidFlags));
    }

    [Test]
    public void OutOfMemoryPartWayLeavesNoTrace([Range(0, 3)] int failAfter)
    {
        var pt = NewPageTable();
        Assert.That(pt.Map(5 * G1, Ram, K4, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        var before = Snapshot(pt);
        int pages = Memory.PagesInUse;
        // Needs four new tables: a PD and a PT at each end.
        Memory.FailAfter = failAfter;
        Assert.That(pt.Map(G1 - 2 * K4, Ram, G1 + M2 + 3 * K4, Rw, PageSizes.All), Is.EqualTo(PageTableResult.OutOfMemory));
        Assert.That(Memory.PagesInUse, Is.EqualTo(pages));
        Assert.That(pt.PageTableBytes, Is.EqualTo((ulong)pages * 4096));
        Assert.That(Snapshot(pt), Is.EqualTo(before));
        Memory.FailAfter = -1;
        Assert.That(pt.Map(G1 - 2 * K4, Ram, G1 + M2 + 3 * K4, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
    }

    [Test]
    public void DestroyReturnsEveryPage()
    {
        var pt = NewPageTable();
        Assert.That(pt.Map(K4, Ram + K4, 4 * G1 - 2 * K4, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Map(600 * G1, Ram, 5 * M2 + K4, Rw, PageSizes.Size4K), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Map(DirectMapBase, 0, 3 * G1, Rw, PageSizes.Size2M), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Unmap(G1 + 7 * K4, K4), Is.EqualTo(PageTableResult.Ok));
        Assert.That(Memory.PagesInUse, Is.GreaterThan(10));
        Assert.That(pt.PageTableBytes, Is.EqualTo((ulong)Memory.PagesInUse * 4096));
        pt.Destroy();
        Assert.That(Memory.PagesInUse, Is.Zero);
        Assert.That(pt.PageTableBytes, Is.Zero);
        Assert.That(pt.IsCreated, Is.False);
        pt.Destroy();  // a second Destroy does nothing
        Assert.That(Memory.Errors, Is.Empty);
    }

    // Destroy frees from its list of tables while a hierarchy has at most 32, and walks the tree beyond:
    // both must return every page, also after Unmap freed some of them.
    [TestCase(8)]
    [TestCase(31)]
    [TestCase(60)]
    public void DestroyReturnsEveryPageWhateverTheNumberOfTables(int leafTables)
    {
        var pt = NewPageTable();
        for (int i = 0; i < leafTables; i++)
            Assert.That(pt.Map((ulong)i * M2 + 5 * K4, Ram + (ulong)i * K4, K4, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        for (int i = 0; i < leafTables; i += 3)
            Assert.That(pt.Unmap((ulong)i * M2 + 5 * K4, K4), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.PageTableBytes, Is.EqualTo((ulong)Memory.PagesInUse * 4096));
        Assert.That(pt.Map(3 * M2, Ram, K4, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        pt.Destroy();
        Assert.That(Memory.PagesInUse, Is.Zero);
        Assert.That(pt.PageTableBytes, Is.Zero);
        Assert.That(Memory.Errors, Is.Empty);
    }
}
