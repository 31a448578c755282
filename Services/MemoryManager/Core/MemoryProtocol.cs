using Kitten.Ipc.Contracts;

namespace Kitten.MemoryManager;

// The memory manager's messages (README.md gives each one's words and payload).
public enum MemoryLabel : ulong
{
    Attach = 1,         // capability: a read-only grant of the free-memory view
    Attached,           // words: policy, page sizes (PageSizes), most segments a request may have
    Plan,               // words: heap bytes, stack bytes, NUMA node + 1 (0: any), CPU + 1 (0: any); payload: segments
    Planned,            // words: regions, page-table bytes, physical bytes, regions in this payload; payload: regions
    ReadRegions,        // words: the first region wanted
    Regions,            // words: regions in this payload, the first one's index; payload: regions
    Release,            // the planned layout is no longer needed
    Released,
    Status,
    StatusReport,       // words: free bytes, largest free extent, free extents, policy
    Refused,            // words: MemoryRefusal, a detail (README.md)
}

public enum MemoryRefusal : ulong
{
    BadGrant = 1,           // Attach without a read-only grant of a free-memory view
    ViewUnreadable = 2,     // the view's magic is wrong, or it kept changing while being read
    BadRequest = 3,         // segments overlapping, outside the user half, empty, or too many
    NoMemory = 4,           // paged: not enough free memory (detail: bytes missing)
    NoContiguousBlock = 5,  // contiguous: no free extent holds the block (detail: bytes the block needs)
    BadIndex = 6,           // ReadRegions past the end
    Revoked = 7,            // the view's grant was revoked: Attach again
}

public enum PolicyKind : ulong
{
    Contiguous = 1,
    Paged = 2,
}

// ELF p_flags bits (elf(5)), so a loader can pass a segment's flags as they are.
[Flags]
public enum Permissions : uint
{
    None = 0,
    Execute = 1,
    Write = 2,
    Read = 4,
}

// Page sizes as a mask (the Attached reply) and as sizes.
[Flags]
public enum PageSizes : ulong
{
    Size4K = 1,
    Size2M = 2,
    Size1G = 4,
}

public static class MemoryProtocol
{
    public const string Name = "memory";
    public const int MaxSegments = 32;
    public const ulong Page4K = 1UL << 12;
    public const ulong Page2M = 1UL << 21;
    public const ulong Page1G = 1UL << 30;

    // A conversation: Attach the free-memory view first; then Plan; read the rest of a long layout; Release.
    public static readonly Contract Contract = new ContractBuilder<MemoryLabel>("MemoryManager", 1)
        .In("Detached")
            .On(MemoryLabel.Attach).Reply(MemoryLabel.Attached, "Ready").Reply(MemoryLabel.Refused, "Detached")
        .In("Ready")
            .On(MemoryLabel.Plan).Reply(MemoryLabel.Planned, "Planned").Reply(MemoryLabel.Refused, "Ready")
            .On(MemoryLabel.Status).Reply(MemoryLabel.StatusReport, "Ready").Reply(MemoryLabel.Refused, "Ready")
        .In("Planned")
            .On(MemoryLabel.ReadRegions).Reply(MemoryLabel.Regions, "Planned").Reply(MemoryLabel.Refused, "Planned")
            .On(MemoryLabel.Release).Reply(MemoryLabel.Released, "Ready")
            .On(MemoryLabel.Plan).Reply(MemoryLabel.Planned, "Planned").Reply(MemoryLabel.Refused, "Ready")
            .On(MemoryLabel.Status).Reply(MemoryLabel.StatusReport, "Planned").Reply(MemoryLabel.Refused, "Planned")
        .Build();
}
