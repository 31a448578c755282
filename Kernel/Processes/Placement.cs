// A physical placement for exec, as kitten_exec_placed (PlacedExec.cs) receives it from user space: where in
// physical memory each piece of the new program's address space goes and with which page size, decided by
// the memory-policy service (Services/MemoryManager). This file is its portable half: the ABI layout, the
// rules a placement must follow, and the physical runs to claim (regions adjacent in physical memory merged,
// so that a contiguous layout is one claim however many regions it has). Unit-tested on the host.
//
//     struct kitten_placement {                 48 bytes, little-endian
//         u64 heap_start, heap_length;          the preallocated brk heap (0, 0: none)
//         u64 stack_top, stack_length;          the committed main stack, ending at stack_top (0, 0: none)
//         u64 region_count;                     1..4096
//         u64 regions;                          user pointer to region_count of:
//     };
//     struct kitten_region { u64 virt, length, phys; u32 page_size, p_flags; };     32 bytes
//
// The rules (each refusal is EINVAL with one line saying which): page_size 4 KiB, 2 MiB or 1 GiB (1 GiB only
// if the CPU has such pages); virt, phys and length multiples of it, length > 0; p_flags within
// PF_R|PF_W|PF_X (informative: the program's own headers give the protections); every virtual range in the
// user half below the IPC grant window, except that the stack's regions may lie above it; no two virtual
// ranges overlap, nor two physical ones; the heap and the stack page-aligned, outside the grant window, not
// overlapping each other, and each exactly the union of some regions.
using System;

namespace Kitten.Kernel.Processes;

internal struct PlacementHeader
{
    public const int Size = 48;

    public ulong HeapStart, HeapLength;
    public ulong StackTop, StackLength;
    public ulong RegionCount;
    public ulong Regions;

    public readonly ulong HeapEnd => HeapStart + HeapLength;
    public readonly ulong StackStart => StackTop - StackLength;
    public readonly bool HasHeap => HeapLength != 0;
    public readonly bool HasStack => StackLength != 0;
}

internal struct PlacedRegion
{
    public const int Size = 32;

    public ulong Virtual, Length, Physical;
    public uint PageSize, Flags;

    public readonly ulong VirtualEnd => Virtual + Length;
    public readonly ulong PhysicalAt(ulong address) => Physical + (address - Virtual);
}

// A run of physical memory to claim: [Start, Start + Length).
internal struct PhysicalRun
{
    public ulong Start, Length;
}

// What the rules are checked against: the address-space constants of the kernel (ProcessMemory) and what
// the CPU offers.
internal struct PlacementLimits
{
    public ulong UserEnd;               // 512 GiB: the user half SMARTMAP shares
    public ulong GrantWindowStart, GrantWindowEnd;
    public ulong PhysicalEnd;           // the highest physical address paging can map, plus one
    public bool GigabytePages;
}

internal unsafe struct Placement
{
    public const int MaxRegions = 4096;
    public const ulong Page4K = 1UL << 12, Page2M = 1UL << 21, Page1G = 1UL << 30;
    public const uint KnownFlags = 7;   // PF_X 1, PF_W 2, PF_R 4

    public PlacementHeader Header;
    public PlacedRegion* Regions;       // sorted by virtual address once Check has passed
    public int RegionCount;
    public PhysicalRun* Runs;           // what to claim, by physical address, adjacent runs merged
    public int RunCount;
    public ulong* Used;                 // per region: bytes of it mapped from its frames (ProcessMemory)

    public readonly ulong Bytes
    {
        get
        {
            ulong sum = 0;
            for (int i = 0; i < RegionCount; i++)
                sum += Regions[i].Length;
            return sum;
        }
    }

    // Bytes of buffer the regions, runs and counters of `count` regions need (one kernel-heap block).
    public static ulong BufferBytes(int count) => (ulong)count * (PlacedRegion.Size + 16 + 8);

    // Lays the arrays out in `buffer` (BufferBytes(count) bytes): the caller copies the regions into
    // Regions, then calls Check.
    public void Attach(byte* buffer, int count)
    {
        Regions = (PlacedRegion*)buffer;
        Runs = (PhysicalRun*)(buffer + (ulong)count * PlacedRegion.Size);
        Used = (ulong*)(buffer + (ulong)count * (PlacedRegion.Size + 16));
        RegionCount = count;
        RunCount = 0;
        for (int i = 0; i < count; i++)
            Used[i] = 0;
    }

    // The header's own rule, checked before anything is copied: null, or why not.
    public static string CheckCount(ulong count)
        => count >= 1 && count <= MaxRegions ? null : "region_count must be 1 to 4096";

    // Null if the placement follows every rule (and then Regions is sorted by virtual address and Runs
    // holds the merged physical runs), or the first rule it breaks.
    public string Check(in PlacementLimits limits)
    {
        string problem = CheckCount((ulong)RegionCount);
        for (int i = 0; problem == null && i < RegionCount; i++)
            problem = CheckRegion(in Regions[i], in limits);
        if (problem != null)
            return problem;
        SortByKey((ulong*)Regions, RegionCount, PlacedRegion.Size / 8, 0);
        for (int i = 1; i < RegionCount; i++)
        {
            if (Regions[i - 1].VirtualEnd > Regions[i].Virtual)
                return "two regions overlap in virtual memory";
        }
        problem = CheckHeap(in Header, in limits) ?? CheckStack(in Header, in limits);
        if (problem != null)
            return problem;
        if (Header.HasHeap && Header.HasStack && Header.HeapStart < Header.StackTop && Header.StackStart < Header.HeapEnd)
            return "the heap and the stack overlap";
        if (Header.HasHeap && !ExactlyCovered(Header.HeapStart, Header.HeapEnd))
            return "the heap is not exactly a union of regions";
        if (Header.HasStack && !ExactlyCovered(Header.StackStart, Header.StackTop))
            return "the stack is not exactly a union of regions";
        for (int i = 0; i < RegionCount; i++)
        {
            PlacedRegion region = Regions[i];
            if (region.VirtualEnd > limits.GrantWindowStart
                && !(Header.HasStack && region.Virtual >= Header.StackStart && region.VirtualEnd <= Header.StackTop))
                return "a region above the IPC grant window is not the stack's";
        }
        return MergeRuns();
    }

    private static string CheckRegion(in PlacedRegion region, in PlacementLimits limits)
    {
        ulong size = region.PageSize;
        if (size != Page4K && size != Page2M && size != Page1G)
            return "page_size must be 4 KiB, 2 MiB or 1 GiB";
        if (size == Page1G && !limits.GigabytePages)
            return "1 GiB pages: this CPU has none";
        if (((region.Virtual | region.Physical | region.Length) & (size - 1)) != 0)
            return "virt, phys and length must be multiples of page_size";
        if (region.Length == 0)
            return "a region is empty";
        if ((region.Flags & ~KnownFlags) != 0)
            return "p_flags may hold only PF_R, PF_W and PF_X";
        if (region.Virtual >= limits.UserEnd || region.Length > limits.UserEnd - region.Virtual)
            return "a region reaches beyond the user half";
        if (region.Virtual < limits.GrantWindowEnd && limits.GrantWindowStart < region.VirtualEnd)
            return "a region overlaps the IPC grant window";
        if (region.Physical >= limits.PhysicalEnd || region.Length > limits.PhysicalEnd - region.Physical)
            return "a region's physical range is beyond what paging can map";
        return null;
    }

    // The heap: absent (0, 0), or page-aligned, not empty, and below the grant window.
    private static string CheckHeap(in PlacementHeader header, in PlacementLimits limits)
    {
        ulong start = header.HeapStart, length = header.HeapLength;
        if (start == 0 && length == 0)
            return null;
        if (start == 0 || length == 0)
            return "heap_start and heap_length must both be 0 or both not";
        if (((start | length) & (Page4K - 1)) != 0)
            return "the heap must be page-aligned";
        if (start >= limits.GrantWindowStart || length > limits.GrantWindowStart - start)
            return "the heap must end below the IPC grant window";
        return null;
    }

    // The stack: absent (0, 0), or page-aligned, not empty, ending at or below 512 GiB, outside the grant
    // window.
    private static string CheckStack(in PlacementHeader header, in PlacementLimits limits)
    {
        ulong top = header.StackTop, length = header.StackLength;
        if (top == 0 && length == 0)
            return null;
        if (top == 0 || length == 0)
            return "stack_top and stack_length must both be 0 or both not";
        if (((top | length) & (Page4K - 1)) != 0)
            return "the stack must be page-aligned";
        if (top > limits.UserEnd || length > top)
            return "the stack must lie below 512 GiB";
        if (top - length < limits.GrantWindowEnd && limits.GrantWindowStart < top)
            return "the stack overlaps the IPC grant window";
        return null;
    }

    // Whether [start, end) is the union of the regions inside it, and no region straddles its edges.
    private readonly bool ExactlyCovered(ulong start, ulong end)
    {
        int i = FirstEndingAfter(start);
        ulong cursor = start;
        for (; i < RegionCount && Regions[i].Virtual < end; i++)
        {
            if (Regions[i].Virtual != cursor || Regions[i].VirtualEnd > end)
                return false;
            cursor = Regions[i].VirtualEnd;
        }
        return cursor == end;
    }

    // The physical ranges by address: none may overlap another; those that touch become one run.
    private string MergeRuns()
    {
        for (int i = 0; i < RegionCount; i++)
        {
            Runs[i].Start = Regions[i].Physical;
            Runs[i].Length = Regions[i].Length;
        }
        SortByKey((ulong*)Runs, RegionCount, 2, 0);
        int count = 0;
        for (int i = 0; i < RegionCount; i++)
        {
            PhysicalRun run = Runs[i];
            if (count > 0)
            {
                ulong previousEnd = Runs[count - 1].Start + Runs[count - 1].Length;
                if (previousEnd > run.Start)
                    return "two regions overlap in physical memory";
                if (previousEnd == run.Start)
                {
                    Runs[count - 1].Length += run.Length;
                    continue;
                }
            }
            Runs[count++] = run;
        }
        RunCount = count;
        return null;
    }

    // The index of the first region (by virtual address) that ends after `address`; RegionCount if none.
    public readonly int FirstEndingAfter(ulong address)
    {
        int low = 0, high = RegionCount;
        while (low < high)
        {
            int middle = (low + high) >> 1;
            if (Regions[middle].VirtualEnd > address)
                high = middle;
            else
                low = middle + 1;
        }
        return low;
    }

    // The region that holds `address`, or -1.
    public readonly int RegionAt(ulong address)
    {
        int i = FirstEndingAfter(address);
        return i < RegionCount && Regions[i].Virtual <= address ? i : -1;
    }

    // Heap sort of `count` records of `words` 64-bit words each, by the word at `key`: in place, no
    // allocation, O(n log n) whatever the order (4096 regions at most).
    public static void SortByKey(ulong* records, int count, int words, int key)
    {
        for (int start = count / 2 - 1; start >= 0; start--)
            SiftDown(records, start, count, words, key);
        for (int end = count - 1; end > 0; end--)
        {
            Swap(records, 0, end, words);
            SiftDown(records, 0, end, words, key);
        }
    }

    private static void SiftDown(ulong* records, int root, int count, int words, int key)
    {
        for (; ; )
        {
            int child = 2 * root + 1;
            if (child >= count)
                return;
            if (child + 1 < count && records[(child + 1) * words + key] > records[child * words + key])
                child++;
            if (records[root * words + key] >= records[child * words + key])
                return;
            Swap(records, root, child, words);
            root = child;
        }
    }

    private static void Swap(ulong* records, int a, int b, int words)
    {
        ulong* x = records + a * words, y = records + b * words;
        for (int w = 0; w < words; w++)
        {
            ulong t = x[w];
            x[w] = y[w];
            y[w] = t;
        }
    }
}
