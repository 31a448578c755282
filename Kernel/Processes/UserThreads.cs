// The kernel side of a process's threads: a kernel Thread (its own kernel stack for system calls) whose
// saved context is a ring-3 context, so that the scheduler's first switch to it enters user space.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Processes;

internal static unsafe class UserThreads
{
    public static Thread* Create(Process process, int cpu)
    {
        Thread* thread = Threads.Allocate("user", Threads.DefaultStackSize);
        if (thread == null)
            return null;
        thread->IsUser = true;
        thread->Cr3 = process.Memory.Cr3;
        thread->Owner = process.Handle;
        Services.ServiceEnforcement.Apply(process, thread);
        thread->Cpu = cpu;
        ThreadPlacement.Placed(cpu);
        thread->Detached = true;
        thread->State = ThreadState.Blocked;
        thread->LastTrap.TrapNumber = Signaling.NoTrap;
        return thread;
    }

    // Registers as a new program finds them (Linux's ELF_PLAT_INIT clears the general registers; the
    // x87/SSE state is the default one).
    public static void ResetContext(InterruptContext* context, ulong entry, ulong stackPointer)
    {
        Runtime.MemoryOps.Zero(context, (nuint)sizeof(InterruptContext));
        *(ushort*)context->FxSave = 0x037F;              // x87 control word
        *(uint*)(context->FxSave + 24) = 0x1F80;         // MXCSR
        context->Rip = entry;
        context->Rsp = stackPointer;
        context->Cs = Selectors.UserCode;
        context->Ss = Selectors.UserData;
        context->Rflags = Cpu.InterruptFlag | 2;
    }

    public static void Start(Thread* thread) => Scheduler.Wake(thread);
}
