using CsCheck;
using Kitten.Kernel.Text;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Text;

public class NumberFormatTests
{
    private static string Unsigned(ulong value)
    {
        Span<char> buffer = stackalloc char[NumberFormat.MaxDigits];
        return new string(buffer[..NumberFormat.FormatUnsigned(value, buffer)]);
    }

    private static string Signed(long value)
    {
        Span<char> buffer = stackalloc char[NumberFormat.MaxDigits + 1];
        return new string(buffer[..NumberFormat.FormatSigned(value, buffer)]);
    }

    private static string Hex(ulong value, int minDigits = 1, bool upper = false)
    {
        Span<char> buffer = stackalloc char[16];
        return new string(buffer[..NumberFormat.FormatHex(value, buffer, minDigits, upper)]);
    }

    [TestCase(0UL, "0")]
    [TestCase(7UL, "7")]
    [TestCase(10UL, "10")]
    [TestCase(ulong.MaxValue, "18446744073709551615")]
    public void FormatsUnsignedDecimal(ulong value, string expected) => Assert.That(Unsigned(value), Is.EqualTo(expected));

    [TestCase(long.MinValue, "-9223372036854775808")]
    [TestCase(-1L, "-1")]
    [TestCase(long.MaxValue, "9223372036854775807")]
    public void FormatsSignedDecimal(long value, string expected) => Assert.That(Signed(value), Is.EqualTo(expected));

    [TestCase(0UL, 1, "0")]
    [TestCase(0xBEEFUL, 8, "0000beef")]
    [TestCase(0xFFFFFFFF80000000UL, 1, "ffffffff80000000")]
    [TestCase(0x1UL, 40, "0000000000000001")] // clamped to 16 digits
    public void FormatsHexWithPadding(ulong value, int digits, string expected) => Assert.That(Hex(value, digits), Is.EqualTo(expected));

    [Test]
    public void UpperCaseHex() => Assert.That(Hex(0xABCDEF, 1, upper: true), Is.EqualTo("ABCDEF"));

    [Test]
    public void DecimalMatchesTheFrameworkForAnyValue()
    {
        Gen.Long.Sample(v => Signed(v) == v.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Gen.ULong.Sample(v => Unsigned(v) == v.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Test]
    public void HexMatchesTheFrameworkForAnyValue()
        => Gen.ULong.Sample(v => Hex(v) == v.ToString("x", System.Globalization.CultureInfo.InvariantCulture));

    [TestCase("0", 0UL)]
    [TestCase("4096", 4096UL)]
    [TestCase("0x1000", 4096UL)]
    [TestCase("0XfF", 255UL)]
    [TestCase("18446744073709551615", ulong.MaxValue)]
    public void ParsesNumbers(string text, ulong expected)
    {
        Assert.That(NumberFormat.TryParseUnsigned(text, out ulong value), Is.True);
        Assert.That(value, Is.EqualTo(expected));
    }

    [TestCase("")]
    [TestCase("0x")]
    [TestCase("12a")]
    [TestCase("-1")]
    [TestCase("18446744073709551616")]
    [TestCase("0x10000000000000000")]
    public void RejectsBadNumbers(string text) => Assert.That(NumberFormat.TryParseUnsigned(text, out _), Is.False);
}
