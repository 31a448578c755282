// The running processor's descriptor tables. (Per-CPU data for several CPUs comes with SMP.)
namespace Kitten.Kernel.Arch.X64;

internal static unsafe class Processor
{
    public static ProcessorTables* BootTables;
}
