// What a CPU was doing when a non-maskable interrupt reached it. A boot that does not finish in time is
// sent one NMI per CPU (Build/boot.sh, through QEMU's monitor command `nmi`), so that the console log of a
// hung run says where each CPU was: its instruction pointer, the thread it ran, and for ring 0 the
// return addresses on its stack (boot.sh names their functions). The first report also lists every task
// (TaskDump). The CPU then goes on with what it was doing: a hang stays a hang, and a slow run finishes.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Diagnostics;

internal static unsafe class NmiReport
{
    // One report at a time, so that the lines of two CPUs do not interleave. An NMI is held off while the
    // CPU runs the previous one's handler (Intel SDM vol. 3, 6.7.1), so this lock is never taken twice by
    // one CPU. The console's own lock is not taken: the hung CPU may be holding it.
    private static SpinLock s_lock;

    public static ulong Reports { get; private set; }

    public static InterruptContext* Write(InterruptContext* context)
    {
        s_lock.AcquireInterruptsOff();
        Reports++;
        CpuLocal* cpu = CpuLocal.Current;
        Console.WriteRaw("\nkitten: NMI on CPU ");
        Console.WriteRawUnsigned((ulong)cpu->Index);
        Console.WriteRaw(context->FromUserMode ? ": ring 3 rip=0x" : ": ring 0 rip=0x");
        Console.WriteRawHex(context->Rip, 1);
        Console.WriteRaw(" rsp=0x");
        Console.WriteRawHex(context->Rsp, 1);
        Console.WriteRaw(" rflags=0x");
        Console.WriteRawHex(context->Rflags, 1);
        Tasks.Thread* running = cpu->Running;
        if (running != null)
        {
            Console.WriteRaw(running->IsIdle ? " thread: idle" : " thread: tid ");
            if (!running->IsIdle)
                Console.WriteRawUnsigned((ulong)(running->IsUser ? running->Tid : running->Id));
            if (!running->IsUser && !running->IsIdle)
                Console.WriteRaw(" (kernel)");
        }
        Console.WriteRaw('\n');
        if (!context->FromUserMode)
            Panic.WriteLikelyReturnAddresses(context->Rsp);
        if (Reports == 1)
            TaskDump.Write();
        s_lock.Release(false);
        return context;
    }
}
