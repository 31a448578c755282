using System.Text;
using Kitten.Kernel.Boot;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Boot;

public unsafe class Multiboot2InfoTests
{
    private static string Ascii(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);

    [Test]
    public void ReadsCommandLineLoaderNameAndMemoryMap()
    {
        using var builder = new Multiboot2Builder()
            .BootloaderName("GRUB 2.06")
            .CommandLine("selftest memory=paged")
            .MemoryMap((0, 0x9FC00, 1), (0x100000, 0x7F00000, 1), (0xFFFC0000, 0x40000, 2));
        Assert.That(Multiboot2Info.TryOpen(builder.Build(), out var info, out var error), Is.True, error);
        Assert.Multiple(() =>
        {
            Assert.That(Ascii(info.BootloaderName), Is.EqualTo("GRUB 2.06"));
            Assert.That(Ascii(info.CommandLine), Is.EqualTo("selftest memory=paged"));
            Assert.That(info.MemoryMapCount, Is.EqualTo(3));
            var second = info.GetMemoryMapEntry(1);
            Assert.That(second.Base, Is.EqualTo(0x100000UL));
            Assert.That(second.Length, Is.EqualTo(0x7F00000UL));
            Assert.That(second.Type, Is.EqualTo(MemoryType.Available));
            Assert.That(info.GetMemoryMapEntry(2).Type, Is.EqualTo(MemoryType.Reserved));
        });
    }

    [Test]
    public void ReadsModulesInOrder()
    {
        using var builder = new Multiboot2Builder()
            .Module(0x200000, 0x201000, "initrd")
            .Module(0x300000, 0x380000, "memory-contiguous");
        Assert.That(Multiboot2Info.TryOpen(builder.Build(), out var info, out _), Is.True);
        Assert.That(info.ModuleCount, Is.EqualTo(2));
        var module = info.GetModule(1);
        Assert.That(module.Start, Is.EqualTo(0x300000UL));
        Assert.That(module.End, Is.EqualTo(0x380000UL));
        Assert.That(Ascii(new ReadOnlySpan<byte>(module.CommandLine, 17)), Is.EqualTo("memory-contiguous"));
    }

    [Test]
    public void MissingTagsReadAsEmpty()
    {
        using var builder = new Multiboot2Builder();
        Assert.That(Multiboot2Info.TryOpen(builder.Build(), out var info, out _), Is.True);
        Assert.That(info.CommandLine.Length, Is.Zero);
        Assert.That(info.MemoryMapCount, Is.Zero);
        Assert.That(info.ModuleCount, Is.Zero);
        Assert.That(info.AcpiRsdp == null, Is.True);
    }

    [Test]
    public void PrefersTheAcpi2RootPointer()
    {
        using var builder = new Multiboot2Builder()
            .Raw(14, Encoding.ASCII.GetBytes("RSD PTR old"))
            .Raw(15, Encoding.ASCII.GetBytes("RSD PTR new"));
        Assert.That(Multiboot2Info.TryOpen(builder.Build(), out var info, out _), Is.True);
        Assert.That(Ascii(new ReadOnlySpan<byte>(info.AcpiRsdp, 11)), Is.EqualTo("RSD PTR new"));
    }

    [Test]
    public void RejectsAStructureWithoutEndTag()
    {
        using var builder = new Multiboot2Builder().CommandLine("x");
        Assert.That(Multiboot2Info.TryOpen(builder.Build(withEndTag: false), out _, out var error), Is.False);
        Assert.That(error, Does.Contain("end tag"));
    }

    [Test]
    public void RejectsATagThatOverrunsTheStructure()
    {
        using var builder = new Multiboot2Builder().CommandLine("hello");
        byte* image = builder.Build();
        *(uint*)(image + 12) = 4096; // the command line tag claims to be larger than the whole image
        Assert.That(Multiboot2Info.TryOpen(image, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("overruns"));
    }

    [Test]
    public void RejectsNullMisalignedAndAbsurdSizes()
    {
        Assert.That(Multiboot2Info.TryOpen(null, out _, out _), Is.False);
        using var builder = new Multiboot2Builder();
        byte* image = builder.Build();
        Assert.That(Multiboot2Info.TryOpen(image + 4, out _, out _), Is.False);
        *(uint*)image = 4;
        Assert.That(Multiboot2Info.TryOpen(image, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("size"));
    }

    [Test]
    public void AnUnterminatedStringStopsAtItsTag()
    {
        using var builder = new Multiboot2Builder().Raw(1, Encoding.ASCII.GetBytes("abcdefgh"));
        Assert.That(Multiboot2Info.TryOpen(builder.Build(), out var info, out _), Is.True);
        Assert.That(Ascii(info.CommandLine), Is.EqualTo("abcdefgh"));
    }
}
