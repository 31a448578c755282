// Which interrupt stack (IST slot in the TSS) each kind of entry uses. Faults that can strike at any time
// (NMI, double fault, machine check) get their own, so they never land on a stack that is in use; the
// other exceptions and the external interrupts each share one, since handlers run with interrupts off
// and only an exception inside an interrupt handler nests.
namespace Kitten.Kernel.Arch.X64;

internal static class InterruptStacks
{
    public const int DoubleFault = 1;
    public const int Nmi = 2;
    public const int MachineCheck = 3;
    public const int Exception = 4;
    public const int ExternalInterrupt = 5;
    public const int Count = 5;

    public const ulong StackSize = 16 * 1024;

    public static int For(int vector) => vector switch
    {
        ExceptionNames.DoubleFault => DoubleFault,
        ExceptionNames.Nmi => Nmi,
        ExceptionNames.MachineCheck => MachineCheck,
        < ExceptionNames.FirstExternal => Exception,
        _ => ExternalInterrupt,
    };
}
