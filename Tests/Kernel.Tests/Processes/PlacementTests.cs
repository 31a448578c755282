using System.Runtime.InteropServices;
using CsCheck;
using Kitten.Kernel.Processes;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Processes;

// The rules of a placement for kitten_exec_placed (Kernel/Processes/Placement.cs), each broken by one test
// that changes one thing in an otherwise valid placement, and the merging of physically adjacent regions.
public unsafe class PlacementTests
{
    private const ulong KiB = 1UL << 10, MiB = 1UL << 20, GiB = 1UL << 30;
    private const uint R = 4, W = 2, X = 1;
    private const ulong StackTop = 511 * GiB;           // where the MemoryManager puts it
    private const ulong Base = 256 * MiB;                // the physical block of the valid placement

    private static readonly PlacementLimits Limits = new()
    {
        UserEnd = 512 * GiB,
        GrantWindowStart = 504 * GiB,
        GrantWindowEnd = 508 * GiB,
        PhysicalEnd = 1UL << 52,
        GigabytePages = true,
    };

    // A small program's image at 4 MiB (4 KiB pages), a 32 MiB heap in 2 MiB pages after it, a 256 KiB
    // stack under 511 GiB: all in one physically contiguous block, as memory-contiguous would place it.
    private sealed class Plan
    {
        public PlacementHeader Header = new()
        {
            HeapStart = 6 * MiB,
            HeapLength = 32 * MiB,
            StackTop = StackTop,
            StackLength = 256 * KiB,
        };

        public List<PlacedRegion> Regions = new()
        {
            Region(4 * MiB, 1 * MiB, Base, 4 * KiB, R | X),
            Region(5 * MiB, 1 * MiB, Base + 1 * MiB, 4 * KiB, R | W),
            Region(6 * MiB, 32 * MiB, Base + 2 * MiB, 2 * MiB, R | W),
            Region(StackTop - 256 * KiB, 256 * KiB, Base + 34 * MiB, 4 * KiB, R | W),
        };

        public PlacementLimits Limits = PlacementTests.Limits;

        public List<PlacedRegion> Sorted = new();
        public List<(ulong Start, ulong Length)> Runs = new();

        // Check's verdict; on success Sorted and Runs hold what it left in the placement.
        public string Check()
        {
            int count = Regions.Count;
            var buffer = (byte*)NativeMemory.Alloc((nuint)Math.Max(Placement.BufferBytes(count), 1));
            try
            {
                Header.RegionCount = (ulong)count;       // as user space gives them; Check reads the copy
                Header.Regions = (ulong)buffer;
                var placement = new Placement { Header = Header };
                placement.Attach(buffer, count);
                for (int i = 0; i < count; i++)
                    placement.Regions[i] = Regions[i];
                string problem = placement.Check(in Limits);
                Sorted = Enumerable.Range(0, count).Select(i => placement.Regions[i]).ToList();
                Runs = Enumerable.Range(0, placement.RunCount).Select(i => (placement.Runs[i].Start, placement.Runs[i].Length)).ToList();
                return problem;
            }
            finally
            {
                NativeMemory.Free(buffer);
            }
        }
    }

    private static PlacedRegion Region(ulong virt, ulong length, ulong phys, ulong pageSize, uint flags)
        => new() { Virtual = virt, Length = length, Physical = phys, PageSize = (uint)pageSize, Flags = flags };

    private static void Refused(Plan plan, string because)
        => Assert.That(plan.Check(), Does.Contain(because));

    [Test]
    public void TheAbiLayoutIsTheDocumentedOne()
    {
        Assert.That(sizeof(PlacementHeader), Is.EqualTo(PlacementHeader.Size).And.EqualTo(48));
        Assert.That(sizeof(PlacedRegion), Is.EqualTo(PlacedRegion.Size).And.EqualTo(32));
        Assert.That(Marshal.OffsetOf<PlacedRegion>(nameof(PlacedRegion.PageSize)), Is.EqualTo((nint)24));
        Assert.That(Marshal.OffsetOf<PlacementHeader>(nameof(PlacementHeader.Regions)), Is.EqualTo((nint)40));
    }

    [Test]
    public void AValidContiguousPlanIsOneRun()
    {
        var plan = new Plan();
        Assert.That(plan.Check(), Is.Null);
        Assert.That(plan.Runs, Is.EqualTo(new[] { (Base, 34 * MiB + 256 * KiB) }));
    }

    [Test]
    public void NoHeapAndNoStackIsValid()
    {
        var plan = new Plan();
        plan.Header = default;
        plan.Regions.RemoveRange(2, 2);
        Assert.That(plan.Check(), Is.Null);
    }

    [TestCase(0UL)]
    [TestCase(4097UL)]
    [TestCase(ulong.MaxValue)]
    public void RegionCountOutside1To4096IsRefused(ulong count)
        => Assert.That(Placement.CheckCount(count), Does.Contain("region_count"));

    [TestCase(1UL)]
    [TestCase(4096UL)]
    public void RegionCountInside1To4096IsAccepted(ulong count) => Assert.That(Placement.CheckCount(count), Is.Null);

    [TestCase(0UL)]
    [TestCase(8 * KiB)]
    [TestCase(4 * MiB)]
    [TestCase(1UL << 32)]
    public void OtherPageSizesAreRefused(ulong size)
    {
        var plan = new Plan();
        plan.Regions[0] = plan.Regions[0] with { PageSize = unchecked((uint)size) };
        Refused(plan, "page_size must be");
    }

    [Test]
    public void GigabytePagesOnlyWhereTheCpuHasThem()
    {
        var plan = new Plan();
        plan.Header.HeapStart = 1 * GiB;
        plan.Header.HeapLength = 1 * GiB;
        plan.Regions[2] = Region(1 * GiB, 1 * GiB, 1 * GiB, 1 * GiB, R | W);
        plan.Regions[3] = plan.Regions[3] with { Physical = 2 * GiB };
        Assert.That(plan.Check(), Is.Null);
        plan.Limits.GigabytePages = false;
        Refused(plan, "1 GiB pages");
    }

    [TestCase(4 * KiB, 0UL, 0UL, TestName = "virt not a multiple of 2 MiB")]
    [TestCase(0UL, 4 * KiB, 0UL, TestName = "phys not a multiple of 2 MiB")]
    [TestCase(0UL, 0UL, 4 * KiB, TestName = "length not a multiple of 2 MiB")]
    public void AddressesAndLengthAreMultiplesOfThePageSize(ulong virtOffset, ulong physOffset, ulong lengthOffset)
    {
        var plan = new Plan();
        plan.Header = default;
        plan.Regions[2] = plan.Regions[2] with
        {
            Virtual = plan.Regions[2].Virtual + virtOffset,
            Physical = plan.Regions[2].Physical + physOffset,
            Length = plan.Regions[2].Length + lengthOffset,
        };
        Refused(plan, "multiples of page_size");
    }

    [Test]
    public void AnEmptyRegionIsRefused()
    {
        var plan = new Plan();
        plan.Regions.Add(Region(100 * MiB, 0, Base + 100 * MiB, 4 * KiB, R));
        Refused(plan, "empty");
    }

    [Test]
    public void UnknownPermissionBitsAreRefused()
    {
        var plan = new Plan();
        plan.Regions[0] = plan.Regions[0] with { Flags = R | 8 };
        Refused(plan, "p_flags");
    }

    [TestCase(512 * GiB - 4 * KiB, 8 * KiB, TestName = "ends beyond 512 GiB")]
    [TestCase(512 * GiB, 4 * KiB, TestName = "starts at 512 GiB")]
    [TestCase(0xFFFF_FFFF_FFFF_F000, 8 * KiB, TestName = "wraps around")]
    [TestCase(0xFFFF_8000_0000_0000, 4 * KiB, TestName = "in the kernel half")]
    public void RegionsBeyondTheUserHalfAreRefused(ulong virt, ulong length)
    {
        var plan = new Plan();
        plan.Regions.Add(Region(virt, length, Base + 100 * MiB, 4 * KiB, R));
        Refused(plan, "beyond the user half");
    }

    [TestCase(504 * GiB - 4 * KiB, TestName = "across the window's start")]
    [TestCase(506 * GiB, TestName = "inside the window")]
    [TestCase(508 * GiB - 4 * KiB, TestName = "across the window's end")]
    public void RegionsInTheGrantWindowAreRefused(ulong virt)
    {
        var plan = new Plan();
        plan.Regions.Add(Region(virt, 8 * KiB, Base + 100 * MiB, 4 * KiB, R));
        Refused(plan, "grant window");
    }

    [Test]
    public void AboveTheGrantWindowOnlyTheStack()
    {
        var plan = new Plan();
        plan.Regions.Add(Region(509 * GiB, 4 * KiB, Base + 100 * MiB, 4 * KiB, R | W));
        Refused(plan, "not the stack's");
    }

    [Test]
    public void TheStackMayLieBelowTheGrantWindowToo()
    {
        var plan = new Plan();
        plan.Header.StackTop = 200 * GiB;
        plan.Regions[3] = plan.Regions[3] with { Virtual = 200 * GiB - 256 * KiB };
        Assert.That(plan.Check(), Is.Null);
    }

    [Test]
    public void PhysicalRangesBeyondWhatPagingMapsAreRefused()
    {
        var plan = new Plan();
        plan.Regions[3] = plan.Regions[3] with { Physical = (1UL << 52) - 128 * KiB };
        Refused(plan, "physical range is beyond");
    }

    [Test]
    public void VirtualOverlapIsRefused()
    {
        var plan = new Plan();
        plan.Regions.Add(Region(38 * MiB, 512 * KiB, Base + 200 * MiB, 4 * KiB, R));
        Assert.That(plan.Check(), Is.Null, "touching the heap is not overlapping it");
        plan.Regions[^1] = plan.Regions[^1] with { Virtual = 38 * MiB - 4 * KiB };
        Refused(plan, "overlap in virtual memory");
    }

    [Test]
    public void PhysicalOverlapIsRefused()
    {
        var plan = new Plan();
        plan.Regions[3] = plan.Regions[3] with { Physical = Base + 34 * MiB - 4 * KiB };
        Refused(plan, "overlap in physical memory");
    }

    [TestCase(0UL, 32 * MiB, "both be 0")]
    [TestCase(6 * MiB, 0UL, "both be 0")]
    [TestCase(6 * MiB + 100, 32 * MiB, "page-aligned")]
    [TestCase(6 * MiB, 32 * MiB - 100, "page-aligned")]
    [TestCase(504 * GiB - 4 * KiB, 8 * KiB, "below the IPC grant window")]
    [TestCase(6 * MiB, ulong.MaxValue - 4095, "below the IPC grant window")]
    [TestCase(6 * MiB, 30 * MiB, "not exactly a union")]
    [TestCase(6 * MiB, 34 * MiB, "not exactly a union")]
    [TestCase(8 * MiB, 30 * MiB, "not exactly a union")]
    public void TheHeapIsPageAlignedAndExactlyCovered(ulong start, ulong length, string because)
    {
        var plan = new Plan();
        plan.Header.HeapStart = start;
        plan.Header.HeapLength = length;
        Refused(plan, because);
    }

    [Test]
    public void AHeapMayBeSeveralRegions()
    {
        var plan = new Plan();
        plan.Header.HeapStart = 5 * MiB;
        plan.Header.HeapLength = 33 * MiB;
        Assert.That(plan.Check(), Is.Null);
    }

    [Test]
    public void AHeapWithAGapInsideIsNotCovered()
    {
        var plan = new Plan();
        plan.Regions[2] = plan.Regions[2] with { Length = 14 * MiB };
        plan.Regions.Add(Region(20 * MiB, 18 * MiB, Base + 100 * MiB, 2 * MiB, R | W));
        Assert.That(plan.Check(), Is.Null, "two regions that meet cover it");
        plan.Regions[^1] = Region(22 * MiB, 16 * MiB, Base + 100 * MiB, 2 * MiB, R | W);
        Refused(plan, "heap is not exactly a union");
    }

    [TestCase(0UL, 256 * KiB, "both be 0")]
    [TestCase(StackTop, 0UL, "both be 0")]
    [TestCase(StackTop - 100, 256 * KiB, "page-aligned")]
    [TestCase(StackTop, 256 * KiB + 100, "page-aligned")]
    [TestCase(512 * GiB + 4 * KiB, 256 * KiB, "below 512 GiB")]
    [TestCase(16 * KiB, 256 * KiB, "below 512 GiB")]
    [TestCase(StackTop, 128 * KiB, "not exactly a union")]
    [TestCase(StackTop, 512 * KiB, "not exactly a union")]
    [TestCase(StackTop - 4 * KiB, 248 * KiB, "not exactly a union")]
    [TestCase(StackTop, 3 * GiB + 256 * KiB, "overlaps the IPC grant window")]
    public void TheStackIsPageAlignedAndExactlyCovered(ulong top, ulong length, string because)
    {
        var plan = new Plan();
        plan.Header.StackTop = top;
        plan.Header.StackLength = length;
        Refused(plan, because);
    }

    [Test]
    public void HeapAndStackMayNotOverlap()
    {
        var plan = new Plan();
        // The stack placed on the heap's last 2 MiB, which a region of its own covers.
        plan.Regions[2] = plan.Regions[2] with { Length = 30 * MiB };
        plan.Regions[3] = Region(36 * MiB, 2 * MiB, Base + 40 * MiB, 2 * MiB, R | W);
        plan.Header.StackTop = 38 * MiB;
        plan.Header.StackLength = 2 * MiB;
        Refused(plan, "heap and the stack overlap");
    }

    [Test]
    public void RegionsComeOutSortedByVirtualAddress()
    {
        var plan = new Plan();
        plan.Regions.Reverse();
        Assert.That(plan.Check(), Is.Null);
        Assert.That(plan.Sorted.Select(r => r.Virtual), Is.Ordered);
        Assert.That(plan.Runs, Is.EqualTo(new[] { (Base, 34 * MiB + 256 * KiB) }));
    }

    [Test]
    public void OnlyTouchingRunsMerge()
    {
        var plan = new Plan();
        plan.Regions[1] = plan.Regions[1] with { Physical = Base + 64 * MiB };     // moved away
        plan.Regions[3] = plan.Regions[3] with { Physical = Base + 65 * MiB };     // right after it
        Assert.That(plan.Check(), Is.Null);
        Assert.That(plan.Runs, Is.EqualTo(new[]
        {
            (Base, 1 * MiB),
            (Base + 2 * MiB, 32 * MiB),
            (Base + 64 * MiB, 1 * MiB + 256 * KiB),
        }));
    }

    // A fragmented paged layout: 4096 regions of one 4 KiB page each, the most a placement may have, with
    // their frames in reverse order of their virtual pages and every eighth frame skipped: the runs are the
    // maximal stretches of touching frames, whatever order the regions come in.
    [Test]
    public void FourThousandScatteredPagesMergeIntoTheirPhysicalStretches()
    {
        var plan = new Plan { Header = default };
        plan.Regions.Clear();
        var frames = Enumerable.Range(0, 8192).Where(f => f % 8 != 7).Take(4096).Reverse().ToList();
        for (int i = 0; i < 4096; i++)
            plan.Regions.Add(Region(4 * MiB + (ulong)i * 4 * KiB, 4 * KiB, Base + (ulong)frames[i] * 4 * KiB, 4 * KiB, R | W));
        Assert.That(plan.Check(), Is.Null);
        Assert.That(plan.Runs.Count, Is.EqualTo(4096 / 7 + 1));
        Assert.That(plan.Runs[0], Is.EqualTo((Base, 7 * 4 * KiB)));
        Assert.That(plan.Runs.Sum(r => (long)r.Length), Is.EqualTo(4096 * 4 * 1024));
    }

    // Any set of disjoint pages in any order: the runs are sorted, disjoint, not touching, and cover
    // exactly the pages.
    [Test]
    public void RunsAreTheMaximalStretchesOfAnyPageSet()
    {
        Gen.Int[0, 511].Array[1, 200].Sample(pages =>
        {
            var distinct = pages.Distinct().ToArray();
            var plan = new Plan { Header = default };
            plan.Regions.Clear();
            for (int i = 0; i < distinct.Length; i++)
                plan.Regions.Add(Region(4 * MiB + (ulong)i * 4 * KiB, 4 * KiB, Base + (ulong)distinct[i] * 4 * KiB, 4 * KiB, R));
            Assert.That(plan.Check(), Is.Null);
            var covered = plan.Runs.SelectMany(r => Enumerable.Range((int)((r.Start - Base) / (4 * KiB)), (int)(r.Length / (4 * KiB))));
            Assert.That(covered, Is.EqualTo(distinct.Order()));
            for (int i = 1; i < plan.Runs.Count; i++)
                Assert.That(plan.Runs[i - 1].Start + plan.Runs[i - 1].Length, Is.LessThan(plan.Runs[i].Start));
        });
    }
}
