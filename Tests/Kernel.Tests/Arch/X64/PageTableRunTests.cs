using Kitten.Kernel.Arch.X64;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Arch.X64;

public class PageTableRunTests : PageTableTestBase
{
    private const PageFlags UserData = PageFlags.Writable | PageFlags.User;
    private const ulong Base = 0x40_0000;

    [Test]
    public void ARunFollowsContiguousPagesAndStopsAtAJump()
    {
        var table = NewPageTable();
        // 5 contiguous 4 KiB pages, then one elsewhere, then 2 contiguous with it.
        Assert.That(table.Map(Base, Ram, 5 * K4, UserData, PageSizes.Size4K), Is.EqualTo(PageTableResult.Ok));
        Assert.That(table.Map(Base + 5 * K4, Ram + 100 * K4, 3 * K4, UserData, PageSizes.Size4K), Is.EqualTo(PageTableResult.Ok));
        Assert.Multiple(() =>
        {
            Assert.That(table.ContiguousRun(Base, 64 * K4, out ulong phys), Is.EqualTo(5 * K4));
            Assert.That(phys, Is.EqualTo(Ram));
            Assert.That(table.ContiguousRun(Base + 2 * K4 + 100, 64 * K4, out phys), Is.EqualTo(3 * K4 - 100), "from inside a page");
            Assert.That(phys, Is.EqualTo(Ram + 2 * K4 + 100));
            Assert.That(table.ContiguousRun(Base + 5 * K4, 64 * K4, out phys), Is.EqualTo(3 * K4), "stops at the hole after");
            Assert.That(phys, Is.EqualTo(Ram + 100 * K4));
            Assert.That(table.ContiguousRun(Base, 2 * K4 + 7, out _), Is.EqualTo(2 * K4 + 7), "clamped to the limit");
            Assert.That(table.ContiguousRun(Base + 8 * K4, K4, out _), Is.EqualTo(0UL), "unmapped");
        });
    }

    [Test]
    public void ARunCrossesLeafTablesAndPageSizes()
    {
        var table = NewPageTable();
        // [2M - 8K, 2M) in 4 KiB pages, then a 2 MiB page, then 4 KiB pages again, all physically contiguous.
        ulong start = 2 * M2 - 2 * K4;
        Assert.That(table.Map(start, Ram + M2 - 2 * K4, 2 * K4 + M2 + 3 * K4, UserData, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(Sizes(table)[M2], Is.EqualTo(1), "one 2 MiB leaf in the middle");
        Assert.That(table.ContiguousRun(start, 64 * M2, out ulong phys), Is.EqualTo(2 * K4 + M2 + 3 * K4));
        Assert.That(phys, Is.EqualTo(Ram + M2 - 2 * K4));
    }
}
