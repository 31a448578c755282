using System.Buffers.Binary;
using Kitten.MemoryManager;
using NUnit.Framework;

namespace Kitten.Services.Tests.MemoryManager;

// A launcher's reading of a program's loadable segments (ProgramSegments), on hand-made ELF headers and on
// the real service programs.
public class ProgramSegmentsTests
{
    private const uint Load = 1, Note = 4;

    // An ELF64 x86-64 file of the given type with these program headers (type, flags, vaddr, memsz).
    private static byte[] Elf(ushort type, params (uint Type, uint Flags, ulong Address, ulong Size)[] headers)
    {
        var file = new byte[64 + headers.Length * 56];
        "\x7f"u8.CopyTo(file);
        "ELF"u8.CopyTo(file.AsSpan(1));
        file[4] = 2;    // ELFCLASS64
        file[5] = 1;    // ELFDATA2LSB
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(16), type);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(18), 62);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(32), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(54), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(56), (ushort)headers.Length);
        for (int i = 0; i < headers.Length; i++)
        {
            Span<byte> header = file.AsSpan(64 + i * 56);
            BinaryPrimitives.WriteUInt32LittleEndian(header, headers[i].Type);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], headers[i].Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(header[16..], headers[i].Address);
            BinaryPrimitives.WriteUInt64LittleEndian(header[40..], headers[i].Size);
        }
        return file;
    }

    [Test]
    public void AnExecutablesSegmentsArePageRoundedAndThoseSharingAPageMerged()
    {
        byte[] file = Elf(2, (Load, 5, 0x401000, 0x2345), (Note, 4, 0x400200, 0x40), (Load, 4, 0x404000, 0x100),
            (Load, 6, 0x4050F0, 0x20), (Load, 6, 0x405800, 0x3000), (Load, 6, 0x500000, 0));
        var segments = ProgramSegments.Read(file, out string? problem);
        Assert.That(problem, Is.Null);
        Assert.That(segments, Is.EqualTo(new[]
        {
            new Segment(0x401000, 0x3000, Permissions.Read | Permissions.Execute),
            new Segment(0x404000, 0x1000, Permissions.Read),
            new Segment(0x405000, 0x4000, Permissions.Read | Permissions.Write),   // two segments on page 0x405000; the empty one left out
        }));
        Assert.That(VirtualLayout.Place(new ImageRequest(segments!, 1 << 20, 1 << 20), out problem), Is.Not.Null, problem);
    }

    [Test]
    public void APositionIndependentProgramLandsAtTheKernelsLoadBase()
    {
        byte[] file = Elf(3, (Load, 4, 0x0, 0x800), (Load, 5, 0x1000, 0x1000), (Load, 6, 0x3000, 0x10));
        var segments = ProgramSegments.Read(file, out _)!;
        Assert.That(segments.Select(segment => segment.VirtualStart), Is.EqualTo(new[] { ProgramSegments.PieBase, ProgramSegments.PieBase + 0x1000, ProgramSegments.PieBase + 0x3000 }));
    }

    [TestCase("magic")]
    [TestCase("class")]
    [TestCase("type")]
    [TestCase("machine")]
    [TestCase("headers")]
    [TestCase("no load")]
    [TestCase("too high")]
    public void FilesThatCannotBePlacedAreRefusedWithTheReason(string flaw)
    {
        byte[] file = flaw switch
        {
            "no load" => Elf(2, (Note, 4, 0x400000, 0x40)),
            "too high" => Elf(2, (Load, 4, VirtualLayout.UserEnd - 0x1000, 0x2000)),
            _ => Elf(2, (Load, 4, 0x400000, 0x1000)),
        };
        switch (flaw)
        {
            case "magic": file[1] = (byte)'X'; break;
            case "class": file[4] = 1; break;
            case "type": file[16] = 1; break;
            case "machine": file[18] = 3; break;
            case "headers": BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(32), 0xFFFF_FFFF); break;
        }
        Assert.That(ProgramSegments.Read(file, out string? problem), Is.Null);
        Assert.That(problem, Is.Not.Empty);
        TestContext.Out.WriteLine(problem);
        Assert.That(ProgramSegments.Read(file.AsSpan(0, 20), out problem), Is.Null);
    }

    [Test]
    public void TheServiceProgramsThemselvesCanBePlanned()
    {
        ServicePrograms.EnsureBuilt();
        foreach (string program in new[] { "memory-contiguous", "supervisor" })
        {
            var segments = ProgramSegments.Read(File.ReadAllBytes(ServicePrograms.PathOf(program)), out string? problem);
            Assert.That(segments, Is.Not.Null, problem);
            Assert.That(segments!.Any(segment => segment.Permissions.HasFlag(Permissions.Execute)), program);
            var regions = VirtualLayout.Place(new ImageRequest(segments!, 32 << 20, 8 << 20), out problem);
            Assert.That(regions, Is.Not.Null, problem);
        }
    }
}
