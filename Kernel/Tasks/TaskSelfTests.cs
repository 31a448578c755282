// Threads and the scheduler, on as many CPUs as the machine has (boot tests run these on 1 and 4 CPUs).
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Runtime;
using Kitten.Kernel.SelfTest;
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Tasks;

internal static unsafe partial class TaskSelfTests
{
    public static void Register(SelfTestList tests)
    {
        tests.Add("tasks.create_join_on_every_cpu", &CreateJoinOnEveryCpu);
        tests.Add("tasks.yield_alternates", &YieldAlternates);
        tests.Add("tasks.time_slices_share_a_cpu", &TimeSlicesShareACpu);
        tests.Add("tasks.sleep_wakes_on_time", &SleepWakesOnTime);
        tests.Add("tasks.blocked_thread_uses_no_cpu", &BlockedThreadUsesNoCpu);
        tests.Add("tasks.wake_from_another_cpu", &WakeFromAnotherCpu);
        tests.Add("tasks.timed_wait_times_out", &TimedWaitTimesOut);
        tests.Add("tasks.wait_queue_wake_of_a_thread_woken_otherwise", &WakeOfAThreadWokenOtherwise);
        tests.Add("tasks.migrate_on_request", &MigrateOnRequest);
        tests.Add("tasks.detached_thread_frees_itself", &DetachedThreadFreesItself);
        tests.Add("tasks.spinlock_counts_across_cpus", &SpinlockCountsAcrossCpus);
        tests.Add("tasks.tickless_single_thread_takes_no_timer_irq", &TicklessSingleThread);
        tests.Add("tasks.timer_armed_only_for_deadlines", &TimerArmedOnlyForDeadlines);
    }

    // The CPU tests run their workers on: not the boot CPU when there is another.
    private static int OtherCpu(int n = 1) => Smp.CpuCount == 1 ? 0 : 1 + (n - 1) % (Smp.CpuCount - 1);

    private static ulong Ms(ulong milliseconds) => TimeBase.TscHz / 1000 * milliseconds;

    private struct Shared
    {
        public long Counter;
        public int Ran;
        public int CpuSeen;
        public int CpuAfter;
        public volatile int Flag;
        public fixed byte Log[64];
        public int LogLength;
        public SpinLock Lock;
        public WaitQueue Waiters;
        public ulong Value;
    }

    private static Shared* NewShared() => (Shared*)Memory.KernelHeap.AllocateZeroed((ulong)sizeof(Shared));

    // ---- create, join ----

    private static void RecordCpu(void* argument)
    {
        var slot = (int*)argument;
        *slot = CpuLocal.Current->Index + 1;
    }

    private static void CreateJoinOnEveryCpu(ref TestContext t)
    {
        int count = Smp.CpuCount;
        var seen = stackalloc int[Smp.MaxCpus];
        var threads = stackalloc Thread*[Smp.MaxCpus];
        for (int i = 0; i < count; i++)
        {
            seen[i] = 0;
            threads[i] = Threads.Create(&RecordCpu, &seen[i], i, "create-join");
        }
        for (int i = 0; i < count; i++)
            Threads.Join(threads[i]);
        for (int i = 0; i < count; i++)
            t.Equal(i + 1, seen[i], "CPU the thread ran on (+1)");
    }

    // ---- yield and time slices ----

    private static void YieldLetter(void* argument)
    {
        var shared = (Shared*)((ulong)argument & ~1UL);
        byte letter = ((ulong)argument & 1) == 0 ? (byte)'A' : (byte)'B';
        while (shared->Flag == 0) // start together
            Scheduler.Yield();
        for (int i = 0; i < 4; i++)
        {
            shared->Log[shared->LogLength++] = letter;
            Scheduler.Yield();
        }
    }

    private static void YieldAlternates(ref TestContext t)
    {
        Shared* shared = NewShared();
        int cpu = OtherCpu();
        Thread* a = Threads.Create(&YieldLetter, shared, cpu, "yield-a");
        Thread* b = Threads.Create(&YieldLetter, (void*)((ulong)shared | 1), cpu, "yield-b");
        shared->Flag = 1;
        Threads.Join(a);
        Threads.Join(b);
        bool alternates = shared->LogLength == 8;
        for (int i = 1; i < shared->LogLength; i++)
            alternates &= shared->Log[i] != shared->Log[i - 1];
        t.Check(alternates, "two yielding threads on one CPU did not alternate");
        Memory.KernelHeap.Free(shared);
    }

    private static void SpinUntilFlag(void* argument)
    {
        var shared = (Shared*)argument;
        while (shared->Flag == 0)
            Atomic.FetchAdd(&shared->Counter, 1);
    }

    private static void CountUntilFlag(void* argument)
    {
        var shared = (Shared*)argument;
        while (shared->Flag == 0)
            shared->Value++;
    }

    private static void TimeSlicesShareACpu(ref TestContext t)
    {
        Shared* shared = NewShared();
        int cpu = OtherCpu();
        Thread* a = Threads.Create(&SpinUntilFlag, shared, cpu, "slice-a");
        Thread* b = Threads.Create(&CountUntilFlag, shared, cpu, "slice-b");
        Scheduler.Sleep(60_000_000); // several 10 ms slices
        long counterMidway = shared->Counter;
        ulong valueMidway = shared->Value;
        shared->Flag = 1;
        Threads.Join(a);
        Threads.Join(b);
        t.Check(counterMidway > 0 && valueMidway > 0, "two CPU-bound threads on one CPU did not both run");
        Memory.KernelHeap.Free(shared);
    }

    // ---- sleeping and waiting ----

    private static void SleepWakesOnTime(ref TestContext t)
    {
        ulong start = Cpu.ReadTsc();
        Scheduler.Sleep(2_000_000);
        ulong elapsed = Cpu.ReadTsc() - start;
        t.InRange(elapsed, Ms(2) * 9 / 10, Ms(1000), "ticks slept for 2 ms");
    }

    private static void WaitForFlag(void* argument)
    {
        var shared = (Shared*)argument;
        shared->CpuSeen = CpuLocal.Current->Index;
        bool interrupts = shared->Waiters.Lock.Acquire();
        shared->Ran = 1;
        while (shared->Flag == 0)
            shared->Waiters.Wait();
        shared->Waiters.Lock.Release(interrupts);
        shared->CpuAfter = CpuLocal.Current->Index;
    }

    private static void SetFlagAndWake(Shared* shared)
    {
        bool interrupts = shared->Waiters.Lock.Acquire();
        shared->Flag = 1;
        shared->Waiters.Lock.Release(interrupts);
        shared->Waiters.WakeAll();
    }

    private static void WaitUntilRan(Shared* shared)
    {
        while (Volatile(&shared->Ran) == 0)
            Scheduler.Sleep(100_000);
    }

    private static int Volatile(int* location) => Atomic.CompareExchange(location, 0, 0);

    private static void BlockedThreadUsesNoCpu(ref TestContext t)
    {
        Shared* shared = NewShared();
        Thread* waiter = Threads.Create(&WaitForFlag, shared, OtherCpu(), "blocked");
        WaitUntilRan(shared);
        Scheduler.Sleep(1_000_000);
        ulong ticksBefore = waiter->CpuTicks;
        Scheduler.Sleep(20_000_000);
        ulong ticksAfter = waiter->CpuTicks;
        t.Equal((ulong)ThreadState.Blocked, (ulong)waiter->State, "state of the waiting thread");
        t.Equal(ticksBefore, ticksAfter, "CPU ticks used while blocked");
        SetFlagAndWake(shared);
        Threads.Join(waiter);
        Memory.KernelHeap.Free(shared);
    }

    private static void WakeFromAnotherCpu(ref TestContext t)
    {
        Shared* shared = NewShared();
        int cpu = OtherCpu();
        ulong ipisBefore = Smp.CpuAt(cpu)->RescheduleIpis;
        Thread* waiter = Threads.Create(&WaitForFlag, shared, cpu, "woken");
        WaitUntilRan(shared);
        Scheduler.Sleep(1_000_000);
        SetFlagAndWake(shared);
        Threads.Join(waiter);
        t.Equal(cpu, shared->CpuAfter, "CPU the woken thread continued on");
        if (cpu != CpuLocal.Current->Index)
            t.Check(Smp.CpuAt(cpu)->RescheduleIpis > ipisBefore, "no reschedule IPI reached the sleeping CPU");
        Memory.KernelHeap.Free(shared);
    }

    private static void TimedWaitTimesOut(ref TestContext t)
    {
        var queue = (WaitQueue*)Memory.KernelHeap.AllocateZeroed((ulong)sizeof(WaitQueue));
        ulong start = Cpu.ReadTsc();
        bool interrupts = queue->Lock.Acquire();
        bool woken = queue->WaitUntil(start + Ms(3));
        queue->Lock.Release(interrupts);
        ulong elapsed = Cpu.ReadTsc() - start;
        t.Check(!woken, "a wait nobody ended reported a wake-up");
        t.InRange(elapsed, Ms(3) * 9 / 10, Ms(1000), "ticks waited for a 3 ms deadline");
        t.Check(!queue->HasWaiters, "the timed-out waiter is still queued");
        Memory.KernelHeap.Free(queue);
    }

    // ---- placement ----

    private static void MoveSelf(void* argument)
    {
        var shared = (Shared*)argument;
        shared->CpuSeen = CpuLocal.Current->Index;
        Threads.Migrate(Threads.Current, (int)shared->Value);
        shared->CpuAfter = CpuLocal.Current->Index;
    }

    private static void MigrateOnRequest(ref TestContext t)
    {
        Shared* shared = NewShared();
        int from = OtherCpu(1);
        int to = Smp.CpuCount > 2 ? OtherCpu(2) : 0;
        shared->Value = (ulong)to;
        Thread* mover = Threads.Create(&MoveSelf, shared, from, "migrant");
        Threads.Join(mover);
        t.Equal(from, shared->CpuSeen, "CPU before migration");
        t.Equal(to, shared->CpuAfter, "CPU after migration");
        Memory.KernelHeap.Free(shared);
    }

    private static void Nothing(void* argument) => *(int*)argument = 1;

    private static void DetachedThreadFreesItself(ref TestContext t)
    {
        int ran = 0;
        ulong allocationsBefore = Memory.KernelHeap.AllocationCount;
        Threads.Create(&Nothing, &ran, OtherCpu(), "detached", detached: true);
        ulong deadline = Cpu.ReadTsc() + Ms(100);
        while ((Memory.KernelHeap.AllocationCount != allocationsBefore || Volatile(&ran) == 0) && Cpu.ReadTsc() < deadline)
            Scheduler.Sleep(200_000);
        t.Equal(1, ran, "the detached thread ran");
        t.Equal(allocationsBefore, Memory.KernelHeap.AllocationCount, "heap allocations after it exited");
    }

    // ---- locks ----

    private const int Increments = 20000;

    private static void IncrementUnderLock(void* argument)
    {
        var shared = (Shared*)argument;
        for (int i = 0; i < Increments; i++)
        {
            bool interrupts = shared->Lock.Acquire();
            shared->Counter = shared->Counter + 1; // not atomic on purpose: the lock must protect it
            shared->Lock.Release(interrupts);
        }
    }

    private static void SpinlockCountsAcrossCpus(ref TestContext t)
    {
        Shared* shared = NewShared();
        int count = Smp.CpuCount;
        var threads = stackalloc Thread*[Smp.MaxCpus];
        for (int i = 0; i < count; i++)
            threads[i] = Threads.Create(&IncrementUnderLock, shared, i, "locker");
        for (int i = 0; i < count; i++)
            Threads.Join(threads[i]);
        t.Equal((ulong)(count * Increments), (ulong)shared->Counter, "increments under the lock");
        Memory.KernelHeap.Free(shared);
    }

    // ---- tickless ----

    private static void SpinAlone(void* argument)
    {
        var shared = (Shared*)argument;
        CpuLocal* cpu = CpuLocal.Current;
        ulong timerBefore = cpu->TimerInterrupts;
        ulong entriesBefore = cpu->KernelEntries;
        ulong end = Cpu.ReadTsc() + Ms(20);
        while (Cpu.ReadTsc() < end)
        {
        }
        shared->Value = cpu->TimerInterrupts - timerBefore;
        shared->Counter = (long)(cpu->KernelEntries - entriesBefore);
    }

    private static void TicklessSingleThread(ref TestContext t)
    {
        Shared* shared = NewShared();
        Thread* spinner = Threads.Create(&SpinAlone, shared, OtherCpu(), "tickless");
        Threads.Join(spinner);
        t.Equal(0, shared->Value, "timer interrupts while one thread ran alone for 20 ms");
        if (Smp.CpuCount > 1)
            t.Equal(0, (ulong)shared->Counter, "kernel entries on that CPU meanwhile");
        Memory.KernelHeap.Free(shared);
    }

    private static void SleepFor(void* argument) => Scheduler.Sleep((ulong)argument);

    private static void TimerArmedOnlyForDeadlines(ref TestContext t)
    {
        int cpu = OtherCpu();
        CpuLocal* target = Smp.CpuAt(cpu);
        ulong before = target->TimerInterrupts;
        Thread* a = Threads.Create(&SleepFor, (void*)1_000_000UL, cpu, "sleep-1ms");
        Thread* b = Threads.Create(&SleepFor, (void*)3_000_000UL, cpu, "sleep-3ms");
        Threads.Join(a);
        Threads.Join(b);
        ulong forDeadlines = target->TimerInterrupts - before;
        // One interrupt per deadline, or one for both if the host delayed the first past the second.
        t.InRange(forDeadlines, 1, cpu == CpuLocal.Current->Index ? 3UL : 2UL, "timer interrupts for two sleepers");
        if (cpu != CpuLocal.Current->Index)
        {
            ulong idleBefore = target->TimerInterrupts;
            Scheduler.Sleep(10_000_000); // a periodic tick would show up on the idle CPU meanwhile
            t.Equal(idleBefore, target->TimerInterrupts, "timer interrupts on an idle CPU in 10 ms");
        }
    }
}
