// Turns the firmware's memory map into the list of RAM ranges the kernel may use. Firmware maps can be
// unsorted, can overlap (a reserved hole inside an available range), and do not know what GRUB loaded
// where; so: take the available ranges, cut out everything else that is not available plus the ranges the
// caller reserves (kernel image, boot modules, boot information), round inward to whole pages, sort and
// merge. Portable: unit-tested on the host.
using System;
using Kitten.Kernel.Boot;

namespace Kitten.Kernel.Memory;

internal static class MemoryMap
{
    public const ulong PageSize = 4096;

    // Returns the number of ranges written to usable, or -1 if usable is too small to hold them.
    public static int BuildUsable(ReadOnlySpan<MemoryMapEntry> firmwareMap, ReadOnlySpan<PhysicalRange> reserved,
        Span<PhysicalRange> usable)
    {
        int count = 0;
        for (int i = 0; i < firmwareMap.Length; i++)
        {
            MemoryMapEntry entry = firmwareMap[i];
            if (entry.Type != MemoryType.Available || entry.Length == 0)
                continue;
            ulong end = entry.Base + entry.Length;
            if (end < entry.Base)
                end = ulong.MaxValue; // wraps: clamp to the top of the address space
            if (count == usable.Length)
                return -1;
            usable[count++] = new PhysicalRange(entry.Base, end);
        }

        for (int i = 0; i < firmwareMap.Length; i++)
        {
            MemoryMapEntry entry = firmwareMap[i];
            if (entry.Type == MemoryType.Available || entry.Length == 0)
                continue;
            ulong end = entry.Base + entry.Length;
            count = Subtract(usable, count, new PhysicalRange(entry.Base, end < entry.Base ? ulong.MaxValue : end));
            if (count < 0)
                return -1;
        }
        for (int i = 0; i < reserved.Length; i++)
        {
            count = Subtract(usable, count, reserved[i]);
            if (count < 0)
                return -1;
        }

        // Whole pages only.
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            ulong start = AlignUp(usable[i].Base, PageSize);
            ulong end = AlignDown(usable[i].End, PageSize);
            if (start < end && start >= usable[i].Base)
                usable[kept++] = new PhysicalRange(start, end);
        }

        SortByBase(usable.Slice(0, kept));
        return Merge(usable, kept);
    }

    // Removes hole from each range; a range that contains the hole splits in two.
    public static int Subtract(Span<PhysicalRange> ranges, int count, PhysicalRange hole)
    {
        if (hole.IsEmpty)
            return count;
        int i = 0;
        while (i < count)
        {
            PhysicalRange r = ranges[i];
            if (!r.Overlaps(hole))
            {
                i++;
                continue;
            }
            bool keepLeft = r.Base < hole.Base;
            bool keepRight = hole.End < r.End;
            if (keepLeft && keepRight)
            {
                if (count == ranges.Length)
                    return -1;
                ranges[i] = new PhysicalRange(r.Base, hole.Base);
                ranges[count++] = new PhysicalRange(hole.End, r.End);
                i++;
            }
            else if (keepLeft)
            {
                ranges[i++] = new PhysicalRange(r.Base, hole.Base);
            }
            else if (keepRight)
            {
                ranges[i++] = new PhysicalRange(hole.End, r.End);
            }
            else
            {
                ranges[i] = ranges[--count];
            }
        }
        return count;
    }

    public static ulong TotalLength(ReadOnlySpan<PhysicalRange> ranges)
    {
        ulong total = 0;
        for (int i = 0; i < ranges.Length; i++)
            total += ranges[i].Length;
        return total;
    }

    public static ulong AlignUp(ulong value, ulong alignment)
    {
        ulong aligned = (value + alignment - 1) & ~(alignment - 1);
        return aligned < value ? ulong.MaxValue & ~(alignment - 1) : aligned;
    }

    public static ulong AlignDown(ulong value, ulong alignment) => value & ~(alignment - 1);

    // Insertion sort: firmware maps hold tens of entries.
    private static void SortByBase(Span<PhysicalRange> ranges)
    {
        for (int i = 1; i < ranges.Length; i++)
        {
            PhysicalRange item = ranges[i];
            int j = i - 1;
            while (j >= 0 && ranges[j].Base > item.Base)
            {
                ranges[j + 1] = ranges[j];
                j--;
            }
            ranges[j + 1] = item;
        }
    }

    // Joins ranges that touch or overlap; input sorted by base.
    private static int Merge(Span<PhysicalRange> ranges, int count)
    {
        if (count == 0)
            return 0;
        int last = 0;
        for (int i = 1; i < count; i++)
        {
            if (ranges[i].Base <= ranges[last].End)
            {
                if (ranges[i].End > ranges[last].End)
                    ranges[last].End = ranges[i].End;
            }
            else
            {
                ranges[++last] = ranges[i];
            }
        }
        return last + 1;
    }
}
