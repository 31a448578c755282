// The kernel console: text to the serial port, one line at a time under a lock so that lines from
// different CPUs do not interleave. Formatting uses C# string interpolation through ConsoleLine, which
// writes straight to the port and allocates nothing:
//     Console.WriteLine($"heap: {bytes} bytes at 0x{address:x}");
using System;
using Kitten.Kernel.Drivers;
using Kitten.Kernel.Sync;
using Kitten.Kernel.Text;

namespace Kitten.Kernel;

internal static class Console
{
    private static SpinLock s_lock;
    private static bool s_panicking;

    // Set once the kernel panics: from then on the lock is ignored, so a CPU that dies while printing
    // cannot keep the report from getting out.
    public static void EnterPanicMode() => s_panicking = true;

    internal static bool Lock() => s_panicking ? false : s_lock.Acquire();

    internal static void Unlock(bool interruptsWereEnabled)
    {
        if (!s_panicking)
            s_lock.Release(interruptsWereEnabled);
    }

    public static void WriteLine(ConsoleLine line)
    {
        WriteRaw('\n');
        line.Finish();
    }

    public static void Write(ConsoleLine line) => line.Finish();

    public static void WriteLine(string text)
    {
        bool interrupts = Lock();
        WriteRaw(text);
        WriteRaw('\n');
        Unlock(interrupts);
    }

    public static void Write(string text)
    {
        bool interrupts = Lock();
        WriteRaw(text);
        Unlock(interrupts);
    }

    // ---- unlocked primitives, for ConsoleLine and the panic path ----

    internal static void WriteRaw(char c)
    {
        if (c == '\n')
            Uart16550.WriteByte((byte)'\r');
        Uart16550.WriteByte(c < 0x80 ? (byte)c : (byte)'?');
    }

    internal static void WriteRaw(string text)
    {
        if (text is null)
            return;
        for (int i = 0; i < text.Length; i++)
            WriteRaw(text[i]);
    }

    internal static void WriteRaw(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
            WriteRaw(text[i]);
    }

    // ASCII bytes, as found in boot information and file names.
    internal static void WriteRaw(ReadOnlySpan<byte> text)
    {
        for (int i = 0; i < text.Length; i++)
            WriteRaw((char)text[i]);
    }

    internal static void WriteRawUnsigned(ulong value)
    {
        Span<char> digits = stackalloc char[NumberFormat.MaxDigits];
        WriteRaw(digits.Slice(0, NumberFormat.FormatUnsigned(value, digits)));
    }

    internal static void WriteRawSigned(long value)
    {
        Span<char> digits = stackalloc char[NumberFormat.MaxDigits + 1];
        WriteRaw(digits.Slice(0, NumberFormat.FormatSigned(value, digits)));
    }

    internal static void WriteRawHex(ulong value, int minDigits)
    {
        Span<char> digits = stackalloc char[16];
        WriteRaw(digits.Slice(0, NumberFormat.FormatHex(value, digits, minDigits)));
    }
}
