// Atomic read-modify-write operations (LOCK-prefixed instructions in runtime.asm).
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kitten.Kernel.Runtime;

internal static unsafe class Atomic
{
    [RuntimeImport("kitten_cmpxchg64")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern long CompareExchange(long* location, long value, long comparand);

    [RuntimeImport("kitten_cmpxchg32")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern int CompareExchange(int* location, int value, int comparand);

    [RuntimeImport("kitten_xadd64")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern long FetchAdd(long* location, long addend);

    [RuntimeImport("kitten_xadd32")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern int FetchAdd(int* location, int addend);

    [RuntimeImport("kitten_xchg64")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern long Exchange(long* location, long value);

    [RuntimeImport("kitten_xchg32")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern int Exchange(int* location, int value);

    [RuntimeImport("kitten_mfence")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void FullFence();

    public static int FetchAdd(ref int location, int addend)
    {
        fixed (int* pointer = &location)
            return FetchAdd(pointer, addend);
    }

    public static nint CompareExchange(nint* location, nint value, nint comparand)
        => (nint)CompareExchange((long*)location, value, comparand);
}
