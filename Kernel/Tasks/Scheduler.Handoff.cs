// Switching for threads that block with a continuation (IPC, Kernel/Ipc/IpcBlocking.cs): such a thread has
// already written into its SavedContext how it resumes — a fresh kernel-mode call, not the context it is
// running in — so nothing is saved when it leaves the CPU, and the thread it hands the CPU to can be
// resumed at once, without a trip through the run queue (the direct switch of L4 and seL4's IPC fast path).
// All of this runs with interrupts off, on the blocking thread's stack until the returned context is loaded.
using System.Runtime.CompilerServices;
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Tasks;

internal static unsafe partial class Scheduler
{
    // Marks the current thread as waiting (until Wake, or the TSC deadline; 0 for none). It keeps running
    // until SwitchTo or SwitchAway; a Wake from now on makes it ready in this CPU's run queue.
    // A signal or kill is made pending before its sender's Wake, which reads the state under the run-queue
    // lock (a locked instruction: a full barrier); the fence here orders the state's store before the
    // caller's check for one (IpcBlocking.Block). So either the Wake finds the thread marked and readies
    // it, or the check sees what was sent (Dekker's argument: without the fence the store may pass the
    // later load, Intel SDM vol. 3A, "Loads May Be Reordered with Earlier Stores to Different Locations",
    // and both could miss). No lock is needed for the store itself: a Wake writes the state only once it
    // has seen it Blocked, after this store. A Wake that came while the thread still ran (WakeRequested)
    // was for a wait it is no longer in: IPC re-checks its own conditions whenever the thread is woken.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MarkCurrentBlocked(ulong deadlineTsc)
    {
        CpuLocal* cpu = CpuLocal.Current;
        Thread* self = cpu->Running;
        self->TimedOut = false;
        self->WakeRequested = false;
        self->State = deadlineTsc != 0 ? ThreadState.Sleeping : ThreadState.Blocked;
        Runtime.Atomic.FullFence();
        if (deadlineTsc != 0)
        {
            self->WakeTsc = deadlineTsc;
            AddTimer(cpu, self);
        }
    }

    // Runs `next`, a waiting thread of this CPU, in place of the current (marked blocked) one; it gets the
    // rest of the time slice. False if `next` is not waiting any more (a wake-up put it in the run queue;
    // it runs from there). The caller then loads next's context of its choice.
    public static bool SwitchTo(Thread* next)
    {
        CpuLocal* cpu = CpuLocal.Current;
        if (next->Cpu != cpu->Index)
            return false;
        Thread* previous = cpu->Running;
        cpu->Queue.Lock.AcquireInterruptsOff();
        if (next->State != ThreadState.Blocked && next->State != ThreadState.Sleeping)
        {
            cpu->Queue.Lock.Release(false);
            return false;
        }
        next->State = ThreadState.Running;
        cpu->Running = next;
        cpu->Queue.Lock.Release(false);
        Enter(cpu, previous, next);
        return true;
    }

    // Leaves the current (marked blocked) thread for the next ready one, or the idle thread; returns the
    // context to load.
    public static InterruptContext* SwitchAway()
    {
        CpuLocal* cpu = CpuLocal.Current;
        Thread* previous = cpu->Running;
        cpu->Queue.Lock.AcquireInterruptsOff();
        Thread* next = cpu->Queue.Dequeue();
        if (next == null)
            next = cpu->Idle;
        next->State = ThreadState.Running;
        cpu->Running = next;
        cpu->Queue.Lock.Release(false);
        cpu->SliceEnd = Cpu.ReadTsc() + s_sliceTicks;
        Enter(cpu, previous, next);
        return &next->SavedContext;
    }

    // The bookkeeping of Switch for a thread that starts running: CPU time, its timer entry, the timer,
    // its kernel stack and address space.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Enter(CpuLocal* cpu, Thread* previous, Thread* next)
    {
        ulong now = Cpu.ReadTsc();
        previous->CpuTicks += now - previous->LastStart;
        next->LastStart = now;
        if (next->InTimerQueue)
            RemoveTimer(cpu, next);
        RearmTimer(cpu, now);
        cpu->ContextSwitches++;
        cpu->KernelStackTop = next->StackTop;
        cpu->Tables->Tss.Rsp0 = next->StackTop;
        LoadAddressSpace(next);
    }
}
