using Kitten.Kernel.Memory;
using NUnit.Framework;
using static Kitten.Kernel.Tests.Memory.PmemHarness;

namespace Kitten.Kernel.Tests.Memory;

// Pmem.TryClaim: exactly the frames a placement planned, only if all of them are free (kitten_exec_placed).
public class PmemClaimTests
{
    [Test]
    public void ClaimTakesExactlyTheRangeAsARegion()
    {
        var h = new PmemHarness(16);
        h.Pmem.AddFree(1 * MiB, 63 * MiB);
        Assert.That(h.Pmem.TryClaim(10 * MiB, 6 * MiB + 4 * KiB, RegionType.UserMemory, Name("placed memory")), Is.EqualTo(ClaimResult.Claimed));
        Assert.That(h.FreeExtents(), Is.EqualTo(new[] { (1 * MiB, 10 * MiB), (16 * MiB + 4 * KiB, 64 * MiB) }));
        Assert.That(h.Pmem.FindRegion(12 * MiB, out PmemRegion r), Is.True);
        Assert.That((r.Base, r.End, r.Type, NameOf(r)), Is.EqualTo((10 * MiB, 16 * MiB + 4 * KiB, RegionType.UserMemory, "placed memory")));
        Assert.That(h.Pmem.Validate(), Is.Null);
        Assert.That(h.Pmem.Free(10 * MiB), Is.True, "a claim is given back like any region");
        Assert.That(h.FreeExtents(), Is.EqualTo(new[] { (1 * MiB, 64 * MiB) }));
    }

    [Test]
    public void ClaimOfAFrameInUseChangesNothing()
    {
        var h = new PmemHarness(16);
        h.Pmem.AddFree(1 * MiB, 63 * MiB);
        ulong taken = h.Allocate(4 * KiB);                 // the lowest page: 1 MiB
        Assert.That(taken, Is.EqualTo(1 * MiB));
        string before = h.Snapshot();
        Assert.That(h.Pmem.TryClaim(1 * MiB, 2 * MiB, RegionType.UserMemory, Name("p")), Is.EqualTo(ClaimResult.InUse),
            "its first page is allocated");
        Assert.That(h.Pmem.TryClaim(1 * MiB - 4 * KiB, 8 * KiB, RegionType.UserMemory, Name("p")), Is.EqualTo(ClaimResult.NotMemory),
            "starts below pmem's memory");
        Assert.That(h.Pmem.TryClaim(63 * MiB, 2 * MiB, RegionType.UserMemory, Name("p")), Is.EqualTo(ClaimResult.NotMemory),
            "runs beyond the end of memory");
        Assert.That(h.Snapshot(), Is.EqualTo(before));
        Assert.That(h.Pmem.TryClaim(1 * MiB + 4 * KiB, 2 * MiB, RegionType.UserMemory, Name("p")), Is.EqualTo(ClaimResult.Claimed),
            "the next page on is free");
        Assert.That(h.Pmem.TryClaim(2 * MiB, 4 * KiB, RegionType.UserMemory, Name("p")), Is.EqualTo(ClaimResult.InUse),
            "inside the claim just made");
        Assert.That(h.Pmem.Validate(), Is.Null);
    }

    [Test]
    public void ClaimAcrossAHoleOfTheMemoryMapIsNotMemory()
    {
        var h = new PmemHarness(16);
        h.Pmem.AddFree(1 * MiB, 1 * MiB);
        h.Pmem.AddFree(3 * MiB, 1 * MiB);
        Assert.That(h.Pmem.TryClaim(1 * MiB, 3 * MiB, RegionType.UserMemory, Name("p")), Is.EqualTo(ClaimResult.NotMemory));
        h.Pmem.Reserve(2 * MiB, 1 * MiB, RegionType.Firmware, Name("acpi"));
        Assert.That(h.Pmem.TryClaim(1 * MiB, 3 * MiB, RegionType.UserMemory, Name("p")), Is.EqualTo(ClaimResult.InUse),
            "every page is pmem's now, some of them in a region");
    }

    [Test]
    public void MalformedClaimsAreRefused()
    {
        var h = new PmemHarness(16);
        h.Pmem.AddFree(1 * MiB, 63 * MiB);
        string before = h.Snapshot();
        Assert.That(h.Pmem.TryClaim(2 * MiB + 1, 4 * KiB, RegionType.UserMemory, Name("p")), Is.EqualTo(ClaimResult.NotMemory), "unaligned start");
        Assert.That(h.Pmem.TryClaim(2 * MiB, 100, RegionType.UserMemory, Name("p")), Is.EqualTo(ClaimResult.NotMemory), "unaligned length");
        Assert.That(h.Pmem.TryClaim(2 * MiB, 0, RegionType.UserMemory, Name("p")), Is.EqualTo(ClaimResult.NotMemory), "empty");
        Assert.That(h.Pmem.TryClaim(ulong.MaxValue - 4095, 8 * KiB, RegionType.UserMemory, Name("p")), Is.EqualTo(ClaimResult.NotMemory), "wraps");
        Assert.That(h.Pmem.TryClaim(2 * MiB, 4 * KiB, RegionType.Free, Name("p")), Is.EqualTo(ClaimResult.NotMemory), "type Free");
        Assert.That(h.Snapshot(), Is.EqualTo(before));
    }

    [Test]
    public void ClaimWithoutANodeLeftChangesNothing()
    {
        var h = new PmemHarness(2);
        h.Pmem.AddFree(1 * MiB, 63 * MiB);                // one node: the free extent
        string before = h.Snapshot();
        // The middle of the extent: the region and the split both need a node, and only one is left.
        Assert.That(h.Pmem.TryClaim(8 * MiB, 4 * KiB, RegionType.UserMemory, Name("p")), Is.EqualTo(ClaimResult.NoNode));
        Assert.That(h.Snapshot(), Is.EqualTo(before));
        Assert.That(h.Pmem.TryClaim(1 * MiB, 4 * KiB, RegionType.UserMemory, Name("p")), Is.EqualTo(ClaimResult.Claimed),
            "the extent's first page needs the region's node only");
    }
}
