// Instructions that are allowed to fault in ring 0: the probing copies in safe_memory.asm, used to touch
// memory that may not be mapped (user pointers, tests). Each entry of the table in that file pairs a
// faulting instruction's address with where to continue; the continuation reports the fault to the caller.
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kitten.Kernel.Arch.X64;

internal static unsafe class ExceptionFixups
{
    [RuntimeImport("kitten_fixup_table_start")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern ulong* TableStart();

    [RuntimeImport("kitten_fixup_table_end")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern ulong* TableEnd();

    public static ulong FixupsApplied { get; private set; }

    public static bool TryApply(InterruptContext* context)
    {
        if (context->Vector != ExceptionNames.PageFault && context->Vector != ExceptionNames.GeneralProtection)
            return false;
        for (ulong* entry = TableStart(); entry < TableEnd(); entry += 2)
        {
            if (entry[0] == context->Rip)
            {
                context->Rip = entry[1];
                FixupsApplied++;
                return true;
            }
        }
        return false;
    }
}
