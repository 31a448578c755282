// The rules for a manifest's words that are names and numbers, the same as the C# library's
// (Services/Ipc/NameRules.cs, ServiceManifest.cs). Portable: unit-tested on the host.
using System;

namespace Kitten.Kernel.Services;

internal static class ManifestWords
{
    public const string ServiceRule = "service name: 1 to 32 letters, digits, '-', '_' or '.', not starting with '.'";
    public const string ChannelRule = "channel name: 1 to 32 letters, digits, '-', '_' or '.', not starting with '.'";
    public const string PeerRule = "peer name: 1 to 32 letters, digits, '-', '_' or '.', not starting with '.'";

    // A service's or channel's name: what the kernel's registry takes (Kernel/Ipc/NameRegistry) less '/'
    // and a leading '.', so that on a Linux host a name is one file name.
    public static bool IsValid(ReadOnlySpan<byte> name)
    {
        if (name.Length < 1 || name.Length > ManifestReader.MaxNameLength || name[0] == (byte)'.')
            return false;
        for (int i = 0; i < name.Length; i++)
        {
            byte c = name[i];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
            if (!ok)
                return false;
        }
        return true;
    }

    // NAME/VERSION: something before the first slash, a decimal number after it.
    public static bool IsContractId(ReadOnlySpan<byte> text)
    {
        int slash = IndexOf(text, (byte)'/');
        return slash > 0 && TryParseDecimal(text.Slice(slash + 1), out _);
    }

    // The first position of `value` in `text`, or -1.
    public static int IndexOf(ReadOnlySpan<byte> text, byte value)
    {
        for (int i = 0; i < text.Length; i++)
            if (text[i] == value)
                return i;
        return -1;
    }

    // Digits only (no sign), at most 2^64-1.
    public static bool TryParseDecimal(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        if (text.Length == 0)
            return false;
        for (int i = 0; i < text.Length; i++)
        {
            uint digit = (uint)(text[i] - '0');
            if (digit > 9 || value > (ulong.MaxValue - digit) / 10)
                return false;
            value = value * 10 + digit;
        }
        return true;
    }

    // Decimal, or hexadecimal after 0x (either case).
    public static bool TryParseNumber(ReadOnlySpan<byte> text, out ulong value)
    {
        if (text.Length < 3 || text[0] != (byte)'0' || (text[1] | 0x20) != (byte)'x')
            return TryParseDecimal(text, out value);
        value = 0;
        for (int i = 2; i < text.Length; i++)
        {
            byte c = text[i];
            uint digit = c >= '0' && c <= '9' ? (uint)(c - '0') : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (uint)((c | 0x20) - 'a' + 10) : 16;
            if (digit > 15 || value > (ulong.MaxValue >> 4))
                return false;
            value = (value << 4) | digit;
        }
        return true;
    }
}
