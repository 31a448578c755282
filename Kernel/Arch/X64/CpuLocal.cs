// Per-CPU data, reached through the GS segment base: GS:0 holds the structure's own address, so that
// CpuLocal.Current is one load. The first fields have fixed offsets that assembly code uses
// (interrupts.asm, the SYSCALL entry).
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Arch.X64;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CpuLocal
{
    public CpuLocal* Self;              // GS:0
    public ulong UserStackScratch;      // GS:8   SYSCALL: user RSP while on the kernel stack
    public ulong KernelStackTop;        // GS:16  SYSCALL: the current thread's kernel stack

    public int Index;
    public uint ApicId;
    public bool Online;
    public ProcessorTables* Tables;

    // Scheduling state, owned by this CPU; other CPUs touch only the run queue, under its lock.
    public Thread* Running;
    public Thread* Idle;
    public RunQueue Queue;
    public TimerQueue Timers;
    public bool NeedReschedule;
    public ulong SliceEnd;
    public ulong ArmedDeadline;

    // TLB flushes other CPUs asked of this one after changing page tables it may be using, and how many of
    // them it has done (TlbShootdown: tickets); the flushes it has served.
    public long TlbFlushRequested;
    public long TlbFlushDone;
    public ulong TlbShootdowns;
    public int UserThreads;             // user threads placed on this CPU (ThreadPlacement)

    // Statistics: every entry into the kernel on this CPU, and the timer interrupts among them.
    public ulong KernelEntries;
    public ulong TimerInterrupts;
    public ulong RescheduleIpis;
    public ulong ContextSwitches;

    private const uint GsBaseMsr = 0xC0000101;
    private const uint KernelGsBaseMsr = 0xC0000102;

    [RuntimeImport("cpu_local_self")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern CpuLocal* ReadSelf();

    public static CpuLocal* Current => ReadSelf();

    public static CpuLocal* Create(int index, uint apicId)
    {
        var cpu = (CpuLocal*)KernelHeap.AllocateZeroed((ulong)sizeof(CpuLocal), 64);
        cpu->Self = cpu;
        cpu->Index = index;
        cpu->ApicId = apicId;
        return cpu;
    }

    // Points GS at this CPU's structure; KERNEL_GS_BASE (what SWAPGS exchanges with) holds the user value.
    public static void Install(CpuLocal* cpu)
    {
        Cpu.WriteMsr(GsBaseMsr, (ulong)cpu);
        Cpu.WriteMsr(KernelGsBaseMsr, 0);
    }
}
