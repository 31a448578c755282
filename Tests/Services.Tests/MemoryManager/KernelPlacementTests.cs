using System.Buffers.Binary;
using Kitten.MemoryManager;
using NUnit.Framework;
using static Kitten.Services.Tests.MemoryManager.Images;

namespace Kitten.Services.Tests.MemoryManager;

// The argument of kitten_exec_placed, as KernelPlacement encodes a plan.
public class KernelPlacementTests
{
    [Test]
    public void TheHeaderNamesTheHeapAndStackAndTheRegionsFollowIt()
    {
        ImageRequest request = HpcRank(heap: 64 * MiB);
        var regions = VirtualLayout.Place(request, out _)!;
        Layout layout = new PagedPolicy().Place(regions, new List<FreeExtent> { new(4 * GiB, 40 * MiB, 0), new(8 * GiB, GiB, 0) }, -1).Layout!;
        byte[] buffer = KernelPlacement.Encode(request, layout);

        Assert.That(buffer, Has.Length.EqualTo(KernelPlacement.HeaderSize + layout.Regions.Count * LayoutRegion.EncodedSize));
        ulong Word(int index) => BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(index * 8));
        VirtualRegion heap = regions.Single(region => region.Kind == RegionKind.Heap);
        Assert.That((Word(0), Word(1)), Is.EqualTo((heap.Start, 64 * MiB)));
        Assert.That((Word(2), Word(3)), Is.EqualTo((VirtualLayout.StackTop, 8 * MiB)));
        Assert.That(Word(4), Is.EqualTo((ulong)layout.Regions.Count));
        Assert.That(Word(5), Is.Zero, "the address is written once the buffer is pinned");
        for (int i = 0; i < layout.Regions.Count; i++)
            Assert.That(LayoutRegion.Decode(buffer.AsSpan(KernelPlacement.HeaderSize + i * LayoutRegion.EncodedSize)), Is.EqualTo(layout.Regions[i]));
        Assert.That(layout.Regions.Count, Is.GreaterThan(regions.Count), "the heap straddles two free extents: more regions than virtual regions");

        KernelPlacement.WriteRegionsAddress(buffer, 0x7000_0000);
        Assert.That(Word(5), Is.EqualTo(0x7000_0000UL + KernelPlacement.HeaderSize));
    }

    [Test]
    public void NoHeapAndNoStackAreZeros()
    {
        var request = new ImageRequest(new[] { new Segment(0x400000, 0x1000, Permissions.Read) }, 0, 0);
        Layout layout = new ContiguousPolicy().Place(VirtualLayout.Place(request, out _)!, LargeFreeMemory(), -1).Layout!;
        byte[] buffer = KernelPlacement.Encode(request, layout);
        Assert.That(buffer.AsSpan(0, 32).ToArray(), Is.All.Zero);
        Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(32)), Is.EqualTo(1UL));
    }
}
