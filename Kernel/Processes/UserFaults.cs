// A CPU exception in user mode is the process's problem, never the kernel's: the process gets the signal
// Linux would send (SIGSEGV for page and protection faults, SIGILL, SIGFPE, SIGTRAP, SIGBUS) and, until it
// handles signals itself, dies of it with a one-line report; the kernel and the other processes carry on.
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Processes;

internal static unsafe class UserFaults
{
    public const int SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11;

    public static int SignalFor(ulong vector) => vector switch
    {
        0 => SIGFPE,            // #DE
        1 => SIGTRAP,           // #DB
        3 => SIGTRAP,           // #BP
        4 => SIGSEGV,           // #OF
        5 => SIGSEGV,           // #BR
        6 => SIGILL,            // #UD
        16 => SIGFPE,           // #MF
        17 => SIGBUS,           // #AC
        19 => SIGFPE,           // #XM
        _ => SIGSEGV,           // #GP, #PF, #SS, #NP, ...
    };

    public static InterruptContext* Handle(InterruptContext* context)
    {
        int signal = SignalFor(context->Vector);
        Process process = Process.Current;
        ulong address = context->Vector == ExceptionNames.PageFault ? Cpu.ReadCr2() : 0;
        if (process != null)
            Console.WriteLine($"kitten: pid {process.Pid} ({process.NameText}) killed by signal {signal}: {ExceptionNames.Of(context->Vector)} at rip=0x{context->Rip:x} address=0x{address:x}");
        UserReturn.Kill(CpuLocal.Current->Running, ProcessLifecycle.SignaledStatus(signal));
        return UserReturn.Prepare(context);
    }
}
