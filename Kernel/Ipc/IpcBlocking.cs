// How a thread waits in an IPC call. It keeps no kernel stack frames while it waits: its user registers at
// the top of its kernel stack are all there is to it (seL4's continuation style). Its SavedContext is set
// to a fresh call of Resume, which the scheduler runs if the thread is woken the ordinary way (a timeout, a
// signal, a partner on another CPU); a partner on the same CPU that completes the call instead switches to
// it directly and loads its user registers, results already in them, never running Resume at all.
//
// Everything here runs with interrupts off.
using System.Runtime;
using System.Runtime.CompilerServices;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Ipc;

internal static unsafe class IpcBlocking
{
    [RuntimeImport("kitten_resume_context")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern void ResumeContext(InterruptContext* context);

    // Called with IpcLock held, once t is queued or waits for a reply (its state says on what); releases the
    // lock. If `next` (a thread whose call this one just completed) waits on this CPU, the CPU goes straight
    // to it; otherwise it is woken and the CPU goes to whatever is ready. Returns the context to load.
    public static InterruptContext* Block(Thread* self, ThreadIpc* t, ThreadIpc* next, ulong deadline)
    {
        t->Deadline = deadline;
        PrepareContinuation(self);
        Scheduler.MarkCurrentBlocked(deadline);
        IpcLock.Release();
        // A signal sent before the thread counted as blocked woke nothing: wake it now (Resume sees it).
        if (Signaling.InterruptPending(self))
            Scheduler.Wake(self);
        if (next != null)
        {
            Thread* target = (Thread*)next->Thread;
            if (Scheduler.SwitchTo(target))
                return Finish(target, next);
            Scheduler.Wake(target);
        }
        return Scheduler.SwitchAway();
    }

    // The thread's call is complete (results in its registers) and it runs again, in its own address space:
    // an incoming long part is copied into its buffer. Returns its user registers. The copy never waits
    // (it may run under IpcLock, or on the stack of the thread that switched here): the buffer was checked
    // and committed when the call was made (IpcKernel.BufferWritable); if another thread unmapped it since,
    // the call says EFAULT.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InterruptContext* Finish(Thread* thread, ThreadIpc* t)
    {
        InterruptContext* registers = IpcKernel.UserRegisters(thread);
        t->Completed = false;
        t->Deadline = 0;
        if (t->InLong != null)
            CopyInLong(t, registers);
        return registers;
    }

    private static void CopyInLong(ThreadIpc* t, InterruptContext* registers)
    {
        if (UserMemory.CopyOutCommitted(registers->Rbx, t->InLong, t->InLength) != 0)
            registers->Rax = unchecked((ulong)-Errno.EFAULT);
        IpcPlatform.Free(t->InLong);
        t->InLong = null;
        t->InLength = 0;
    }

    // Resume(self), in kernel mode with interrupts off, on the thread's own stack just below its user
    // registers (RSP = registers - 8, where a called function finds it: the slot holds syscall.asm's return
    // address, which Resume never uses).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrepareContinuation(Thread* self)
    {
        InterruptContext* c = &self->SavedContext;
        c->Rip = (ulong)(delegate*<Thread*, void>)&Resume;
        c->Rdi = (ulong)self;
        c->Cs = Selectors.KernelCode;
        c->Ss = Selectors.KernelData;
        c->Rflags = 2;
        c->Rsp = (ulong)IpcKernel.UserRegisters(self) - 8;
    }

    // A waiting thread woken the ordinary way. Its call is complete, or it gives up (timeout: ETIMEDOUT; a
    // signal or the end of its process: EINTR), or it was woken for no reason it cares about and waits on.
    private static void Resume(Thread* self)
    {
        ThreadIpc* t = &self->Ipc;
        InterruptContext* registers = IpcKernel.UserRegisters(self);
        IpcLock.AcquireInCall();
        if (!t->Completed)
        {
            bool timedOut = self->TimedOut;
            if (timedOut || Signaling.InterruptPending())
            {
                IpcWaits.Abandon(t);
                registers->Rax = unchecked((ulong)(timedOut ? -Errno.ETIMEDOUT : -Errno.EINTR));
            }
            else if (t->Wait == IpcWait.None)
            {
                // A name lookup woken by a registration: look again, within what is left of its timeout.
                ulong deadline = t->Deadline;
                IpcLock.Release();
                ResumeContext(UserReturn.Prepare(IpcNames.Lookup(registers, deadline == 0 ? ulong.MaxValue : deadline, again: true)));
                return;
            }
            else
            {
                ResumeContext(Block(self, t, null, t->Deadline));
                return;
            }
        }
        Finish(self, t);
        IpcLock.Release();
        ResumeContext(UserReturn.Prepare(registers));
    }
}
