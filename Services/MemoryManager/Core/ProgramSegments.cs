using System.Buffers.Binary;

namespace Kitten.MemoryManager;

// A program's loadable segments as the kernel will place them, read from its ELF headers (elf(5)): what a
// launcher asks the memory manager to plan for. ELF64, little-endian, x86-64 only, as the kernel's loader
// (Kernel/Exec/ElfImage.cs). A position-independent program (ET_DYN) is moved so that its lowest page lands
// at the kernel's load base, as the kernel's loader does; segments that share a page after rounding to
// pages are merged into one with the union of their permissions, since one page has one placement.
public static class ProgramSegments
{
    // Where the kernel loads a static-PIE program's lowest page (Kernel/Processes/ProcessMemory.cs, PieBase).
    public const ulong PieBase = 256UL << 30;

    private const uint ElfMagic = 0x464C457F; // "\x7fELF"
    private const ushort TypeExecutable = 2, TypeShared = 3, MachineX86_64 = 62;
    private const uint LoadSegment = 1;
    private const int HeaderSize = 64, ProgramHeaderSize = 56;

    // The segments in address order, or null with the reason the file cannot be placed.
    public static List<Segment>? Read(ReadOnlySpan<byte> file, out string? problem)
    {
        problem = null;
        if (file.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(file) != ElfMagic)
            return Refuse("not an ELF file", out problem);
        if (file[4] != 2 || file[5] != 1)
            return Refuse("not a 64-bit little-endian ELF file", out problem);
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(file[16..]);
        if (type != TypeExecutable && type != TypeShared)
            return Refuse($"ELF type {type} is neither an executable nor position-independent", out problem);
        if (BinaryPrimitives.ReadUInt16LittleEndian(file[18..]) != MachineX86_64)
            return Refuse("not an x86-64 program", out problem);
        ulong headers = BinaryPrimitives.ReadUInt64LittleEndian(file[32..]);
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(file[54..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(file[56..]);
        if (entrySize < ProgramHeaderSize || headers > (ulong)file.Length || (ulong)count * (ulong)entrySize > (ulong)file.Length - headers)
            return Refuse("program headers outside the file", out problem);

        var pieces = new List<(ulong Start, ulong End, Permissions Permissions)>();
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> header = file.Slice((int)headers + i * entrySize, ProgramHeaderSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != LoadSegment)
                continue;
            var permissions = (Permissions)(BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) & 7);
            ulong address = BinaryPrimitives.ReadUInt64LittleEndian(header[16..]);
            ulong size = BinaryPrimitives.ReadUInt64LittleEndian(header[40..]);
            if (size == 0)
                continue;
            if (size > VirtualLayout.UserEnd || address > VirtualLayout.UserEnd - size)
                return Refuse($"segment at {address:x} of {size} bytes is beyond the user half", out problem);
            pieces.Add((address & ~(MemoryProtocol.Page4K - 1), VirtualLayout.PageUp(address + size), permissions));
        }
        if (pieces.Count == 0)
            return Refuse("no loadable segment", out problem);
        pieces.Sort((a, b) => a.Start.CompareTo(b.Start));
        ulong bias = type == TypeShared ? PieBase - pieces[0].Start : 0;

        var segments = new List<Segment>();
        foreach (var piece in pieces)
        {
            ulong start = piece.Start + bias, end = piece.End + bias;
            if (segments.Count > 0 && start < segments[^1].VirtualStart + segments[^1].Length)
            {
                Segment last = segments[^1];
                ulong lastEnd = Math.Max(last.VirtualStart + last.Length, end);
                segments[^1] = new Segment(last.VirtualStart, lastEnd - last.VirtualStart, last.Permissions | piece.Permissions);
                continue;
            }
            segments.Add(new Segment(start, end - start, piece.Permissions));
        }
        if (segments.Count > MemoryProtocol.MaxSegments)
            return Refuse($"{segments.Count} loadable segments, more than the {MemoryProtocol.MaxSegments} a plan takes", out problem);
        return segments;
    }

    private static List<Segment>? Refuse(string reason, out string? problem)
    {
        problem = reason;
        return null;
    }
}
