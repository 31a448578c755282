// One lock over all IPC state: endpoint and notification queues, threads' IPC states, handle tables,
// reference counts, the name registry, grants and the grant windows' page tables. IPC operations are short
// and run with interrupts off anyway (for the direct switch), so one lock keeps every race (a timeout
// against a reply, a peer's death against a delivery) simple to reason about; per-endpoint locks are the
// step to take if many CPUs ever do IPC at once. Never held across a TLB shootdown or a block.
using System.Runtime.CompilerServices;
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Ipc;

internal static class IpcLock
{
    private static SpinLock s_lock;
    private static bool s_interrupts;   // whether the holder had interrupts on; only the holder touches it

    public static void Acquire()
    {
        bool interrupts = s_lock.Acquire();
        s_interrupts = interrupts;
    }

    // In an IPC system call, which runs with interrupts off (SyscallDispatcher.DispatchKitten).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AcquireInCall()
    {
        s_lock.AcquireInterruptsOff();
        s_interrupts = false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Release() => s_lock.Release(s_interrupts);

    public static bool IsHeld => s_lock.IsHeld;
}
