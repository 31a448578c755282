// An address space ("aspace", as in Kitten): a page-table hierarchy plus the virtual regions of its user
// half. Memory is mapped only inside a region and with the region's permissions and page sizes. Other
// address spaces can be shown in SMARTMAP slots (PageTable.Sharing.cs); a space keeps count of the slots
// that show it, and refuses to be destroyed while any does, so no slot ever points at freed tables.
//
// The struct must stay at one address from Create to Destroy (slots record where their source lives): the
// kernel allocates it from its heap, tests from native memory. Region storage is the caller's, too: a
// fixed-capacity array, so adding a region never allocates.
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Memory;

internal unsafe struct AddressSpace
{
    // Regions live in PML4 entry 0, the user half that SMARTMAP shares: [0, 512 GiB).
    public const ulong UserEnd = PageTableEntry.Size512G;

    private PageTable _pageTable;
    private VirtualRegion* _regions;    // sorted by Start, disjoint
    private int _regionCapacity;
    private int _regionCount;
    private int _viewers;               // SMARTMAP slots, here or elsewhere, that show this space
    private fixed ulong _slotSources[PageTable.SmartMapSlots];  // AddressSpace* shown in each slot, 0 if none

    public readonly bool IsCreated => _pageTable.IsCreated;
    public readonly ulong RootPhysical => _pageTable.RootPhysical;   // for CR3
    public readonly ulong PageTableBytes => _pageTable.PageTableBytes;
    public readonly int RegionCount => _regionCount;
    public readonly int SmartMapViewers => _viewers;
    public readonly VirtualRegion* RegionStorage => _regions;   // the caller's, to free after Destroy

    public AddressSpaceResult Create(in PageTableAllocator allocator, bool noExecuteSupported,
        VirtualRegion* regionStorage, int regionCapacity)
    {
        this = default;
        _regions = regionStorage;
        _regionCapacity = regionStorage == null || regionCapacity < 0 ? 0 : regionCapacity;
        return AddressSpaceResults.From(_pageTable.Create(allocator, noExecuteSupported));
    }

    // Detaches this space's own slots and frees its page tables. Refused (InUse, nothing changed) while
    // another space shows this one in a slot.
    public AddressSpaceResult Destroy()
    {
        if (!_pageTable.IsCreated)
            return AddressSpaceResult.NotCreated;
        fixed (AddressSpace* self = &this)
        {
            int selfSlots = 0;
            for (int slot = 0; slot < PageTable.SmartMapSlots; slot++)
            {
                if (_slotSources[slot] == (ulong)self)
                    selfSlots++;
            }
            if (_viewers > selfSlots)
                return AddressSpaceResult.InUse;
        }
        for (int slot = 0; slot < PageTable.SmartMapSlots; slot++)
        {
            if (_slotSources[slot] != 0)
                DetachSmartMap(slot);
        }
        _pageTable.Destroy();
        _regionCount = 0;
        return AddressSpaceResult.Ok;
    }

    // Makes the kernel's upper half (PML4 entries 256..511) part of this space; see PageTable.ShareKernelHalf.
    public AddressSpaceResult ShareKernelHalf(in PageTable kernel) => AddressSpaceResults.From(_pageTable.ShareKernelHalf(kernel));

    // Adds the region [start, start + length) (not Global). With a backing physical address, maps all of it there at
    // once (and adds nothing if that fails); without, mappings come later through MapPhysical.
    public AddressSpaceResult AddRegion(ulong start, ulong length, PageFlags flags, PageSizes pageSizes,
        ulong backingPhysical = VirtualRegion.NoBacking)
    {
        AddressSpaceResult check = CheckUserRange(start, length);
        if (check != AddressSpaceResult.Ok)
            return check;
        if ((pageSizes & PageSizes.All) == 0)
            return AddressSpaceResult.Misaligned;
        // A global TLB entry survives CR3 loads (Intel SDM vol. 3A, 4.10.2.4): a global page in one
        // process's user half would show through in the next process run on that CPU.
        if ((flags & PageFlags.Global) != 0)
            return AddressSpaceResult.InvalidFlags;
        ulong end = start + length;
        int position = 0;
        while (position < _regionCount && _regions[position].Start < end)
        {
            if (_regions[position].Overlaps(start, end))
                return AddressSpaceResult.Overlaps;
            position++;
        }
        if (_regionCount == _regionCapacity)
            return AddressSpaceResult.RegionsFull;
        if (backingPhysical != VirtualRegion.NoBacking)
        {
            PageTableResult mapped = _pageTable.Map(start, backingPhysical, length, flags, pageSizes);
            if (mapped != PageTableResult.Ok)
                return AddressSpaceResults.From(mapped);
        }
        for (int i = _regionCount; i > position; i--)
            _regions[i] = _regions[i - 1];
        _regions[position] = new VirtualRegion
        {
            Start = start,
            End = end,
            Flags = flags,
            PageSizes = pageSizes,
            BackingPhysical = backingPhysical,
        };
        _regionCount++;
        return AddressSpaceResult.Ok;
    }

    // Removes the region that is exactly [start, start + length), unmapping everything mapped in it. Never
    // needs memory: no page straddles a region's edge, so nothing is split.
    public AddressSpaceResult RemoveRegion(ulong start, ulong length)
    {
        int index = IndexOfRegion(start);
        if (index < 0 || _regions[index].End != start + length)
            return AddressSpaceResult.NoRegion;
        PageTableResult unmapped = _pageTable.Unmap(start, length);
        if (unmapped != PageTableResult.Ok)
            return AddressSpaceResults.From(unmapped);
        for (int i = index; i < _regionCount - 1; i++)
            _regions[i] = _regions[i + 1];
        _regionCount--;
        return AddressSpaceResult.Ok;
    }

    // Maps [virt, virt + length) to physical memory at phys; the range must lie inside one region, whose
    // permissions and page sizes the mapping gets.
    public AddressSpaceResult MapPhysical(ulong virt, ulong phys, ulong length)
    {
        AddressSpaceResult check = CheckUserRange(virt, length);
        if (check != AddressSpaceResult.Ok)
            return check;
        int index = RegionContaining(virt, virt + length);
        if (index < 0)
            return AddressSpaceResult.NoRegion;
        VirtualRegion region = _regions[index];
        return AddressSpaceResults.From(_pageTable.Map(virt, phys, length, region.Flags, region.PageSizes));
    }

    // Unmaps part of a region (the region stays). May split a large page at the edges: OutOfMemory then.
    public AddressSpaceResult UnmapPhysical(ulong virt, ulong length)
    {
        AddressSpaceResult check = CheckUserRange(virt, length);
        if (check != AddressSpaceResult.Ok)
            return check;
        if (RegionContaining(virt, virt + length) < 0)
            return AddressSpaceResult.NoRegion;
        return AddressSpaceResults.From(_pageTable.Unmap(virt, length));
    }

    public readonly bool Translate(ulong virt, out ulong phys, out PageFlags flags, out ulong pageSize) =>
        _pageTable.Translate(virt, out phys, out flags, out pageSize);

    // The region containing an address, if any.
    public readonly bool FindRegion(ulong address, out VirtualRegion region)
    {
        region = default;
        int index = address < UserEnd ? RegionContaining(address, address + 1) : -1;
        if (index < 0)
            return false;
        region = _regions[index];
        return true;
    }

    // Regions in address order, for 0 <= index < RegionCount.
    public readonly VirtualRegion RegionAt(int index) =>
        (uint)index < (uint)_regionCount ? _regions[index] : default;

    // Shows source's user half in `slot` of this space, at PageTable.SmartMapAddress(slot, 0). source may be
    // this very space; it stays alive (Destroy refuses) until every slot showing it is detached.
    public AddressSpaceResult AttachSmartMap(int slot, AddressSpace* source)
    {
        if (source == null || !source->_pageTable.IsCreated || !_pageTable.IsCreated)
            return AddressSpaceResult.NotCreated;
        if ((uint)slot >= PageTable.SmartMapSlots)
            return AddressSpaceResult.InvalidSlot;
        if (_slotSources[slot] != 0)
            return AddressSpaceResult.SlotInUse;
        PageTableResult result = _pageTable.SetSmartMapSlot(slot, source->_pageTable);
        if (result != PageTableResult.Ok)
            return AddressSpaceResults.From(result);
        _slotSources[slot] = (ulong)source;
        source->_viewers++;
        return AddressSpaceResult.Ok;
    }

    // Empties a slot. The caller flushes the TLBs of CPUs running this space (the slot's 512 GiB).
    public AddressSpaceResult DetachSmartMap(int slot)
    {
        if (!_pageTable.IsCreated)
            return AddressSpaceResult.NotCreated;
        if ((uint)slot >= PageTable.SmartMapSlots)
            return AddressSpaceResult.InvalidSlot;
        if (_slotSources[slot] == 0)
            return AddressSpaceResult.SlotEmpty;
        _pageTable.ClearSmartMapSlot(slot);
        var source = (AddressSpace*)_slotSources[slot];
        _slotSources[slot] = 0;
        source->_viewers--;
        return AddressSpaceResult.Ok;
    }

    public readonly AddressSpace* SmartMapSource(int slot) =>
        (uint)slot < PageTable.SmartMapSlots ? (AddressSpace*)_slotSources[slot] : null;

    private readonly AddressSpaceResult CheckUserRange(ulong start, ulong length)
    {
        if (!_pageTable.IsCreated)
            return AddressSpaceResult.NotCreated;
        if (((start | length) & (PageTableEntry.Size4K - 1)) != 0)
            return AddressSpaceResult.Misaligned;
        if (length == 0 || start >= UserEnd || length > UserEnd - start)
            return AddressSpaceResult.InvalidRange;
        return AddressSpaceResult.Ok;
    }

    private readonly int IndexOfRegion(ulong start)
    {
        for (int i = 0; i < _regionCount; i++)
        {
            if (_regions[i].Start == start)
                return i;
        }
        return -1;
    }

    // The region holding all of [start, end), or -1.
    private readonly int RegionContaining(ulong start, ulong end)
    {
        for (int i = 0; i < _regionCount && _regions[i].Start < end; i++)
        {
            if (_regions[i].Contains(start, end))
                return i;
        }
        return -1;
    }
}
