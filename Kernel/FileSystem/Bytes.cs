// Byte-string helpers the file system needs and the kernel's core library does not have (no
// Span.CopyTo, no SequenceEqual, no BinaryPrimitives). Names in the file system are byte strings, as in
// Linux: any bytes but '/' and NUL.
using System;

namespace Kitten.Kernel.FileSystem;

internal static unsafe class Bytes
{
    // Copies all of source to the start of destination, which must be at least as long.
    public static void Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Length > destination.Length)
            source = source.Slice(0, destination.Length);
        fixed (byte* from = source)
        fixed (byte* to = destination)
            Copy(from, to, source.Length);
    }

    // Eight bytes at a time, then the rest; the ranges must not overlap.
    public static void Copy(byte* from, byte* to, int count)
    {
        int i = 0;
        for (; i + 8 <= count; i += 8)
            *(ulong*)(to + i) = *(ulong*)(from + i);
        for (; i < count; i++)
            to[i] = from[i];
    }

    public static void Zero(Span<byte> destination)
    {
        fixed (byte* to = destination)
        {
            int count = destination.Length, i = 0;
            for (; i + 8 <= count; i += 8)
                *(ulong*)(to + i) = 0;
            for (; i < count; i++)
                to[i] = 0;
        }
    }

    public static bool Equal(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
            return false;
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i])
                return false;
        return true;
    }

    public static bool Equal(ReadOnlySpan<byte> a, string ascii)
    {
        if (a.Length != ascii.Length)
            return false;
        for (int i = 0; i < a.Length; i++)
            if (a[i] != ascii[i])
                return false;
        return true;
    }

    // FNV-1a: a cheap hash so that a directory lookup compares whole names only when the hashes agree.
    public static uint Hash(ReadOnlySpan<byte> name)
    {
        uint hash = 2166136261;
        for (int i = 0; i < name.Length; i++)
            hash = (hash ^ name[i]) * 16777619;
        return hash;
    }

    public static byte[] ToArray(ReadOnlySpan<byte> source)
    {
        var copy = new byte[source.Length];
        Copy(source, copy);
        return copy;
    }

    // Little-endian stores for the Linux structures (x86-64 is little-endian).
    public static void Put64(Span<byte> buffer, int offset, ulong value)
    {
        for (int i = 0; i < 8; i++)
            buffer[offset + i] = (byte)(value >> (8 * i));
    }

    public static void Put32(Span<byte> buffer, int offset, uint value)
    {
        for (int i = 0; i < 4; i++)
            buffer[offset + i] = (byte)(value >> (8 * i));
    }

    public static void Put16(Span<byte> buffer, int offset, ushort value)
    {
        buffer[offset] = (byte)value;
        buffer[offset + 1] = (byte)(value >> 8);
    }
}
