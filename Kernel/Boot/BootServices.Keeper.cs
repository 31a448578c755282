// The kernel keeps the supervisor running, as the supervisor keeps the services running: it is the root
// of the supervision tree (MINIX 3's reincarnation server is restarted by the kernel's own process
// manager in the same way). When the supervisor ends, its services end with it (SIGKILL: their supervisor
// and the names it approved are gone, and the next supervisor starts them afresh), and a kernel thread
// starts the supervisor again after a back-off (10 ms doubling to 1 s; back to 10 ms once one has stayed
// up for 5 s).
using System;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Exec;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Boot;

internal static unsafe partial class BootServices
{
    private const ulong FirstBackOffNanoseconds = 10_000_000;
    private const ulong LongestBackOffNanoseconds = 1_000_000_000;
    private const ulong StableNanoseconds = 5_000_000_000;

    private static ByteString* s_arguments;
    private static int s_argumentCount;
    private static ByteString* s_environment;
    private static int s_environmentCount;
    private static volatile int s_supervisorPid;
    private static ulong s_supervisorStartTsc;
    private static WaitQueue s_supervisorEnded;
    private static bool s_ended;

    public static int SupervisorRestarts { get; private set; }

    private static bool StartSupervisor(ByteString* arguments, int count, ByteString* environment, int environmentCount)
    {
        s_arguments = arguments;
        s_argumentCount = count;
        s_environment = environment;
        s_environmentCount = environmentCount;
        if (!StartSupervisorProcess())
            return false;
        Threads.Create(&Keep, null, 0, "services", detached: true);
        return true;
    }

    private static bool StartSupervisorProcess()
    {
        Process supervisor = ProcessLifecycle.StartFromKernel(new ReadOnlySpan<byte>(s_arguments[0].Bytes, s_arguments[0].Length),
            new ReadOnlySpan<ByteString>(s_arguments, s_argumentCount),
            new ReadOnlySpan<ByteString>(s_environment, s_environmentCount), asInit: false);
        if (supervisor == null)
            return false;
        s_supervisorStartTsc = Cpu.ReadTsc();
        s_supervisorPid = supervisor.Pid;
        return true;
    }

    // ProcessLifecycle.Finish, for a process with no parent, before its children go to init: if it is the
    // supervisor, its services end too and the keeper starts a new supervisor.
    public static void ParentlessProcessEnding(Process process)
    {
        if (s_supervisorPid == 0 || process.Pid != s_supervisorPid)
            return;
        Console.WriteLine($"services: the supervisor (pid {process.Pid}) ended; ending its services and starting it again");
        s_supervisorPid = 0;
        Span<int> children = stackalloc int[MaxServices * 2];
        int count = 0;
        bool tree = ProcessTable.LockTree();
        for (Process child = process.FirstChild; child != null && count < children.Length; child = child.SiblingNext)
            children[count++] = child.Pid;
        ProcessTable.UnlockTree(tree);
        for (int i = 0; i < count; i++)
        {
            Process child = ProcessTable.Find(children[i]);
            if (child != null)
                Signaling.Send(child, Signals.Signal.SIGKILL);
        }
        bool interrupts = s_supervisorEnded.Lock.Acquire();
        s_ended = true;
        s_supervisorEnded.Lock.Release(interrupts);
        s_supervisorEnded.WakeAll();
    }

    private static void Keep(void* unused)
    {
        ulong backOff = FirstBackOffNanoseconds;
        while (true)
        {
            bool interrupts = s_supervisorEnded.Lock.Acquire();
            while (!s_ended)
                s_supervisorEnded.Wait();
            s_ended = false;
            s_supervisorEnded.Lock.Release(interrupts);

            if (TimeBase.TscToNanoseconds(Cpu.ReadTsc() - s_supervisorStartTsc) >= StableNanoseconds)
                backOff = FirstBackOffNanoseconds;
            Scheduler.Sleep(backOff);
            SupervisorRestarts++;
            while (!StartSupervisorProcess())
            {
                backOff = backOff * 2 > LongestBackOffNanoseconds ? LongestBackOffNanoseconds : backOff * 2;
                Scheduler.Sleep(backOff);
            }
            backOff = backOff * 2 > LongestBackOffNanoseconds ? LongestBackOffNanoseconds : backOff * 2;
        }
    }
}
