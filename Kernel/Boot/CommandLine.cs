// The kernel command line: words separated by spaces, either bare (`selftest`) or key=value
// (`selftest=memory.`). Portable: unit-tested on the host.
using System;

namespace Kitten.Kernel.Boot;

internal readonly ref struct CommandLine
{
    private readonly ReadOnlySpan<byte> _text;

    public CommandLine(ReadOnlySpan<byte> text) => _text = text;

    public ReadOnlySpan<byte> Text => _text;

    public bool HasWord(string word)
    {
        int position = 0;
        while (NextWord(_text, ref position, out ReadOnlySpan<byte> current))
            if (Equals(current, word))
                return true;
        return false;
    }

    // The value of the first key=value word with this key.
    public bool TryGetValue(string key, out ReadOnlySpan<byte> value)
    {
        Span<byte> bytes = stackalloc byte[key.Length];
        for (int i = 0; i < key.Length; i++)
            bytes[i] = (byte)key[i];
        return TryGetValue(bytes, out value);
    }

    public bool TryGetValue(scoped ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        int position = 0;
        while (NextWord(_text, ref position, out ReadOnlySpan<byte> current))
        {
            if (current.Length > key.Length && current[key.Length] == (byte)'=' && Kitten.Kernel.FileSystem.Bytes.Equal(current.Slice(0, key.Length), key))
            {
                value = current.Slice(key.Length + 1);
                return true;
            }
        }
        value = default;
        return false;
    }

    public int WordCount
    {
        get
        {
            int count = 0;
            int position = 0;
            while (NextWord(_text, ref position, out _))
                count++;
            return count;
        }
    }

    private static bool NextWord(ReadOnlySpan<byte> text, scoped ref int position, out ReadOnlySpan<byte> word)
    {
        while (position < text.Length && IsSpace(text[position]))
            position++;
        int start = position;
        while (position < text.Length && !IsSpace(text[position]))
            position++;
        word = text.Slice(start, position - start);
        return word.Length > 0;
    }

    private static bool IsSpace(byte c) => c == (byte)' ' || c == (byte)'\t' || c == (byte)'\n' || c == (byte)'\r';

    public static bool Equals(ReadOnlySpan<byte> text, string value)
    {
        if (text.Length != value.Length)
            return false;
        for (int i = 0; i < text.Length; i++)
            if (text[i] != value[i])
                return false;
        return true;
    }
}
