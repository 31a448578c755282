// The interpolated-string handler behind Console.Write/WriteLine. The C# compiler turns
// $"a {x:x8} b" into AppendLiteral/AppendFormatted calls on this struct. The console lock is taken when
// the handler is created and released by Finish, so a formatted line is never split by another CPU.
// Formats: none (decimal), "x"/"xN" (hex, N digits), "size" (bytes in B/KiB/MiB/GiB), "milli"
// (thousandths as a decimal fraction).
using System.Runtime.CompilerServices;
using Kitten.Kernel.Text;

namespace Kitten.Kernel;

[InterpolatedStringHandler]
internal ref struct ConsoleLine
{
    private readonly bool _interruptsWereEnabled;

    public ConsoleLine(int literalLength, int formattedCount)
    {
        _interruptsWereEnabled = Console.Lock();
    }

    internal void Finish() => Console.Unlock(_interruptsWereEnabled);

    public void AppendLiteral(string text) => Console.WriteRaw(text);

    public void AppendFormatted(string text) => Console.WriteRaw(text);

    public void AppendFormatted(System.ReadOnlySpan<byte> asciiText) => Console.WriteRaw(asciiText);

    public void AppendFormatted(System.ReadOnlySpan<char> text) => Console.WriteRaw(text);

    public void AppendFormatted(char c) => Console.WriteRaw(c);

    public void AppendFormatted(bool value) => Console.WriteRaw(value ? "true" : "false");

    public void AppendFormatted(int value) => Console.WriteRawSigned(value);

    public void AppendFormatted(long value) => Console.WriteRawSigned(value);

    public void AppendFormatted(uint value) => Console.WriteRawUnsigned(value);

    public void AppendFormatted(ulong value) => Console.WriteRawUnsigned(value);

    public void AppendFormatted(int value, string format) => AppendFormatted((ulong)(uint)value, format);

    public void AppendFormatted(uint value, string format) => AppendFormatted((ulong)value, format);

    public void AppendFormatted(long value, string format) => AppendFormatted((ulong)value, format);

    public void AppendFormatted(ulong value, string format)
    {
        if (format != null && format.Length >= 1 && (format[0] == 'x' || format[0] == 'X'))
        {
            int digits = 1;
            if (format.Length > 1)
                digits = format.Length > 2 ? (format[1] - '0') * 10 + (format[2] - '0') : format[1] - '0';
            Console.WriteRawHex(value, digits);
        }
        else if (format == "size")
        {
            WriteSize(value);
        }
        else if (format == "milli")
        {
            // Thousandths as a decimal: 1500 -> 1.500.
            Console.WriteRawUnsigned(value / 1000);
            Console.WriteRaw('.');
            Console.WriteRawUnsigned(value % 1000 / 100);
            Console.WriteRawUnsigned(value % 100 / 10);
            Console.WriteRawUnsigned(value % 10);
        }
        else
        {
            Console.WriteRawUnsigned(value);
        }
    }

    // Largest binary unit that divides the value exactly keeps figures exact: "12 MiB", "4100 KiB".
    private static void WriteSize(ulong bytes)
    {
        string unit = "B";
        if (bytes != 0 && bytes % (1UL << 30) == 0) { bytes >>= 30; unit = "GiB"; }
        else if (bytes != 0 && bytes % (1UL << 20) == 0) { bytes >>= 20; unit = "MiB"; }
        else if (bytes != 0 && bytes % (1UL << 10) == 0) { bytes >>= 10; unit = "KiB"; }
        Console.WriteRawUnsigned(bytes);
        Console.WriteRaw(' ');
        Console.WriteRaw(unit);
    }
}
