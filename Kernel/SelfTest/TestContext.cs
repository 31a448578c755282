// What a self-test gets: ways to record a failure with a reason. The first failure's reason goes on the
// test's KTAP line; later checks keep running so that a test does not stop half-way through its cleanup.
using System;
using Kitten.Kernel.Text;

namespace Kitten.Kernel.SelfTest;

internal unsafe struct TestContext
{
    private const int ReasonCapacity = 160;

    private fixed char _reason[ReasonCapacity];
    private int _reasonLength;

    public bool Failed { get; private set; }

    public ReadOnlySpan<char> Reason
    {
        get
        {
            fixed (char* reason = _reason)
                return new ReadOnlySpan<char>(reason, _reasonLength);
        }
    }

    public bool Check(bool condition, string what)
    {
        if (!condition)
            Fail(what);
        return condition;
    }

    public bool Equal(ulong expected, ulong actual, string what)
    {
        if (expected == actual)
            return true;
        if (!Failed)
        {
            Append(what);
            Append(": expected ");
            AppendNumber(expected);
            Append(", got ");
            AppendNumber(actual);
            Failed = true;
        }
        return false;
    }

    public bool Equal(long expected, long actual, string what) => Equal((ulong)expected, (ulong)actual, what);

    // lower <= actual <= upper
    public bool InRange(ulong actual, ulong lower, ulong upper, string what)
    {
        if (actual >= lower && actual <= upper)
            return true;
        if (!Failed)
        {
            Append(what);
            Append(": ");
            AppendNumber(actual);
            Append(" not in [");
            AppendNumber(lower);
            Append(", ");
            AppendNumber(upper);
            Append("]");
            Failed = true;
        }
        return false;
    }

    public void Fail(string reason)
    {
        if (Failed)
            return;
        Append(reason);
        Failed = true;
    }

    private void Append(string text)
    {
        for (int i = 0; i < text.Length && _reasonLength < ReasonCapacity; i++)
            _reason[_reasonLength++] = text[i];
    }

    private void AppendNumber(ulong value)
    {
        Span<char> digits = stackalloc char[NumberFormat.MaxDigits];
        int count = NumberFormat.FormatUnsigned(value, digits);
        for (int i = 0; i < count && _reasonLength < ReasonCapacity; i++)
            _reason[_reasonLength++] = digits[i];
    }
}
