// A CPU exception in user mode is the process's problem, never the kernel's: it becomes the signal Linux
// would send (arch/x86/kernel/traps.c, arch/x86/mm/fault.c): SIGSEGV for page faults (SEGV_MAPERR or
// SEGV_ACCERR, with the address) and general protection (SI_KERNEL, address 0), SIGFPE for divide errors,
// SIGILL for invalid opcodes, SIGTRAP for breakpoints, SIGBUS for alignment checks. The process may handle
// it; if it does not, it dies of it with a one-line report, and the kernel and other processes carry on.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Signals;

namespace Kitten.Kernel.Processes;

internal static unsafe class UserFaults
{
    public static InterruptContext* Handle(InterruptContext* context)
    {
        var thread = CpuLocal.Current->Running;
        Process process = Process.Current;
        if (process == null)
            return context;
        ulong vector = context->Vector;
        ulong address = vector == ExceptionNames.PageFault ? Cpu.ReadCr2() : 0;
        // A not-present fault in the stack's reservation grows the stack and the instruction runs again.
        // This is an exception handler on its own stack: it cannot wait for the memory lock, so if another
        // thread holds it the fault simply happens again once the thread is back in user space.
        if (vector == ExceptionNames.PageFault && (context->ErrorCode & 1) == 0 && process.Memory != null)
        {
            if (!process.MemoryLock.TryAcquire())
                return UserReturn.Prepare(context);
            bool grown = process.Memory.GrowStack(address);
            process.MemoryLock.Release();
            if (grown)
                return UserReturn.Prepare(context);
        }
        SignalInfo info = vector switch
        {
            0 or 16 or 19 => SignalInfo.FromFault(Signal.SIGFPE, vector == 0 ? SignalCode.FpeIntDivide : SignalCode.FpeInvalid, context->Rip),
            6 => SignalInfo.FromFault(Signal.SIGILL, SignalCode.IllOperand, context->Rip),
            1 or 3 => SignalInfo.FromFault(Signal.SIGTRAP, SignalCode.TrapBreakpoint, context->Rip),
            17 => SignalInfo.FromFault(Signal.SIGBUS, SignalCode.BusAlignment, context->Rip),
            14 => SignalInfo.FromFault(Signal.SIGSEGV, (context->ErrorCode & 1) != 0 ? SignalCode.SegvAccessError : SignalCode.SegvMapError, address),
            _ => SignalInfo.FromKernel(Signal.SIGSEGV),
        };
        var trap = new TrapInfo { TrapNumber = vector, ErrorCode = context->ErrorCode, FaultAddress = address };
        Signaling.Fault(process, thread, in info, in trap);
        return UserReturn.Prepare(context);
    }
}
