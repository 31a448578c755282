// Outcome of an address-space operation (the kernel has no exceptions).
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Memory;

internal enum AddressSpaceResult : byte
{
    Ok,
    OutOfMemory,     // no page for a page table; nothing changed
    Misaligned,      // address, length or physical base not a multiple of 4 KiB, or no allowed page size fits
    InvalidRange,    // empty, wraps, or outside the user half [0, AddressSpace.UserEnd)
    InvalidFlags,    // Global in a user region
    Overlaps,        // the new region overlaps an existing one
    NoRegion,        // no region matches, or the range is not inside a single region
    RegionsFull,     // the caller-provided region storage is full
    AlreadyMapped,   // part of the range is mapped already
    NotMapped,
    NotOwned,        // the range belongs to a SMARTMAP slot or the shared kernel half
    InvalidSlot,     // SMARTMAP slot outside 0..254
    SlotInUse,
    SlotEmpty,
    InUse,           // Destroy of a space that other spaces still show in a SMARTMAP slot
    NotCreated,
}

internal static class AddressSpaceResults
{
    public static AddressSpaceResult From(PageTableResult result)
    {
        switch (result)
        {
            case PageTableResult.Ok: return AddressSpaceResult.Ok;
            case PageTableResult.OutOfMemory: return AddressSpaceResult.OutOfMemory;
            case PageTableResult.Misaligned: return AddressSpaceResult.Misaligned;
            case PageTableResult.InvalidRange: return AddressSpaceResult.InvalidRange;
            case PageTableResult.InvalidFlags: return AddressSpaceResult.InvalidFlags;
            case PageTableResult.AlreadyMapped: return AddressSpaceResult.AlreadyMapped;
            case PageTableResult.NotMapped: return AddressSpaceResult.NotMapped;
            case PageTableResult.NotOwned: return AddressSpaceResult.NotOwned;
            case PageTableResult.InvalidSlot: return AddressSpaceResult.InvalidSlot;
            case PageTableResult.SlotInUse: return AddressSpaceResult.SlotInUse;
            default: return AddressSpaceResult.NotCreated;
        }
    }
}
