// Outcome of a page-table operation. The kernel has no exceptions; every operation that can fail says why.
namespace Kitten.Kernel.Arch.X64;

internal enum PageTableResult : byte
{
    Ok,
    OutOfMemory,     // the page allocator returned 0; the operation changed no translation
    Misaligned,      // an address or length is not a multiple of 4 KiB, or no allowed page size fits
    InvalidRange,    // empty, wraps around, not canonical, spans both halves, or beyond 52-bit physical
    InvalidFlags,    // User asked for in the kernel (upper) half
    AlreadyMapped,   // some page of the range is mapped already; nothing was changed
    NotMapped,       // Protect over a range with holes; nothing was changed
    NotOwned,        // the range lies under a SMARTMAP slot or the shared kernel half
    InvalidSlot,     // SMARTMAP slot outside 0..254
    SlotInUse,       // the PML4 entry for that slot is taken (by another slot or by own mappings)
    NotCreated,      // the hierarchy has no PML4 (Create was not called or failed)
}
