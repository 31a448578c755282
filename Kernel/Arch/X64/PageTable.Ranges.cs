// Walks over a virtual range of a PageTable: surveying what is mapped, splitting large pages at the
// range's edges, unmapping and re-protecting. Each walker visits, in the table at `level`, the entries that
// [start, last] touches (last inclusive, so that a range ending at 2^64 needs no special case) and recurses
// into the tables below with the range clipped to each entry.
namespace Kitten.Kernel.Arch.X64;

internal unsafe partial struct PageTable
{
    // Whether some page in the range is mapped (Map refuses then) or some page is not (Protect refuses
    // then). Each table is scanned by index, stopping at the first answer: an address space's tables are
    // mostly empty entries, and every mmap, brk and execve asks about hundreds of them.
    private readonly bool AnyMapped(ulong table, int level, ulong start, ulong last) => Find(table, level, start, last, mapped: true);

    private readonly bool AnyHole(ulong table, int level, ulong start, ulong last) => Find(table, level, start, last, mapped: false);

    // Whether some page of [start, last] is mapped (mapped true) or unmapped (mapped false); the range
    // lies under this one table (the caller clipped it).
    private readonly bool Find(ulong table, int level, ulong start, ulong last, bool mapped)
    {
        ulong* entries = Table(table);
        int first = PageTableEntry.IndexOf(start, level), final = PageTableEntry.IndexOf(last, level);
        if (level == 1)
            return FindLeaf(entries + first, entries + final + 1, mapped);
        ulong span = PageTableEntry.SpanOf(level);
        ulong tableBase = start & ~(span * PageTableEntry.EntriesPerTable - 1);
        for (int i = first; i <= final; i++)
        {
            ulong entry = entries[i];
            if (!PageTableEntry.IsPresent(entry))
            {
                if (!mapped)
                    return true;
                continue;
            }
            if (PageTableEntry.IsLeaf(entry, level))
            {
                if (mapped)
                    return true;
                continue;
            }
            ulong entryStart = tableBase + (ulong)i * span;
            ulong from = i == first ? start : entryStart;
            ulong to = i == final ? last : entryStart + (span - 1);
            if (Find(entry & PageTableEntry.AddressMask, level - 1, from, to, mapped))
                return true;
        }
        return false;
    }

    // Whether some entry in [from, to) of a leaf table is present (mapped true) or not present (mapped
    // false), four entries per step: one OR (any present) or AND (all present) of their Present bits.
    private static bool FindLeaf(ulong* from, ulong* to, bool mapped)
    {
        ulong* at = from;
        if (mapped)
        {
            for (; at + 4 <= to; at += 4)
            {
                if (((at[0] | at[1] | at[2] | at[3]) & PageTableEntry.Present) != 0)
                    return true;
            }
        }
        else
        {
            for (; at + 4 <= to; at += 4)
            {
                if ((at[0] & at[1] & at[2] & at[3] & PageTableEntry.Present) == 0)
                    return true;
            }
        }
        for (; at < to; at++)
        {
            if (PageTableEntry.IsPresent(*at) == mapped)
                return true;
        }
        return false;
    }

    // Removes every leaf in the range (the edges are page boundaries by now, so each leaf met lies inside)
    // and, if freeTables, frees tables that end up empty, pinned PDPTs excepted. Returns whether this
    // table is empty (always false without freeTables: nothing is checked).
    private bool UnmapRange(ulong table, int level, ulong start, ulong last, bool freeTables = true)
    {
        ulong* entries = Table(table);
        ulong span = PageTableEntry.SpanOf(level);
        ulong v = start;
        while (true)
        {
            ulong stop = ClipToEntry(v, span, last);
            int index = PageTableEntry.IndexOf(v, level);
            ulong entry = entries[index];
            if (PageTableEntry.IsPresent(entry) && !(level == 4 && IsBorrowed(index)))
            {
                if (PageTableEntry.IsLeaf(entry, level))
                {
                    entries[index] = 0;
                }
                else
                {
                    ulong child = entry & PageTableEntry.AddressMask;
                    if (UnmapRange(child, level - 1, v, stop, freeTables) && !(level == 4 && IsPinned(index)))
                    {
                        entries[index] = 0;
                        FreeTable(child);
                    }
                }
            }
            if (stop == last)
                break;
            v = stop + 1;
        }
        if (level == 4 || !freeTables)
            return false;
        for (int i = 0; i < PageTableEntry.EntriesPerTable; i++)
        {
            if (entries[i] != 0)
                return false;
        }
        return true;
    }

    // Rewrites the flags of every leaf in the range, keeping its address, PAT choice, A/D bits and
    // whether it was mapped zeroed.
    private void ProtectRange(ulong table, int level, ulong start, ulong last, PageFlags flags)
    {
        ulong* entries = Table(table);
        ulong span = PageTableEntry.SpanOf(level);
        ulong v = start;
        while (true)
        {
            ulong stop = ClipToEntry(v, span, last);
            int index = PageTableEntry.IndexOf(v, level);
            ulong entry = entries[index];
            if (PageTableEntry.IsPresent(entry))
            {
                if (PageTableEntry.IsLeaf(entry, level))
                {
                    ulong pat = level == 1 ? PageTableEntry.PageSize : PageTableEntry.LargePat;
                    ulong kept = entry & (PageTableEntry.Accessed | PageTableEntry.Dirty | PageTableEntry.Zeroed | pat);
                    entries[index] = PageTableEntry.AddressOf(entry, level) | kept | LeafBits(flags, level);
                }
                else
                {
                    ProtectRange(entry & PageTableEntry.AddressMask, level - 1, v, stop, flags);
                }
            }
            if (stop == last)
                return;
            v = stop + 1;
        }
    }

    // Makes both ends of [virt, virt + length) page boundaries. A split keeps every translation, so a
    // failure part-way leaves the mapping as it was (with perhaps one more table).
    private PageTableResult SplitEdges(ulong virt, ulong length)
    {
        PageTableResult result = SplitAt(virt);
        ulong end = virt + length;
        if (result == PageTableResult.Ok && IsCanonical(end) && end != 0)
            result = SplitAt(end);
        return result;
    }

    // If a 1 GiB or 2 MiB page contains `address` other than at its start, replaces it by a table of the
    // next smaller pages with the same translations and attributes (and again one level down if needed).
    private PageTableResult SplitAt(ulong address)
    {
        ulong table = _root;
        for (int level = 4; level >= 2; level--)
        {
            ulong* entries = Table(table);
            int index = PageTableEntry.IndexOf(address, level);
            ulong entry = entries[index];
            if (!PageTableEntry.IsPresent(entry))
                return PageTableResult.Ok;
            if (PageTableEntry.IsLeaf(entry, level))
            {
                if ((address & (PageTableEntry.SpanOf(level) - 1)) == 0)
                    return PageTableResult.Ok;
                ulong child = AllocateTable();
                if (child == 0)
                    return PageTableResult.OutOfMemory;
                FillSplit(Table(child), entry, level);
                entry = child | IntermediateBits(address);
                entries[index] = entry;
            }
            table = entry & PageTableEntry.AddressMask;
        }
        return PageTableResult.Ok;
    }

    // The 512 entries one level down that together translate like the large leaf `entry` at `level`. The
    // PAT bit moves between bit 12 (large leaves) and bit 7 (4 KiB leaves), where PS lives in larger ones.
    private static void FillSplit(ulong* child, ulong entry, int level)
    {
        ulong childSpan = PageTableEntry.SpanOf(level - 1);
        ulong address = PageTableEntry.AddressOf(entry, level);
        bool pat = (entry & PageTableEntry.LargePat) != 0;
        ulong attributes = entry & ~PageTableEntry.AddressMask;
        if (level - 1 == 1)
        {
            attributes &= ~PageTableEntry.PageSize;
            if (pat)
                attributes |= PageTableEntry.PageSize;
        }
        else if (pat)
        {
            attributes |= PageTableEntry.LargePat;
        }
        for (int i = 0; i < PageTableEntry.EntriesPerTable; i++)
            child[i] = (address + (ulong)i * childSpan) | attributes;
    }

    // The last address of [v, last] that falls under the same entry as v, for entries of size span.
    private static ulong ClipToEntry(ulong v, ulong span, ulong last)
    {
        ulong entryLast = (v & ~(span - 1)) + (span - 1);
        return entryLast < last ? entryLast : last;
    }
}
