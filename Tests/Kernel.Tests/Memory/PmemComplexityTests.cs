using Kitten.Kernel.Memory;
using NUnit.Framework;
using static Kitten.Kernel.Tests.Memory.PmemHarness;

namespace Kitten.Kernel.Tests.Memory;

// Allocation and free must cost O(log n) tree steps in the number of regions and free extents. Pmem counts
// the tree nodes it looks at (Visits); the cost per operation must grow like log n, not like n.
public class PmemComplexityTests
{
    // Tree nodes visited per allocate-and-free pair, with n regions and about n free holes of 1 to 13 pages.
    private static double VisitsPerOperation(int n)
    {
        var h = new PmemHarness(2 * n + 16);
        Assert.That(h.Pmem.AddFree(4 * GiB, 64 * GiB), Is.True);
        var bases = new ulong[2 * n];
        byte[] name = Name("r");
        for (int i = 0; i < 2 * n; i++)
            if (!h.Pmem.TryAllocate((ulong)(1 + i * 7 % 13) * 4 * KiB, 4 * KiB, RegionType.UserMemory, name, out bases[i]))
                Assert.Fail("setup allocation failed");
        for (int i = 0; i < 2 * n; i += 2)
            if (!h.Pmem.Free(bases[i]))
                Assert.Fail("setup free failed");
        Assert.That(h.Pmem.RegionCount, Is.EqualTo(n));

        const int Operations = 2000;
        var random = new Random(1);
        ulong before = h.Pmem.Visits;
        for (int i = 0; i < Operations; i++)
        {
            ulong size = (ulong)random.Next(1, 17) * 4 * KiB;
            ulong alignment = 4 * KiB << random.Next(0, 10);
            if (!h.Pmem.TryAllocate(size, alignment, RegionType.UserMemory, name, out ulong b) || !h.Pmem.Free(b))
                Assert.Fail("allocate or free failed");
        }
        double perOperation = (double)(h.Pmem.Visits - before) / Operations;
        Assert.That(h.Pmem.Validate(), Is.Null);
        return perOperation;
    }

    [Test]
    public void AllocateAndFreeVisitLogarithmicallyManyNodes()
    {
        double small = VisitsPerOperation(1_000);
        double large = VisitsPerOperation(50_000);
        TestContext.Out.WriteLine($"visits per allocate+free: {small:F1} with 1000 regions, {large:F1} with 50000");
        // log2(100000) / log2(2000) is about 1.5; linear growth would be 50.
        Assert.That(large / small, Is.LessThan(2.5));
        Assert.That(large, Is.LessThan(40 * Math.Log2(100_000)));
    }
}
