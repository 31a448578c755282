// Process IDs and the process tree. PIDs are handed out in increasing order and reused after wrapping,
// as on Linux; PID 1 is the first process the kernel starts. Thread IDs come from the same number space
// (a process's first thread has the PID as its TID; its other threads get numbers of their own), so a
// number names at most one process or one thread.
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Processes;

internal static class ProcessTable
{
    public const int MaxPid = 32768;

    private static Process[] s_byPid;
    private static Process[] s_threadOwner;     // for a TID that is not also a PID: the thread's process
    private static int s_nextPid;
    private static int s_count;
    private static int s_highestGiven;          // no number above it is in use (numbers only grow until they wrap)
    private static SpinLock s_lock;

    public static int Count => s_count;
    // Processes created since boot (/proc/stat "processes") and the PID given last (/proc/loadavg).
    public static ulong Created { get; private set; }
    public static int LastPid { get; private set; }

    public static void Initialize()
    {
        s_byPid = new Process[MaxPid];
        s_threadOwner = new Process[MaxPid];
        s_nextPid = 1;
    }

    // The next free number, under the lock; 0 if every number is taken.
    private static int NextFree()
    {
        for (int tries = 0; tries < MaxPid; tries++)
        {
            int candidate = s_nextPid;
            s_nextPid = s_nextPid + 1 >= MaxPid ? 2 : s_nextPid + 1;
            if (s_byPid[candidate] == null && s_threadOwner[candidate] == null)
            {
                if (candidate > s_highestGiven)
                    s_highestGiven = candidate;
                return candidate;
            }
        }
        return 0;
    }

    // Keeps PID 1 for the first program while the kernel starts the boot services before it.
    public static void KeepPidOneForInit()
    {
        bool interrupts = s_lock.Acquire();
        if (s_nextPid == 1)
            s_nextPid = 2;
        s_lock.Release(interrupts);
    }

    // Adds the first program as PID 1 (kept for it by KeepPidOneForInit, or simply the first number).
    public static bool AddInit(Process process)
    {
        bool interrupts = s_lock.Acquire();
        bool free = s_byPid[1] == null && s_threadOwner[1] == null;
        if (free)
        {
            if (s_nextPid == 1)
                s_nextPid = 2;
            if (s_highestGiven < 1)
                s_highestGiven = 1;
            Place(process, null, 1);
        }
        s_lock.Release(interrupts);
        return free;
    }

    // A TID for a new thread of the process; 0 if none is free.
    public static int AddThread(Process process)
    {
        bool interrupts = s_lock.Acquire();
        int tid = NextFree();
        if (tid != 0)
            s_threadOwner[tid] = process;
        s_lock.Release(interrupts);
        return tid;
    }

    public static void RemoveThread(int tid)
    {
        bool interrupts = s_lock.Acquire();
        s_threadOwner[tid] = null;
        s_lock.Release(interrupts);
    }

    // The process a TID belongs to (its PID, or one of its other threads' TIDs); null if none.
    public static Process FindByTid(int tid)
    {
        if (tid <= 0 || tid >= MaxPid)
            return null;
        return s_byPid[tid] ?? s_threadOwner[tid];
    }

    // Registers a new process under a fresh PID and, if it has a parent, as that parent's child.
    public static bool Add(Process process, Process parent)
    {
        bool interrupts = s_lock.Acquire();
        int pid = NextFree();
        if (pid != 0)
            Place(process, parent, pid);
        s_lock.Release(interrupts);
        return pid != 0;
    }

    // Under the lock.
    private static void Place(Process process, Process parent, int pid)
    {
        process.Pid = pid;
        process.Parent = parent;
        Created++;
        LastPid = pid;
        s_byPid[pid] = process;
        s_count++;
        if (parent != null)
        {
            process.SiblingNext = parent.FirstChild;
            parent.FirstChild = process;
        }
    }

    // Held while walking a parent's children (wait4), which other CPUs may change (fork, reparenting).
    public static bool LockTree() => s_lock.Acquire();

    public static void UnlockTree(bool interrupts) => s_lock.Release(interrupts);

    // The lowest PID above `pid` in use by a process (live or zombie); 0 if none. Searches no further
    // than the highest number ever given, not the whole PID space.
    public static int NextPid(int pid)
    {
        int last = s_highestGiven;
        for (int candidate = pid + 1; candidate <= last && candidate < MaxPid; candidate++)
            if (s_byPid[candidate] != null)
                return candidate;
        return 0;
    }

    public static Process Find(int pid)
    {
        if (pid <= 0 || pid >= MaxPid)
            return null;
        return s_byPid[pid];
    }

    // Takes a reaped zombie out of the table and its parent's children.
    public static void Remove(Process process)
    {
        bool interrupts = s_lock.Acquire();
        s_byPid[process.Pid] = null;
        s_count--;
        Process parent = process.Parent;
        if (parent != null)
        {
            Process previous = null;
            for (Process c = parent.FirstChild; c != null; previous = c, c = c.SiblingNext)
            {
                if (c != process)
                    continue;
                if (previous == null)
                    parent.FirstChild = c.SiblingNext;
                else
                    previous.SiblingNext = c.SiblingNext;
                break;
            }
        }
        s_lock.Release(interrupts);
    }

    // An ending process's children become children of init (PID 1), as on Linux.
    public static void ReparentChildren(Process process)
    {
        Process init = Find(1);
        bool interrupts = s_lock.Acquire();
        Process child = process.FirstChild;
        process.FirstChild = null;
        while (child != null)
        {
            Process next = child.SiblingNext;
            child.Parent = init;
            if (init != null && init != process)
            {
                child.SiblingNext = init.FirstChild;
                init.FirstChild = child;
            }
            else
            {
                child.Parent = null;
                child.SiblingNext = null;
            }
            child = next;
        }
        s_lock.Release(interrupts);
    }

    // Calls visit for each process (under the lock: visit must not block). The walk stops at the highest
    // number given (NextPid), not at the end of the 32,768 PIDs (/proc/meminfo, which every .NET program
    // reads at start-up, walked them all: 0.8 million instructions).
    public static unsafe void ForEach(delegate*<Process, void*, void> visit, void* argument)
    {
        bool interrupts = s_lock.Acquire();
        VisitAll(visit, argument);
        s_lock.Release(interrupts);
    }

    private static unsafe void VisitAll(delegate*<Process, void*, void> visit, void* argument)
    {
        for (int pid = NextPid(0); pid != 0; pid = NextPid(pid))
        {
            Process process = s_byPid[pid]; // read once: without the lock it may go meanwhile
            if (process != null)
                visit(process, argument);
        }
    }

    // The same without the lock, for the report of a hung machine (Diagnostics/TaskDump), where the lock
    // may be held by a CPU that will never let it go.
    public static unsafe void ForEachWithoutLock(delegate*<Process, void*, void> visit, void* argument)
        => VisitAll(visit, argument);
}
