// Where syscall.asm hands over: the system call number is in RAX and the arguments in RDI, RSI, RDX, R10,
// R8, R9 (the x86-64 Linux convention, syscall(2)); the result goes back in RAX, a negative errno on
// failure. A number without a handler returns -ENOSYS and is reported once per process by name. A process
// under a service manifest gets -EPERM for what its manifest does not allow (Kernel/Services): its threads'
// handler table is its policy's, where a refused Linux call's handler is the refusal; Kitten's own calls test
// the policy's bitmap.
using System.Runtime;
using System.Runtime.CompilerServices;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class SyscallDispatcher
{
    [RuntimeExport("SyscallDispatch")]
    private static InterruptContext* Dispatch(InterruptContext* context)
    {
        CpuLocal* cpu = CpuLocal.Current;
        cpu->KernelEntries++;
        // Linux takes the number as a 32-bit int (the upper half of RAX is ignored).
        ulong number = (uint)context->Rax;
        if (number - SyscallTable.KittenFirst < SyscallTable.KittenCount)
            return DispatchKitten(context, number);
        // System calls run with interrupts on: the kernel is preemptible outside its spinlocks. The
        // thread stays the same wherever it runs meanwhile.
        Thread* thread = cpu->Running;
        Cpu.EnableInterrupts();
        thread->SyscallNumber = (long)number;
        delegate*<InterruptContext*, long> handler = SyscallTable.Lookup(thread->SyscallHandlers, number);
        ulong traceStart = Tracing ? Cpu.ReadTsc() : 0;
        long result;
        if (handler == null)
        {
            ReportUnknown(number);
            result = -Errno.ENOSYS;
        }
        else
        {
            result = handler(context);
        }
        if (Tracing)
            Trace(number, context, result, Cpu.ReadTsc() - traceStart);
        context->Rax = (ulong)result;
        Cpu.DisableInterrupts();
        // The common return, decided here without a call (a system call comes from a user thread).
        if (UserReturn.NothingToDo(thread, result))
        {
            thread->SyscallNumber = -1;
            return context;
        }
        return UserReturn.Prepare(context);
    }

    // Kitten's own calls (IPC) run with interrupts off, as they came in, and may return another thread's
    // context (a direct switch): that thread, now the current one, is the one to prepare for user space.
    // They are never restarted, so the thread's SyscallNumber (what a restart would repeat) stays -1.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static InterruptContext* DispatchKitten(InterruptContext* context, ulong number)
    {
        int pid = Tracing ? Process.Current.Pid : 0;
        delegate*<InterruptContext*, InterruptContext*> handler = SyscallTable.LookupKitten(number);
        InterruptContext* next;
        Thread* thread = CpuLocal.Current->Running;
        if (thread->SyscallFilter != null && !Services.ServicePolicy.Test(thread->SyscallFilter, number))
        {
            context->Rax = unchecked((ulong)Services.ServiceEnforcement.Refuse(thread, number));
            next = context;
        }
        else if (handler == null)
        {
            context->Rax = unchecked((ulong)-Errno.ENOSYS);
            next = context;
        }
        else
        {
            next = handler(context);
        }
        if (Tracing)
            TraceKitten(pid, number, context, next);
        Cpu.DisableInterrupts();
        return UserReturn.PrepareAfterNonRestartingCall(next);
    }

    private static void TraceKitten(int pid, ulong number, InterruptContext* c, InterruptContext* next)
    {
        string name = Ipc.IpcSyscalls.NameOf((long)number);
        if (next == c)
            Console.WriteLine($"strace: {pid} {name}(0x{c->Rdi:x}, 0x{c->Rsi:x}, 0x{c->Rdx:x}) = {(long)c->Rax}");
        else
            Console.WriteLine($"strace: {pid} {name}(0x{c->Rdi:x}, 0x{c->Rsi:x}, 0x{c->Rdx:x}) waits; pid {Process.Current?.Pid ?? 0} runs");
    }

    // `strace` on the kernel command line: one console line per system call, as strace(1) prints them
    // (raw arguments in hex), for finding out what a program expects of the kernel.
    public static bool Tracing;

    // As strace -T: the time the call took, in TSC ticks (instructions, under QEMU's -icount).
    private static void Trace(ulong number, InterruptContext* c, long result, ulong ticks)
    {
        Process process = Process.Current;
        Console.WriteLine($"strace: {process.Pid} {SyscallNames.Of((long)number)}(0x{c->Rdi:x}, 0x{c->Rsi:x}, 0x{c->Rdx:x}, 0x{c->R10:x}, 0x{c->R8:x}) = {result} <{ticks} ticks>");
    }

    private static void ReportUnknown(ulong number)
    {
        Process process = Process.Current;
        if (process == null)
            return;
        ulong index = number < 512 ? number : 511;
        ulong bit = 1UL << (int)(index % 64);
        if ((process.ReportedUnknownSyscalls[index / 64] & bit) != 0)
            return;
        process.ReportedUnknownSyscalls[index / 64] |= bit;
        Console.WriteLine($"kitten: pid {process.Pid} ({process.NameText}): system call {number} ({SyscallNames.Of((long)number)}) is not implemented: ENOSYS");
    }
}
