// Strings are UTF-16 and immutable. Literals are frozen objects in the kernel image; strings built at
// run time come from the kernel heap.
using System.Runtime.CompilerServices;

namespace System;

public sealed class String
{
    // Layout fixed by ILC: length, then the characters, then a terminating NUL.
#pragma warning disable CS0649
    [NonSerialized] private int _stringLength;
    [NonSerialized] private char _firstChar;
#pragma warning restore CS0649

    public static readonly string Empty = "";

    public int Length => _stringLength;

    [IndexerName("Chars")]
    public unsafe char this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_stringLength)
                Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowIndexOutOfRangeException();
            fixed (char* p = &_firstChar)
                return p[index];
        }
    }

    public ref readonly char GetPinnableReference() => ref _firstChar;

    public static bool Equals(string a, string b)
    {
        if ((object)a == b) return true;
        if (a is null || b is null || a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i]) return false;
        return true;
    }

    public static bool operator ==(string a, string b) => Equals(a, b);
    public static bool operator !=(string a, string b) => !Equals(a, b);

    public override bool Equals(object obj) => obj is string s && Equals(this, s);

    public override int GetHashCode()
    {
        // FNV-1a over the UTF-16 code units.
        uint hash = 2166136261;
        for (int i = 0; i < _stringLength; i++)
            hash = (hash ^ this[i]) * 16777619;
        return (int)hash;
    }

    public override string ToString() => this;

    public bool StartsWith(string prefix)
    {
        if (prefix.Length > Length) return false;
        for (int i = 0; i < prefix.Length; i++)
            if (this[i] != prefix[i]) return false;
        return true;
    }

    internal static unsafe string FastAllocateString(int length)
    {
        return Runtime.RuntimeExports.NewString(length);
    }

    public static unsafe string Concat(string a, string b)
    {
        a ??= Empty;
        b ??= Empty;
        string result = FastAllocateString(a.Length + b.Length);
        fixed (char* dst = &result._firstChar)
        {
            for (int i = 0; i < a.Length; i++) dst[i] = a[i];
            for (int i = 0; i < b.Length; i++) dst[a.Length + i] = b[i];
        }
        return result;
    }

    public static string Concat(string a, string b, string c) => Concat(Concat(a, b), c);
}
