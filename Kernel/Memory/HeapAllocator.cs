// A general-purpose allocator over one contiguous range of memory: boundary tags (so that a freed block
// merges with free neighbours in O(1)) and segregated free lists, one per power-of-two size class, with a
// bitmap of the non-empty classes (so that finding a class that can serve a request is O(1)). The kernel
// heap runs on it; portable, so that the host tests hammer it with random workloads.
//
// Block layout, all sizes multiples of 16:
//   [ SizeAndFlags | PreviousSize ][ payload ... ]
//   SizeAndFlags: the block's size including this 16-byte header, bit 0 set when in use.
//   PreviousSize: the size of the block physically before this one (0 for the first block).
//   A free block keeps its free-list links in the first 16 bytes of its payload.
using System;

namespace Kitten.Kernel.Memory;

internal unsafe struct HeapAllocator
{
    private const ulong HeaderSize = 16;
    private const ulong Granule = 16;
    private const ulong MinBlockSize = 32;
    private const ulong UsedFlag = 1;
    private const int ClassCount = 64;

    private struct BlockHeader
    {
        public ulong SizeAndFlags;
        public ulong PreviousSize;
    }

    private struct FreeLinks
    {
        public BlockHeader* Next;
        public BlockHeader* Previous;
    }

    private byte* _start;
    private byte* _end;
    private ulong _nonEmptyClasses;
    private fixed ulong _classHeads[ClassCount];
    private ulong _freeBytes;
    private ulong _allocationCount;

    public readonly ulong TotalBytes => (ulong)(_end - _start);
    public readonly ulong FreeBytes => _freeBytes;
    public readonly ulong UsedBytes => TotalBytes - _freeBytes;
    public readonly ulong AllocationCount => _allocationCount;
    public readonly bool IsInitialized => _start != null;

    // Takes ownership of [start, start + length); both ends are rounded inward to 16 bytes.
    public void Initialize(void* start, ulong length)
    {
        byte* first = (byte*)(((ulong)start + Granule - 1) & ~(Granule - 1));
        byte* end = (byte*)(((ulong)start + length) & ~(Granule - 1));
        _start = first;
        _end = end;
        _nonEmptyClasses = 0;
        for (int i = 0; i < ClassCount; i++)
            _classHeads[i] = 0;
        _freeBytes = 0;
        _allocationCount = 0;
        if (end <= first || (ulong)(end - first) < MinBlockSize)
        {
            _end = first;
            return;
        }
        var block = (BlockHeader*)first;
        block->SizeAndFlags = (ulong)(end - first);
        block->PreviousSize = 0;
        InsertFree(block);
        _freeBytes = SizeOf(block);
    }

    public void* Allocate(ulong size, ulong alignment = Granule)
    {
        if (size == 0)
            size = 1;
        if (alignment < Granule)
            alignment = Granule;
        if ((alignment & (alignment - 1)) != 0 || size > TotalBytes)
            return null;

        ulong needed = RoundUp(size) + HeaderSize;
        if (needed < MinBlockSize)
            needed = MinBlockSize;
        // Room to move the payload to an aligned address, leaving a whole free block in front.
        ulong search = alignment == Granule ? needed : needed + alignment + MinBlockSize;

        BlockHeader* block = FindFit(search);
        if (block == null)
            return null;
        RemoveFree(block);

        if (alignment > Granule)
            block = AlignWithin(block, alignment);

        SplitTail(block, needed);
        block->SizeAndFlags |= UsedFlag;
        _freeBytes -= SizeOf(block);
        _allocationCount++;
        return (byte*)block + HeaderSize;
    }

    // Returns false (and changes nothing) for a pointer this heap did not hand out or already took back.
    public bool Free(void* pointer)
    {
        BlockHeader* block = HeaderOf(pointer);
        if (block == null || (block->SizeAndFlags & UsedFlag) == 0)
            return false;

        block->SizeAndFlags &= ~UsedFlag;
        _freeBytes += SizeOf(block);
        _allocationCount--;

        BlockHeader* next = NextOf(block);
        if (next != null && IsFree(next))
        {
            RemoveFree(next);
            SetSize(block, SizeOf(block) + SizeOf(next));
        }
        if (block->PreviousSize != 0)
        {
            var previous = (BlockHeader*)((byte*)block - block->PreviousSize);
            if (IsFree(previous))
            {
                RemoveFree(previous);
                SetSize(previous, SizeOf(previous) + SizeOf(block));
                block = previous;
            }
        }
        InsertFree(block);
        return true;
    }

    // The payload size of a live allocation (at least what was asked for); 0 if the pointer is not live.
    public readonly ulong UsableSize(void* pointer)
    {
        BlockHeader* block = HeaderOf(pointer);
        return block == null || (block->SizeAndFlags & UsedFlag) == 0 ? 0 : SizeOf(block) - HeaderSize;
    }

    public readonly ulong LargestFreeBlock
    {
        get
        {
            ulong largest = 0;
            for (int c = 0; c < ClassCount; c++)
                for (var b = (BlockHeader*)_classHeads[c]; b != null; b = Links(b)->Next)
                    if (SizeOf(b) > largest)
                        largest = SizeOf(b);
            return largest <= HeaderSize ? 0 : largest - HeaderSize;
        }
    }

    // Walks every block and free list and checks the invariants; null if all hold, else what is wrong.
    public readonly string Validate()
    {
        ulong freeSeen = 0;
        ulong freeBlocks = 0;
        ulong usedBlocks = 0;
        ulong previousSize = 0;
        bool previousFree = false;
        byte* p = _start;
        while (p < _end)
        {
            var block = (BlockHeader*)p;
            ulong size = SizeOf(block);
            if (size < MinBlockSize || (size & (Granule - 1)) != 0 || p + size > _end)
                return "block size out of range";
            if (block->PreviousSize != previousSize)
                return "previous-size tag does not match";
            bool free = IsFree(block);
            if (free && previousFree)
                return "two adjacent free blocks were not merged";
            if (free)
            {
                freeSeen += size;
                freeBlocks++;
            }
            else
            {
                usedBlocks++;
            }
            previousFree = free;
            previousSize = size;
            p += size;
        }
        if (p != _end)
            return "blocks do not end at the end of the heap";
        if (freeSeen != _freeBytes)
            return "free byte count does not match the blocks";
        if (usedBlocks != _allocationCount)
            return "allocation count does not match the blocks";

        ulong listed = 0;
        for (int c = 0; c < ClassCount; c++)
        {
            bool marked = (_nonEmptyClasses & (1UL << c)) != 0;
            var head = (BlockHeader*)_classHeads[c];
            if (marked != (head != null))
                return "class bitmap does not match the lists";
            BlockHeader* previous = null;
            for (BlockHeader* b = head; b != null; b = Links(b)->Next)
            {
                if (!IsFree(b) || ClassOf(SizeOf(b)) != c || Links(b)->Previous != previous)
                    return "free list is corrupt";
                previous = b;
                if (++listed > freeBlocks)
                    return "free list has a cycle";
            }
        }
        if (listed != freeBlocks)
            return "a free block is missing from the lists";
        return null;
    }

    private readonly BlockHeader* HeaderOf(void* pointer)
    {
        var p = (byte*)pointer;
        if (p < _start + HeaderSize || p >= _end || ((ulong)p & (Granule - 1)) != 0)
            return null;
        var block = (BlockHeader*)(p - HeaderSize);
        ulong size = SizeOf(block);
        if (size < MinBlockSize || (byte*)block + size > _end)
            return null;
        return block;
    }

    private BlockHeader* FindFit(ulong size)
    {
        int c = ClassOf(size);
        // The block's own class may hold blocks smaller than asked for: search it first-fit.
        for (var b = (BlockHeader*)_classHeads[c]; b != null; b = Links(b)->Next)
            if (SizeOf(b) >= size)
                return b;
        // Any block of a higher class is large enough.
        ulong higher = c + 1 < ClassCount ? _nonEmptyClasses & ~((2UL << c) - 1) : 0;
        if (higher == 0)
            return null;
        return (BlockHeader*)_classHeads[LowestSetBit(higher)];
    }

    // Moves the start of a free (unlisted) block up so that its payload is aligned; the gap before it
    // becomes a free block of its own.
    private BlockHeader* AlignWithin(BlockHeader* block, ulong alignment)
    {
        ulong payload = (ulong)block + HeaderSize;
        ulong aligned = (payload + alignment - 1) & ~(alignment - 1);
        if (aligned == payload)
            return block;
        while (aligned - payload < MinBlockSize)
            aligned += alignment;
        ulong gap = aligned - payload;
        ulong total = SizeOf(block);
        var moved = (BlockHeader*)((byte*)block + gap);
        moved->SizeAndFlags = total - gap;
        moved->PreviousSize = gap;
        SetSize(block, gap);
        FixNextPreviousSize(moved);
        InsertFree(block);
        return moved;
    }

    // Cuts a free (unlisted) block down to size, returning the rest to the free lists.
    private void SplitTail(BlockHeader* block, ulong size)
    {
        ulong total = SizeOf(block);
        if (total - size < MinBlockSize)
            return;
        SetSize(block, size);
        var rest = (BlockHeader*)((byte*)block + size);
        rest->SizeAndFlags = total - size;
        rest->PreviousSize = size;
        FixNextPreviousSize(rest);
        InsertFree(rest);
    }

    private void InsertFree(BlockHeader* block)
    {
        int c = ClassOf(SizeOf(block));
        var head = (BlockHeader*)_classHeads[c];
        Links(block)->Next = head;
        Links(block)->Previous = null;
        if (head != null)
            Links(head)->Previous = block;
        _classHeads[c] = (ulong)block;
        _nonEmptyClasses |= 1UL << c;
    }

    private void RemoveFree(BlockHeader* block)
    {
        int c = ClassOf(SizeOf(block));
        FreeLinks* links = Links(block);
        if (links->Previous != null)
            Links(links->Previous)->Next = links->Next;
        else
            _classHeads[c] = (ulong)links->Next;
        if (links->Next != null)
            Links(links->Next)->Previous = links->Previous;
        if (_classHeads[c] == 0)
            _nonEmptyClasses &= ~(1UL << c);
    }

    private void SetSize(BlockHeader* block, ulong size)
    {
        block->SizeAndFlags = size | (block->SizeAndFlags & UsedFlag);
        FixNextPreviousSize(block);
    }

    private void FixNextPreviousSize(BlockHeader* block)
    {
        BlockHeader* next = NextOf(block);
        if (next != null)
            next->PreviousSize = SizeOf(block);
    }

    private readonly BlockHeader* NextOf(BlockHeader* block)
    {
        byte* next = (byte*)block + SizeOf(block);
        return next < _end ? (BlockHeader*)next : null;
    }

    private static ulong SizeOf(BlockHeader* block) => block->SizeAndFlags & ~(Granule - 1);
    private static bool IsFree(BlockHeader* block) => (block->SizeAndFlags & UsedFlag) == 0;
    private static FreeLinks* Links(BlockHeader* block) => (FreeLinks*)((byte*)block + HeaderSize);
    private static ulong RoundUp(ulong size) => (size + Granule - 1) & ~(Granule - 1);

    // Size class: the position of the highest set bit, found by halving the window: six steps whatever
    // the size, where shifting one bit at a time took up to 63 (every allocation and free asks, about
    // 200 times per process started).
    private static int ClassOf(ulong size)
    {
        int c = 0;
        if (size >= 1UL << 32) { size >>= 32; c += 32; }
        if (size >= 1UL << 16) { size >>= 16; c += 16; }
        if (size >= 1UL << 8) { size >>= 8; c += 8; }
        if (size >= 1UL << 4) { size >>= 4; c += 4; }
        if (size >= 1UL << 2) { size >>= 2; c += 2; }
        if (size >= 1UL << 1)
            c += 1;
        return c;
    }

    // The index of the lowest set bit (value != 0): the highest bit of that bit alone.
    private static int LowestSetBit(ulong value) => ClassOf(value & (~value + 1));
}
