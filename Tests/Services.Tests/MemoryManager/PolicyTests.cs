using Kitten.MemoryManager;
using NUnit.Framework;
using static Kitten.Services.Tests.MemoryManager.Images;

namespace Kitten.Services.Tests.MemoryManager;

// The two placement policies, in-process.
public class PolicyTests
{
    private static List<VirtualRegion> Regions(ImageRequest request)
        => VirtualLayout.Place(request, out string? problem) ?? throw new AssertionException(problem!);

    [Test]
    public void TheVirtualLayoutPutsHeapAndStackWhereLargePagesFit()
    {
        var regions = Regions(HpcRank());
        Assert.That(regions.Select(region => (region.Kind, region.Start, region.Length)), Is.EqualTo(new[]
        {
            (RegionKind.Segment, 0x400000UL, 0x1000UL),
            (RegionKind.Segment, 0x401000UL, 0x17F000UL),
            (RegionKind.Segment, 0x580000UL, 0x40000UL),
            (RegionKind.Segment, 0x5C1000UL, 0x12000UL),    // 0x5C17B0 + 0x11850 rounded out to pages
            (RegionKind.Heap, GiB, 4 * GiB),                 // a heap of 1 GiB or more starts on a 1 GiB boundary
            (RegionKind.Stack, 511 * GiB - 8 * MiB, 8 * MiB),
        }));
    }

    [Test]
    public void BadImagesAreRefused()
    {
        Assert.That(VirtualLayout.Place(new ImageRequest(Array.Empty<Segment>(), 0, 0), out string? problem), Is.Null);
        Assert.That(problem, Does.Contain("segments"));
        var overlapping = new ImageRequest(new[] { new Segment(0x400000, 0x1800, Permissions.Read), new Segment(0x401000, 0x1000, Permissions.Read) }, 0, 0);
        Assert.That(VirtualLayout.Place(overlapping, out problem), Is.Null);
        Assert.That(problem, Does.Contain("overlaps"));
        var tooHigh = new ImageRequest(new[] { new Segment(VirtualLayout.StackTop, 0x1000, Permissions.Read) }, 0, 0);
        Assert.That(VirtualLayout.Place(tooHigh, out _), Is.Null);
        var hugeHeap = new ImageRequest(new[] { new Segment(0x400000, 0x1000, Permissions.Read) }, VirtualLayout.StackTop, 0);
        Assert.That(VirtualLayout.Place(hugeHeap, out problem), Is.Null);
        Assert.That(problem, Does.Contain("heap"));
    }

    [Test]
    public void ContiguousPutsTheRankInOneBlockWithGigabytePagesForItsHeap()
    {
        var regions = Regions(HpcRank());
        var free = LargeFreeMemory();
        Layout layout = new ContiguousPolicy().Place(regions, free, -1).Layout!;
        TestContext.Out.WriteLine(layout);
        LayoutChecks.Verify(layout, regions, free);
        LayoutChecks.VerifyContiguous(layout, regions, free);
        var heap = layout.Regions.Where(piece => piece.VirtualStart >= GiB && piece.VirtualStart < 5 * GiB).ToList();
        Assert.That(heap.Select(piece => (piece.Length, piece.PageSize)), Is.EqualTo(new[] { (4 * GiB, GiB) }), "the heap: four 1 GiB pages");
        var stack = layout.Regions.Single(piece => piece.VirtualStart == 511 * GiB - 8 * MiB);
        Assert.That(stack.PageSize, Is.EqualTo(2 * MiB), "the stack: 2 MiB pages");
        var text = layout.Regions.Where(piece => piece.VirtualStart >= 0x401000 && piece.VirtualStart < 0x580000).ToList();
        Assert.That(text.All(piece => piece.PageSize == 4 * KiB), "1.5 MiB of text holds no aligned 2 MiB page");
    }

    [Test]
    public void PagedUsesSmallPagesOnly()
    {
        var regions = Regions(HpcRank());
        var free = LargeFreeMemory();
        Layout layout = new PagedPolicy().Place(regions, free, -1).Layout!;
        LayoutChecks.Verify(layout, regions, free);
        Assert.That(layout.Regions.All(piece => piece.PageSize == 4 * KiB));
    }

    // The figure: for the same program, contiguous needs at least 100 times fewer bytes of page
    // tables than paged; both figures are what the kernel's own page-table code allocates for the layout.
    [Test]
    public void ContiguousNeedsAHundredTimesFewerPageTablesThanPaged()
    {
        var regions = Regions(HpcRank());
        var free = LargeFreeMemory();
        Layout contiguous = new ContiguousPolicy().Place(regions, free, -1).Layout!;
        Layout paged = new PagedPolicy().Place(regions, free, -1).Layout!;

        ulong contiguousTables = LayoutChecks.InstallWithKernelCode(contiguous);
        ulong pagedTables = LayoutChecks.InstallWithKernelCode(paged);
        Assert.That(contiguousTables, Is.EqualTo(contiguous.PageTableBytes), "the contiguous layout's claimed footprint");
        Assert.That(pagedTables, Is.EqualTo(paged.PageTableBytes), "the paged layout's claimed footprint");
        double ratio = (double)pagedTables / contiguousTables;
        TestContext.Out.WriteLine($"page tables for a rank with a 4 GiB heap: contiguous {contiguousTables} bytes, paged {pagedTables} bytes, ratio {ratio:F0}");
        Assert.That(ratio, Is.GreaterThanOrEqualTo(100));
        // Exactly: contiguous, the PML4, the PDPT, the directories of GiB 0 (segments) and of the stack's
        // GiB, and one page table for the segments (all within 0x400000-0x5FFFFF); paged, as many plus a
        // directory per GiB of heap and a page table per 2 MiB of heap (2048) and of stack (4).
        Assert.That(contiguousTables, Is.EqualTo((1 + 1 + 1 + 1 + 1) * 4096UL));
        Assert.That(pagedTables, Is.EqualTo((1 + 1 + 1 + 1 + 1 + 4 + 2048 + 4) * 4096UL));
    }

    [Test]
    public void ContiguousGivesUpLargeAlignmentsBeforeRefusingAndPagedTakesPieces()
    {
        var regions = Regions(HpcRank(heap: 1 * GiB + 8 * MiB));
        // Enough memory in total, but no 1 GiB-aligned block: the contiguous policy settles for 2 MiB.
        var misaligned = new List<FreeExtent> { new(GiB + 2 * MiB, GiB + 64 * MiB, 0) };
        Layout layout = new ContiguousPolicy().Place(regions, misaligned, -1).Layout!;
        LayoutChecks.Verify(layout, regions, misaligned);
        Assert.That(layout.Regions.Max(piece => piece.PageSize), Is.EqualTo(2 * MiB));

        // Enough memory only in pieces: contiguous refuses, saying how big a block it needed; paged fits.
        var pieces = Enumerable.Range(0, 8).Select(i => new FreeExtent(GiB + (ulong)i * 512 * MiB, 200 * MiB, 0)).ToList();
        Placement refused = new ContiguousPolicy().Place(regions, pieces, -1);
        Assert.That(refused.Layout, Is.Null);
        Assert.That(refused.Refusal, Is.EqualTo(MemoryRefusal.NoContiguousBlock));
        Assert.That(refused.Detail, Is.GreaterThanOrEqualTo(GiB + 8 * MiB));
        Layout paged = new PagedPolicy().Place(regions, pieces, -1).Layout!;
        LayoutChecks.Verify(paged, regions, pieces);
        Assert.That(paged.Regions.Select(piece => piece.PhysicalStart / (512 * MiB)).Distinct().Count(), Is.GreaterThan(5), "frames from many extents");

        Placement short_ = new PagedPolicy().Place(regions, pieces.Take(2).ToList(), -1);
        Assert.That(short_.Refusal, Is.EqualTo(MemoryRefusal.NoMemory));
        Assert.That(short_.Detail, Is.EqualTo(regions.Aggregate(0UL, (sum, region) => sum + region.Length) - 400 * MiB));
    }

    [Test]
    public void ThePreferredNodesMemoryComesFirst()
    {
        var regions = Regions(HpcRank(heap: 64 * MiB));
        var free = new List<FreeExtent> { new(4 * GiB, 4 * GiB, 0), new(8 * GiB, 4 * GiB, 1) };
        foreach (IPlacementPolicy policy in new IPlacementPolicy[] { new ContiguousPolicy(), new PagedPolicy() })
        {
            Assert.That(policy.Place(regions, free, 1).Layout!.Regions.All(piece => piece.PhysicalStart >= 8 * GiB), $"{policy.Kind} on node 1");
            Assert.That(policy.Place(regions, free, 0).Layout!.Regions.All(piece => piece.PhysicalStart < 8 * GiB), $"{policy.Kind} on node 0");
            Assert.That(policy.Place(regions, free, 7).Layout, Is.Not.Null, $"{policy.Kind}: an unknown node is no reason to refuse");
        }
    }

    // Random images in random free memory: every layout either policy makes is right, installable by
    // the kernel's page-table code, and its claimed footprint is what the kernel's tables cost.
    [Test]
    public void RandomImagesGetCorrectLayoutsFromBothPolicies()
    {
        const int Samples = 100;
        var random = new Random(20250611);
        int contiguousPlaced = 0, pagedPlaced = 0;
        for (int sample = 0; sample < Samples; sample++)
        {
            ImageRequest request = Random(random);
            var free = RandomFreeMemory(random);
            List<VirtualRegion>? regions = VirtualLayout.Place(request, out _);
            if (regions == null)
                continue;
            foreach (IPlacementPolicy policy in new IPlacementPolicy[] { new ContiguousPolicy(), new PagedPolicy() })
            {
                Placement placement = policy.Place(regions, free, request.NumaNode);
                if (placement.Layout == null)
                {
                    ulong freeBytes = free.Aggregate(0UL, (sum, extent) => sum + extent.Length);
                    if (policy.Kind == PolicyKind.Paged)
                        Assert.That(freeBytes, Is.LessThan(regions.Aggregate(0UL, (sum, region) => sum + region.Length)), "paged refuses only when memory runs out");
                    continue;
                }
                LayoutChecks.Verify(placement.Layout, regions, free);
                if (policy.Kind == PolicyKind.Contiguous)
                    LayoutChecks.VerifyContiguous(placement.Layout, regions, free);
                if (placement.Layout.PageTableBytes < 8 * MiB)
                    Assert.That(LayoutChecks.InstallWithKernelCode(placement.Layout), Is.EqualTo(placement.Layout.PageTableBytes), $"footprint of {policy.Kind} sample {sample}");
                if (policy.Kind == PolicyKind.Contiguous)
                    contiguousPlaced++;
                else
                    pagedPlaced++;
            }
        }
        TestContext.Out.WriteLine($"placed: contiguous {contiguousPlaced}, paged {pagedPlaced} of {Samples}");
        Assert.That(contiguousPlaced, Is.GreaterThan(Samples / 3), "the samples exercise the contiguous policy");
        Assert.That(pagedPlaced, Is.GreaterThan(contiguousPlaced), "and paged fits where contiguous cannot");
    }
}
