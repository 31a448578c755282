// The kernel's free-memory view (FreeMemoryView.cs): 64 KiB of physically contiguous pmem, taken at boot
// and kept for good (like the kernel heap, it is the kernel's own, so that the memory a program leaves
// behind is the same whether or not something asked for the view), granted read-only to any process that
// asks (kitten_memory_view, Kernel/Ipc/IpcMemoryView.cs).
//
// It is rewritten when a process asks for it, not on every change to pmem: process creation, which
// changes pmem several times, is measured (`./kitten bench spawn`), and a view nobody reads needs no
// keeping. So the view says what was free when it was last asked for; the memory manager is asked right
// after. Writers take the view's lock (two processes may ask at once); readers, in user space, use the
// seqlock.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Runtime;
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Memory;

internal static unsafe class KernelFreeMemoryView
{
    public const int Bytes = 64 * 1024;     // (65536 - 288) / 24: 2,718 extents

    // The kernel has one NUMA node today: every extent and every CPU is on node 0.
    private const byte Node = 0;

    private static ulong s_physical;
    private static SpinLock s_writer;

    public static ulong Physical => s_physical;

    public static bool IsReady => s_physical != 0;

    // Takes the view's pages and writes it once. False if pmem has no 64 KiB to spare.
    public static bool Initialize()
    {
        s_physical = PhysicalMemoryManager.Allocate(Bytes, Pmem.PageSize, RegionType.Other, "free-memory view", zero: true);
        if (s_physical == 0)
            return false;
        Refresh();
        return true;
    }

    // Rewrites the view from pmem's free extents as they are now. The number of extents it holds.
    public static int Refresh()
    {
        byte* view = (byte*)PhysicalMemory.ToVirtual(s_physical);
        int cpus = Smp.CpuCount < FreeMemoryView.MaxCpus ? Smp.CpuCount : FreeMemoryView.MaxCpus;
        byte* nodes = stackalloc byte[FreeMemoryView.MaxCpus];
        for (int i = 0; i < cpus; i++)
            nodes[i] = Node;
        bool interrupts = s_writer.Acquire();
        ulong sequence = FreeMemoryView.BeginWrite(view);
        Atomic.FullFence();     // the odd sequence is visible before any of the contents change
        int count = PhysicalMemoryManager.WriteFreeMemoryView(view, Bytes, new System.ReadOnlySpan<byte>(nodes, cpus), Node);
        Atomic.FullFence();     // the contents are all visible before the even sequence
        FreeMemoryView.EndWrite(view, sequence);
        s_writer.Release(interrupts);
        return count;
    }
}
