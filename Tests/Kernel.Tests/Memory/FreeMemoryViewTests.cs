using System.Buffers.Binary;
using CsCheck;
using Kitten.Kernel.Memory;
using NUnit.Framework;
using static Kitten.Kernel.Tests.Memory.PmemHarness;
using ServiceExtent = Kitten.MemoryManager.FreeExtent;
using ServiceView = Kitten.MemoryManager.FreeMemoryView;

namespace Kitten.Kernel.Tests.Memory;

// The kernel writes the free-memory view (Kernel/Memory/FreeMemoryView.cs) that the memory manager reads
// (Services/MemoryManager/Core/FreeMemoryView.cs): every view is decoded here with the service's own reader.
public unsafe class FreeMemoryViewTests
{
    private const int KernelViewBytes = 64 * 1024;

    // One update as the kernel makes it (without the kernel's lock and fences: one thread here).
    private static int Write(PmemHarness h, byte[] view, byte[] cpuNodes, byte node = 0)
    {
        fixed (byte* p = view)
        {
            ulong sequence = FreeMemoryView.BeginWrite(p);
            int count = FreeMemoryView.WriteContents(p, view.Length, ref h.Pmem, cpuNodes, node);
            FreeMemoryView.EndWrite(p, sequence);
            return count;
        }
    }

    private static List<ServiceExtent> Read(byte[] view, out byte[] cpuNodes)
    {
        var extents = new List<ServiceExtent>();
        Assert.That(ServiceView.TryRead(view, extents, out cpuNodes), Is.True, "the service's reader refused the view");
        return extents;
    }

    // What the view must hold: every free extent if they fit, else the `capacity` largest (ties: the higher
    // base), in address order.
    private static List<ServiceExtent> Expected(PmemHarness h, int capacity, int node = 0)
    {
        var free = h.FreeExtents();
        if (free.Count > capacity)
        {
            free = free.OrderByDescending(e => e.End - e.Base).ThenByDescending(e => e.Base).Take(capacity)
                .OrderBy(e => e.Base).ToList();
        }
        return free.Select(e => new ServiceExtent(e.Base, e.End - e.Base, node)).ToList();
    }

    private static PmemHarness Fragmented()
    {
        var h = new PmemHarness(256);
        Assert.That(h.Pmem.AddFree(1 * MiB, 63 * MiB), Is.True);
        Assert.That(h.Pmem.AddFree(4 * GiB, 2 * GiB), Is.True);
        Assert.That(h.Pmem.Reserve(8 * MiB, 1 * MiB, RegionType.Kernel, Name("kernel image")), Is.True);
        var regions = new List<ulong>();
        for (int i = 0; i < 10; i++)
            regions.Add(h.Allocate((ulong)(i + 1) * 64 * KiB));
        for (int i = 0; i < regions.Count; i += 2)
            Assert.That(h.Pmem.Free(regions[i]), Is.True);
        h.Allocate(1 * GiB, 1 * GiB);
        return h;
    }

    [Test]
    public void ServiceReadsEveryFreeExtentTheKernelWrote()
    {
        var h = Fragmented();
        var view = new byte[KernelViewBytes];
        int count = Write(h, view, new byte[] { 0, 0 });
        var extents = Read(view, out byte[] cpuNodes);
        Assert.That(h.FreeExtents(), Has.Count.GreaterThan(3), "the fixture should leave several holes");
        Assert.That(count, Is.EqualTo(h.FreeExtents().Count));
        Assert.That(extents, Is.EqualTo(Expected(h, int.MaxValue)));
        Assert.That(extents.Sum(e => (decimal)e.Length), Is.EqualTo((decimal)h.Pmem.FreeBytes));
        Assert.That(cpuNodes, Is.EqualTo(new byte[] { 0, 0 }));
    }

    // The offsets of the layout comment, byte by byte, over a buffer full of garbage (the kernel's pages
    // are zeroed, but an update must not depend on what a previous one left).
    [Test]
    public void BytesAreWhereTheLayoutSays()
    {
        var h = new PmemHarness(16);
        h.Pmem.AddFree(0x100000, 0x300000);
        h.Pmem.AddFree(0x800000, 0x1000);
        var view = new byte[FreeMemoryView.ExtentsOffset + 3 * FreeMemoryView.ExtentSize];
        Array.Fill(view, (byte)0xAB);
        BinaryPrimitives.WriteUInt64LittleEndian(view.AsSpan(8), 40);
        Write(h, view, new byte[] { 0, 1, 0 }, node: 2);
        Assert.Multiple(() =>
        {
            Assert.That(view[..8], Is.EqualTo("KFREEMEM"u8.ToArray()));
            Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(view.AsSpan(8)), Is.EqualTo(42), "sequence: +2 per update");
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(view.AsSpan(16)), Is.EqualTo(2), "extent count");
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(view.AsSpan(20)), Is.EqualTo(3), "CPU count");
            Assert.That(view[24..32], Is.All.Zero, "reserved");
            Assert.That(view[32..35], Is.EqualTo(new byte[] { 0, 1, 0 }), "CPU nodes");
            Assert.That(view[35..288], Is.All.EqualTo(0xFF), "CPUs beyond the count: unknown");
            Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(view.AsSpan(288)), Is.EqualTo(0x100000));
            Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(view.AsSpan(296)), Is.EqualTo(0x300000));
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(view.AsSpan(304)), Is.EqualTo(2), "node");
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(view.AsSpan(308)), Is.Zero, "reserved");
            Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(view.AsSpan(312)), Is.EqualTo(0x800000));
            Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(view.AsSpan(320)), Is.EqualTo(0x1000));
            Assert.That(view[336..], Is.All.EqualTo(0xAB), "past the extents nothing is written");
        });
        Assert.That(FreeMemoryView.Magic, Is.EqualTo(ServiceView.Magic));
        Assert.That(FreeMemoryView.Capacity(KernelViewBytes), Is.EqualTo(ServiceView.Capacity(KernelViewBytes)).And.EqualTo(2718));
    }

    [Test]
    public void EachUpdateAdvancesTheSequenceByTwo()
    {
        var h = Fragmented();
        var view = new byte[KernelViewBytes];
        for (ulong update = 1; update <= 3; update++)
        {
            Write(h, view, new byte[] { 0 });
            Assert.That(BinaryPrimitives.ReadUInt64LittleEndian(view.AsSpan(FreeMemoryView.SequenceOffset)), Is.EqualTo(2 * update));
        }
    }

    // A reader never takes a view that is being written: the odd sequence makes it retry, and give up.
    [Test]
    public void ReaderRefusesAViewBeingWritten()
    {
        var h = Fragmented();
        var view = new byte[KernelViewBytes];
        Write(h, view, new byte[] { 0 });
        fixed (byte* p = view)
        {
            ulong sequence = FreeMemoryView.BeginWrite(p);
            Assert.That(ServiceView.TryRead(view, new List<ServiceExtent>(), out _), Is.False);
            FreeMemoryView.EndWrite(p, sequence);
        }
        Assert.That(Read(view, out _), Is.EqualTo(Expected(h, int.MaxValue)));
    }

    // More extents than fit: the largest ones, in address order; among equal lengths the higher ones.
    [Test]
    public void WhenTooManyAreFreeTheLargestAreWritten()
    {
        var h = new PmemHarness(64);
        ulong[] pages = { 3, 1, 7, 2, 7, 5, 1, 9, 4, 7, 2, 6 };
        for (int i = 0; i < pages.Length; i++)
            Assert.That(h.Pmem.AddFree((ulong)i * 64 * MiB, pages[i] * 4 * KiB), Is.True);
        var view = new byte[FreeMemoryView.ExtentsOffset + 5 * FreeMemoryView.ExtentSize + 23];
        Assert.That(Write(h, view, new byte[] { 0 }), Is.EqualTo(5));
        var extents = Read(view, out _);
        // Largest: 9 (slot 7), 7 (slots 9, 4, 2: all three), 6 (slot 11).
        Assert.That(extents.Select(e => e.Start / (64 * MiB)), Is.EqualTo(new ulong[] { 2, 4, 7, 9, 11 }));
        Assert.That(extents, Is.EqualTo(Expected(h, 5)));
        // Room for three: the 9 and two of the three 7s, the higher ones.
        view = new byte[FreeMemoryView.ExtentsOffset + 3 * FreeMemoryView.ExtentSize];
        Write(h, view, new byte[] { 0 });
        Assert.That(Read(view, out _).Select(e => e.Start / (64 * MiB)), Is.EqualTo(new ulong[] { 4, 7, 9 }));
    }

    [Test]
    public void ViewWithoutRoomForExtentsHoldsNone()
    {
        var h = Fragmented();
        var view = new byte[FreeMemoryView.ExtentsOffset + FreeMemoryView.ExtentSize - 1];
        Assert.That(Write(h, view, new byte[] { 0 }), Is.Zero);
        Assert.That(Read(view, out _), Is.Empty);
    }

    [Test]
    public void CpusBeyondTheLayoutsRoomAreLeftOut()
    {
        var h = Fragmented();
        var view = new byte[KernelViewBytes];
        var nodes = new byte[300];
        Write(h, view, nodes);
        Read(view, out byte[] cpuNodes);
        Assert.That(cpuNodes, Has.Length.EqualTo(FreeMemoryView.MaxCpus).And.All.Zero);
    }

    // Random free memory (extents of few distinct lengths, so that ties are common) and random room: the
    // service reads exactly the extents that should be there.
    [Test]
    public void ServiceReadsWhatShouldBeThereWhateverTheRoom()
    {
        Gen.Select(Gen.Int[1, 8].Array[0, 60], Gen.Int[0, 70], Gen.Int[0, 23]).Sample((lengths, capacity, slack) =>
        {
            var h = new PmemHarness(128);
            for (int i = 0; i < lengths.Length; i++)
            {
                if (!h.Pmem.AddFree((ulong)i * MiB, (ulong)lengths[i] * 4 * KiB))
                    return false;
            }
            var view = new byte[FreeMemoryView.ExtentsOffset + capacity * FreeMemoryView.ExtentSize + slack];
            int count = Write(h, view, new byte[] { 0, 0, 0, 0 });
            var extents = new List<ServiceExtent>();
            return ServiceView.TryRead(view, extents, out byte[] cpuNodes) && count == extents.Count
                && extents.SequenceEqual(Expected(h, capacity)) && cpuNodes.Length == 4;
        }, iter: 2000);
    }
}
