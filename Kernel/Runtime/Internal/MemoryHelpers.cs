// Block copy and fill helpers that ILC-generated code calls for struct copies, stackalloc clearing and
// span operations (System.SpanHelpers and System.Buffer in the real core library).
namespace System;

internal static unsafe class SpanHelpers
{
    public static void Memmove(ref byte destination, ref byte source, nuint length)
    {
        fixed (byte* dst = &destination)
        fixed (byte* src = &source)
            Kitten.Kernel.Runtime.MemoryOps.Move(dst, src, length);
    }

    public static void Fill(ref byte destination, nuint length, byte value)
    {
        fixed (byte* dst = &destination)
            Kitten.Kernel.Runtime.MemoryOps.Fill(dst, value, length);
    }

    public static void ClearWithoutReferences(ref byte destination, nuint length)
    {
        fixed (byte* dst = &destination)
            Kitten.Kernel.Runtime.MemoryOps.Fill(dst, 0, length);
    }

    public static void ClearWithReferences(ref nint destination, nuint pointerCount)
    {
        fixed (nint* dst = &destination)
            Kitten.Kernel.Runtime.MemoryOps.Fill((byte*)dst, 0, pointerCount * (nuint)sizeof(nint));
    }
}

internal static unsafe class Buffer
{
    public static void BulkMoveWithWriteBarrier(ref byte destination, ref byte source, nuint byteCount)
        => SpanHelpers.Memmove(ref destination, ref source, byteCount);

    public static void Memmove(ref byte destination, ref byte source, nuint length)
        => SpanHelpers.Memmove(ref destination, ref source, length);
}
