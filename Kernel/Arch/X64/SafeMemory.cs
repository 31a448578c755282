// Copies through addresses that may fault (safe_memory.asm): a fault ends the copy instead of the kernel.
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kitten.Kernel.Arch.X64;

internal static unsafe class SafeMemory
{
    // Both return the number of bytes not copied: 0 when everything was copied.
    [RuntimeImport("kitten_copy_checked")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong Copy(void* destination, void* source, ulong length);

    [RuntimeImport("kitten_fill_checked")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong Fill(void* destination, byte value, ulong length);

    public static bool TryRead64(ulong address, out ulong value)
    {
        ulong result;
        bool ok = Copy(&result, (void*)address, 8) == 0;
        value = ok ? result : 0;
        return ok;
    }
}
