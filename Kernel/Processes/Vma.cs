// One virtual memory area of a process: a page-aligned range with Linux protections (PROT_READ/WRITE/
// EXEC) and whether physical memory backs it. A reservation (mmap with PROT_NONE, or memory given back
// with madvise(MADV_DONTNEED) after PROT_NONE) has none; committed areas are fully backed, because this
// kernel does not demand-page.
namespace Kitten.Kernel.Processes;

internal enum VmaKind : byte
{
    Anonymous,  // mmap(MAP_ANONYMOUS) and brk
    Image,      // a PT_LOAD segment of the program
    Stack,
    Grant,      // another process's memory, mapped through an IPC grant (ProcessMemory.Grants.cs)
}

internal struct Vma
{
    public const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;

    public ulong Start;
    public ulong End;
    public int Prot;
    public VmaKind Kind;
    public bool Committed;
    // Backed by the image cache (read-only program pages every process running it shares), not by this
    // process's own memory: unmapping gives nothing back, and making it writable takes a private copy.
    public bool SharedImage;
    // For a stack's reservation (Kind Stack, not committed, Prot 0): the protection it was given, which
    // an access commits, from the top down (ProcessMemory.Stack.cs). 0 for a guard page, which stays one.
    public int GrowProt;

    public readonly ulong Length => End - Start;
    public readonly bool Contains(ulong address) => address >= Start && address < End;
    public readonly bool Overlaps(ulong start, ulong end) => start < End && Start < end;
}
