using CsCheck;
using Kitten.Kernel.Boot;
using Kitten.Kernel.Memory;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Memory;

public class MemoryMapTests
{
    private const ulong MiB = 1 << 20;

    private static MemoryMapEntry Entry(ulong start, ulong length, MemoryType type = MemoryType.Available)
        => new() { Base = start, Length = length, Type = type };

    private static PhysicalRange[] Usable(MemoryMapEntry[] map, params PhysicalRange[] reserved)
    {
        var output = new PhysicalRange[256];
        int count = MemoryMap.BuildUsable(map, reserved, output);
        Assert.That(count, Is.GreaterThanOrEqualTo(0), "output too small");
        return output[..count];
    }

    [Test]
    public void QemuLikeMapMinusKernelAndLowMemory()
    {
        var map = new[]
        {
            Entry(0, 0x9FC00),
            Entry(0x9FC00, 0x400, MemoryType.Reserved),
            Entry(0xF0000, 0x10000, MemoryType.Reserved),
            Entry(0x100000, 0xFEE0000),
            Entry(0xFFFC0000, 0x40000, MemoryType.Reserved),
        };
        var usable = Usable(map, new PhysicalRange(0, MiB), new PhysicalRange(MiB, MiB + 0x2D000));
        Assert.That(usable, Has.Length.EqualTo(1));
        Assert.That(usable[0].Base, Is.EqualTo(MiB + 0x2D000));
        Assert.That(usable[0].End, Is.EqualTo(0xFFE0000UL));
    }

    [Test]
    public void ReservedHoleInsideAvailableRangeSplitsIt()
    {
        var map = new[] { Entry(0x100000, 0x100000), Entry(0x150000, 0x1000, MemoryType.AcpiNvs) };
        var usable = Usable(map);
        Assert.That(usable.Select(r => (r.Base, r.End)), Is.EqualTo(new[] { (0x100000UL, 0x150000UL), (0x151000UL, 0x200000UL) }));
    }

    [Test]
    public void UnsortedOverlappingAvailableRangesMerge()
    {
        var map = new[] { Entry(0x300000, 0x100000), Entry(0x100000, 0x180000), Entry(0x200000, 0x180000) };
        var usable = Usable(map);
        Assert.That(usable.Select(r => (r.Base, r.End)), Is.EqualTo(new[] { (0x100000UL, 0x400000UL) }));
    }

    [Test]
    public void PartialPagesAreDropped()
    {
        var map = new[] { Entry(0x100800, 0x2000), Entry(0x200000, 0x800) };
        var usable = Usable(map);
        Assert.That(usable.Select(r => (r.Base, r.End)), Is.EqualTo(new[] { (0x101000UL, 0x102000UL) }));
    }

    [Test]
    public void EntryThatWrapsTheAddressSpaceIsClamped()
    {
        var map = new[] { Entry(0xFFFFFFFFFFFF0000, 0x20000) };
        var usable = Usable(map);
        Assert.That(usable, Has.Length.EqualTo(1));
        Assert.That(usable[0].End, Is.EqualTo(0xFFFFFFFFFFFFF000UL));
    }

    [Test]
    public void ReportsWhenOutputIsTooSmall()
    {
        var map = Enumerable.Range(0, 8).Select(i => Entry((ulong)i * 2 * MiB, MiB)).ToArray();
        var output = new PhysicalRange[4];
        Assert.That(MemoryMap.BuildUsable(map, ReadOnlySpan<PhysicalRange>.Empty, output), Is.EqualTo(-1));
    }

    // Property: every usable byte is available in the firmware map, in no reserved range, and every page
    // that satisfies both is usable; ranges come out sorted, disjoint, non-touching and page-aligned.
    [Test]
    public void UsableIsExactlyAvailableMinusEverythingElse()
    {
        var page = 4096UL;
        var genEntry = Gen.Select(Gen.ULong[0, 64], Gen.ULong[1, 16], Gen.Int[1, 5], Gen.ULong[0, 4095])
            .Select((p, n, t, jitter) => Entry(p * page + (t == 1 ? jitter : 0), n * page, (MemoryType)t));
        var genReserved = Gen.Select(Gen.ULong[0, 64], Gen.ULong[1, 8]).Select((p, n) => new PhysicalRange(p * page, (p + n) * page));
        Gen.Select(genEntry.Array[0, 12], genReserved.Array[0, 4]).Sample((map, reserved) =>
        {
            var usable = Usable(map, reserved);
            for (int i = 0; i < usable.Length; i++)
            {
                if (usable[i].Base % page != 0 || usable[i].End % page != 0 || usable[i].IsEmpty) return false;
                if (i > 0 && usable[i - 1].End >= usable[i].Base) return false;
            }
            for (ulong p = 0; p < 90; p++)
            {
                ulong start = p * page, end = start + page;
                bool available = map.Any(e => e.Type == MemoryType.Available && e.Base <= start && e.Base + e.Length >= end);
                bool blocked = map.Any(e => e.Type != MemoryType.Available && e.Base < end && start < e.Base + e.Length)
                    || reserved.Any(r => r.Base < end && start < r.End);
                bool isUsable = usable.Any(r => r.Base <= start && r.End >= end);
                bool touchesUsable = usable.Any(r => r.Base < end && start < r.End);
                if (isUsable != (available && !blocked) || (touchesUsable && !isUsable)) return false;
            }
            return true;
        });
    }
}
