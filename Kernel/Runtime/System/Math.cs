// The parts of System.Math that compiled code reaches (ILC expands some operations into calls here).
namespace System;

public static class Math
{
    public static int Min(int a, int b) => a < b ? a : b;
    public static int Max(int a, int b) => a > b ? a : b;
    public static long Min(long a, long b) => a < b ? a : b;
    public static long Max(long a, long b) => a > b ? a : b;
    public static ulong Min(ulong a, ulong b) => a < b ? a : b;
    public static ulong Max(ulong a, ulong b) => a > b ? a : b;
    public static uint Min(uint a, uint b) => a < b ? a : b;
    public static uint Max(uint a, uint b) => a > b ? a : b;

    // Checked floating-point to integer conversions (the JIT's CORINFO_HELP_DBL2*_OVF helpers).
    private static void Overflow() => Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowOverflowException();

    public static int ConvertToInt32Checked(double value)
    {
        if (!(value > -2147483649.0 && value < 2147483648.0)) Overflow();
        return (int)value;
    }

    public static uint ConvertToUInt32Checked(double value)
    {
        if (!(value > -1.0 && value < 4294967296.0)) Overflow();
        return (uint)value;
    }

    public static long ConvertToInt64Checked(double value)
    {
        if (!(value >= -9223372036854775808.0 && value < 9223372036854775808.0)) Overflow();
        return (long)value;
    }

    public static ulong ConvertToUInt64Checked(double value)
    {
        if (!(value > -1.0 && value < 18446744073709551616.0)) Overflow();
        return (ulong)value;
    }
}
