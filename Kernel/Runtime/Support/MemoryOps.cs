// Block memory operations (runtime.asm).
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kitten.Kernel.Runtime;

internal static unsafe class MemoryOps
{
    [RuntimeImport("kitten_memmove")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void Move(byte* destination, byte* source, nuint length);

    [RuntimeImport("kitten_memset")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void Fill(byte* destination, byte value, nuint length);

    public static void Zero(void* destination, nuint length) => Fill((byte*)destination, 0, length);
}
