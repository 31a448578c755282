// Signals between processes and from the kernel, on top of the Linux semantics in Kernel/Signals: sending
// (kill, tgkill, the terminal's ^C, SIGCHLD, SIGPIPE, faults), waking a thread blocked in the kernel so
// that it notices, and acting on pending signals on the way back to user space (a handler's frame, or the
// end of the process).
using System.Runtime.CompilerServices;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Signals;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Processes;

internal static unsafe class Signaling
{
    private static uint s_mxcsrMask;
    public const ulong NoTrap = ulong.MaxValue;

    public static void Initialize()
    {
        // MXCSR_MASK from a real FXSAVE image (Intel SDM vol. 1, 11.6.6): what FXRSTOR accepts.
        byte* image = stackalloc byte[512 + 16];
        byte* aligned = (byte*)(((ulong)image + 15) & ~15UL);
        FxSave(aligned);
        s_mxcsrMask = FxSaveImage.MxcsrFeatureMask(aligned);
    }

    [System.Runtime.RuntimeImport("cpu_fxsave")]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
    private static extern void FxSave(byte* area);

    // ---- sending ----

    // kill(2)-style, to a whole process: any of its threads that does not block the signal takes it.
    // False if the signal number is invalid.
    public static bool Send(Process process, in SignalInfo info)
    {
        if (!Signal.IsValid(info.Signal))
            return false;
        if (process.State == ProcessState.Zombie)
            return true;
        // Threads leave their process under this lock (ThreadLifecycle.ExitThread), so the one chosen
        // here cannot go away before it has been woken.
        bool interrupts = process.SignalLock.Acquire();
        Thread* main = process.MainThread;
        if (main == null)
        {
            process.SignalLock.Release(interrupts);
            return true;
        }
        SendResult result = SignalQueue.SendToProcess(ref process.Signals, main->Signals.Blocked, in info, out ulong discard);
        if (discard != 0 || result == SendResult.Queued)
            NotifyThreads(process, info.Signal, discard);
        process.SignalLock.Release(interrupts);
        return true;
    }

    // After a process-wide send: stop/continue signals discarded from every thread's own set, and the
    // thread that should act woken (a thread blocked in the kernel returns to deliver it; one running on
    // another CPU is interrupted). SIGKILL wakes them all: the whole process ends. Under SignalLock.
    private static void NotifyThreads(Process process, int signal, ulong discard)
    {
        bool threads = process.ThreadLock.Acquire();
        for (Thread* t = process.FirstThread; t != null && discard != 0; t = t->GroupNext)
            t->Signals.Pending.Discard(discard);
        process.ThreadLock.Release(threads);
        if (signal == Signal.SIGKILL)
        {
            ThreadGroup.InterruptAll(process);
            return;
        }
        Thread* target = ThreadGroup.ForSignal(process, signal);
        if (target != null && target->Signals.HasDeliverable(in process.Signals))
            Scheduler.Interrupt(target);
    }

    // tgkill(2), tkill(2): to one thread of the process (found by TID under the signal lock, so that it
    // cannot leave meanwhile). False if no such thread.
    public static bool SendToThread(Process process, int tid, in SignalInfo info)
    {
        bool interrupts = process.SignalLock.Acquire();
        Thread* thread = process.State == ProcessState.Zombie ? null : ThreadGroup.Find(process, tid);
        if (thread != null)
        {
            SendResult result = SignalQueue.SendToThread(ref process.Signals, ref thread->Signals, in info, out ulong discard);
            if (discard != 0)
                NotifyThreads(process, info.Signal, discard);
            if (info.Signal == Signal.SIGKILL)
                ThreadGroup.InterruptAll(process);
            else if (result == SendResult.Queued && thread->Signals.HasDeliverable(in process.Signals))
                Scheduler.Interrupt(thread);
        }
        process.SignalLock.Release(interrupts);
        return thread != null;
    }

    public static bool Send(Process process, int signal)
        => Send(process, SignalInfo.FromKernel(signal));

    public static void SendToGroup(int group, int signal)
    {
        if (group > 0)
            ProcessTable.ForEach(&SendIfInGroup, (void*)(((ulong)(uint)group << 8) | (uint)signal));
    }

    private static void SendIfInGroup(Process process, void* packed)
    {
        if (process.ProcessGroup == (int)((ulong)packed >> 8))
            Send(process, SignalInfo.FromKernel((int)((ulong)packed & 0xFF)));
    }

    // A fault in user mode: the thread must take the signal (a handler, or death if it has none or blocks
    // it). Called from the exception path with the faulting context.
    public static void Fault(Process process, Thread* thread, in SignalInfo info, in TrapInfo trap)
    {
        bool interrupts = process.SignalLock.Acquire();
        thread->LastTrap = trap;
        SignalQueue.Force(ref process.Signals, ref thread->Signals, in info, fatal: false);
        process.SignalLock.Release(interrupts);
    }

    // Whether the current thread must stop waiting and head back to user space (a deliverable signal, or
    // its process is being ended).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool InterruptPending() => InterruptPending(CpuLocal.Current->Running);

    // The same for the current thread, which the caller has at hand.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool InterruptPending(Thread* thread)
    {
        if (thread->KillStatus != 0)
            return true;
        if (thread->Owner == 0)
            return false;
        Process process = Process.Of(thread);
        return thread->Signals.HasDeliverable(in process.Signals);
    }

    // ---- on the way back to user space ----

    // Acts on every deliverable signal: sets up handler frames, or ends the process. Returns the context
    // to resume (the same one, changed).
    public static void DeliverPending(Thread* thread, InterruptContext* context)
    {
        Process process = Process.Of(thread);
        long syscall = thread->SyscallNumber;
        thread->SyscallNumber = -1;
        bool handled = false;
        for (int guard = 0; guard < 64; guard++)
        {
            bool interrupts = process.SignalLock.Acquire();
            SignalDisposition disposition = SignalQueue.Dequeue(ref process.Signals, ref thread->Signals,
                out SignalInfo info, out SignalAction action);
            process.SignalLock.Release(interrupts);
            if (disposition == SignalDisposition.None)
                break;
            if (disposition == SignalDisposition.Stop)
                continue; // no job control here: stop signals are treated as ignored
            if (disposition == SignalDisposition.Terminate || disposition == SignalDisposition.CoreDump)
            {
                ReportIfFault(process, thread, in info, context);
                UserReturn.Kill(thread, WaitStatus.Killed(info.Signal, coreDumped: false));
                return;
            }
            SyscallRestart.BeforeHandler(context, syscall, in action);
            syscall = -1;
            TrapInfo trap = IsFaultSignal(info.Signal) && thread->LastTrap.TrapNumber != NoTrap ? thread->LastTrap : default;
            thread->LastTrap.TrapNumber = NoTrap;
            Kitten.Kernel.Signals.UserMemory memory = CurrentUserMemory;
            DeliveryResult result = SignalDelivery.Deliver(context, ref thread->Signals, in info, in action, in trap, in memory);
            if (result != DeliveryResult.Delivered)
            {
                // The frame could not be written: SIGSEGV, as Linux's force_sigsegv.
                interrupts = process.SignalLock.Acquire();
                SignalQueue.Force(ref process.Signals, ref thread->Signals, SignalInfo.FromKernel(Signal.SIGSEGV),
                    fatal: info.Signal == Signal.SIGSEGV);
                process.SignalLock.Release(interrupts);
                continue;
            }
            handled = true;
            // Linux delivers one handler at a time (the next one after this handler's sigreturn).
            break;
        }
        if (!handled)
        {
            SyscallRestart.WithoutHandler(context, syscall);
            thread->Signals.RestoreMaskWithoutHandler();
        }
    }

    private static bool IsFaultSignal(int signal)
        => signal == Signal.SIGSEGV || signal == Signal.SIGBUS || signal == Signal.SIGFPE || signal == Signal.SIGILL || signal == Signal.SIGTRAP;

    // The one-line report when a fault kills a process (the process itself cannot say anything).
    private static void ReportIfFault(Process process, Thread* thread, in SignalInfo info, InterruptContext* context)
    {
        // Only a signal a CPU exception raised (UserFaults) has a trap to tell about.
        if (!IsFaultSignal(info.Signal) || thread->LastTrap.TrapNumber == NoTrap)
            return;
        TrapInfo trap = thread->LastTrap;
        thread->LastTrap.TrapNumber = NoTrap;
        Console.WriteLine($"kitten: pid {process.Pid} ({process.NameText}) killed by signal {info.Signal}: {ExceptionNames.Of(trap.TrapNumber)} at rip=0x{context->Rip:x} address=0x{trap.FaultAddress:x}");
    }

    // rt_sigreturn: restores the context the handler interrupted. False if the frame was bad (then the
    // process gets SIGSEGV).
    public static bool Return(Thread* thread, InterruptContext* context)
    {
        Kitten.Kernel.Signals.UserMemory memory = CurrentUserMemory;
        thread->SyscallNumber = -1; // the restored RAX is a result, not something to restart
        SigreturnResult result = SignalDelivery.Return(context, ref thread->Signals, in memory, s_mxcsrMask);
        if (result == SigreturnResult.Restored)
            return true;
        Process process = Process.Of(thread);
        bool interrupts = process.SignalLock.Acquire();
        SignalQueue.Force(ref process.Signals, ref thread->Signals, SignalInfo.FromKernel(Signal.SIGSEGV), fatal: false);
        process.SignalLock.Release(interrupts);
        return false;
    }

    private static Kitten.Kernel.Signals.UserMemory CurrentUserMemory => new Kitten.Kernel.Signals.UserMemory
    {
        CopyOut = &CopyOut,
        CopyIn = &CopyIn,
    };

    private static bool CopyOut(void* state, ulong user, void* source, ulong length) => UserMemory.CopyOut(user, source, length) == 0;

    private static bool CopyIn(void* state, void* destination, ulong user, ulong length) => UserMemory.CopyIn(destination, user, length) == 0;
}
