using System.Buffers.Binary;
using System.Text;

namespace Kitten.Kernel.Tests.Exec;

// Hand-built ELF64 images, laid out as GNU ld lays out a small static program: the ELF header and the
// program headers at the start of the first (read-only) PT_LOAD, then text, then data with a bss. Every
// field can be set, so that each test breaks exactly one rule.
internal sealed class ElfBuilder
{
    public const uint Load = 1, Dynamic = 2, Interp = 3, Phdr = 6, Tls = 7, GnuStack = 0x6474E551;
    public const uint R = 4, W = 2, X = 1;

    public record struct ProgramHeader(uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong FileSize,
        ulong MemorySize, ulong Alignment);

    public byte Class = 2, Data = 1, IdentVersion = 1, OsAbi = 0;
    public ushort Type = 2, Machine = 62, ProgramHeaderEntrySize = 56;
    public uint Version = 1;
    public ulong Entry = 0x401000;
    public ulong ProgramHeaderOffset = 64;
    public int? ProgramHeaderCountOverride;
    public int FileLength = 0x3000;
    public List<ProgramHeader> Headers = new()
    {
        new(Load, R, 0, 0x400000, 0x1000, 0x1000, 0x1000),
        new(Load, R | X, 0x1000, 0x401000, 0x1000, 0x1000, 0x1000),
        new(Load, R | W, 0x2000, 0x402000, 0x800, 0x3000, 0x1000),
        new(GnuStack, R | W, 0, 0, 0, 0, 16),
    };
    public (ulong Offset, byte[] Bytes)? Extra;

    // A static-PIE: the same layout linked at 0, with a PT_DYNAMIC.
    public static ElfBuilder StaticPie()
    {
        var builder = new ElfBuilder { Type = 3, Entry = 0x1000 };
        builder.Headers = new()
        {
            new(Load, R, 0, 0, 0x1000, 0x1000, 0x1000),
            new(Load, R | X, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000),
            new(Load, R | W, 0x2000, 0x2000, 0x800, 0x3000, 0x1000),
            new(Dynamic, R | W, 0x2100, 0x2100, 0x100, 0x100, 8),
            new(GnuStack, R | W, 0, 0, 0, 0, 16),
        };
        return builder;
    }

    public ElfBuilder WithInterpreter(string path)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(path + "\0");
        Headers.Insert(0, new(Interp, R, 0x300, 0x400300, (ulong)bytes.Length, (ulong)bytes.Length, 1));
        Extra = (0x300, bytes);
        return this;
    }

    // The file content outside the headers is a recognisable pattern, so that copies can be checked.
    public static byte Pattern(ulong offset) => (byte)(offset * 7 + 1);

    public byte[] Build()
    {
        var file = new byte[FileLength];
        for (int i = 0; i < file.Length; i++)
            file[i] = Pattern((ulong)i);
        Span<byte> header = file.AsSpan(0, 64);
        header.Clear();
        header[0] = 0x7F; header[1] = (byte)'E'; header[2] = (byte)'L'; header[3] = (byte)'F';
        header[4] = Class; header[5] = Data; header[6] = IdentVersion; header[7] = OsAbi;
        BinaryPrimitives.WriteUInt16LittleEndian(header[16..], Type);
        BinaryPrimitives.WriteUInt16LittleEndian(header[18..], Machine);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], Version);
        BinaryPrimitives.WriteUInt64LittleEndian(header[24..], Entry);
        BinaryPrimitives.WriteUInt64LittleEndian(header[32..], ProgramHeaderOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(header[52..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(header[54..], ProgramHeaderEntrySize);
        BinaryPrimitives.WriteUInt16LittleEndian(header[56..], (ushort)(ProgramHeaderCountOverride ?? Headers.Count));
        for (int i = 0; i < Headers.Count; i++)
        {
            ulong at = ProgramHeaderOffset + (ulong)i * 56;
            if (ProgramHeaderOffset >= (ulong)file.Length || at + 56 > (ulong)file.Length)
                break;
            Span<byte> ph = file.AsSpan((int)at, 56);
            ProgramHeader h = Headers[i];
            BinaryPrimitives.WriteUInt32LittleEndian(ph, h.Type);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], h.Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], h.Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], h.VirtualAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], h.VirtualAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], h.FileSize);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], h.MemorySize);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], h.Alignment);
        }
        if (Extra is { } extra)
            extra.Bytes.CopyTo(file, (int)extra.Offset);
        return file;
    }
}
