// The last step before the kernel returns to user space (after a system call, an interrupt or an
// exception from ring 3): pending signals are acted on here — a handler frame is set up, or the process
// ends. A thread whose process must end does not go back to its program; its context becomes a kernel-mode
// call of ThreadLifecycle's exit on its own kernel stack.
using System.Runtime.CompilerServices;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Processes;

internal static unsafe class UserReturn
{
    public static InterruptContext* Prepare(InterruptContext* context)
    {
        if (!context->FromUserMode)
            return context;
        Thread* thread = CpuLocal.Current->Running;
        if (thread->Owner == 0)
            return context;
        if (thread->KillStatus == 0)
        {
            if (NothingToDo(thread, (long)context->Rax))
            {
                thread->SyscallNumber = -1;
                return context;
            }
            Signaling.DeliverPending(thread, context);
        }
        if (thread->KillStatus != 0)
            RedirectToExit(thread, context, thread->KillStatus);
        return context;
    }

    // The return from a call that never asks to be restarted (Kitten's own calls, Kernel/Ipc, which leave
    // SyscallNumber at -1): with no signal to deliver, no mask to put back and the thread not being ended,
    // there is nothing to do. A signal sent from now on interrupts the thread once it is back in user
    // space (the caller has interrupts off, so the sender's IPI waits until then).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InterruptContext* PrepareAfterNonRestartingCall(InterruptContext* context)
    {
        if (!context->FromUserMode)
            return context;
        Thread* thread = CpuLocal.Current->Running;
        // Its result is never a restart code, so 0 stands in for it.
        if (thread->Owner == 0 || !NothingToDo(thread, 0))
            return Prepare(context);
        return context;
    }

    // Nearly every return to user space finds nothing to do: the thread is not being ended, no signal is
    // deliverable, no mask is to be restored, and `result` (the system call's) asks for no restart. That
    // is decided inline and without the signal lock: a signal queued after this look comes with an
    // interrupt whose own return to user space delivers it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool NothingToDo(Thread* thread, long result)
        => thread->KillStatus == 0 && !thread->Signals.RestoreSavedMask && !Signals.RestartErrno.IsRestartCode(result)
            && !thread->Signals.HasDeliverable(in Process.Of(thread).Signals);

    // Asks for the thread's process to end with this wait status the next time it would return to user
    // space.
    public static void Kill(Thread* thread, int waitStatus)
    {
        if (thread->KillStatus == 0)
            thread->KillStatus = waitStatus == 0 ? ProcessLifecycle.SignaledStatus(9) : waitStatus;
    }

    private static void RedirectToExit(Thread* thread, InterruptContext* context, int waitStatus)
    {
        context->Cs = Selectors.KernelCode;
        context->Ss = Selectors.KernelData;
        context->Rip = (ulong)(delegate*<int, void>)&ExitFromKernel;
        context->Rdi = (ulong)(uint)waitStatus;
        context->Rflags = Cpu.InterruptFlag | 2;
        context->Rsp = thread->StackTop - 8;
        *(ulong*)context->Rsp = 0;
    }

    private static void ExitFromKernel(int waitStatus)
    {
        if (waitStatus == ThreadLifecycle.EndThreadAlone)
            ThreadLifecycle.ExitThread(0);
        ThreadLifecycle.ExitGroup(waitStatus);
    }
}
