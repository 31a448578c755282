using Kitten.MemoryManager;
using NUnit.Framework;

namespace Kitten.Services.Tests.MemoryManager;

// What every layout must be, whatever the policy: the image's regions exactly, in whole pages of a size
// the hardware has, in free memory, no frame twice; and installable by the kernel's page-table code with
// the footprint the layout claims.
internal static class LayoutChecks
{
    private static readonly ulong[] s_sizes = { MemoryProtocol.Page4K, MemoryProtocol.Page2M, MemoryProtocol.Page1G };

    public static void Verify(Layout layout, IReadOnlyList<VirtualRegion> regions, IReadOnlyList<FreeExtent> free)
    {
        var pieces = layout.Regions;
        int next = 0;
        foreach (var region in regions)
        {
            ulong virt = region.Start;
            while (virt < region.End)
            {
                Assert.That(next, Is.LessThan(pieces.Count), $"nothing maps {virt:x} of {region}");
                var piece = pieces[next++];
                Assert.That(piece.VirtualStart, Is.EqualTo(virt), $"pieces of {region} follow each other");
                Assert.That(piece.Permissions, Is.EqualTo(region.Permissions), $"{piece} keeps its region's permissions");
                Assert.That(s_sizes, Does.Contain(piece.PageSize), $"{piece}: a hardware page size");
                Assert.That(piece.Length, Is.GreaterThan(0UL));
                Assert.That((piece.VirtualStart | piece.PhysicalStart | piece.Length) % piece.PageSize, Is.Zero, $"{piece}: whole pages");
                virt += piece.Length;
            }
            Assert.That(virt, Is.EqualTo(region.End), $"{region} ends where its pieces do");
        }
        Assert.That(next, Is.EqualTo(pieces.Count), "no piece beyond the image's regions");

        var physical = pieces.OrderBy(piece => piece.PhysicalStart).ToList();
        for (int i = 1; i < physical.Count; i++)
            Assert.That(physical[i].PhysicalStart, Is.GreaterThanOrEqualTo(physical[i - 1].PhysicalStart + physical[i - 1].Length), $"{physical[i]} overlaps {physical[i - 1]}");
        foreach (var piece in pieces)
            Assert.That(free.Any(extent => piece.PhysicalStart >= extent.Start && piece.PhysicalStart + piece.Length <= extent.End), $"{piece} lies in free memory");
        Assert.That(layout.PhysicalBytes, Is.EqualTo(regions.Aggregate(0UL, (sum, region) => sum + region.Length)));
    }

    // Maps the layout with the kernel's page-table code; returns what the tables cost.
    public static ulong InstallWithKernelCode(Layout layout)
    {
        ulong tables = layout.PageTableBytes / PageTableFootprint.TableBytes + 16;
        using var kernel = new KernelPageTables(tables);
        Assert.That(kernel.Install(layout), Is.EqualTo(Kitten.Kernel.Arch.X64.PageTableResult.Ok), "the kernel maps every region with its page size");
        return kernel.PageTableBytes;
    }

    // Catamount's promise: one physically contiguous block, and each region placed so its largest
    // possible page size lines up physically (physical ≡ virtual modulo that size), up to the largest
    // size the layout uses (the policy gives up 1 GiB, then 2 MiB alignment when memory is short).
    public static void VerifyContiguous(Layout layout, IReadOnlyList<VirtualRegion> regions, IReadOnlyList<FreeExtent> free)
    {
        ulong low = layout.Regions.Min(piece => piece.PhysicalStart);
        ulong high = layout.Regions.Max(piece => piece.PhysicalStart + piece.Length);
        Assert.That(free.Any(extent => low >= extent.Start && high <= extent.End), "the block lies in one free extent");
        ulong padding = (ulong)regions.Count * MemoryProtocol.Page1G;
        Assert.That(high - low, Is.LessThanOrEqualTo(layout.PhysicalBytes + padding), "the block is the image plus alignment");
        ulong cap = layout.Regions.Max(piece => piece.PageSize);
        foreach (var region in regions)
        {
            var first = layout.Regions.First(piece => piece.VirtualStart == region.Start);
            ulong largest = s_sizes.Last(size => size <= cap && (VirtualLayout.AlignUp(region.Start, size) + size <= region.End || size == MemoryProtocol.Page4K));
            Assert.That((first.PhysicalStart - region.Start) % largest, Is.Zero, $"{region} lines up for {largest / 1024} KiB pages");
        }
    }
}
