// Creating, ending and joining kernel threads.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Diagnostics;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Runtime;

namespace Kitten.Kernel.Tasks;

internal static unsafe class Threads
{
    public const ulong DefaultStackSize = 32 * 1024;

    // FXSAVE defaults (Intel SDM vol. 1, 10.5.1): x87 control word 0x37F, MXCSR 0x1F80 (all SIMD
    // exceptions masked). A zeroed save area would unmask them.
    private const int FxSaveControlWord = 0;
    private const int FxSaveMxcsr = 24;

    private static int s_nextId;

    // A thread that will run entry(argument) on the given CPU once the scheduler gets to it.
    public static Thread* Create(delegate*<void*, void> entry, void* argument, int cpu, string name, bool detached = false)
    {
        if (cpu < 0 || cpu >= Smp.CpuCount)
            Panic.Fail("thread created for a CPU that does not exist");
        Thread* thread = Allocate(name, DefaultStackSize);
        if (thread == null)
            return null;
        thread->Entry = entry;
        thread->Argument = argument;
        thread->Cpu = cpu;
        thread->Detached = detached;
        PrepareContext(thread, (ulong)(delegate*<Thread*, void>)&Start, (ulong)thread);
        thread->State = ThreadState.Blocked;
        Scheduler.Wake(thread);
        return thread;
    }

    // A thread record for code that is already running (the boot thread), or an idle thread.
    public static Thread* Allocate(string name, ulong stackSize)
    {
        var thread = (Thread*)KernelHeap.AllocateZeroed((ulong)sizeof(Thread), 64);
        if (thread == null)
            return null;
        if (stackSize != 0)
        {
            // Not zeroed: a stack is written before it is read (PrepareContext sets its one initial slot),
            // and zeroing 32 KiB cost 4,000 instructions per process started.
            thread->StackBase = (ulong)KernelHeap.Allocate(stackSize, 16);
            if (thread->StackBase == 0)
            {
                KernelHeap.Free(thread);
                return null;
            }
            thread->StackSize = stackSize;
        }
        fixed (int* nextId = &s_nextId)
            thread->Id = Atomic.FetchAdd(nextId, 1) + 1;
        thread->MigrateTo = -1;
        for (int i = 0; i < name.Length && i < 23; i++)
            thread->Name[i] = (byte)name[i];
        return thread;
    }

    // Sets up the saved context so that the first switch to the thread calls rip(rdi) on its own stack,
    // with interrupts on.
    public static void PrepareContext(Thread* thread, ulong rip, ulong rdi)
    {
        InterruptContext* context = &thread->SavedContext;
        *(ushort*)(context->FxSave + FxSaveControlWord) = 0x037F;
        *(uint*)(context->FxSave + FxSaveMxcsr) = 0x1F80;
        context->Rip = rip;
        context->Rdi = rdi;
        context->Cs = Selectors.KernelCode;
        context->Ss = Selectors.KernelData;
        context->Rflags = Cpu.InterruptFlag | 2;
        // As if called: the return-address slot below a 16-byte aligned top (it holds 0; Start never returns).
        context->Rsp = thread->StackTop - 8;
        *(ulong*)context->Rsp = 0;
    }

    private static void Start(Thread* thread)
    {
        thread->Entry(thread->Argument);
        Exit();
    }

    public static Thread* Current => Scheduler.CurrentThread;

    public static void Exit()
    {
        Cpu.DisableInterrupts();
        Scheduler.CurrentThread->ExitRequested = true;
        Scheduler.Yield();
        Panic.Fail("an exited thread was resumed");
    }

    // Waits (blocked) until the thread has exited, then frees it.
    public static void Join(Thread* thread)
    {
        if (thread->Detached)
            Panic.Fail("Join on a detached thread");
        bool interrupts = thread->ExitWaiters.Lock.Acquire();
        while (thread->State != ThreadState.Exited)
            thread->ExitWaiters.Wait();
        thread->ExitWaiters.Lock.Release(interrupts);
        Free(thread);
    }

    // Asks for the thread to continue on another CPU; it moves at its next switch.
    public static void Migrate(Thread* thread, int cpu)
    {
        if (cpu < 0 || cpu >= Smp.CpuCount)
            Panic.Fail("migration to a CPU that does not exist");
        thread->MigrateTo = cpu;
        if (thread == Scheduler.CurrentThread)
            Scheduler.Yield();
    }

    public static void Free(Thread* thread)
    {
        if (thread->StackBase != 0)
            KernelHeap.Free((void*)thread->StackBase);
        KernelHeap.Free(thread);
    }
}
