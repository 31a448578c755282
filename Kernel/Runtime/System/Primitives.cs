// The built-in value types. Their layout (one field named m_value) is what the C# compiler and
// ILC expect of a core library.
namespace System;

public struct Void { }

public struct Boolean
{
#pragma warning disable CS0169
    private bool m_value;
#pragma warning restore CS0169
}

public struct Char
{
#pragma warning disable CS0169
    private char m_value;
#pragma warning restore CS0169
}

public struct SByte
{
#pragma warning disable CS0169
    private sbyte m_value;
#pragma warning restore CS0169
}

public struct Byte
{
#pragma warning disable CS0169
    private byte m_value;
#pragma warning restore CS0169
    public const byte MaxValue = 0xFF;
}

public struct Int16
{
#pragma warning disable CS0169
    private short m_value;
#pragma warning restore CS0169
}

public struct UInt16
{
#pragma warning disable CS0169
    private ushort m_value;
#pragma warning restore CS0169
    public const ushort MaxValue = 0xFFFF;
}

public struct Int32
{
#pragma warning disable CS0169
    private int m_value;
#pragma warning restore CS0169
    public const int MaxValue = 0x7FFFFFFF;
    public const int MinValue = unchecked((int)0x80000000);
}

public struct UInt32
{
#pragma warning disable CS0169
    private uint m_value;
#pragma warning restore CS0169
    public const uint MaxValue = 0xFFFFFFFF;
}

public struct Int64
{
#pragma warning disable CS0169
    private long m_value;
#pragma warning restore CS0169
    public const long MaxValue = 0x7FFFFFFFFFFFFFFF;
    public const long MinValue = unchecked((long)0x8000000000000000);
}

public struct UInt64
{
#pragma warning disable CS0169
    private ulong m_value;
#pragma warning restore CS0169
    public const ulong MaxValue = 0xFFFFFFFFFFFFFFFF;
}

public struct Single
{
#pragma warning disable CS0169
    private float m_value;
#pragma warning restore CS0169
}

public struct Double
{
#pragma warning disable CS0169
    private double m_value;
#pragma warning restore CS0169
}

public unsafe struct IntPtr
{
#pragma warning disable CS0169
    private void* _value;
#pragma warning restore CS0169
    public static readonly nint Zero;
    public static int Size => sizeof(nint);
}

public unsafe struct UIntPtr
{
#pragma warning disable CS0169
    private void* _value;
#pragma warning restore CS0169
    public static readonly nuint Zero;
}

public abstract class ValueType { }

public abstract class Enum : ValueType { }

public struct Nullable<T> where T : struct
{
    private readonly bool _hasValue;
    private readonly T _value;

    public Nullable(T value)
    {
        _hasValue = true;
        _value = value;
    }

    public readonly bool HasValue => _hasValue;
    public readonly T Value => _value;
    public readonly T GetValueOrDefault() => _value;

    public static implicit operator T?(T value) => new T?(value);
    public static explicit operator T(T? value) => value._value;
}
