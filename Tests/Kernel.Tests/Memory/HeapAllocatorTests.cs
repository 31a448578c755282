using System.Runtime.InteropServices;
using CsCheck;
using Kitten.Kernel.Memory;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Memory;

public unsafe class HeapAllocatorTests
{
    private const ulong ArenaSize = 1 << 20;
    private byte* _arena;

    [SetUp]
    public void AllocateArena() => _arena = (byte*)NativeMemory.AlignedAlloc((nuint)ArenaSize, 4096);

    [TearDown]
    public void FreeArena() => NativeMemory.AlignedFree(_arena);

    private HeapAllocator NewHeap(ulong size = ArenaSize)
    {
        var heap = new HeapAllocator();
        heap.Initialize(_arena, size);
        return heap;
    }

    [Test]
    public void FreshHeapIsOneFreeBlock()
    {
        var heap = NewHeap();
        Assert.That(heap.TotalBytes, Is.EqualTo(ArenaSize));
        Assert.That(heap.FreeBytes, Is.EqualTo(ArenaSize));
        Assert.That(heap.LargestFreeBlock, Is.EqualTo(ArenaSize - 16));
        Assert.That(heap.Validate(), Is.Null);
    }

    [Test]
    public void AllocationsAreAlignedDisjointAndWritable()
    {
        var heap = NewHeap();
        var blocks = new List<(ulong Address, ulong Size)>();
        for (ulong size = 1; size < 5000; size += 97)
        {
            byte* p = (byte*)heap.Allocate(size);
            Assert.That(p != null, Is.True);
            Assert.That((ulong)p % 16, Is.Zero);
            Assert.That(heap.UsableSize(p), Is.GreaterThanOrEqualTo(size));
            new Span<byte>(p, (int)size).Fill(0xEE);
            blocks.Add(((ulong)p, size));
        }
        blocks.Sort();
        for (int i = 1; i < blocks.Count; i++)
            Assert.That(blocks[i - 1].Address + blocks[i - 1].Size, Is.LessThanOrEqualTo(blocks[i].Address));
        Assert.That(heap.Validate(), Is.Null);
    }

    [Test]
    public void FreeingEverythingRestoresOneBlock()
    {
        var heap = NewHeap();
        var pointers = Enumerable.Range(1, 200).Select(i => (nint)heap.Allocate((ulong)i * 24)).ToList();
        foreach (var p in pointers.Where((_, i) => i % 3 == 0)) Assert.That(heap.Free((void*)p), Is.True);
        foreach (var p in pointers.Where((_, i) => i % 3 != 0)) Assert.That(heap.Free((void*)p), Is.True);
        Assert.That(heap.FreeBytes, Is.EqualTo(ArenaSize));
        Assert.That(heap.LargestFreeBlock, Is.EqualTo(ArenaSize - 16), "neighbouring free blocks were not merged");
        Assert.That(heap.AllocationCount, Is.Zero);
        Assert.That(heap.Validate(), Is.Null);
    }

    [Test]
    public void DoubleFreeAndForeignPointersAreRefused()
    {
        var heap = NewHeap();
        void* p = heap.Allocate(100);
        Assert.That(heap.Free(p), Is.True);
        Assert.That(heap.Free(p), Is.False, "double free accepted");
        Assert.That(heap.Free(null), Is.False);
        Assert.That(heap.Free(_arena + ArenaSize + 4096), Is.False, "pointer past the heap accepted");
        Assert.That(heap.Free(_arena + 8), Is.False, "misaligned pointer accepted");
        Assert.That(heap.Validate(), Is.Null);
    }

    [TestCase(32UL)]
    [TestCase(64UL)]
    [TestCase(4096UL)]
    [TestCase(65536UL)]
    public void AlignedAllocations(ulong alignment)
    {
        var heap = NewHeap();
        heap.Allocate(40); // make the next free block start unaligned
        for (int i = 0; i < 8; i++)
        {
            void* p = heap.Allocate(100 + (ulong)i, alignment);
            Assert.That(p != null, Is.True);
            Assert.That((ulong)p % alignment, Is.Zero);
        }
        Assert.That(heap.Validate(), Is.Null);
    }

    [Test]
    public void BadRequestsFailCleanly()
    {
        var heap = NewHeap();
        Assert.That(heap.Allocate(ArenaSize) == null, Is.True, "larger than the heap");
        Assert.That(heap.Allocate(ulong.MaxValue) == null, Is.True);
        Assert.That(heap.Allocate(16, 48) == null, Is.True, "alignment that is not a power of two");
        Assert.That(heap.FreeBytes, Is.EqualTo(ArenaSize));
    }

    [Test]
    public void ExhaustionReturnsNullThenRecovers()
    {
        var heap = NewHeap(64 * 1024);
        var taken = new List<nint>();
        void* p;
        while ((p = heap.Allocate(1000)) != null)
            taken.Add((nint)p);
        Assert.That(taken.Count, Is.InRange(50, 64));
        foreach (var q in taken) heap.Free((void*)q);
        Assert.That(heap.Allocate(60 * 1024) != null, Is.True);
    }

    [Test]
    public void TinyArenaHoldsNothing()
    {
        var heap = NewHeap(20);
        Assert.That(heap.Allocate(1) == null, Is.True);
        Assert.That(heap.TotalBytes, Is.Zero);
    }

    // Property: any sequence of allocations (sizes and alignments) and frees keeps the invariants, never
    // hands out overlapping memory, and freeing everything returns every byte. (CsCheck runs samples on
    // several threads, so each sample gets its own arena.)
    [Test]
    public void RandomWorkloadsNeverOverlapAndNeverLoseMemory()
    {
        var op = Gen.Select(Gen.Bool, Gen.ULong[1, 20000], Gen.Int[4, 12], Gen.Int[0, 63]);
        op.Array[1, 300].Sample(ops =>
        {
            byte* arena = (byte*)NativeMemory.AlignedAlloc((nuint)ArenaSize, 4096);
            try
            {
                return RunWorkload(arena, ops);
            }
            finally
            {
                NativeMemory.AlignedFree(arena);
            }
        }, iter: 300);
    }

    private static bool RunWorkload(byte* arena, (bool Allocate, ulong Size, int AlignShift, int Slot)[] ops)
    {
        var heap = new HeapAllocator();
        heap.Initialize(arena, ArenaSize);
        var live = new Dictionary<int, (nint Pointer, ulong Size)>();
        foreach (var (allocate, size, alignShift, slot) in ops)
        {
            if (allocate && !live.ContainsKey(slot))
            {
                void* p = heap.Allocate(size, 1UL << alignShift);
                if (p == null) continue;
                if ((ulong)p % (1UL << alignShift) != 0) { return false; }
                foreach (var (other, otherSize) in live.Values)
                    if ((ulong)p < (ulong)other + otherSize && (ulong)other < (ulong)p + size) return false;
                live[slot] = ((nint)p, size);
            }
            else if (live.Remove(slot, out var block))
            {
                if (!heap.Free((void*)block.Pointer)) return false;
            }
            if (heap.Validate() != null) return false;
        }
        foreach (var (p, _) in live.Values)
            heap.Free((void*)p);
        return heap.FreeBytes == ArenaSize && heap.AllocationCount == 0 && heap.Validate() == null;
    }
}
