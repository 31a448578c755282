namespace System.Runtime.CompilerServices;

public static class RuntimeHelpers
{
    // ILC expands these as intrinsics when their arguments are compile-time constants (the only way the
    // kernel uses them); reaching a body means the expansion did not happen, which is a kernel bug.
    [Intrinsic]
    public static void InitializeArray(Array array, RuntimeFieldHandle fldHandle)
        => Internal.Runtime.RuntimeFailure.Unreachable("RuntimeHelpers.InitializeArray");

    [Intrinsic]
    public static unsafe ReadOnlySpan<T> CreateSpan<T>(RuntimeFieldHandle fldHandle)
    {
        Internal.Runtime.RuntimeFailure.Unreachable("RuntimeHelpers.CreateSpan");
        return default;
    }

    [Intrinsic]
    public static bool IsReferenceOrContainsReferences<T>() => throw null;

    public static int OffsetToStringData => 12;
}
