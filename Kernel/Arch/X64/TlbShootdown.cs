// Keeping other CPUs' TLBs right when page tables they may be using change: an unmap or a protection
// change in a process with several threads (munmap, mprotect), a grant revoked from another process's
// address space (Kernel/Ipc/IpcGrants.cs). A CPU may still hold the old translations until it invalidates
// them (Intel SDM vol. 3A, 4.10.4 "Invalidation of TLBs and Paging-Structure Caches"); the initiator must
// make every CPU that may cache them do so, by IPI, and wait until they have (4.10.5 "Propagation of
// Paging-Structure Changes to Multiple Processors") before the memory can be reused.
//
// No PCIDs are used, and a kernel thread runs on the kernel's own tables, so a CPU that has switched away
// from an address space holds nothing of it: only CPUs whose running thread uses these page tables are
// asked. The same round trip with no change is a barrier: every CPU running the process has taken an
// interrupt, which serialises it (membarrier(2)).
//
// Requests are tickets: a CPU counts the flushes asked of it (TlbFlushRequested) and, each time it
// flushes, records how many had been asked before it did (TlbFlushDone), so that a request made while
// it was flushing is never taken as served. The initiator runs with interrupts off from its own flush to
// the end of the wait (it cannot move to another CPU meanwhile), holds no spinlock (a target may be
// spinning for it with interrupts off), and serves requests made of its own CPU while it waits: two CPUs
// shooting at each other both finish.
using Kitten.Kernel.Runtime;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Arch.X64;

internal static unsafe class TlbShootdown
{
    public static void Initialize() => InterruptDispatcher.Register(InterruptVectors.TlbShootdown, &OnIpi);

    // Every CPU, this one included, drops what it caches of the page tables at root (0: whatever user
    // space it runs) before this returns. Call it after the page-table change, holding no spinlock.
    public static void FlushEverywhere(ulong root) => Flush(root, includeSelf: true);

    // Every other CPU whose running thread uses the page tables at root (0: every other CPU running a
    // user thread) drops its user translations, or, with nothing changed, has passed a barrier; returns
    // once all have. Holding no spinlock.
    public static void FlushOthers(ulong root) => Flush(root, includeSelf: false);

    private static void Flush(ulong root, bool includeSelf)
    {
        bool interrupts = Cpu.InterruptsEnabled;
        Cpu.DisableInterrupts();
        // The page-table writes before the reads of what the other CPUs run (TSO lets a load pass a store;
        // a CPU sets Running before it loads the CR3 of the thread it switches to).
        Atomic.FullFence();
        CpuLocal* self = CpuLocal.Current;
        if (includeSelf && (root == 0 || (Cpu.ReadCr3() & ~0xFFFUL) == root))
            Cpu.WriteCr3(Cpu.ReadCr3());
        int count = Smp.CpuCount;
        ulong asked = 0;                            // bit i: CPU i was asked, tickets[i] its ticket
        long* tickets = stackalloc long[Smp.MaxCpus];
        for (int i = 0; i < count; i++)
        {
            CpuLocal* cpu = Smp.CpuAt(i);
            if (cpu == self || !cpu->Online)
                continue;
            Thread* running = cpu->Running;
            if (running == null || running->Cr3 == 0 || (root != 0 && running->Cr3 != root))
                continue;
            tickets[i] = Atomic.FetchAdd(&cpu->TlbFlushRequested, 1) + 1;
            asked |= 1UL << i;
            LocalApic.SendIpi(cpu->ApicId, InterruptVectors.TlbShootdown);
        }
        for (int i = 0; i < count; i++)
        {
            if ((asked & (1UL << i)) == 0)
                continue;
            CpuLocal* cpu = Smp.CpuAt(i);
            while (cpu->TlbFlushDone < tickets[i]) // the calls below make the compiler reload it
            {
                ServeRequests(self);
                Cpu.Pause();
            }
        }
        if (interrupts)
            Cpu.EnableInterrupts();
    }

    private static InterruptContext* OnIpi(InterruptContext* context)
    {
        ServeRequests(CpuLocal.Current);
        return context;
    }

    // With interrupts off (an interrupt handler, or an initiator's wait): this CPU's own counters change
    // only here, so TlbFlushDone only grows.
    private static void ServeRequests(CpuLocal* cpu)
    {
        long requested = cpu->TlbFlushRequested;
        if (cpu->TlbFlushDone >= requested)
            return;
        // Reloading CR3 drops every non-global translation, whatever the space: user mappings are never
        // global, and it is simpler than tracking which space was asked for.
        Cpu.WriteCr3(Cpu.ReadCr3());
        cpu->TlbShootdowns++;
        Atomic.Exchange(&cpu->TlbFlushDone, requested);
    }
}
