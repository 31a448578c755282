// A 4-level x86-64 page-table hierarchy (Intel SDM vol. 3A, 4.5 "4-Level Paging and 5-Level Paging"):
// one PML4 and the tables under it, built with the largest page size alignment allows. Portable: the
// kernel reaches tables through its direct map, the host tests through a simulated physical memory (see
// PageTableAllocator), so the same code is unit-tested on the host.
//
// Ownership: the hierarchy owns (counts in PageTableBytes, frees in Destroy) every table it allocated. PML4
// entries can also be *borrowed*: SMARTMAP slots point at another hierarchy's user-half PDPT, and a user
// hierarchy shares the kernel hierarchy's PDPTs for the upper half (PageTable.Sharing.cs). Borrowed entries
// are translated through but never changed, counted or freed here; Map, Unmap and Protect refuse them.
//
// Tables that become empty after Unmap are freed, except PDPTs in PML4 entry 0 (the user half, which
// SMARTMAP viewers point at) and in entries 256..511 (the kernel half, copied into every user hierarchy):
// those live until Destroy so that no borrowed PML4 entry elsewhere ever points at a freed table.
//
// TLBs are the caller's business: after Unmap, Protect or ClearSmartMapSlot on a live hierarchy, flush the
// range (INVLPG or a CR3 reload; Intel SDM vol. 3A, 4.10.4) on every CPU that may cache it. So is locking:
// changes to one hierarchy must be serialized. The struct is the hierarchy's one handle; do not copy it
// (a copy would share the tables but not the count of them). Create expects a zeroed or destroyed one.
namespace Kitten.Kernel.Arch.X64;

internal unsafe partial struct PageTable
{
    public const ulong LowerHalfEnd = 0x0000_8000_0000_0000;   // canonical addresses (Intel SDM vol. 1, 3.3.7.1)
    public const ulong UpperHalfStart = 0xFFFF_8000_0000_0000;
    public const int KernelFirstEntry = 256;                    // PML4 entries 256..511: the upper (kernel) half

    private PageTableAllocator _allocator;
    private ulong _root;            // physical address of the PML4 (what CR3 gets)
    private ulong _ownedTables;
    private bool _noExecute;        // IA32_EFER.NXE is set: bit 63 of entries means XD, not "reserved"
    private fixed ulong _borrowed[8];   // one bit per PML4 entry that points at tables owned elsewhere
    private bool _ownsUpperHalf;        // some PML4 entry in 256..511 is a table of ours (never freed before Destroy)
    // The tables owned, root included, while there are at most TrackedTables of them (a small process's
    // case): Destroy then frees them from this list instead of scanning 512 entries of each table.
    private const int TrackedTables = 32;
    private fixed ulong _tracked[TrackedTables];
    private int _trackedCount;
    private bool _untracked;            // more tables were owned at some point than the list holds

    public readonly bool IsCreated => _root != 0;
    public readonly ulong RootPhysical => _root;
    public readonly ulong PageTableBytes => _ownedTables * PageTableEntry.TableSize;
    public readonly bool NoExecuteSupported => _noExecute;

    // Allocates the PML4 and the user half's PDPT (so a 1 GiB mapping in 1 GiB pages costs 8 KiB in all).
    // noExecuteSupported: the CPU has NX (CPUID.80000001H:EDX[20]) and EFER.NXE will be set.
    public PageTableResult Create(in PageTableAllocator allocator, bool noExecuteSupported)
    {
        this = default;
        _allocator = allocator;
        _noExecute = noExecuteSupported;
        ulong root = AllocateTable();
        if (root == 0)
            return PageTableResult.OutOfMemory;
        ulong userPdpt = AllocateTable();
        if (userPdpt == 0)
        {
            FreeTable(root);
            return PageTableResult.OutOfMemory;
        }
        _root = root;
        Table(root)[0] = userPdpt | IntermediateBits(0);
        return PageTableResult.Ok;
    }

    // Frees every table this hierarchy owns (not the borrowed ones). The hierarchy must not be in use by
    // any CPU, nor be the source of a SMARTMAP slot elsewhere.
    public void Destroy()
    {
        if (_root == 0)
            return;
        if (!_untracked)
        {
            while (_trackedCount > 0)
                FreeTable(_tracked[_trackedCount - 1]);
            _root = 0;
            for (int i = 0; i < 8; i++)
                _borrowed[i] = 0;
            return;
        }
        ulong* pml4 = Table(_root);
        for (int i = 0; i < PageTableEntry.EntriesPerTable; i++)
        {
            if ((i & 63) == 0 && _borrowed[i >> 6] == ulong.MaxValue)
            {
                i += 63; // 64 borrowed entries (the kernel half): nothing of ours
                continue;
            }
            if (PageTableEntry.IsPresent(pml4[i]) && !IsBorrowed(i))
                FreeTree(pml4[i] & PageTableEntry.AddressMask, 3);
        }
        FreeTable(_root);
        _root = 0;
        for (int i = 0; i < 8; i++)
            _borrowed[i] = 0;
    }

    // Maps [virt, virt + length) to [phys, phys + length). At each step the largest allowed page size that
    // both addresses are aligned to and that fits in what remains is used, so unaligned edges get 4 KiB or
    // 2 MiB pages and the middle 1 GiB pages. Refuses (changing nothing) if any page of the range is
    // mapped already; on running out of memory, undoes what it did.
    public PageTableResult Map(ulong virt, ulong phys, ulong length, PageFlags flags, PageSizes sizes)
    {
        PageTableResult check = CheckRange(virt, length);
        if (check != PageTableResult.Ok)
            return check;
        if ((phys & (PageTableEntry.Size4K - 1)) != 0)
            return PageTableResult.Misaligned;
        if (phys >= PageTableEntry.MaxPhysicalAddress || length > PageTableEntry.MaxPhysicalAddress - phys)
            return PageTableResult.InvalidRange;
        if ((flags & PageFlags.User) != 0 && virt >= UpperHalfStart)
            return PageTableResult.InvalidFlags;
        if ((sizes & PageSizes.Size4K) == 0 && !PageSizesFit(virt, phys, length, sizes))
            return PageTableResult.Misaligned;
        if (AnyMapped(_root, 4, virt, virt + (length - 1)))
            return PageTableResult.AlreadyMapped;

        ulong v = virt, p = phys, remaining = length;
        while (remaining != 0)
        {
            ulong size = ChooseSize(v, p, remaining, sizes);
            int level = size == PageTableEntry.Size1G ? 3 : size == PageTableEntry.Size2M ? 2 : 1;
            ulong* table = TableFor(v, level);
            if (table == null)
            {
                // Everything in the range was unmapped before, so unmapping all of it restores the old
                // state, including freeing the tables just made (a leaf never straddles the range: no split).
                UnmapRange(_root, 4, virt, virt + (length - 1));
                return PageTableResult.OutOfMemory;
            }
            ulong bits = LeafBits(flags, level);
            int index = PageTableEntry.IndexOf(v, level);
            // Fill consecutive entries of this table while the same page size keeps being the choice: up to
            // the table's end, the range's end, or the next boundary where a larger page would fit.
            ulong count = remaining / size;
            if (count > (ulong)(PageTableEntry.EntriesPerTable - index))
                count = (ulong)(PageTableEntry.EntriesPerTable - index);
            ulong larger = LargerSizeAllowed(size, sizes);
            if (larger != 0 && ((v ^ p) & (larger - 1)) == 0)
            {
                ulong toBoundary = ((larger - (v & (larger - 1))) & (larger - 1)) / size;
                if (toBoundary != 0 && toBoundary < count)
                    count = toBoundary;
            }
            // A pointer walk with the next entry's value in hand: the fill is most of what mapping a
            // program's pages costs (hundreds of 4 KiB entries per execve and fork).
            ulong* entry = table + index;
            ulong* fillEnd = entry + count;
            ulong value = p | bits;
            while (entry < fillEnd)
            {
                *entry++ = value;
                value += size;
            }
            p += count * size;
            v += count * size;
            remaining -= count * size;
        }
        return PageTableResult.Ok;
    }

    // Unmaps whatever is mapped in [virt, virt + length); holes are fine. A large page that the range
    // covers only in part is first split into smaller pages with the same translations, which needs up to
    // two tables per edge: OutOfMemory then, with no translation changed.
    public PageTableResult Unmap(ulong virt, ulong length)
    {
        PageTableResult check = CheckRange(virt, length);
        if (check != PageTableResult.Ok)
            return check;
        check = SplitEdges(virt, length);
        if (check != PageTableResult.Ok)
            return check;
        UnmapRange(_root, 4, virt, virt + (length - 1));
        return PageTableResult.Ok;
    }

    // Changes the flags of every page in [virt, virt + length), which must be mapped throughout (NotMapped
    // otherwise, changing nothing). Large pages at the edges are split as in Unmap.
    public PageTableResult Protect(ulong virt, ulong length, PageFlags flags)
    {
        PageTableResult check = CheckRange(virt, length);
        if (check != PageTableResult.Ok)
            return check;
        if ((flags & PageFlags.User) != 0 && virt >= UpperHalfStart)
            return PageTableResult.InvalidFlags;
        if (AnyHole(_root, 4, virt, virt + (length - 1)))
            return PageTableResult.NotMapped;
        check = SplitEdges(virt, length);
        if (check != PageTableResult.Ok)
            return check;
        ProtectRange(_root, 4, virt, virt + (length - 1), flags);
        return PageTableResult.Ok;
    }

    // Walks the hierarchy as the MMU would, through borrowed entries too. The flags are the effective ones:
    // writable and user only if every level allows it, executable unless some level sets XD (Intel SDM
    // vol. 3A, 4.6.1 "Determination of Access Rights").
    public readonly bool Translate(ulong virt, out ulong phys, out PageFlags flags, out ulong pageSize)
    {
        phys = 0;
        flags = PageFlags.None;
        pageSize = 0;
        if (_root == 0 || !IsCanonical(virt))
            return false;
        ulong table = _root;
        bool writable = true, user = true, noExecute = false;
        for (int level = 4; level >= 1; level--)
        {
            ulong entry = Table(table)[PageTableEntry.IndexOf(virt, level)];
            if (!PageTableEntry.IsPresent(entry))
                return false;
            writable &= (entry & PageTableEntry.Writable) != 0;
            user &= (entry & PageTableEntry.User) != 0;
            noExecute |= _noExecute && (entry & PageTableEntry.NoExecute) != 0;
            if (level <= 3 && PageTableEntry.IsLeaf(entry, level))
            {
                pageSize = PageTableEntry.SpanOf(level);
                phys = PageTableEntry.AddressOf(entry, level) + (virt & (pageSize - 1));
                if (writable)
                    flags |= PageFlags.Writable;
                if (user)
                    flags |= PageFlags.User;
                if (!noExecute)
                    flags |= PageFlags.Executable;
                if ((entry & PageTableEntry.CacheDisable) != 0)
                    flags |= PageFlags.NoCache;
                if ((entry & PageTableEntry.Global) != 0)
                    flags |= PageFlags.Global;
                return true;
            }
            table = entry & PageTableEntry.AddressMask;
        }
        return false;
    }

    public static bool IsCanonical(ulong virt) => virt < LowerHalfEnd || virt >= UpperHalfStart;

    // Checks a range for Map, Unmap and Protect: page-aligned, not empty, no wrap, canonical, within one
    // half, and not under a borrowed PML4 entry.
    private readonly PageTableResult CheckRange(ulong virt, ulong length)
    {
        if (_root == 0)
            return PageTableResult.NotCreated;
        if (((virt | length) & (PageTableEntry.Size4K - 1)) != 0)
            return PageTableResult.Misaligned;
        if (length == 0)
            return PageTableResult.InvalidRange;
        ulong last = virt + (length - 1);
        if (last < virt)
            return PageTableResult.InvalidRange;
        if (virt < LowerHalfEnd ? last >= LowerHalfEnd : virt < UpperHalfStart)
            return PageTableResult.InvalidRange;
        for (int i = PageTableEntry.IndexOf(virt, 4); i <= PageTableEntry.IndexOf(last, 4); i++)
        {
            if (IsBorrowed(i))
                return PageTableResult.NotOwned;
        }
        return PageTableResult.Ok;
    }

    // The largest allowed page size both addresses are aligned to that fits in what remains; 0 if none.
    // The next page size above `size` that the caller allows; 0 if none.
    private static ulong LargerSizeAllowed(ulong size, PageSizes sizes)
    {
        if (size == PageTableEntry.Size4K && (sizes & PageSizes.Size2M) != 0)
            return PageTableEntry.Size2M;
        if (size != PageTableEntry.Size1G && (sizes & PageSizes.Size1G) != 0)
            return PageTableEntry.Size1G;
        return 0;
    }

    private static ulong ChooseSize(ulong v, ulong p, ulong remaining, PageSizes sizes)
    {
        ulong both = v | p;
        if ((sizes & PageSizes.Size1G) != 0 && (both & (PageTableEntry.Size1G - 1)) == 0 && remaining >= PageTableEntry.Size1G)
            return PageTableEntry.Size1G;
        if ((sizes & PageSizes.Size2M) != 0 && (both & (PageTableEntry.Size2M - 1)) == 0 && remaining >= PageTableEntry.Size2M)
            return PageTableEntry.Size2M;
        if ((sizes & PageSizes.Size4K) != 0)
            return PageTableEntry.Size4K;
        return 0;
    }

    // Without 4 KiB pages some ranges cannot be mapped at all; find out before touching anything.
    private static bool PageSizesFit(ulong v, ulong p, ulong length, PageSizes sizes)
    {
        while (length != 0)
        {
            ulong size = ChooseSize(v, p, length, sizes);
            if (size == 0)
                return false;
            v += size;
            p += size;
            length -= size;
        }
        return true;
    }

    // The table at `level` whose entry maps v, making the tables above it as needed; null when out of
    // memory. The range was checked to be unmapped, so no leaf is in the way.
    private ulong* TableFor(ulong v, int level)
    {
        ulong table = _root;
        for (int l = 4; l > level; l--)
        {
            ulong* entries = Table(table);
            int index = PageTableEntry.IndexOf(v, l);
            ulong entry = entries[index];
            if (!PageTableEntry.IsPresent(entry))
            {
                ulong child = AllocateTable();
                if (child == 0)
                    return null;
                entries[index] = child | IntermediateBits(v);
                if (l == 4 && index >= KernelFirstEntry)
                    _ownsUpperHalf = true;
                table = child;
            }
            else
            {
                table = entry & PageTableEntry.AddressMask;
            }
        }
        return Table(table);
    }

    private readonly ulong LeafBits(PageFlags flags, int level)
    {
        ulong bits = PageTableEntry.Present;
        if ((flags & PageFlags.Writable) != 0)
            bits |= PageTableEntry.Writable;
        if ((flags & PageFlags.User) != 0)
            bits |= PageTableEntry.User;
        if ((flags & PageFlags.NoCache) != 0)
            bits |= PageTableEntry.CacheDisable | PageTableEntry.WriteThrough;
        if ((flags & PageFlags.Global) != 0)
            bits |= PageTableEntry.Global;
        if ((flags & PageFlags.Zeroed) != 0)
            bits |= PageTableEntry.Zeroed;
        if (_noExecute && (flags & PageFlags.Executable) == 0)
            bits |= PageTableEntry.NoExecute;
        if (level > 1)
            bits |= PageTableEntry.PageSize;
        return bits;
    }

    // Entries pointing at tables allow everything, so that the leaf alone decides (rights are the AND of
    // R/W and U/S and the OR of XD over all levels, Intel SDM vol. 3A, 4.6). U/S only in the lower half:
    // nothing under the kernel half is ever reachable from ring 3, whatever a leaf says.
    private static ulong IntermediateBits(ulong virt) =>
        PageTableEntry.Present | PageTableEntry.Writable | (virt < LowerHalfEnd ? PageTableEntry.User : 0);

    private readonly ulong* Table(ulong physical) => (ulong*)(_allocator.DirectMapBase + physical);

    private ulong AllocateTable()
    {
        ulong page = _allocator.AllocateZeroedPage(_allocator.Context);
        if (page == 0)
            return 0;
        _ownedTables++;
        if (_trackedCount < TrackedTables)
            _tracked[_trackedCount++] = page;
        else
            _untracked = true;
        return page;
    }

    private void FreeTable(ulong page)
    {
        _allocator.FreePage(_allocator.Context, page);
        _ownedTables--;
        for (int i = _trackedCount - 1; i >= 0; i--)
        {
            if (_tracked[i] == page)
            {
                _tracked[i] = _tracked[--_trackedCount];
                break;
            }
        }
    }

    private void FreeTree(ulong table, int level)
    {
        if (level > 1)
        {
            ulong* entries = Table(table);
            for (int i = 0; i < PageTableEntry.EntriesPerTable; i += 4)
            {
                // An address space uses a few entries of each table: skip empty ones four at a time.
                if ((entries[i] | entries[i + 1] | entries[i + 2] | entries[i + 3]) == 0)
                    continue;
                for (int j = i; j < i + 4; j++)
                {
                    ulong entry = entries[j];
                    if (PageTableEntry.IsPresent(entry) && !PageTableEntry.IsLeaf(entry, level))
                        FreeTree(entry & PageTableEntry.AddressMask, level - 1);
                }
            }
        }
        FreeTable(table);
    }

    private readonly bool IsBorrowed(int pml4Index) => (_borrowed[pml4Index >> 6] & (1UL << (pml4Index & 63))) != 0;

    private void SetBorrowed(int pml4Index, bool borrowed)
    {
        if (borrowed)
            _borrowed[pml4Index >> 6] |= 1UL << (pml4Index & 63);
        else
            _borrowed[pml4Index >> 6] &= ~(1UL << (pml4Index & 63));
    }

    // PDPTs that other hierarchies may point at: kept until Destroy.
    private static bool IsPinned(int pml4Index) => pml4Index == 0 || pml4Index >= KernelFirstEntry;
}
