using Kitten.Kernel.Exec;
using NUnit.Framework;
using static Kitten.Kernel.Tests.Exec.ElfTestMemory;

namespace Kitten.Kernel.Tests.Exec;

// The parser and loader against what gcc and ld really produce, checked against readelf.
public unsafe class ElfRealProgramTests
{
    private static void CheckAgainstReadelf(in ElfImage image, ReadelfFacts facts)
    {
        var loads = facts.Loads.Where(h => h.MemorySize > 0).ToList();
        Assert.That(image.Entry, Is.EqualTo(facts.Entry));
        Assert.That(image.ProgramHeaderCount, Is.EqualTo(facts.ProgramHeaderCount));
        Assert.That(image.SegmentCount, Is.EqualTo(loads.Count));
        for (int i = 0; i < loads.Count; i++)
        {
            ElfSegment segment = image.GetSegment(i);
            Assert.That(segment.VirtualAddress, Is.EqualTo(loads[i].VirtualAddress), $"segment {i} address");
            Assert.That(segment.FileOffset, Is.EqualTo(loads[i].Offset), $"segment {i} offset");
            Assert.That(segment.FileSize, Is.EqualTo(loads[i].FileSize), $"segment {i} file size");
            Assert.That(segment.MemorySize, Is.EqualTo(loads[i].MemorySize), $"segment {i} memory size");
            Assert.That(segment.Alignment, Is.EqualTo(loads[i].Alignment), $"segment {i} alignment");
            string flags = (segment.IsReadable ? "R" : " ") + (segment.IsWritable ? "W" : " ") + (segment.IsExecutable ? "E" : " ");
            Assert.That(flags, Is.EqualTo(loads[i].Flags), $"segment {i} flags");
        }
        Assert.That(image.LowestAddress, Is.EqualTo(loads[0].VirtualAddress));
        Assert.That(image.HighestAddress, Is.EqualTo(loads[^1].VirtualAddress + loads[^1].MemorySize));
        Assert.That(image.SpanStart % 4096, Is.Zero);
        Assert.That(image.SpanEnd % 4096, Is.Zero);

        // AT_PHDR: PT_PHDR's address if there is one, else where the PT_LOAD holding e_phoff puts the table
        // (what Linux computes).
        var phdr = facts.Headers.FirstOrDefault(h => h.Type == "PHDR");
        var holder = loads.First(l => l.Offset <= facts.ProgramHeaderOffset && facts.ProgramHeaderOffset < l.Offset + l.FileSize);
        ulong expected = phdr?.VirtualAddress ?? holder.VirtualAddress + facts.ProgramHeaderOffset - holder.Offset;
        Assert.That(image.ProgramHeaderAddress, Is.EqualTo(expected));

        var tls = facts.Headers.Single(h => h.Type == "TLS");
        Assert.That(image.HasTls, Is.True);
        Assert.That(image.TlsSegment.VirtualAddress, Is.EqualTo(tls.VirtualAddress));
        Assert.That(image.TlsSegment.FileSize, Is.EqualTo(tls.FileSize));
        Assert.That(image.TlsSegment.MemorySize, Is.EqualTo(tls.MemorySize));
        var stack = facts.Headers.Single(h => h.Type == "GNU_STACK");
        Assert.That(image.HasStackHeader, Is.True);
        Assert.That(image.ExecutableStack, Is.EqualTo(stack.Flags.Contains('E')));
    }

    // Loads at a bias and checks every byte of the span: file bytes where the segments have them, zeros
    // elsewhere, nothing written outside.
    private static void LoadAndCheck(in ElfImage image, byte[] file, ulong bias)
    {
        const int Guard = 4096;
        var memory = new byte[image.SpanSize + 2 * Guard];
        Array.Fill(memory, (byte)0xCC);
        fixed (byte* start = memory)
        {
            Assert.That(ElfLoader.TryLoad(image, bias, start + Guard, image.SpanSize, out string error), Is.True, error);
        }
        Assert.That(memory.AsSpan(0, Guard).IndexOfAnyExcept((byte)0xCC), Is.EqualTo(-1), "written below the region");
        Assert.That(memory.AsSpan(Guard + (int)image.SpanSize).IndexOfAnyExcept((byte)0xCC), Is.EqualTo(-1), "written above the region");
        var expected = new byte[image.SpanSize];
        for (int i = 0; i < image.SegmentCount; i++)
        {
            ElfSegment s = image.GetSegment(i);
            Array.Copy(file, (long)s.FileOffset, expected, (long)(s.VirtualAddress - image.SpanStart), (long)s.FileSize);
        }
        Assert.That(memory.AsSpan(Guard, (int)image.SpanSize).SequenceEqual(expected), Is.True, "image content");
    }

    [Test]
    public void StaticProgramMatchesReadelfAndLoads()
    {
        byte[] file = Pin(File.ReadAllBytes(TestPrograms.Static));
        var facts = ReadelfFacts.Of(TestPrograms.Static);
        Assert.That(facts.Type, Is.EqualTo("EXEC"));
        Assert.That(Parse(file, out ElfImage image, out string message), Is.True, message);
        Assert.That(image.IsPositionIndependent, Is.False);
        CheckAgainstReadelf(image, facts);
        Assert.That(image.CheckLoadBias(0), Is.Null);
        Assert.That(image.CheckLoadBias(0x200000), Is.Not.Null);
        LoadAndCheck(image, file, 0);

        AuxiliaryValues values = AuxiliaryValues.ForImage(image, 0);
        Assert.That(values.Entry, Is.EqualTo(facts.Entry));
        Assert.That(values.ProgramHeaderCount, Is.EqualTo((ulong)facts.ProgramHeaderCount));
        Assert.That(values.ProgramHeaders, Is.EqualTo(image.ProgramHeaderAddress));
    }

    [Test]
    public void StaticPieMatchesReadelfAndLoadsAtABias()
    {
        byte[] file = Pin(File.ReadAllBytes(TestPrograms.StaticPie));
        var facts = ReadelfFacts.Of(TestPrograms.StaticPie);
        Assert.That(facts.Type, Is.EqualTo("DYN"));
        Assert.That(facts.Interpreter, Is.Null);
        Assert.That(Parse(file, out ElfImage image, out string message), Is.True, message);
        Assert.That(image.IsPositionIndependent, Is.True);
        Assert.That(image.HasDynamicSection, Is.True);
        CheckAgainstReadelf(image, facts);

        ulong bias = 0x5555_0000_0UL;
        Assert.That(image.CheckLoadBias(bias), Is.Null);
        Assert.That(image.CheckLoadBias(bias + 0x800), Does.Contain("multiple"));
        Assert.That(image.CheckLoadBias(0), Does.Contain("first 64 KiB"));
        Assert.That(image.CheckLoadBias(ElfImage.UserTop - image.SpanEnd + 0x1000), Does.Contain("past the user"));
        LoadAndCheck(image, file, bias);

        // The loader applies no relocation, and need not: the program carries relative relocations and
        // the glibc code that applies them to itself at start-up.
        Assert.That(TestPrograms.Run("readelf", $"-rW {TestPrograms.StaticPie}"), Does.Contain("R_X86_64_RELATIVE"));
        Assert.That(TestPrograms.Run("nm", TestPrograms.StaticPie), Does.Contain(" _dl_relocate_static_pie"));

        AuxiliaryValues values = AuxiliaryValues.ForImage(image, bias);
        Assert.That(values.Entry, Is.EqualTo(facts.Entry + bias));
        Assert.That(values.ProgramHeaders, Is.EqualTo(image.ProgramHeaderAddress + bias));
    }

    [Test]
    public void DynamicProgramIsRefusedWithItsInterpreter()
    {
        byte[] file = Pin(File.ReadAllBytes(TestPrograms.Dynamic));
        var facts = ReadelfFacts.Of(TestPrograms.Dynamic);
        Assert.That(facts.Interpreter, Is.Not.Null.And.Not.Empty);
        Assert.That(Parse(file, out _, out string message), Is.False);
        Assert.That(message, Is.EqualTo($"dynamically linked (needs {facts.Interpreter})"));
    }
}
