// Keeping other CPUs' TLBs right when an address space shared by several threads changes. After an
// unmap or a protection change, a CPU running another thread of the same process may still hold the old
// translations (Intel SDM vol. 3, 4.10.4 "Invalidation of TLBs and Paging-Structure Caches": software
// must invalidate on every processor that may have cached them, 4.10.5 "Propagation of Paging-Structure
// Changes to Multiple Processors"). The initiator asks each such CPU by IPI to reload CR3 and waits until
// all have done so, before the freed memory can be reused.
//
// No PCIDs are used, so a CPU that switched to another address space since holds no stale entries:
// only CPUs whose running thread uses these page tables are asked. The same round trip with no flush is
// a barrier: every CPU running the process has taken an interrupt, which serialises it (membarrier(2)).
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Arch.X64;

internal static unsafe class TlbShootdown
{
    public static void Initialize() => InterruptDispatcher.Register(InterruptVectors.TlbShootdown, &OnIpi);

    private static InterruptContext* OnIpi(InterruptContext* context)
    {
        ServiceRequest(CpuLocal.Current);
        return context;
    }

    private static void ServiceRequest(CpuLocal* cpu)
    {
        if (cpu->TlbFlushPending == 0)
            return;
        Cpu.WriteCr3(Cpu.ReadCr3());
        cpu->TlbShootdowns++;
        Runtime.Atomic.Exchange(&cpu->TlbFlushPending, 0);
    }

    // Every other CPU whose running thread uses the page tables at root (0: every other CPU running a
    // user thread) drops its user translations; returns once all have.
    public static void FlushOthers(ulong root)
    {
        int count = Smp.CpuCount;
        if (count == 1)
            return;
        CpuLocal* self = CpuLocal.Current;
        for (int i = 0; i < count; i++)
        {
            CpuLocal* cpu = Smp.CpuAt(i);
            if (cpu == self || !cpu->Online)
                continue;
            Thread* running = cpu->Running;
            if (running == null || running->Cr3 == 0 || (root != 0 && running->Cr3 != root))
                continue;
            Runtime.Atomic.Exchange(&cpu->TlbFlushPending, 1);
            LocalApic.SendIpi(cpu->ApicId, InterruptVectors.TlbShootdown);
        }
        for (int i = 0; i < count; i++)
        {
            CpuLocal* cpu = Smp.CpuAt(i);
            if (cpu == self)
                continue;
            // Two CPUs may be asking each other at once, with interrupts off: serve our own request
            // while waiting, or neither would finish.
            while (cpu->TlbFlushPending != 0) // the calls below make the compiler reload it
            {
                ServiceRequest(self);
                Cpu.Pause();
            }
        }
    }
}
