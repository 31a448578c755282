// Text the kernel generates for a pseudo-file (/proc, /sys): bytes appended to a buffer that grows by
// doubling, with the number formats printf gives Linux's seq_file (%lu, %ld, %lx, %8lu, %08lx). Portable:
// the host tests compile it too. The kernel has no garbage collector: Release gives the memory back.
using System;

namespace Kitten.Kernel.FileSystem;

internal sealed class TextBuilder
{
    private byte[] _bytes;
    private int _length;

    public TextBuilder(int capacity = 256)
    {
        _bytes = new byte[capacity < 16 ? 16 : capacity];
    }

    public int Length => _length;
    public ReadOnlySpan<byte> Text => new ReadOnlySpan<byte>(_bytes, 0, _length);

    public void Clear() => _length = 0;

    // Drops everything from `length` on (a caller undoing a partial line).
    public void Truncate(int length)
    {
        if (length >= 0 && length < _length)
            _length = length;
    }

    public void Release()
    {
        NodeMemory.Release(_bytes);
        _bytes = null;
        NodeMemory.Release(this);
    }

    // Copies the text from `offset` into `destination`; the count copied (0 at or past the end).
    public int CopyTo(ulong offset, Span<byte> destination)
    {
        if (offset >= (ulong)_length)
            return 0;
        int available = _length - (int)offset;
        int count = available < destination.Length ? available : destination.Length;
        Bytes.Copy(new ReadOnlySpan<byte>(_bytes, (int)offset, count), destination);
        return count;
    }

    public TextBuilder Append(byte value)
    {
        Reserve(1);
        _bytes[_length++] = value;
        return this;
    }

    public TextBuilder Append(char value) => Append((byte)value);

    public TextBuilder Append(ReadOnlySpan<byte> text)
    {
        Reserve(text.Length);
        Bytes.Copy(text, new Span<byte>(_bytes).Slice(_length, text.Length));
        _length += text.Length;
        return this;
    }

    // ASCII text (kernel strings are literals and names that are ASCII).
    public TextBuilder Append(string text)
    {
        Reserve(text.Length);
        for (int i = 0; i < text.Length; i++)
            _bytes[_length++] = (byte)text[i];
        return this;
    }

    // %lu and %ld.
    public TextBuilder Unsigned(ulong value) => Unsigned(value, 0);

    public TextBuilder Signed(long value)
    {
        if (value < 0)
        {
            Append('-');
            return Unsigned(0UL - (ulong)value);
        }
        return Unsigned((ulong)value);
    }

    // %*lu: right-aligned in `width` characters, padded with spaces.
    public TextBuilder Unsigned(ulong value, int width)
    {
        Span<byte> digits = stackalloc byte[20];
        int count = 0;
        do
        {
            digits[count++] = (byte)('0' + (int)(value % 10));
            value /= 10;
        } while (value != 0);
        Reserve((width > count ? width : count));
        for (int i = count; i < width; i++)
            _bytes[_length++] = (byte)' ';
        while (count > 0)
            _bytes[_length++] = digits[--count];
        return this;
    }

    // %0*lx: lower-case hexadecimal, zero-padded to at least minDigits digits.
    public TextBuilder Hex(ulong value, int minDigits = 1)
    {
        Span<byte> digits = stackalloc byte[16];
        int count = 0;
        do
        {
            int nibble = (int)(value & 0xF);
            digits[count++] = (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
            value >>= 4;
        } while (value != 0);
        Reserve(minDigits > count ? minDigits : count);
        for (int i = count; i < minDigits; i++)
            _bytes[_length++] = (byte)'0';
        while (count > 0)
            _bytes[_length++] = digits[--count];
        return this;
    }

    // %0*o: octal, zero-padded to at least minDigits digits.
    public TextBuilder Octal(ulong value, int minDigits = 1)
    {
        Span<byte> digits = stackalloc byte[22];
        int count = 0;
        do
        {
            digits[count++] = (byte)('0' + (int)(value & 7));
            value >>= 3;
        } while (value != 0);
        Reserve(minDigits > count ? minDigits : count);
        for (int i = count; i < minDigits; i++)
            _bytes[_length++] = (byte)'0';
        while (count > 0)
            _bytes[_length++] = digits[--count];
        return this;
    }

    // A fixed-point number with two decimals, from hundredths: 123 -> "1.23" (%lu.%02lu).
    public TextBuilder Hundredths(ulong hundredths)
    {
        Unsigned(hundredths / 100);
        Append('.');
        ulong fraction = hundredths % 100;
        Append((byte)('0' + (int)(fraction / 10)));
        return Append((byte)('0' + (int)(fraction % 10)));
    }

    // Spaces up to `column` characters from the start of the current line (seq_pad); none if already there.
    public TextBuilder PadTo(int column)
    {
        int lineStart = _length;
        while (lineStart > 0 && _bytes[lineStart - 1] != '\n')
            lineStart--;
        int missing = column - (_length - lineStart);
        if (missing > 0)
        {
            Reserve(missing);
            for (int i = 0; i < missing; i++)
                _bytes[_length++] = (byte)' ';
        }
        return this;
    }

    private void Reserve(int extra)
    {
        if (_length + extra <= _bytes.Length)
            return;
        int capacity = _bytes.Length * 2;
        while (capacity < _length + extra)
            capacity *= 2;
        var larger = new byte[capacity];
        Bytes.Copy(new ReadOnlySpan<byte>(_bytes, 0, _length), larger);
        NodeMemory.Release(_bytes);
        _bytes = larger;
    }
}
