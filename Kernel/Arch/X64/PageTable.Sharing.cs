// PML4 entries shared between hierarchies: SMARTMAP slots and the kernel half.
//
// SMARTMAP (Brightwell, Pedretti, Hudson, "SMARTMAP: Operating System Support for Efficient Data Sharing
// Among Processes on a Multi-Core Processor", SC'08; as in Kitten): the user half of a hierarchy is its
// first 512 GiB, PML4 entry 0. Slot s of a viewer is its PML4 entry s + 1, made to point at the source's
// user-half PDPT, so the source's user address u reads as ((s + 1) << 39) + u in the viewer, with plain
// loads and stores and no copy. Kitten gives slot 0 to the PCT and slot i + 1 to rank i. Any number of
// slots (up to 255) can be set at once, each to a different source (or to the viewer itself).
//
// The kernel half (PML4 entries 256..511) of every user hierarchy is a copy of the kernel hierarchy's, so
// that system calls and interrupts need no CR3 switch. The kernel first allocates a PDPT for each of those
// entries (PreallocateKernelHalf), so that whatever it maps later appears in every hierarchy at once.
namespace Kitten.Kernel.Arch.X64;

internal unsafe partial struct PageTable
{
    public const int SmartMapSlots = 255;

    // Where a source's user address appears in a viewer with the source in `slot`.
    public static ulong SmartMapAddress(int slot, ulong userAddress) => ((ulong)(slot + 1) << 39) + userAddress;

    // Shows `source`'s user half (all of it, now and as it changes) at SmartMapAddress(slot, 0) here. The
    // entry takes the source's permissions; the tables stay the source's (not counted, not freed here), so
    // the source must outlive the slot. source may be this hierarchy itself.
    public PageTableResult SetSmartMapSlot(int slot, in PageTable source)
    {
        if (_root == 0 || source._root == 0)
            return PageTableResult.NotCreated;
        if ((uint)slot >= SmartMapSlots)
            return PageTableResult.InvalidSlot;
        int index = slot + 1;
        ulong* pml4 = Table(_root);
        if (PageTableEntry.IsPresent(pml4[index]) || IsBorrowed(index))
            return PageTableResult.SlotInUse;
        // Create made the source's user PDPT and keeps it until Destroy: entry 0 is always present.
        pml4[index] = source.Table(source._root)[0];
        SetBorrowed(index, true);
        return PageTableResult.Ok;
    }

    // Removes a slot; the source is untouched. The caller flushes the TLBs (the whole slot's 512 GiB).
    public PageTableResult ClearSmartMapSlot(int slot)
    {
        if (_root == 0)
            return PageTableResult.NotCreated;
        if ((uint)slot >= SmartMapSlots)
            return PageTableResult.InvalidSlot;
        int index = slot + 1;
        if (!IsBorrowed(index))
            return PageTableResult.NotMapped;
        Table(_root)[index] = 0;
        SetBorrowed(index, false);
        return PageTableResult.Ok;
    }

    public readonly bool IsSmartMapSlotSet(int slot) => (uint)slot < SmartMapSlots && IsBorrowed(slot + 1);

    // For the kernel's own hierarchy: gives PML4 entries 256..511 each a PDPT (256 tables, 1 MiB), owned
    // here and kept until Destroy, so that user hierarchies sharing them see later kernel mappings.
    public PageTableResult PreallocateKernelHalf()
    {
        if (_root == 0)
            return PageTableResult.NotCreated;
        ulong* pml4 = Table(_root);
        for (int i = KernelFirstEntry; i < PageTableEntry.EntriesPerTable; i++)
        {
            if (IsBorrowed(i))
                return PageTableResult.NotOwned;
            if (PageTableEntry.IsPresent(pml4[i]))
                continue;
            ulong pdpt = AllocateTable();
            if (pdpt == 0)
                return PageTableResult.OutOfMemory;
            pml4[i] = pdpt | IntermediateBits(UpperHalfStart);
            _ownsUpperHalf = true;
        }
        return PageTableResult.Ok;
    }

    // For a user hierarchy: copies the kernel's PML4 entries 256..511 here, as borrowed entries. Refused if
    // this hierarchy has upper-half mappings of its own. Mapping in the upper half is then refused here
    // (NotOwned): the kernel maps in its own hierarchy and every user hierarchy sees it.
    public PageTableResult ShareKernelHalf(in PageTable kernel)
    {
        if (_root == 0 || kernel._root == 0)
            return PageTableResult.NotCreated;
        if (_ownsUpperHalf)
            return PageTableResult.AlreadyMapped;
        // Every process does this (twice per fork and execve): one block copy of the 256 entries (2 KiB),
        // and whole words of the borrowed bitmap (the kernel half is 256 entries from a multiple of 64).
        *(UpperHalfEntries*)(Table(_root) + KernelFirstEntry) = *(UpperHalfEntries*)(kernel.Table(kernel._root) + KernelFirstEntry);
        for (int word = KernelFirstEntry / 64; word < PageTableEntry.EntriesPerTable / 64; word++)
            _borrowed[word] = ulong.MaxValue;
        return PageTableResult.Ok;
    }

    // PML4 entries 256..511 as one value, so that sharing them is a single block copy.
    private struct UpperHalfEntries
    {
        private fixed ulong _entries[PageTableEntry.EntriesPerTable - KernelFirstEntry];
    }
}
