// The system and the process's place in it: uname, sysinfo, identity (everyone is root: an LWK node runs
// one user's job), resource limits, CPU affinity, getrandom, umask, sched_yield.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Devices;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class SystemSyscalls
{
    private const int ResourceCount = 16;
    private const ulong Infinity = ulong.MaxValue;
    public const int RLIMIT_STACK = 3;
    private const int RLIMIT_CORE = 4, RLIMIT_NOFILE = 7;
    public const ulong DefaultStackLimit = 8UL << 20;

    public static void Register()
    {
        SyscallTable.Register(Sys.Uname, &Uname);
        SyscallTable.Register(Sys.Sysinfo, &Sysinfo);
        SyscallTable.Register(Sys.Getuid, &Zero);
        SyscallTable.Register(Sys.Geteuid, &Zero);
        SyscallTable.Register(Sys.Getgid, &Zero);
        SyscallTable.Register(Sys.Getegid, &Zero);
        SyscallTable.Register(Sys.Setuid, &SetId);
        SyscallTable.Register(Sys.Setgid, &SetId);
        SyscallTable.Register(Sys.Getgroups, &Zero);
        SyscallTable.Register(Sys.Getrlimit, &Getrlimit);
        SyscallTable.Register(Sys.Setrlimit, &Setrlimit);
        SyscallTable.Register(Sys.Prlimit64, &Prlimit64);
        SyscallTable.Register(Sys.SchedYield, &SchedYield);
        SyscallTable.Register(Sys.SchedGetaffinity, &SchedGetaffinity);
        SyscallTable.Register(Sys.SchedSetaffinity, &SchedSetaffinity);
        SyscallTable.Register(Sys.Getrandom, &Getrandom);
        SyscallTable.Register(Sys.Umask, &Umask);
        SyscallTable.Register(157, &Prctl);
    }

    // prctl(2): the options programs use at start-up; others are EINVAL, as for unknown options on Linux.
    private static long Prctl(InterruptContext* c)
    {
        const int PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4,
            PR_SET_NAME = 15, PR_GET_NAME = 16, PR_SET_CHILD_SUBREAPER = 36, PR_GET_CHILD_SUBREAPER = 37,
            PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39;
        Process process = Process.Current;
        switch ((int)c->Rdi)
        {
            case PR_SET_NAME:
                {
                    byte* name = stackalloc byte[16];
                    int length = UserMemory.CopyString(c->Rsi, name, 16);
                    if (length == -Errno.EFAULT)
                        return -Errno.EFAULT;
                    if (length < 0)
                        length = 15;
                    for (int i = 0; i < 16; i++)
                        process.Name[i] = i < length ? name[i] : (byte)0;
                    return 0;
                }
            case PR_GET_NAME:
                {
                    byte* name = stackalloc byte[16];
                    for (int i = 0; i < 16; i++)
                        name[i] = process.Name[i];
                    name[15] = 0;
                    return UserMemory.CopyOut(c->Rsi, name, 16);
                }
            case PR_SET_PDEATHSIG:
                return c->Rsi <= 64 ? 0 : -Errno.EINVAL;
            case PR_GET_PDEATHSIG:
            case PR_GET_CHILD_SUBREAPER:
                return UserMemory.Write32(c->Rsi, 0) ? 0 : -Errno.EFAULT;
            case PR_GET_DUMPABLE:
                return 1;
            case PR_SET_DUMPABLE:
                return c->Rsi <= 1 ? 0 : -Errno.EINVAL;
            case PR_SET_CHILD_SUBREAPER:
            case PR_SET_NO_NEW_PRIVS:
                return 0;
            case PR_GET_NO_NEW_PRIVS:
                return 0;
            default:
                return -Errno.EINVAL;
        }
    }

    private static long Zero(InterruptContext* c) => 0;

    private static long SetId(InterruptContext* c) => c->Rdi == 0 ? 0 : -Errno.EPERM;

    // struct utsname: six 65-byte fields (sys/utsname.h with _UTSNAME_LENGTH 65).
    private static long Uname(InterruptContext* c)
    {
        byte* buffer = stackalloc byte[6 * 65];
        Runtime.MemoryOps.Zero(buffer, 6 * 65);
        Put(buffer + 0 * 65, SystemIdentity.SystemName);
        Put(buffer + 1 * 65, SystemIdentity.NodeName);
        Put(buffer + 2 * 65, SystemIdentity.Release);
        Put(buffer + 3 * 65, SystemIdentity.Version);
        Put(buffer + 4 * 65, SystemIdentity.Machine);
        Put(buffer + 5 * 65, SystemIdentity.DomainName);
        return UserMemory.CopyOut(c->Rdi, buffer, 6 * 65);
    }

    private static void Put(byte* field, string text)
    {
        for (int i = 0; i < text.Length && i < 64; i++)
            field[i] = (byte)text[i];
    }

    // struct sysinfo (sysinfo(2)); 112 bytes on x86-64.
    private static long Sysinfo(InterruptContext* c)
    {
        byte* info = stackalloc byte[112];
        Runtime.MemoryOps.Zero(info, 112);
        *(long*)(info + 0) = (long)(TimeSyscalls.MonotonicNanoseconds / 1_000_000_000);
        *(ulong*)(info + 32) = PhysicalMemoryManager.TotalBytes;
        *(ulong*)(info + 40) = PhysicalMemoryManager.FreeBytes;
        *(ushort*)(info + 80) = (ushort)ProcessTable.Count;
        *(uint*)(info + 104) = 1; // mem_unit
        return UserMemory.CopyOut(c->Rdi, info, 112);
    }

    // Per-process limits live with the process; defaults follow Linux's (RLIMIT_STACK 8 MiB soft, core 0).
    public static ulong[] DefaultLimits()
    {
        var limits = new ulong[ResourceCount * 2];
        for (int i = 0; i < ResourceCount * 2; i++)
            limits[i] = Infinity;
        limits[RLIMIT_STACK * 2] = DefaultStackLimit;
        limits[RLIMIT_CORE * 2] = 0;
        limits[RLIMIT_NOFILE * 2] = FileSystem.FileTable.DefaultLimit;
        limits[RLIMIT_NOFILE * 2 + 1] = 4096;
        return limits;
    }

    // getrlimit and setrlimit require their pointer (NULL is EFAULT); prlimit64 treats NULL as "not asked".
    private static long Getrlimit(InterruptContext* c) => c->Rsi == 0 ? -Errno.EFAULT : Limits(0, (int)c->Rdi, 0, c->Rsi);

    private static long Setrlimit(InterruptContext* c) => c->Rsi == 0 ? -Errno.EFAULT : Limits(0, (int)c->Rdi, c->Rsi, 0);

    private static long Prlimit64(InterruptContext* c) => Limits((int)c->Rdi, (int)c->Rsi, c->Rdx, c->R10);

    private static long Limits(int pid, int resource, ulong newLimit, ulong oldLimit)
    {
        if ((uint)resource >= ResourceCount)
            return -Errno.EINVAL;
        Process process = pid == 0 ? Process.Current : ProcessTable.Find(pid);
        if (process == null)
            return -Errno.ESRCH;
        ulong* requested = stackalloc ulong[2];
        if (newLimit != 0)
        {
            if (UserMemory.CopyIn(requested, newLimit, 16) != 0)
                return -Errno.EFAULT;
            if (requested[0] > requested[1])
                return -Errno.EINVAL;
            if (resource == RLIMIT_NOFILE && requested[1] > 1UL << 20)
                return -Errno.EPERM;
        }
        ulong[] limits = process.Limits;
        if (oldLimit != 0)
        {
            ulong* current = stackalloc ulong[2];
            current[0] = limits[resource * 2];
            current[1] = limits[resource * 2 + 1];
            if (UserMemory.CopyOut(oldLimit, current, 16) != 0)
                return -Errno.EFAULT;
        }
        if (newLimit != 0)
        {
            limits[resource * 2] = requested[0];
            limits[resource * 2 + 1] = requested[1];
            if (resource == RLIMIT_NOFILE)
                process.Files.Limit = requested[0] > 1UL << 20 ? 1 << 20 : (int)requested[0];
        }
        return 0;
    }

    private static long SchedYield(InterruptContext* c)
    {
        Scheduler.Yield();
        return 0;
    }

    // The CPU mask size Linux reports is its cpumask size in bytes; here, one 64-bit word (Smp.MaxCpus).
    private const ulong MaskBytes = 8;

    // sched_getaffinity(tid, size, mask): the thread's mask as sched_setaffinity left it, or every CPU.
    private static long SchedGetaffinity(InterruptContext* c)
    {
        ulong length = c->Rsi;
        if (length < MaskBytes || (length & 7) != 0)
            return -Errno.EINVAL;
        ulong mask = ThreadPlacement.OnlineMask;
        Thread* self = CpuLocal.Current->Running;
        int tid = (int)c->Rdi;
        if (tid == 0 || tid == self->Tid)
        {
            if (self->Affinity != 0)
                mask = self->Affinity;
        }
        else
        {
            Process process = ProcessTable.FindByTid(tid);
            if (process == null)
                return -Errno.ESRCH;
            bool interrupts = process.SignalLock.Acquire();
            Thread* thread = ThreadGroup.Find(process, tid);
            if (thread != null && thread->Affinity != 0)
                mask = thread->Affinity;
            process.SignalLock.Release(interrupts);
            if (thread == null)
                return -Errno.ESRCH;
        }
        if (UserMemory.Zero(c->Rdx, length) != 0 || !UserMemory.Write64(c->Rdx, mask))
            return -Errno.EFAULT;
        return (long)MaskBytes;
    }

    // sched_setaffinity(tid, size, mask): the thread keeps its CPU if the mask allows it, else moves to
    // the least-loaded CPU of the mask (space sharing: a thread per CPU while there are CPUs).
    private static long SchedSetaffinity(InterruptContext* c)
    {
        if (c->Rsi < MaskBytes)
            return -Errno.EINVAL;
        if (!UserMemory.Read64(c->Rdx, out ulong mask))
            return -Errno.EFAULT;
        mask &= ThreadPlacement.OnlineMask;
        if (mask == 0)
            return -Errno.EINVAL;
        Thread* self = CpuLocal.Current->Running;
        int tid = (int)c->Rdi;
        if (tid == 0 || tid == self->Tid)
        {
            int cpu = Place(self, mask);
            if (cpu >= 0)
                Threads.Migrate(self, cpu);   // moves now: the caller runs on a CPU of its mask on return
            return 0;
        }
        Process process = ProcessTable.FindByTid(tid);
        if (process == null)
            return -Errno.ESRCH;
        bool interrupts = process.SignalLock.Acquire();
        Thread* thread = ThreadGroup.Find(process, tid);
        if (thread != null)
        {
            int cpu = Place(thread, mask);
            if (cpu >= 0)
                thread->MigrateTo = cpu;        // moves at its next switch
        }
        process.SignalLock.Release(interrupts);
        return thread == null ? -Errno.ESRCH : 0;
    }

    // Records the mask; returns the CPU the thread must move to, or -1 if it may stay.
    private static int Place(Thread* thread, ulong mask)
    {
        thread->Affinity = mask == ThreadPlacement.OnlineMask ? 0 : mask;
        int current = thread->MigrateTo >= 0 ? thread->MigrateTo : thread->Cpu;
        if ((mask & (1UL << current)) != 0)
            return -1;
        int cpu = ThreadPlacement.LeastLoaded(mask);
        ThreadPlacement.Removed(current);
        ThreadPlacement.Placed(cpu);
        return cpu;
    }

    private static long Getrandom(InterruptContext* c)
    {
        const uint GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;
        uint flags = (uint)c->Rdx;
        if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) != 0 || (flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE))
            return -Errno.EINVAL;
        ulong length = c->Rsi > 0x1FFFFFF ? 0x1FFFFFF : c->Rsi;
        byte* buffer = stackalloc byte[256];
        ulong done = 0;
        while (done < length)
        {
            ulong piece = length - done < 256 ? length - done : 256;
            Entropy.Fill(buffer, piece);
            if (UserMemory.CopyOut(c->Rdi + done, buffer, piece) != 0)
                return done > 0 ? (long)done : -Errno.EFAULT;
            done += piece;
        }
        return (long)done;
    }

    private static long Umask(InterruptContext* c)
    {
        Process process = Process.Current;
        int old = process.Umask;
        process.Umask = (int)c->Rdi & 0x1FF;
        return old;
    }
}
