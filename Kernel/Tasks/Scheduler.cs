// Per-CPU scheduling, the LWK way: each CPU runs its own queue of threads, round-robin; a thread moves to
// another CPU only when asked. Tickless: the local APIC timer is armed only for the nearest real deadline
// (a sleeper's wake-up, or the end of a time slice when another thread is waiting for this CPU), so a CPU
// with one runnable thread takes no timer interrupt at all, and an idle CPU halts.
//
// Every switch happens in the interrupt path: Switch() is given the interrupted context, saves it into
// the running thread and returns the context of the thread to resume.
using System.Runtime.CompilerServices;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Tasks;

internal static unsafe partial class Scheduler
{
    private static ulong s_sliceTicks;
    private static bool s_tscDeadline;

    public static Thread* CurrentThread => CpuLocal.Current->Running;

    // Called once on the boot CPU after the timers are calibrated.
    public static void Initialize()
    {
        s_sliceTicks = TimeBase.TscHz / 100; // 10 ms
        s_tscDeadline = LocalApic.HasTscDeadline;
        InterruptDispatcher.Register(InterruptVectors.Timer, &OnTimer);
        InterruptDispatcher.Register(InterruptVectors.Reschedule, &OnRescheduleIpi);
    }

    public static bool UsesTscDeadline => s_tscDeadline;

    // Makes the code running on this CPU its first thread (the boot thread, or an AP's start-up thread)
    // and creates its idle thread.
    // (On an application processor the two are the same thread: its start-up code becomes its idle loop.)
    public static void StartOnThisCpu(Thread* current, Thread* idle)
    {
        CpuLocal* cpu = CpuLocal.Current;
        idle->Cpu = cpu->Index;
        idle->IsIdle = true;
        idle->State = ThreadState.Ready;
        if (idle != current)
            Threads.PrepareContext(idle, (ulong)(delegate*<void>)&IdleLoop, 0);
        current->State = ThreadState.Running;
        current->Cpu = cpu->Index;
        current->LastStart = Cpu.ReadTsc();
        cpu->Running = current;
        cpu->Idle = idle;
        cpu->KernelStackTop = current->StackTop;
        cpu->Tables->Tss.Rsp0 = current->StackTop;
        if (s_tscDeadline)
            LocalApic.UseTscDeadline(InterruptVectors.Timer);
    }

    // What a CPU runs when no thread is ready: halt until an interrupt. Checking the queue with
    // interrupts off and halting with STI;HLT (see cpu.asm) loses no wake-up.
    public static void IdleLoop()
    {
        CpuLocal* cpu = CpuLocal.Current;
        for (; ; )
        {
            Cpu.DisableInterrupts();
            if (!cpu->Queue.IsEmpty)
                Yield();
            else
                Cpu.EnableInterruptsAndHalt();
        }
    }

    // ---- entry points from the interrupt dispatcher ----

    public static InterruptContext* Switch(InterruptContext* context)
    {
        CpuLocal* cpu = CpuLocal.Current;
        cpu->NeedReschedule = false;
        Thread* previous = cpu->Running;
        ulong now = Cpu.ReadTsc();
        previous->CpuTicks += now - previous->LastStart;

        cpu->Queue.Lock.Acquire();
        if (previous->ExitRequested)
            previous->State = ThreadState.Exited;
        else if (previous->State == ThreadState.Running && !previous->IsIdle)
        {
            previous->State = ThreadState.Ready;
            if (previous->MigrateTo >= 0 && previous->MigrateTo != cpu->Index)
            {
                // Its context must be saved before another CPU can pick it up.
                SaveContext(previous, context);
                cpu->Queue.Lock.Release(false);
                MoveToCpu(previous, previous->MigrateTo);
                cpu->Queue.Lock.Acquire();
                context = null;
            }
            else
            {
                cpu->Queue.Enqueue(previous);
                NoteReady(previous, ReadyReason.Preempted);
            }
        }
        Thread* next = cpu->Queue.Dequeue();
        if (next == null)
            next = cpu->Idle;
        next->State = ThreadState.Running;
        cpu->Running = next;
        cpu->SliceEnd = now + s_sliceTicks;
        cpu->Queue.Lock.Release(false);

        // A sleeper woken early (from another CPU) may still sit in this CPU's timer queue.
        if (next->InTimerQueue)
            RemoveTimer(cpu, next);
        next->LastStart = now;
        RearmTimer(cpu, now);

        if (previous->State == ThreadState.Exited)
        {
            // Nothing runs on its stack any more: it can be freed, or its joiner told.
            if (previous->Detached)
                Threads.Free(previous);
            else
                previous->ExitWaiters.WakeAll();
        }
        else if (next == previous && context != null)
        {
            return context;
        }
        else if (context != null)
        {
            SaveContext(previous, context);
        }
        cpu->ContextSwitches++;
        cpu->KernelStackTop = next->StackTop;
        cpu->Tables->Tss.Rsp0 = next->StackTop;
        LoadAddressSpace(next);
        return &next->SavedContext;
    }

    // A user thread runs on its process's page tables and TLS base; a kernel thread on the kernel's own
    // tables (never on a process's, which may be freed while the kernel thread runs).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadAddressSpace(Thread* next)
    {
        ulong wanted = next->Cr3 != 0 ? next->Cr3 : Memory.KernelPageTables.Table.RootPhysical;
        if ((Cpu.ReadCr3() & ~0xFFFUL) != wanted)
            Cpu.WriteCr3(wanted);
        if (next->IsUser)
            Cpu.WriteMsr(FsBaseMsr, next->FsBase);
    }

    private const uint FsBaseMsr = 0xC0000100;

    private static void AddTimer(CpuLocal* cpu, Thread* thread)
    {
        cpu->Timers.Insert(thread);
        thread->InTimerQueue = true;
    }

    private static void RemoveTimer(CpuLocal* cpu, Thread* thread)
    {
        cpu->Timers.Remove(thread);
        thread->InTimerQueue = false;
    }

    private static void SaveContext(Thread* thread, InterruptContext* context)
    {
        Runtime.MemoryOps.Move((byte*)&thread->SavedContext, (byte*)context, (nuint)sizeof(InterruptContext));
    }

    private static InterruptContext* OnTimer(InterruptContext* context)
    {
        CpuLocal* cpu = CpuLocal.Current;
        cpu->TimerInterrupts++;
        cpu->ArmedDeadline = 0;
        ulong now = Cpu.ReadTsc();
        Thread* expired;
        while ((expired = cpu->Timers.PopExpired(now)) != null)
        {
            expired->InTimerQueue = false;
            if (expired->State == ThreadState.Sleeping)
            {
                expired->TimedOut = true;
                MakeReady(cpu, expired, ReadyReason.TimerExpired);
            }
        }
        if (!cpu->Queue.IsEmpty && (cpu->Running->IsIdle || now >= cpu->SliceEnd))
            cpu->NeedReschedule = true;
        RearmTimer(cpu, now);
        return context;
    }

    private static InterruptContext* OnRescheduleIpi(InterruptContext* context)
    {
        CpuLocal* cpu = CpuLocal.Current;
        cpu->RescheduleIpis++;
        if (cpu->Running->IsIdle)
            cpu->NeedReschedule = true;
        else
            RearmTimer(cpu, Cpu.ReadTsc()); // another thread waits here now: bound the current slice
        return context;
    }

    // The one place that programs this CPU's timer: the earliest sleeper, or the end of the slice if a
    // thread is waiting for the CPU; nothing otherwise.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RearmTimer(CpuLocal* cpu, ulong now)
    {
        ulong deadline = cpu->Timers.EarliestDeadline;
        if (!cpu->Queue.IsEmpty && !cpu->Running->IsIdle && cpu->SliceEnd < deadline)
            deadline = cpu->SliceEnd;
        // ArmedDeadline 0: nothing armed (the timer was stopped, or it fired).
        if ((deadline == ulong.MaxValue ? 0 : deadline) != cpu->ArmedDeadline)
            ProgramTimer(cpu, deadline, now);
    }

    private static void ProgramTimer(CpuLocal* cpu, ulong deadline, ulong now)
    {
        cpu->ArmedDeadline = deadline == ulong.MaxValue ? 0 : deadline;
        if (deadline == ulong.MaxValue)
        {
            if (s_tscDeadline)
                LocalApic.SetTscDeadline(0);
            else
                LocalApic.StopTimer();
            return;
        }
        if (s_tscDeadline)
        {
            LocalApic.SetTscDeadline(deadline);
            return;
        }
        ulong ticks = deadline > now ? deadline - now : 1;
        LocalApic.ArmOneShot(InterruptVectors.Timer, TimeBase.NanosecondsToApicTicks(TimeBase.TscToNanoseconds(ticks)));
    }

    // ---- blocking and waking ----

    // Blocks the current thread, releasing `held` (a lock the caller holds, with interrupts off) only once
    // the thread is marked blocked, so that a wake-up cannot slip in between. deadlineTsc: 0 for none.
    // A Wake that came while the thread was still running (from another CPU, or a signal it sent itself)
    // makes this return at once: callers wait in loops that re-check their condition.
    public static void BlockCurrent(SpinLock* held, ulong deadlineTsc)
    {
        bool interrupts = Cpu.InterruptsEnabled;
        Cpu.DisableInterrupts();
        CpuLocal* cpu = CpuLocal.Current;
        Thread* self = cpu->Running;
        self->TimedOut = false;
        // Under the run-queue lock, which a Wake from another CPU also takes to look at the state.
        cpu->Queue.Lock.Acquire();
        if (self->WakeRequested)
        {
            self->WakeRequested = false;
            cpu->Queue.Lock.Release(false);
            if (held != null)
                held->Release(false);
            if (interrupts)
                Cpu.EnableInterrupts();
            return;
        }
        self->State = deadlineTsc != 0 ? ThreadState.Sleeping : ThreadState.Blocked;
        cpu->Queue.Lock.Release(false);
        if (deadlineTsc != 0)
        {
            self->WakeTsc = deadlineTsc;
            AddTimer(cpu, self);
        }
        if (held != null)
            held->Release(false);
        Yield();
        if (interrupts)
            Cpu.EnableInterrupts();
    }

    // A kernel thread's sleep: at least this long (early wake-ups go back to sleep).
    public static void Sleep(ulong nanoseconds)
    {
        ulong ticks = nanoseconds * (TimeBase.TscHz / 1000) / 1_000_000;
        ulong deadline = Cpu.ReadTsc() + (ticks == 0 ? 1 : ticks);
        while (Cpu.ReadTsc() < deadline)
            BlockCurrent(null, deadline);
    }

    // Makes a blocked or sleeping thread ready on its own CPU. A thread that is not waiting yet (running,
    // or ready) is marked so that its next BlockCurrent does not block: no wake-up is lost to the race
    // between checking a condition and blocking on it.
    public static void Wake(Thread* thread) => Wake(thread, interruptUser: false);

    // As Wake, and a thread running on another CPU is interrupted (a reschedule IPI), so that it passes
    // through the return-to-user path and notices a signal or the end of its process.
    public static void Interrupt(Thread* thread) => Wake(thread, interruptUser: true);

    private static void Wake(Thread* thread, bool interruptUser)
    {
        bool interrupts = Cpu.InterruptsEnabled;
        Cpu.DisableInterrupts();
        CpuLocal* here = CpuLocal.Current;
        CpuLocal* target = Smp.CpuAt(thread->Cpu);
        if (target == here)
        {
            if (thread->InTimerQueue)
                RemoveTimer(here, thread);
            if (thread->State == ThreadState.Blocked || thread->State == ThreadState.Sleeping)
            {
                MakeReady(here, thread, ReadyReason.WokenHere);
                if (here->Running->IsIdle)
                    here->NeedReschedule = true;
                RearmTimer(here, Cpu.ReadTsc());
            }
            else if (thread->State != ThreadState.Exited)
            {
                thread->WakeRequested = true;
            }
        }
        else
        {
            // The sleeper's timer entry belongs to its CPU; that CPU drops it when the thread runs.
            bool woke = false, running = false;
            target->Queue.Lock.Acquire();
            if (thread->State == ThreadState.Blocked || thread->State == ThreadState.Sleeping)
            {
                thread->State = ThreadState.Ready;
                target->Queue.Enqueue(thread);
                NoteReady(thread, ReadyReason.WokenRemotely);
                woke = true;
            }
            else if (thread->State != ThreadState.Exited)
            {
                thread->WakeRequested = true;
                running = thread->State == ThreadState.Running;
            }
            target->Queue.Lock.Release(false);
            if (woke || (running && interruptUser))
                LocalApic.SendIpi(target->ApicId, InterruptVectors.Reschedule);
        }
        if (interrupts)
            Cpu.EnableInterrupts();
    }

    private static void MakeReady(CpuLocal* cpu, Thread* thread, ReadyReason reason)
    {
        cpu->Queue.Lock.Acquire();
        if (thread->State == ThreadState.Blocked || thread->State == ThreadState.Sleeping)
        {
            thread->State = ThreadState.Ready;
            cpu->Queue.Enqueue(thread);
            NoteReady(thread, reason);
        }
        cpu->Queue.Lock.Release(false);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NoteReady(Thread* thread, ReadyReason reason)
    {
        thread->LastReady = reason;
        thread->LastReadyTsc = Cpu.ReadTsc();
        Thread* running = CpuLocal.Current->Running;
        thread->LastReadyRunning = running->IsIdle ? -1 : running->Tid;
    }

    private static void MoveToCpu(Thread* thread, int cpuIndex)
    {
        CpuLocal* target = Smp.CpuAt(cpuIndex);
        thread->Cpu = cpuIndex;
        thread->MigrateTo = -1;
        target->Queue.Lock.Acquire();
        thread->State = ThreadState.Ready;
        target->Queue.Enqueue(thread);
        NoteReady(thread, ReadyReason.Migrated);
        target->Queue.Lock.Release(false);
        LocalApic.SendIpi(target->ApicId, InterruptVectors.Reschedule);
    }

    // Gives up the CPU to the next ready thread on it (software interrupt INT Yield).
    [System.Runtime.RuntimeImport("cpu_yield")]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
    public static extern void Yield();
}
