// The number formatting that every console line depends on, checked on the real target.
using System;
using Kitten.Kernel.SelfTest;

namespace Kitten.Kernel.Text;

internal static unsafe class TextSelfTests
{
    public static void Register(SelfTestList tests)
    {
        tests.Add("text.format_decimal_extremes", &FormatDecimalExtremes);
        tests.Add("text.format_hex_padding", &FormatHexPadding);
    }

    private static bool Same(Span<char> text, int length, string expected)
    {
        if (length != expected.Length)
            return false;
        for (int i = 0; i < length; i++)
            if (text[i] != expected[i])
                return false;
        return true;
    }

    private static void FormatDecimalExtremes(ref TestContext t)
    {
        Span<char> buffer = stackalloc char[24];
        t.Check(Same(buffer, NumberFormat.FormatSigned(long.MinValue, buffer), "-9223372036854775808"), "long.MinValue");
        t.Check(Same(buffer, NumberFormat.FormatUnsigned(ulong.MaxValue, buffer), "18446744073709551615"), "ulong.MaxValue");
        t.Check(Same(buffer, NumberFormat.FormatSigned(0, buffer), "0"), "zero");
    }

    private static void FormatHexPadding(ref TestContext t)
    {
        Span<char> buffer = stackalloc char[24];
        t.Check(Same(buffer, NumberFormat.FormatHex(0xBEEF, buffer, 8), "0000beef"), "padded hex");
        t.Check(Same(buffer, NumberFormat.FormatHex(0xFFFFFFFF80000000, buffer), "ffffffff80000000"), "kernel address");
    }
}
