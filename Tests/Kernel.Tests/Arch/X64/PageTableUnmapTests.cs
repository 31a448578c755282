using Kitten.Kernel.Arch.X64;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Arch.X64;

public class PageTableUnmapTests : PageTableTestBase
{
    private const PageFlags Rw = PageFlags.Writable;

    [Test]
    public void UnmappingEverythingFreesEveryTableButThePinnedOnes()
    {
        var pt = NewPageTable();
        ulong start = G1 - 2 * K4, length = G1 + M2 + 3 * K4;
        Assert.That(pt.Map(start, Ram, length, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Map(3 * G512 + 7 * M2, Ram, 3 * K4, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Unmap(start, length), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Unmap(3 * G512, G512), Is.EqualTo(PageTableResult.Ok), "holes are fine");
        Assert.That(Leaves(pt), Is.Empty);
        // The user-half PDPT stays (SMARTMAP viewers point at it); the PDPT for 1.5 TiB went.
        Assert.That(Memory.PagesInUse, Is.EqualTo(2));
        Assert.That(pt.PageTableBytes, Is.EqualTo(8192));
        Assert.That(RawPageTables.Pml4Entry(Memory, pt.RootPhysical, 3), Is.Zero);
    }

    [Test]
    public void UnmappingOnePageSplitsTheGigabytePageAroundIt()
    {
        var pt = NewPageTable();
        PageFlags flags = PageFlags.Writable | PageFlags.User;
        Assert.That(pt.Map(G1, Ram, G1, flags, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        ulong hole = G1 + M2 + K4;
        Assert.That(pt.Unmap(hole, K4), Is.EqualTo(PageTableResult.Ok));

        var sizes = Sizes(pt);
        Assert.That((sizes[K4], sizes[M2], sizes[G1]), Is.EqualTo((511, 511, 0)));
        Assert.That(pt.PageTableBytes, Is.EqualTo(4 * 4096UL), "PML4, PDPT, the PD of the split 1G page and one PT");
        AssertTranslates(pt, G1, Ram, M2, flags);
        AssertTranslates(pt, G1 + M2, Ram + M2, K4, flags);
        AssertUnmapped(pt, hole);
        AssertUnmapped(pt, hole + K4 - 1);
        AssertTranslates(pt, hole + K4, Ram + M2 + 2 * K4, K4, flags);
        AssertTranslates(pt, G1 + 2 * M2 - 1, Ram + 2 * M2 - 1, K4, flags);
        AssertTranslates(pt, G1 + 2 * M2, Ram + 2 * M2, M2, flags);
        AssertTranslates(pt, 2 * G1 - 1, Ram + G1 - 1, M2, flags);

        Assert.That(pt.Unmap(G1, G1), Is.EqualTo(PageTableResult.Ok));
        Assert.That(Memory.PagesInUse, Is.EqualTo(2));
    }

    [Test]
    public void UnmappingAcrossLargePagesSplitsOnlyTheEdges()
    {
        var pt = NewPageTable();
        Assert.That(pt.Map(0, Ram, 4 * G1, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        // From the middle of the 2nd 1G page to the middle of the 4th, on 4K boundaries.
        Assert.That(pt.Unmap(G1 + 3 * M2 + K4, 2 * G1), Is.EqualTo(PageTableResult.Ok));
        var sizes = Sizes(pt);
        // 1st 1G page intact; of the 2nd, 3 2M pages and 1 4K page stay; the 3rd goes; of the 4th, the first
        // 3 2M pages and 1 4K page go: 511 4K and 508 2M pages stay.
        Assert.That(sizes[G1], Is.EqualTo(1));
        Assert.That(sizes[M2], Is.EqualTo(3 + 508));
        Assert.That(sizes[K4], Is.EqualTo(1 + 511));
        AssertTranslates(pt, G1 + 3 * M2, Ram + G1 + 3 * M2, K4, Rw);
        AssertUnmapped(pt, G1 + 3 * M2 + K4);
        AssertUnmapped(pt, 3 * G1 + 3 * M2);
        AssertTranslates(pt, 3 * G1 + 3 * M2 + K4, Ram + 3 * G1 + 3 * M2 + K4, K4, Rw);
        AssertTranslates(pt, 3 * G1 + 4 * M2, Ram + 3 * G1 + 4 * M2, M2, Rw);
    }

    [Test]
    public void SplitsKeepAttributes()
    {
        var pt = NewPageTable();
        PageFlags flags = PageFlags.Writable | PageFlags.NoCache | PageFlags.Global | PageFlags.Executable;
        Assert.That(pt.Map(DirectMapBase, 0, G1, flags, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Unmap(DirectMapBase + 5 * M2 + 3 * K4, K4), Is.EqualTo(PageTableResult.Ok));
        foreach (var leaf in Leaves(pt))
        {
            ulong attributes = leaf.Entry & ~0x000F_FFFF_FFFF_F000UL;
            ulong expected = 1 | 2 | 8 | 16 | 256 | (leaf.Level > 1 ? 128UL : 0);
            Assert.That(attributes, Is.EqualTo(expected), $"leaf at 0x{leaf.Virtual:X}");
            Assert.That(leaf.Physical, Is.EqualTo(leaf.Virtual - DirectMapBase));
        }
    }

    [Test]
    public void AFailedSplitChangesNoTranslation([Values(0, 1)] int failAfter)
    {
        var pt = NewPageTable();
        Assert.That(pt.Map(G1, Ram, G1, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Memory.FailAfter = failAfter;
        Assert.That(pt.Unmap(G1 + K4, K4), Is.EqualTo(PageTableResult.OutOfMemory));
        Assert.That(pt.PageTableBytes, Is.EqualTo((ulong)Memory.PagesInUse * 4096));
        foreach (ulong offset in new[] { 0UL, K4, 2 * K4, M2, G1 - 1 })
            Assert.That(pt.Translate(G1 + offset, out ulong phys, out _, out _) && phys == Ram + offset, Is.True, $"offset 0x{offset:X}");
        Memory.FailAfter = -1;
        Assert.That(pt.Unmap(G1 + K4, K4), Is.EqualTo(PageTableResult.Ok));
        AssertUnmapped(pt, G1 + K4);
        pt.Destroy();
        Assert.That(Memory.PagesInUse, Is.Zero);
    }

    [Test]
    public void ProtectChangesFlagsAndSplitsTheEdges()
    {
        var pt = NewPageTable();
        PageFlags data = PageFlags.Writable | PageFlags.User;
        PageFlags readOnly = PageFlags.User;
        Assert.That(pt.Map(G1, Ram, G1, data, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.Protect(G1 + 2 * M2, M2 + K4, readOnly), Is.EqualTo(PageTableResult.Ok));
        AssertTranslates(pt, G1 + 2 * M2 - 1, Ram + 2 * M2 - 1, M2, data);
        AssertTranslates(pt, G1 + 2 * M2, Ram + 2 * M2, M2, readOnly);
        AssertTranslates(pt, G1 + 3 * M2, Ram + 3 * M2, K4, readOnly);
        AssertTranslates(pt, G1 + 3 * M2 + K4, Ram + 3 * M2 + K4, K4, data);
        AssertTranslates(pt, 2 * G1 - 1, Ram + G1 - 1, M2, data);
        Assert.That(pt.Protect(G1, G1, PageFlags.Executable), Is.EqualTo(PageTableResult.Ok));
        AssertTranslates(pt, G1 + 3 * M2 + K4, Ram + 3 * M2 + K4, K4, PageFlags.Executable);
        var leaf = Leaves(pt).Single(l => l.Virtual == G1 + 3 * M2);
        Assert.That(leaf.Entry & ~0x000F_FFFF_FFFF_F000UL, Is.EqualTo(1UL), "present, read-only, supervisor, executable");
    }

    [Test]
    public void ProtectOverAHoleIsRefusedAndChangesNothing()
    {
        var pt = NewPageTable();
        Assert.That(pt.Map(G1, Ram, G1, Rw, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        var before = Snapshot(pt);
        Assert.That(pt.Protect(G1 + M2, G1, PageFlags.None), Is.EqualTo(PageTableResult.NotMapped));
        Assert.That(pt.Protect(0, K4, PageFlags.None), Is.EqualTo(PageTableResult.NotMapped));
        Assert.That(Snapshot(pt), Is.EqualTo(before));
        Assert.That(Memory.PagesInUse, Is.EqualTo(2));
    }
}
