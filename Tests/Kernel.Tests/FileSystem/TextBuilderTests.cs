using System.Text;
using CsCheck;
using Kitten.Kernel.FileSystem;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.FileSystem;

// The printf formats of pseudo-files, against .NET's own formatting of the same numbers.
public class TextBuilderTests
{
    private static string Of(TextBuilder text) => Encoding.ASCII.GetString(text.Text);

    [Test]
    public void NumbersAsPrintfWritesThem()
    {
        Gen.Select(Gen.ULong, Gen.Long, Gen.Int[0, 20]).Sample((u, s, width) =>
        {
            var text = new TextBuilder(4);
            text.Unsigned(u).Append(' ').Signed(s).Append(' ').Unsigned(u % 1000, width).Append(' ').Hex(u, 8).Append(' ')
                .Octal(u % 512, 4).Append(' ').Hundredths(u % 100000);
            string want = $"{u} {s} {(u % 1000).ToString().PadLeft(width)} {u.ToString("x").PadLeft(8, '0')} "
                + $"{Convert.ToString((long)(u % 512), 8).PadLeft(4, '0')} {u % 100000 / 100}.{u % 100:00}";
            Assert.That(Of(text), Is.EqualTo(want));
        });
    }

    [Test]
    public void PadsToAColumnOfTheCurrentLine()
    {
        var text = new TextBuilder();
        text.Append("first line\nab").PadTo(5).Append('|').PadTo(3).Append('|');
        Assert.That(Of(text), Is.EqualTo("first line\nab   ||"));
        var copy = new byte[4];
        Assert.That(text.CopyTo(14, copy), Is.EqualTo(4));
        Assert.That(text.CopyTo(18, copy), Is.EqualTo(0));
        text.Truncate(5);
        Assert.That(Of(text), Is.EqualTo("first"));
    }
}
