// One physical region as the physical memory manager reports it: [Base, End), its type and a short ASCII
// name (longer names are cut). A copy, so it stays valid after the region is freed.
using System;

namespace Kitten.Kernel.Memory;

internal unsafe struct PmemRegion
{
    // With the length byte the name takes 24 bytes, three words.
    public const int MaxNameLength = 23;

    public ulong Base;
    public ulong End;
    public RegionType Type;
    private byte _nameLength;
    private fixed byte _name[MaxNameLength];

    public readonly ulong Length => End - Base;
    public readonly int NameLength => _nameLength;

    public readonly bool Contains(ulong address) => address >= Base && address < End;

    public readonly byte NameAt(int index) => (uint)index < _nameLength ? _name[index] : (byte)0;

    public readonly bool NameEquals(ReadOnlySpan<byte> name)
    {
        if (name.Length != _nameLength)
            return false;
        for (int i = 0; i < _nameLength; i++)
            if (_name[i] != name[i])
                return false;
        return true;
    }

    // Copies as much of the name as fits; returns the number of bytes written.
    public readonly int CopyName(Span<byte> destination)
    {
        int n = _nameLength < destination.Length ? _nameLength : destination.Length;
        for (int i = 0; i < n; i++)
            destination[i] = _name[i];
        return n;
    }

    // The first MaxNameLength characters of text in ASCII (others become '?'), written to buffer, which
    // must hold MaxNameLength bytes: lets callers name regions with string literals.
    public static ReadOnlySpan<byte> ToAscii(string text, byte* buffer)
    {
        int n = text == null ? 0 : text.Length < MaxNameLength ? text.Length : MaxNameLength;
        for (int i = 0; i < n; i++)
            buffer[i] = text[i] < 0x80 ? (byte)text[i] : (byte)'?';
        return new ReadOnlySpan<byte>(buffer, n);
    }

    // Keeps the first MaxNameLength bytes; bytes that are not printable ASCII become '?', so that a name
    // from a boot module's command line cannot put control characters on the console.
    public void SetName(ReadOnlySpan<byte> name)
    {
        int n = name.Length < MaxNameLength ? name.Length : MaxNameLength;
        for (int i = 0; i < n; i++)
        {
            byte b = name[i];
            _name[i] = b >= 0x20 && b < 0x7F ? b : (byte)'?';
        }
        _nameLength = (byte)n;
    }
}
