// Span<T> and ReadOnlySpan<T>: bounds-checked views of memory, used for stackalloc buffers, u8 literals and
// slices of physical memory.
using System.Runtime.CompilerServices;

namespace System;

public readonly ref struct Span<T>
{
    private readonly ref T _reference;
    private readonly int _length;

    public unsafe Span(void* pointer, int length)
    {
        _reference = ref Unsafe.AsRef<T>(pointer);
        _length = length;
    }

    public Span(T[] array)
    {
        if (array is null)
        {
            _reference = ref Unsafe.NullRef<T>();
            _length = 0;
            return;
        }
        _reference = ref Unsafe.As<byte, T>(ref array.GetRawArrayData());
        _length = array.Length;
    }

    internal Span(ref T reference, int length)
    {
        _reference = ref reference;
        _length = length;
    }

    public int Length => _length;
    public bool IsEmpty => _length == 0;

    public ref T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_length)
                Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowIndexOutOfRangeException();
            return ref Unsafe.Add(ref _reference, (nint)(uint)index);
        }
    }

    public ref T GetPinnableReference() => ref _reference;

    public Span<T> Slice(int start)
    {
        if ((uint)start > (uint)_length)
            Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowArgumentOutOfRangeException();
        return new Span<T>(ref Unsafe.Add(ref _reference, (nint)(uint)start), _length - start);
    }

    public Span<T> Slice(int start, int length)
    {
        if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)_length)
            Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowArgumentOutOfRangeException();
        return new Span<T>(ref Unsafe.Add(ref _reference, (nint)(uint)start), length);
    }

    public void Fill(T value)
    {
        for (int i = 0; i < _length; i++)
            Unsafe.Add(ref _reference, (nint)(uint)i) = value;
    }

    public void Clear() => Fill(default);

    public static implicit operator ReadOnlySpan<T>(Span<T> span) => new ReadOnlySpan<T>(ref span._reference, span._length);

    public static implicit operator Span<T>(T[] array) => new Span<T>(array);
}

public readonly ref struct ReadOnlySpan<T>
{
    private readonly ref T _reference;
    private readonly int _length;

    public unsafe ReadOnlySpan(void* pointer, int length)
    {
        _reference = ref Unsafe.AsRef<T>(pointer);
        _length = length;
    }

    public ReadOnlySpan(T[] array)
    {
        if (array is null)
        {
            _reference = ref Unsafe.NullRef<T>();
            _length = 0;
            return;
        }
        _reference = ref Unsafe.As<byte, T>(ref array.GetRawArrayData());
        _length = array.Length;
    }

    public ReadOnlySpan(T[] array, int start, int length)
    {
        if (array is null || (ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)array.Length)
            Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowArgumentOutOfRangeException();
        _reference = ref Unsafe.Add(ref Unsafe.As<byte, T>(ref array.GetRawArrayData()), (nint)(uint)start);
        _length = length;
    }

    internal ReadOnlySpan(ref T reference, int length)
    {
        _reference = ref reference;
        _length = length;
    }

    public int Length => _length;
    public bool IsEmpty => _length == 0;

    public ref readonly T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_length)
                Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowIndexOutOfRangeException();
            return ref Unsafe.Add(ref _reference, (nint)(uint)index);
        }
    }

    public ref readonly T GetPinnableReference() => ref _reference;

    public ReadOnlySpan<T> Slice(int start)
    {
        if ((uint)start > (uint)_length)
            Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowArgumentOutOfRangeException();
        return new ReadOnlySpan<T>(ref Unsafe.Add(ref _reference, (nint)(uint)start), _length - start);
    }

    public ReadOnlySpan<T> Slice(int start, int length)
    {
        if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)_length)
            Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowArgumentOutOfRangeException();
        return new ReadOnlySpan<T>(ref Unsafe.Add(ref _reference, (nint)(uint)start), length);
    }

    public T[] ToArray()
    {
        var result = new T[_length];
        for (int i = 0; i < _length; i++)
            result[i] = Unsafe.Add(ref _reference, (nint)(uint)i);
        return result;
    }

    public static implicit operator ReadOnlySpan<T>(T[] array) => new ReadOnlySpan<T>(array);
}
