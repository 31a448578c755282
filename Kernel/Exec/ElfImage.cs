// Parser and validator of ELF64 x86-64 executables: static programs linked at a fixed address (ET_EXEC)
// and static position-independent executables (static-PIE: ET_DYN without PT_INTERP). It reads the file
// where it lies, allocates nothing, and either accepts the file (every PT_LOAD segment inside the file and
// inside the user address space, sorted, not overlapping) or refuses it with a one-line reason.
//
// Sources: ELF gABI ("ELF Header", "Program Header"); System V AMD64 psABI (EM_X86_64, page sizes);
// Linux fs/binfmt_elf.c load_elf_binary (which checks, in order: ident, type, machine, e_phentsize and the
// size of the program header table, then PT_INTERP; where AT_PHDR points). Portable: the host tests
// feed it real gcc output and fuzz it.
//
// The file's bytes must not change between TryParse and the copy (ElfLoader): accessors re-read the
// program headers from the file.
using System;

namespace Kitten.Kernel.Exec;

internal unsafe struct ElfImage
{
    // This kernel gives user space [0, 512 GiB): one PML4 entry.
    public const ulong UserTop = 512UL << 30;
    // Nothing is mapped below 64 KiB, so that a null pointer (plus a small offset) faults; Linux's default
    // vm.mmap_min_addr is the same.
    public const ulong MinimumAddress = 64UL << 10;
    // The largest page this kernel maps; a larger p_align would not buy anything.
    public const ulong MaximumAlignment = 1UL << 30;
    public const int ProgramHeaderSize = 56;        // sizeof(Elf64_Phdr)
    // Linux refuses program header tables larger than ELF_MIN_ALIGN (4096 bytes on x86-64): 73 entries.
    public const int MaxProgramHeaders = 4096 / ProgramHeaderSize;

    private const int HeaderSize = 64;              // sizeof(Elf64_Ehdr)
    private const ushort TypeRelocatable = 1;       // ET_REL
    private const ushort TypeExecutable = 2;        // ET_EXEC
    private const ushort TypeShared = 3;            // ET_DYN
    private const ushort TypeCore = 4;              // ET_CORE
    private const ushort MachineX86_64 = 62;        // EM_X86_64
    private const uint SegmentLoad = 1;             // PT_LOAD
    private const uint SegmentDynamic = 2;          // PT_DYNAMIC
    private const uint SegmentInterpreter = 3;      // PT_INTERP
    private const uint SegmentProgramHeaders = 6;   // PT_PHDR
    private const uint SegmentTls = 7;              // PT_TLS
    private const uint SegmentGnuStack = 0x6474E551; // PT_GNU_STACK
    private const int PathMax = 4096;               // Linux PATH_MAX, its bound on PT_INTERP

    private byte* _data;
    private ulong _length;
    private ulong _programHeaderOffset;
    private int _programHeaderCount;
    private int _segmentCount;
    private fixed byte _segmentIndex[MaxProgramHeaders]; // program header index of each PT_LOAD kept
    private int _tlsIndex;                               // -1 if none

    public bool IsPositionIndependent { readonly get; private set; } // ET_DYN: placed at a load bias
    public ulong Entry { readonly get; private set; }                // e_entry
    public ulong ProgramHeaderAddress { readonly get; private set; } // where AT_PHDR points, unbiased
    public readonly int ProgramHeaderCount => _programHeaderCount;  // AT_PHNUM
    public readonly int SegmentCount => _segmentCount;
    public ulong LowestAddress { readonly get; private set; }        // first PT_LOAD's p_vaddr
    public ulong HighestAddress { readonly get; private set; }       // end of the last PT_LOAD in memory
    public ulong Alignment { readonly get; private set; }            // largest p_align, at least a page
    public bool HasDynamicSection { readonly get; private set; }     // PT_DYNAMIC: self-relocating PIE
    public bool HasStackHeader { readonly get; private set; }        // PT_GNU_STACK present
    // Linux x86-64 gives a 64-bit program an executable stack only when PT_GNU_STACK asks for it; without
    // one, only 32-bit programs get READ_IMPLIES_EXEC (elf_read_implies_exec, arch/x86/include/asm/elf.h,
    // since Linux 5.8).
    public bool ExecutableStack { readonly get; private set; }

    // The memory to reserve, page-aligned, unbiased: [SpanStart, SpanEnd).
    public readonly ulong SpanStart => LowestAddress & ~(ElfSegment.PageSize - 1);
    public readonly ulong SpanEnd => (HighestAddress + ElfSegment.PageSize - 1) & ~(ElfSegment.PageSize - 1);
    public readonly ulong SpanSize => SpanEnd - SpanStart;
    public readonly bool HasTls => _tlsIndex >= 0;
    public readonly byte* FileData => _data;
    public readonly ulong FileLength => _length;

    public readonly ElfSegment GetSegment(int index)
    {
        if ((uint)index >= (uint)_segmentCount)
            return default;
        return ReadSegment(_segmentIndex[index]);
    }

    // PT_TLS as the file has it (unchecked: glibc finds it itself through AT_PHDR); default if none.
    public readonly ElfSegment TlsSegment => _tlsIndex >= 0 ? ReadSegment(_tlsIndex) : default;

    public static bool TryParse(byte* data, ulong length, out ElfImage image, out ElfRefusal refusal)
    {
        image = default;
        image._tlsIndex = -1;
        refusal = default;
        string reason = image.Parse(data, length, ref refusal);
        if (reason == null)
            return true;
        refusal.Reason = reason;
        image = default;
        return false;
    }

    // Whether the image may be placed at link-time address + bias; null if so, else the reason.
    public readonly string CheckLoadBias(ulong bias)
    {
        if (!IsPositionIndependent)
            return bias == 0 ? null : "a fixed-address executable cannot be moved";
        if ((bias & (Alignment - 1)) != 0)
            return "load bias is not a multiple of the segment alignment";
        if (bias > UserTop - SpanEnd)
            return "load bias puts the image past the user address space";
        if (bias + SpanStart < MinimumAddress)
            return "load bias puts the image in the first 64 KiB";
        return null;
    }

    private string Parse(byte* data, ulong length, ref ElfRefusal refusal)
    {
        _data = data;
        _length = length;
        if (data == null || length < HeaderSize)
            return "file is too small for an ELF header";
        if (data[0] != 0x7F || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
            return "not an ELF file (bad magic number)";
        if (data[4] != 2)       // EI_CLASS: ELFCLASS64
            return "not a 64-bit ELF file";
        if (data[5] != 1)       // EI_DATA: ELFDATA2LSB
            return "not a little-endian ELF file";
        if (data[6] != 1 || *(uint*)(data + 20) != 1) // EI_VERSION and e_version: EV_CURRENT
            return "unsupported ELF version";
        if (data[7] != 0 && data[7] != 3) // EI_OSABI: ELFOSABI_SYSV or ELFOSABI_GNU (Linux)
            return "unsupported ELF OS/ABI (neither System V nor GNU/Linux)";
        if (*(ushort*)(data + 18) != MachineX86_64)
            return "not an x86-64 program";
        ushort type = *(ushort*)(data + 16);
        if (type == TypeRelocatable)
            return "relocatable object file, not an executable";
        if (type == TypeCore)
            return "core dump, not an executable";
        if (type != TypeExecutable && type != TypeShared)
            return "unknown ELF file type";
        IsPositionIndependent = type == TypeShared;
        Entry = *(ulong*)(data + 24);
        if (*(ushort*)(data + 54) != ProgramHeaderSize)
            return "program header entry size is not 56";
        int count = *(ushort*)(data + 56);
        if (count == 0)
            return "no program headers";
        if (count > MaxProgramHeaders)
            return "too many program headers (more than 73)";
        ulong offset = *(ulong*)(data + 32);
        ulong tableSize = (ulong)count * ProgramHeaderSize;
        if (offset > length || tableSize > length - offset)
            return "program header table runs past the end of the file";
        _programHeaderOffset = offset;
        _programHeaderCount = count;

        // A dynamically linked program is named as such before anything else is judged.
        for (int i = 0; i < count; i++)
            if (*(uint*)Header(i) == SegmentInterpreter)
                return RefuseInterpreter(Header(i), ref refusal);

        bool hasPhdrSegment = false;
        ulong phdrSegmentAddress = 0;
        for (int i = 0; i < count; i++)
        {
            byte* header = Header(i);
            uint kind = *(uint*)header;
            if (kind == SegmentLoad)
            {
                string reason = AddLoadSegment(i);
                if (reason != null)
                    return reason;
            }
            else if (kind == SegmentProgramHeaders && !hasPhdrSegment)
            {
                hasPhdrSegment = true;
                phdrSegmentAddress = *(ulong*)(header + 16);
            }
            else if (kind == SegmentTls && _tlsIndex < 0)
            {
                _tlsIndex = i;
            }
            else if (kind == SegmentGnuStack && !HasStackHeader)
            {
                // Linux takes the first PT_GNU_STACK too.
                HasStackHeader = true;
                ExecutableStack = (*(uint*)(header + 4) & ElfSegment.FlagExecute) != 0;
            }
            else if (kind == SegmentDynamic)
            {
                HasDynamicSection = true;
            }
        }
        if (_segmentCount == 0)
            return "no loadable segments";
        if (!Contains(Entry, 1))
            return "entry point is outside the loadable segments";
        return LocateProgramHeaders(hasPhdrSegment, phdrSegmentAddress);
    }

    private readonly byte* Header(int index) => _data + _programHeaderOffset + (ulong)index * ProgramHeaderSize;

    private readonly ElfSegment ReadSegment(int index)
    {
        byte* header = Header(index);
        return new ElfSegment
        {
            Flags = *(uint*)(header + 4),
            FileOffset = *(ulong*)(header + 8),
            VirtualAddress = *(ulong*)(header + 16),
            FileSize = *(ulong*)(header + 32),
            MemorySize = *(ulong*)(header + 40),
            Alignment = *(ulong*)(header + 48),
        };
    }

    private readonly string RefuseInterpreter(byte* header, ref ElfRefusal refusal)
    {
        ulong offset = *(ulong*)(header + 8);
        ulong size = *(ulong*)(header + 32);
        // Linux requires 2 <= p_filesz <= PATH_MAX and a terminating NUL at the end.
        if (offset > _length || size > _length - offset || size < 2 || size > PathMax || _data[offset + size - 1] != 0)
            return "dynamically linked (with a malformed PT_INTERP)";
        int pathLength = 0;
        while (_data[offset + (ulong)pathLength] != 0)
            pathLength++;
        refusal.Interpreter = _data + offset;
        refusal.InterpreterLength = pathLength;
        return "dynamically linked";
    }

    private string AddLoadSegment(int index)
    {
        ElfSegment segment = ReadSegment(index);
        if (segment.FileSize > segment.MemorySize)
            return "PT_LOAD file size exceeds its memory size";
        if (segment.FileOffset > _length || segment.FileSize > _length - segment.FileOffset)
            return "PT_LOAD segment runs past the end of the file";
        // A segment that occupies no memory maps nothing (Linux maps nothing for it either).
        if (segment.MemorySize == 0)
            return null;
        if (segment.VirtualAddress >= UserTop || segment.MemorySize > UserTop - segment.VirtualAddress)
            return "PT_LOAD segment lies outside the user address space (512 GiB)";
        if (!IsPositionIndependent && segment.VirtualAddress < MinimumAddress)
            return "PT_LOAD segment lies in the first 64 KiB (kept unmapped to catch null pointers)";
        ulong alignment = segment.Alignment;
        if (alignment > 1)
        {
            // gABI: "p_align should be a positive, integral power of 2, and p_vaddr should equal p_offset,
            // modulo p_align."
            if ((alignment & (alignment - 1)) != 0)
                return "PT_LOAD alignment is not a power of two";
            if (alignment > MaximumAlignment)
                return "PT_LOAD alignment is larger than 1 GiB";
            if (((segment.VirtualAddress - segment.FileOffset) & (alignment - 1)) != 0)
                return "PT_LOAD address and file offset differ modulo the alignment";
        }
        if (_segmentCount > 0)
        {
            // gABI: "Loadable segment entries in the program header table appear in ascending order,
            // sorted on the p_vaddr member."
            if (segment.VirtualAddress < GetSegment(_segmentCount - 1).VirtualAddress)
                return "PT_LOAD segments are not in ascending address order";
            if (segment.VirtualAddress < HighestAddress)
                return "PT_LOAD segments overlap";
        }
        else
        {
            LowestAddress = segment.VirtualAddress;
            Alignment = ElfSegment.PageSize;
        }
        HighestAddress = segment.End;
        if (alignment > Alignment)
            Alignment = alignment;
        _segmentIndex[_segmentCount++] = (byte)index;
        return null;
    }

    // Whether [address, address + size) lies inside one PT_LOAD in memory.
    private readonly bool Contains(ulong address, ulong size)
    {
        for (int i = 0; i < _segmentCount; i++)
        {
            ElfSegment segment = GetSegment(i);
            if (address >= segment.VirtualAddress && address - segment.VirtualAddress <= segment.MemorySize
                && size <= segment.MemorySize - (address - segment.VirtualAddress))
                return true;
        }
        return false;
    }

    // AT_PHDR must point at the program header table in the loaded image (glibc's static start-up reads
    // PT_TLS and, for static-PIE, PT_DYNAMIC through it). The table is where PT_PHDR says, else where the
    // PT_LOAD that holds e_phoff puts it (Linux load_elf_binary computes phdr_addr the second way). Either
    // way the bytes there must be the table's, copied from the file.
    private string LocateProgramHeaders(bool hasPhdrSegment, ulong phdrSegmentAddress)
    {
        ulong tableSize = (ulong)_programHeaderCount * ProgramHeaderSize;
        bool found = false;
        for (int i = 0; i < _segmentCount; i++)
        {
            ElfSegment segment = GetSegment(i);
            if (_programHeaderOffset < segment.FileOffset)
                continue;
            ulong into = _programHeaderOffset - segment.FileOffset;
            if (into > segment.FileSize || tableSize > segment.FileSize - into)
                continue;
            ulong address = segment.VirtualAddress + into;
            if (!hasPhdrSegment || address == phdrSegmentAddress)
            {
                ProgramHeaderAddress = address;
                return null;
            }
            found = true;
        }
        return found ? "PT_PHDR does not point at the program header table"
            : "program header table is not in a loadable segment";
    }
}
