// Arrays: one-dimensional, zero-based (SZ) arrays are what the kernel uses.
namespace System;

public abstract class Array
{
    // Layout fixed by ILC: the element count follows the MethodTable pointer (padded to 8 bytes).
#pragma warning disable CS0649, CS0169
    private int _numComponents;
    private int _padding;
#pragma warning restore CS0649, CS0169

    public int Length => _numComponents;
}

// ILC uses Array<T> as the canonical base of T[].
public class Array<T> : Array { }

public static class ArrayExtensions
{
    // The first element of an SZ array sits right after the length word (and its padding).
    internal static ref byte GetRawArrayData(this Array array)
        => ref Runtime.CompilerServices.Unsafe.As<RawArrayData>(array).Data;
}

internal sealed class RawArrayData
{
#pragma warning disable CS0649
    public uint Length;
    public uint Padding;
    public byte Data;
#pragma warning restore CS0649
}
