// One loadable segment (a PT_LOAD program header) of an ELF executable, as the file declares it: addresses
// are link-time addresses, to which the load bias of a position-independent executable is added (ELF gABI,
// "Program Header"; Linux fs/binfmt_elf.c load_elf_binary does the same).
namespace Kitten.Kernel.Exec;

internal struct ElfSegment
{
    public const ulong PageSize = 4096;

    // p_flags bits (gABI "Segment Flag Bits").
    public const uint FlagExecute = 1;
    public const uint FlagWrite = 2;
    public const uint FlagRead = 4;

    public ulong VirtualAddress;    // p_vaddr
    public ulong MemorySize;        // p_memsz: bytes in memory; those past FileSize are zero (the bss)
    public ulong FileSize;          // p_filesz
    public ulong FileOffset;        // p_offset
    public ulong Alignment;         // p_align (0 or 1: none)
    public uint Flags;              // p_flags

    public readonly ulong End => VirtualAddress + MemorySize;
    public readonly bool IsReadable => (Flags & FlagRead) != 0;
    public readonly bool IsWritable => (Flags & FlagWrite) != 0;
    public readonly bool IsExecutable => (Flags & FlagExecute) != 0;

    // The 4 KiB pages the segment touches, for the caller to map with the segment's permissions. Two
    // segments may share a boundary page (the gABI only requires distinct bytes); such a page must get the
    // union of both segments' permissions, or code or data on it faults.
    public readonly ulong PageStart => VirtualAddress & ~(PageSize - 1);
    public readonly ulong PageEnd => (End + PageSize - 1) & ~(PageSize - 1);
}
