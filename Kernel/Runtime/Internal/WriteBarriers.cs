// Write barriers: with no GC there are no card tables, so a reference store is a plain store. The byref
// variant has a register contract and lives in Kernel/Runtime/runtime.asm.
using System.Runtime;

namespace Internal.Runtime;

internal static unsafe class WriteBarriers
{
    [RuntimeExport("RhpAssignRef")]
    private static void RhpAssignRef(void** destination, void* value) => *destination = value;

    [RuntimeExport("RhpCheckedAssignRef")]
    private static void RhpCheckedAssignRef(void** destination, void* value) => *destination = value;
}
