// Integer to text, without allocation: the console, the panic report and the KTAP runner all use it.
// Portable: compiled into the kernel and into the host unit tests.
using System;

namespace Kitten.Kernel.Text;

internal static class NumberFormat
{
    // Longest outputs: 20 digits for ulong, "-" and 19 digits for long, 16 hex digits.
    public const int MaxDigits = 20;

    // Writes the decimal form of value; returns the number of characters written.
    public static int FormatUnsigned(ulong value, Span<char> destination)
    {
        Span<char> scratch = stackalloc char[MaxDigits];
        int count = 0;
        do
        {
            scratch[count++] = (char)('0' + (int)(value % 10));
            value /= 10;
        } while (value != 0);
        return Reverse(scratch, count, destination);
    }

    public static int FormatSigned(long value, Span<char> destination)
    {
        if (value >= 0)
            return FormatUnsigned((ulong)value, destination);
        destination[0] = '-';
        // -(long.MinValue) does not fit in a long; negate in unsigned arithmetic instead.
        return 1 + FormatUnsigned(0UL - (ulong)value, destination.Slice(1));
    }

    // Hexadecimal digits, zero-padded to at least minDigits (1..16), without a "0x" prefix.
    public static int FormatHex(ulong value, Span<char> destination, int minDigits = 1, bool upperCase = false)
    {
        if (minDigits < 1) minDigits = 1;
        if (minDigits > 16) minDigits = 16;
        Span<char> scratch = stackalloc char[16];
        int count = 0;
        char ten = upperCase ? 'A' : 'a';
        do
        {
            int nibble = (int)(value & 0xF);
            scratch[count++] = (char)(nibble < 10 ? '0' + nibble : ten + nibble - 10);
            value >>= 4;
        } while (value != 0);
        while (count < minDigits)
            scratch[count++] = '0';
        return Reverse(scratch, count, destination);
    }

    // Parses a decimal or 0x-prefixed hexadecimal number; false on anything else or on overflow.
    public static bool TryParseUnsigned(ReadOnlySpan<char> text, out ulong value)
    {
        value = 0;
        if (text.Length == 0)
            return false;
        ulong radix = 10;
        int i = 0;
        if (text.Length > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        {
            radix = 16;
            i = 2;
        }
        for (; i < text.Length; i++)
        {
            int digit = DigitValue(text[i]);
            if (digit < 0 || (ulong)digit >= radix)
                return false;
            if (value > (ulong.MaxValue - (ulong)digit) / radix)
                return false;
            value = value * radix + (ulong)digit;
        }
        return true;
    }

    private static int DigitValue(char c)
    {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    private static int Reverse(Span<char> scratch, int count, Span<char> destination)
    {
        for (int i = 0; i < count; i++)
            destination[i] = scratch[count - 1 - i];
        return count;
    }
}
