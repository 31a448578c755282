using Kitten.Kernel.Exec;
using NUnit.Framework;
using static Kitten.Kernel.Tests.Exec.ElfBuilder;
using static Kitten.Kernel.Tests.Exec.ElfTestMemory;

namespace Kitten.Kernel.Tests.Exec;

public unsafe class ElfLoaderTests
{
    [Test]
    public void CopiesFileBytesAndZeroesBssGapsAndTails()
    {
        var builder = new ElfBuilder();
        // Leave a gap of a page and a half between text and data.
        builder.Headers[1] = new(Load, R | X, 0x1000, 0x401000, 0x800, 0x800, 0x1000);
        builder.Headers[2] = new(Load, R | W, 0x2000, 0x403000, 0x800, 0x1100, 0x1000);
        byte[] file = Pin(builder.Build());
        Assert.That(Parse(file, out ElfImage image, out string message), Is.True, message);
        Assert.That(image.SpanSize, Is.EqualTo(0x5000UL));

        byte[] region = new byte[0x5000 + 64];
        Array.Fill(region, (byte)0xEE);
        fixed (byte* start = region)
            Assert.That(ElfLoader.TryLoad(image, 0, start, 0x5000, out string error), Is.True, error);
        for (int i = 0; i < region.Length; i++)
        {
            byte expected = i switch
            {
                < 0x1000 => file[i],                                // the headers page, from the file
                < 0x1800 => Pattern((ulong)i),                      // text
                < 0x3000 => 0,                                      // text tail and the gap
                < 0x3800 => Pattern((ulong)(i - 0x3000 + 0x2000)),  // data
                < 0x5000 => 0,                                      // bss and the page tail
                _ => 0xEE,                                          // beyond the region: untouched
            };
            if (region[i] != expected)
                Assert.Fail($"byte 0x{i:x}: expected 0x{expected:x2}, got 0x{region[i]:x2}");
        }
    }

    [Test]
    public void RefusesASmallRegionOrABadBiasWithoutWriting()
    {
        byte[] file = Pin(new ElfBuilder().Build());
        Assert.That(Parse(file, out ElfImage image, out _), Is.True);
        byte[] region = new byte[0x5000];
        fixed (byte* start = region)
        {
            Assert.That(ElfLoader.TryLoad(image, 0, start, 0x4FFF, out string error), Is.False);
            Assert.That(error, Is.EqualTo("memory region is smaller than the image"));
            Assert.That(ElfLoader.TryLoad(image, 0x1000, start, 0x5000, out error), Is.False);
            Assert.That(error, Is.EqualTo("a fixed-address executable cannot be moved"));
            Assert.That(ElfLoader.TryLoad(image, 0, null, 0x5000, out error), Is.False);
            ElfImage empty = default;
            Assert.That(ElfLoader.TryLoad(empty, 0, start, 0x5000, out error), Is.False);
            Assert.That(error, Is.EqualTo("no executable was parsed"));
        }
        Assert.That(region.All(b => b == 0), Is.True);
    }

    [Test]
    public void APieLoadsTheSameAtAnyValidBias()
    {
        byte[] file = Pin(StaticPie().Build());
        Assert.That(Parse(file, out ElfImage image, out _), Is.True);
        byte[] first = new byte[image.SpanSize], second = new byte[image.SpanSize];
        fixed (byte* a = first)
        fixed (byte* b = second)
        {
            Assert.That(ElfLoader.TryLoad(image, 0x10000, a, image.SpanSize, out _), Is.True);
            Assert.That(ElfLoader.TryLoad(image, 0x7F_0000_0000, b, image.SpanSize, out _), Is.True);
        }
        Assert.That(first, Is.EqualTo(second), "no relocation is applied: the program relocates itself");
    }
}
