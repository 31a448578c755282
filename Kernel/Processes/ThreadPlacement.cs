// Where a new user thread runs. Space sharing, the LWK way: each thread of a job gets a CPU of its own
// while there are CPUs to spare, and a thread stays where it was placed (nothing moves threads behind
// the application's back). A new thread goes to a CPU that is idle right now if there is one (threads that
// exist but sleep, like a runtime's finalizer thread, should not keep a worker off a free CPU), the one
// with the fewest user threads among those, the lowest-numbered among equals; failing an idle CPU, the
// least-loaded one. A new process (fork) starts on its parent's CPU.
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Processes;

internal static unsafe class ThreadPlacement
{
    // The least-loaded CPU among those in `mask` (bit i: CPU i); -1 if the mask names no CPU.
    public static int LeastLoaded(ulong mask)
    {
        int idle = Choose(mask, idleOnly: true);
        return idle >= 0 ? idle : Choose(mask, idleOnly: false);
    }

    private static int Choose(ulong mask, bool idleOnly)
    {
        int best = -1, bestCount = int.MaxValue;
        for (int i = 0; i < Smp.CpuCount && i < 64; i++)
        {
            if ((mask & (1UL << i)) == 0)
                continue;
            CpuLocal* cpu = Smp.CpuAt(i);
            // A racy look (the CPU may change its mind a moment later): placement is a heuristic.
            if (idleOnly && (cpu->Running == null || !cpu->Running->IsIdle || !cpu->Queue.IsEmpty))
                continue;
            int count = cpu->UserThreads;
            if (count < bestCount)
            {
                best = i;
                bestCount = count;
            }
        }
        return best;
    }

    public static ulong OnlineMask => Smp.CpuCount >= 64 ? ulong.MaxValue : (1UL << Smp.CpuCount) - 1;

    public static void Placed(int cpu) => Runtime.Atomic.FetchAdd(&Smp.CpuAt(cpu)->UserThreads, 1);

    public static void Removed(int cpu) => Runtime.Atomic.FetchAdd(&Smp.CpuAt(cpu)->UserThreads, -1);
}
