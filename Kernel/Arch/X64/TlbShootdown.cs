// Flushing other CPUs' TLBs after a change to an address space they may be running in (Intel SDM vol. 3A,
// 4.10.5 "Propagation of Paging-Structure Changes to Multiple Processors": the initiating CPU must make
// the others invalidate, by IPI, and wait until they have). A CPU caches a user address space's
// translations only while it runs a thread on it (a CR3 load drops every non-global translation and
// paging-structure cache entry), so only CPUs whose running thread uses those page tables are asked.
//
// The initiator waits with interrupts enabled and holding no spinlock, so that two CPUs shooting at each
// other, or a target spinning for a lock the initiator holds, cannot deadlock.
using Kitten.Kernel.Runtime;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Arch.X64;

internal static unsafe class TlbShootdown
{
    // Per CPU: flushes asked of it, and flushes it has done (each IPI flushes everything asked so far).
    private static long* s_requested;
    private static long* s_done;

    public static ulong Shootdowns { get; private set; }

    public static void Initialize()
    {
        s_requested = (long*)Memory.KernelHeap.AllocateZeroed(Smp.MaxCpus * sizeof(long));
        s_done = (long*)Memory.KernelHeap.AllocateZeroed(Smp.MaxCpus * sizeof(long));
        InterruptDispatcher.Register(InterruptVectors.TlbShootdown, &OnShootdown);
    }

    // Every CPU, this one included, drops what it caches of the address space with this root (CR3) before
    // this returns. Call it after the page-table change, with no spinlock held.
    public static void FlushEverywhere(ulong root)
    {
        bool interrupts = Cpu.InterruptsEnabled;
        // The page-table writes before the reads of what the other CPUs run (TSO lets a load pass a store).
        Atomic.FullFence();
        CpuLocal* here = CpuLocal.Current;
        if ((Cpu.ReadCr3() & ~0xFFFUL) == root)
            Cpu.WriteCr3(root);
        int count = Smp.CpuCount;
        ulong waitFor = 0; // bit i: CPU i was asked, with the request number in s_requested[i]
        long* tickets = stackalloc long[Smp.MaxCpus];
        for (int i = 0; i < count; i++)
        {
            CpuLocal* cpu = Smp.CpuAt(i);
            if (cpu == here || !cpu->Online)
                continue;
            Thread* running = cpu->Running;
            if (running == null || running->Cr3 != root)
                continue;
            tickets[i] = Atomic.FetchAdd(&s_requested[i], 1) + 1;
            waitFor |= 1UL << i;
            LocalApic.SendIpi(cpu->ApicId, InterruptVectors.TlbShootdown);
        }
        if (waitFor == 0)
            return;
        Shootdowns++;
        Cpu.EnableInterrupts();
        for (int i = 0; i < count; i++)
        {
            if ((waitFor & (1UL << i)) == 0)
                continue;
            while (s_done[i] < tickets[i])
                Cpu.Pause(); // an external call: s_done is read again each time
        }
        if (!interrupts)
            Cpu.DisableInterrupts();
    }

    private static InterruptContext* OnShootdown(InterruptContext* context)
    {
        int index = CpuLocal.Current->Index;
        long requested = s_requested[index];
        // Reloading CR3 drops every non-global translation, whatever the space: simpler than tracking which.
        Cpu.WriteCr3(Cpu.ReadCr3());
        Atomic.Exchange(&s_done[index], requested);
        return context;
    }
}
