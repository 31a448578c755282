using Kitten.Kernel.Exec;
using NUnit.Framework;
using static Kitten.Kernel.Tests.Exec.ElfBuilder;
using static Kitten.Kernel.Tests.Exec.ElfTestMemory;

namespace Kitten.Kernel.Tests.Exec;

// Hand-built images: one that is right, and for every refusal reason one that breaks exactly that rule.
public unsafe class ElfImageTests
{
    [Test]
    public void AcceptsAWellFormedStaticImage()
    {
        byte[] file = Pin(new ElfBuilder().Build());
        Assert.That(Parse(file, out ElfImage image, out string message), Is.True, message);
        Assert.Multiple(() =>
        {
            Assert.That(image.IsPositionIndependent, Is.False);
            Assert.That(image.Entry, Is.EqualTo(0x401000UL));
            Assert.That(image.SegmentCount, Is.EqualTo(3));
            Assert.That(image.ProgramHeaderAddress, Is.EqualTo(0x400040UL));
            Assert.That(image.ProgramHeaderCount, Is.EqualTo(4));
            Assert.That(image.SpanStart, Is.EqualTo(0x400000UL));
            Assert.That(image.SpanEnd, Is.EqualTo(0x405000UL));
            Assert.That(image.HighestAddress, Is.EqualTo(0x405000UL));
            Assert.That(image.Alignment, Is.EqualTo(0x1000UL));
            Assert.That(image.HasTls, Is.False);
            Assert.That(image.HasDynamicSection, Is.False);
            Assert.That(image.HasStackHeader, Is.True);
            Assert.That(image.ExecutableStack, Is.False);
            ElfSegment data = image.GetSegment(2);
            Assert.That((data.FileSize, data.MemorySize, data.IsWritable, data.IsExecutable), Is.EqualTo((0x800UL, 0x3000UL, true, false)));
            Assert.That(image.GetSegment(1).IsExecutable, Is.True);
            Assert.That(image.GetSegment(3).MemorySize, Is.Zero, "out of range reads as empty");
        });
    }

    [Test]
    public void AcceptsAStaticPieAndRecordsItsExtras()
    {
        var builder = StaticPie();
        builder.Headers.Insert(0, new(Phdr, R, 64, 64, 7 * 56, 7 * 56, 8));
        builder.Headers.Add(new(Tls, R, 0x2000, 0x2000, 0x10, 0x40, 0x40));
        builder.Headers[^2] = builder.Headers[^2] with { Flags = R | W | X }; // GNU_STACK: executable
        byte[] file = Pin(builder.Build());
        Assert.That(Parse(file, out ElfImage image, out string message), Is.True, message);
        Assert.That(image.IsPositionIndependent, Is.True);
        Assert.That(image.HasDynamicSection, Is.True);
        Assert.That(image.ProgramHeaderAddress, Is.EqualTo(64UL));
        Assert.That(image.ExecutableStack, Is.True);
        Assert.That(image.HasTls, Is.True);
        Assert.That((image.TlsSegment.FileSize, image.TlsSegment.MemorySize, image.TlsSegment.Alignment), Is.EqualTo((0x10UL, 0x40UL, 0x40UL)));
        Assert.That(image.SpanStart, Is.Zero);
    }

    [Test]
    public void AcceptsTheGnuOsAbiAndIgnoresEmptyLoads()
    {
        var builder = new ElfBuilder { OsAbi = 3 };
        builder.Headers.Insert(1, new(Load, R, 0x1000, 0x400800, 0, 0, 0x1000));
        byte[] file = Pin(builder.Build());
        Assert.That(Parse(file, out ElfImage image, out string message), Is.True, message);
        Assert.That(image.SegmentCount, Is.EqualTo(3));
        Assert.That(image.GetSegment(1).VirtualAddress, Is.EqualTo(0x401000UL));
    }

    [Test]
    public void AcceptsSegmentsThatShareAPage()
    {
        var builder = new ElfBuilder();
        builder.Headers[1] = new(Load, R | X, 0x1000, 0x401000, 0x800, 0x800, 0x1000);
        builder.Headers[2] = new(Load, R | W, 0x1800, 0x401800, 0x800, 0x1000, 0x1000);
        byte[] file = Pin(builder.Build());
        Assert.That(Parse(file, out ElfImage image, out string message), Is.True, message);
        Assert.That(image.GetSegment(1).PageEnd, Is.EqualTo(image.GetSegment(2).PageStart + 0x1000));
    }

    private static IEnumerable<TestCaseData> Refusals()
    {
        TestCaseData Case(string name, Func<byte[]> file, string reason) => new TestCaseData(file, reason).SetName(name);
        byte[] With(Action<ElfBuilder> change)
        {
            var builder = new ElfBuilder();
            change(builder);
            return builder.Build();
        }
        byte[] Patched(Action<byte[]> change)
        {
            byte[] file = new ElfBuilder().Build();
            change(file);
            return file;
        }
        yield return Case("TooSmall", () => new ElfBuilder().Build()[..63], "file is too small for an ELF header");
        yield return Case("Empty", () => Array.Empty<byte>(), "file is too small for an ELF header");
        yield return Case("BadMagic", () => Patched(f => f[1] = (byte)'X'), "not an ELF file (bad magic number)");
        yield return Case("Elf32", () => With(b => b.Class = 1), "not a 64-bit ELF file");
        yield return Case("BigEndian", () => With(b => b.Data = 2), "not a little-endian ELF file");
        yield return Case("IdentVersion", () => With(b => b.IdentVersion = 0), "unsupported ELF version");
        yield return Case("HeaderVersion", () => With(b => b.Version = 2), "unsupported ELF version");
        yield return Case("FreeBsdAbi", () => With(b => b.OsAbi = 9), "unsupported ELF OS/ABI (neither System V nor GNU/Linux)");
        yield return Case("I386", () => With(b => b.Machine = 3), "not an x86-64 program");
        yield return Case("Relocatable", () => With(b => b.Type = 1), "relocatable object file, not an executable");
        yield return Case("Core", () => With(b => b.Type = 4), "core dump, not an executable");
        yield return Case("UnknownType", () => With(b => b.Type = 0xFE00), "unknown ELF file type");
        yield return Case("PhentSize", () => With(b => b.ProgramHeaderEntrySize = 32), "program header entry size is not 56");
        yield return Case("NoHeaders", () => With(b => b.ProgramHeaderCountOverride = 0), "no program headers");
        yield return Case("TooManyHeaders", () => With(b => b.ProgramHeaderCountOverride = 74), "too many program headers (more than 73)");
        yield return Case("TablePastEnd", () => With(b => b.ProgramHeaderOffset = 0x3000 - 100), "program header table runs past the end of the file");
        yield return Case("TableOffsetWraps", () => With(b => b.ProgramHeaderOffset = ulong.MaxValue - 8), "program header table runs past the end of the file");
        yield return Case("Interpreter", () => With(b => b.WithInterpreter("/lib/ld-musl-x86_64.so.1")), "dynamically linked (needs /lib/ld-musl-x86_64.so.1)");
        yield return Case("InterpreterWithoutNul", () => With(b =>
        {
            b.WithInterpreter("/lib64/ld.so");
            b.Headers[0] = b.Headers[0] with { FileSize = b.Headers[0].FileSize - 1 };
        }), "dynamically linked (with a malformed PT_INTERP)");
        yield return Case("InterpreterPastEnd", () => With(b =>
        {
            b.WithInterpreter("/lib64/ld.so");
            b.Headers[0] = b.Headers[0] with { Offset = 0x2FFF };
        }), "dynamically linked (with a malformed PT_INTERP)");
        yield return Case("PieWithInterpreter", () =>
        {
            var b = StaticPie().WithInterpreter("/lib64/ld-linux-x86-64.so.2");
            return b.Build();
        }, "dynamically linked (needs /lib64/ld-linux-x86-64.so.2)");
        yield return Case("FileSizeAboveMemorySize", () => With(b => b.Headers[2] = b.Headers[2] with { FileSize = 0x3001 }), "PT_LOAD file size exceeds its memory size");
        yield return Case("LoadPastEnd", () => With(b => b.Headers[2] = b.Headers[2] with { FileSize = 0x1001 }), "PT_LOAD segment runs past the end of the file");
        yield return Case("LoadOffsetWraps", () => With(b => b.Headers[2] = b.Headers[2] with { Offset = ulong.MaxValue - 0xFFF }), "PT_LOAD segment runs past the end of the file");
        yield return Case("AboveUserSpace", () => With(b => b.Headers[2] = b.Headers[2] with { VirtualAddress = ElfImage.UserTop - 0x1000 }), "PT_LOAD segment lies outside the user address space (512 GiB)");
        yield return Case("AddressWraps", () => With(b => b.Headers[2] = b.Headers[2] with { VirtualAddress = ulong.MaxValue - 0xFFF }), "PT_LOAD segment lies outside the user address space (512 GiB)");
        yield return Case("NullPage", () => With(b =>
        {
            b.Headers[0] = b.Headers[0] with { VirtualAddress = 0x1000 };
        }), "PT_LOAD segment lies in the first 64 KiB (kept unmapped to catch null pointers)");
        yield return Case("AlignmentNotPowerOfTwo", () => With(b => b.Headers[1] = b.Headers[1] with { Alignment = 0x1800 }), "PT_LOAD alignment is not a power of two");
        yield return Case("AlignmentTooLarge", () => With(b =>
        {
            b.Headers[0] = b.Headers[0] with { VirtualAddress = 0x80000000 };
            b.Headers[1] = b.Headers[1] with { VirtualAddress = 0x80001000, Alignment = 0x80000000 };
            b.Headers[2] = b.Headers[2] with { VirtualAddress = 0x80002000 };
            b.Entry = 0x80001000;
        }), "PT_LOAD alignment is larger than 1 GiB");
        yield return Case("AddressOffsetIncongruent", () => With(b => b.Headers[1] = b.Headers[1] with { VirtualAddress = 0x401800, FileSize = 0x800, MemorySize = 0x800 }), "PT_LOAD address and file offset differ modulo the alignment");
        yield return Case("Unsorted", () => With(b => (b.Headers[1], b.Headers[2]) = (b.Headers[2], b.Headers[1])), "PT_LOAD segments are not in ascending address order");
        yield return Case("Overlapping", () => With(b => b.Headers[1] = b.Headers[1] with { MemorySize = 0x1001 }), "PT_LOAD segments overlap");
        yield return Case("NoLoads", () => With(b => b.Headers.RemoveRange(0, 3)), "no loadable segments");
        yield return Case("EntryOutside", () => With(b => b.Entry = 0x405000), "entry point is outside the loadable segments");
        yield return Case("PhdrElsewhere", () => With(b => b.Headers.Insert(0, new(Phdr, R, 64, 0x400080, 5 * 56, 5 * 56, 8))), "PT_PHDR does not point at the program header table");
        yield return Case("TableNotLoaded", () => With(b =>
        {
            b.Headers.RemoveAt(0);
            b.Entry = 0x401000;
        }), "program header table is not in a loadable segment");
        yield return Case("TableInBss", () => With(b =>
        {
            b.ProgramHeaderOffset = 0x2800;   // in the file, but past the data segment's p_filesz
            b.FileLength = 0x3000;
        }), "program header table is not in a loadable segment");
    }

    [TestCaseSource(nameof(Refusals))]
    public void RefusesWithAPreciseReason(Func<byte[]> build, string reason)
    {
        byte[] file = Pin(build());
        Assert.That(Parse(file, out ElfImage image, out string message), Is.False);
        Assert.That(message, Is.EqualTo(reason));
        Assert.That(image.SegmentCount, Is.Zero, "a refused image reads as empty");
    }

    [Test]
    public void TheMessageOfAHostileInterpreterStaysOnOneLine()
    {
        byte[] file = Pin(new ElfBuilder().WithInterpreter("/evil\n\u001b[2J").Build());
        Assert.That(Parse(file, out _, out string message), Is.False);
        Assert.That(message, Is.EqualTo("dynamically linked (needs /evil??[2J)"));
        var refusal = new ElfRefusal { Reason = "dynamically linked", Interpreter = Address(file) + 0x300, InterpreterLength = 5 };
        Span<byte> small = stackalloc byte[10];
        Assert.That(refusal.WriteMessage(small), Is.EqualTo(10), "clipped to the destination");
    }

    [Test]
    public void LoadBiasRules()
    {
        byte[] exec = Pin(new ElfBuilder().Build());
        Assert.That(Parse(exec, out ElfImage fixedImage, out _), Is.True);
        Assert.That(fixedImage.CheckLoadBias(0), Is.Null);
        Assert.That(fixedImage.CheckLoadBias(0x1000), Is.EqualTo("a fixed-address executable cannot be moved"));

        var builder = StaticPie();
        builder.Headers[1] = builder.Headers[1] with { Alignment = 0x200000, VirtualAddress = 0x201000, Offset = 0x1000 };
        builder.Headers[2] = builder.Headers[2] with { VirtualAddress = 0x202000 };
        builder.Headers[3] = builder.Headers[3] with { VirtualAddress = 0x202100 };
        builder.Entry = 0x201000;
        byte[] pie = Pin(builder.Build());
        Assert.That(Parse(pie, out ElfImage image, out string message), Is.True, message);
        Assert.That(image.Alignment, Is.EqualTo(0x200000UL));
        Assert.That(image.CheckLoadBias(0x200000), Is.Null);
        Assert.That(image.CheckLoadBias(0x1000), Is.EqualTo("load bias is not a multiple of the segment alignment"));
        Assert.That(image.CheckLoadBias(0), Is.EqualTo("load bias puts the image in the first 64 KiB"));
        Assert.That(image.CheckLoadBias(ElfImage.UserTop - 0x200000), Is.EqualTo("load bias puts the image past the user address space"));
        Assert.That(image.CheckLoadBias(ElfImage.UserTop - 0x400000), Is.Null);
        Assert.That(image.CheckLoadBias(0xFFFF_FFFF_FFE0_0000), Is.EqualTo("load bias puts the image past the user address space"));
    }
}
