// Wait queues and run queues together: a thread that a signal or its deadline woke is in its CPU's run
// queue before it takes itself off the wait queue it slept on (WaitQueue.WaitUntil). A wake-up on that
// wait queue in between must leave the run queue whole.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.SelfTest;

namespace Kitten.Kernel.Tasks;

internal static unsafe partial class TaskSelfTests
{
    private struct TwoQueues
    {
        public WaitQueue First;
        public WaitQueue Second;
        public int Ran;     // read after Scheduler.Yield, a call the compiler cannot see through
    }

    private static void WaitOnce(WaitQueue* queue, TwoQueues* shared)
    {
        bool interrupts = queue->Lock.Acquire();
        queue->Wait();
        queue->Lock.Release(interrupts);
        Runtime.Atomic.FetchAdd(&shared->Ran, 1);
    }

    private static void WaitOnFirst(void* argument) => WaitOnce(&((TwoQueues*)argument)->First, (TwoQueues*)argument);

    private static void WaitOnSecond(void* argument) => WaitOnce(&((TwoQueues*)argument)->Second, (TwoQueues*)argument);

    private static void WakeOfAThreadWokenOtherwise(ref TestContext t)
    {
        // Everything on this CPU, so that nothing else runs while the queues are set up.
        int cpu = CpuLocal.Current->Index;
        var shared = (TwoQueues*)Memory.KernelHeap.AllocateZeroed((ulong)sizeof(TwoQueues));
        Thread* a = Threads.Create(&WaitOnFirst, shared, cpu, "waits-first");
        Thread* b = Threads.Create(&WaitOnSecond, shared, cpu, "waits-second");
        ulong deadline = Cpu.ReadTsc() + Ms(1000);
        while ((a->State != ThreadState.Blocked || b->State != ThreadState.Blocked) && Cpu.ReadTsc() < deadline)
            Scheduler.Yield();
        t.Check(a->State == ThreadState.Blocked && b->State == ThreadState.Blocked, "the two threads did not wait");

        bool interrupts = Cpu.InterruptsEnabled;
        Cpu.DisableInterrupts();
        Scheduler.Wake(a);          // as a signal does: A is ready, and still on the first queue
        shared->Second.WakeOne();   // B is ready, behind A in the run queue
        shared->First.WakeOne();    // takes A off the first queue
        if (interrupts)
            Cpu.EnableInterrupts();

        deadline = Cpu.ReadTsc() + Ms(1000);
        while (shared->Ran < 2 && Cpu.ReadTsc() < deadline)
            Scheduler.Yield();
        t.Equal(2, shared->Ran, "threads that ran after the wake-ups");
        if (shared->Ran == 2)
        {
            Threads.Join(a);
            Threads.Join(b);
            Memory.KernelHeap.Free(shared);
        }
    }
}
