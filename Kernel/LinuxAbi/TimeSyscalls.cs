// Time: clock_gettime, clock_getres, gettimeofday, time, nanosleep, clock_nanosleep, times, getrusage.
// Monotonic time is the TSC since boot; real time adds the CMOS clock read at boot.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class TimeSyscalls
{
    private const int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3,
        CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7;
    private const int TIMER_ABSTIME = 1;
    private const ulong NanosecondsPerSecond = 1_000_000_000;

    private static ulong s_bootUnixSeconds;
    private static ulong s_bootTsc;

    public static void Initialize(ulong bootUnixSeconds)
    {
        s_bootUnixSeconds = bootUnixSeconds;
        s_bootTsc = Cpu.ReadTsc();
    }

    public static void Register()
    {
        SyscallTable.Register(Sys.ClockGettime, &ClockGettime);
        SyscallTable.Register(Sys.ClockGetres, &ClockGetres);
        SyscallTable.Register(Sys.Gettimeofday, &Gettimeofday);
        SyscallTable.Register(Sys.Time, &Time);
        SyscallTable.Register(Sys.Nanosleep, &Nanosleep);
        SyscallTable.Register(Sys.ClockNanosleep, &ClockNanosleep);
        SyscallTable.Register(Sys.Times, &Times);
        SyscallTable.Register(Sys.Getrusage, &Getrusage);
    }

    public static ulong MonotonicNanoseconds => TimeBase.TscToNanoseconds(Cpu.ReadTsc() - s_bootTsc);

    public static ulong RealtimeNanoseconds => s_bootUnixSeconds * NanosecondsPerSecond + MonotonicNanoseconds;

    private static bool Read(int clock, out ulong nanoseconds)
    {
        switch (clock)
        {
            case CLOCK_REALTIME:
            case CLOCK_REALTIME_COARSE:
                nanoseconds = RealtimeNanoseconds;
                return true;
            case CLOCK_MONOTONIC:
            case CLOCK_MONOTONIC_RAW:
            case CLOCK_MONOTONIC_COARSE:
            case CLOCK_BOOTTIME:
                nanoseconds = MonotonicNanoseconds;
                return true;
            case CLOCK_PROCESS_CPUTIME_ID:
            case CLOCK_THREAD_CPUTIME_ID:
                Thread* thread = CpuLocal.Current->Running;
                nanoseconds = TimeBase.TscToNanoseconds(thread->CpuTicks + (Cpu.ReadTsc() - thread->LastStart));
                return true;
            default:
                nanoseconds = 0;
                return false;
        }
    }

    private static long WriteTimespec(ulong user, ulong nanoseconds)
    {
        ulong* timespec = stackalloc ulong[2];
        timespec[0] = nanoseconds / NanosecondsPerSecond;
        timespec[1] = nanoseconds % NanosecondsPerSecond;
        return UserMemory.CopyOut(user, timespec, 16);
    }

    public static long ReadTimespecArgument(ulong user, out ulong nanoseconds) => ReadTimespec(user, out nanoseconds);

    // The TSC value `nanoseconds` from now (at least one tick ahead).
    public static ulong TscDeadlineAfter(ulong nanoseconds)
    {
        ulong seconds = nanoseconds / NanosecondsPerSecond, rest = nanoseconds % NanosecondsPerSecond;
        return Cpu.ReadTsc() + seconds * TimeBase.TscHz + rest * TimeBase.TscHz / NanosecondsPerSecond + 1;
    }

    // A struct timespec from user memory as nanoseconds; -EFAULT or -EINVAL (nsec outside [0, 1e9), sec < 0).
    private static long ReadTimespec(ulong user, out ulong nanoseconds)
    {
        long* timespec = stackalloc long[2];
        nanoseconds = 0;
        if (UserMemory.CopyIn(timespec, user, 16) != 0)
            return -Errno.EFAULT;
        if (timespec[0] < 0 || timespec[1] < 0 || timespec[1] >= (long)NanosecondsPerSecond)
            return -Errno.EINVAL;
        ulong seconds = (ulong)timespec[0] > 1UL << 33 ? 1UL << 33 : (ulong)timespec[0];
        nanoseconds = seconds * NanosecondsPerSecond + (ulong)timespec[1];
        return 0;
    }

    private static long ClockGettime(InterruptContext* c)
    {
        if (!Read((int)c->Rdi, out ulong nanoseconds))
            return -Errno.EINVAL;
        return WriteTimespec(c->Rsi, nanoseconds);
    }

    private static long ClockGetres(InterruptContext* c)
    {
        if (!Read((int)c->Rdi, out _))
            return -Errno.EINVAL;
        return c->Rsi == 0 ? 0 : WriteTimespec(c->Rsi, 1);
    }

    private static long Gettimeofday(InterruptContext* c)
    {
        if (c->Rdi != 0)
        {
            ulong now = RealtimeNanoseconds;
            ulong* timeval = stackalloc ulong[2];
            timeval[0] = now / NanosecondsPerSecond;
            timeval[1] = now % NanosecondsPerSecond / 1000;
            if (UserMemory.CopyOut(c->Rdi, timeval, 16) != 0)
                return -Errno.EFAULT;
        }
        if (c->Rsi != 0 && UserMemory.Zero(c->Rsi, 8) != 0)
            return -Errno.EFAULT;
        return 0;
    }

    private static long Time(InterruptContext* c)
    {
        ulong seconds = RealtimeNanoseconds / NanosecondsPerSecond;
        if (c->Rdi != 0 && !UserMemory.Write64(c->Rdi, seconds))
            return -Errno.EFAULT;
        return (long)seconds;
    }

    private static long Nanosleep(InterruptContext* c) => SleepFor(CLOCK_MONOTONIC, 0, c->Rdi, c->Rsi);

    private static long ClockNanosleep(InterruptContext* c)
    {
        int clock = (int)c->Rdi;
        if (clock == CLOCK_THREAD_CPUTIME_ID)
            return -Errno.EOPNOTSUPP;
        if (!Read(clock, out _))
            return -Errno.EINVAL;
        // clock_nanosleep returns the error number itself, not -1/errno (clock_nanosleep(2)); glibc
        // handles both, but the raw call returns -errno like every system call.
        return SleepFor(clock, (int)c->Rsi, c->Rdx, c->R10);
    }

    private static long SleepFor(int clock, int flags, ulong request, ulong remaining)
    {
        long status = ReadTimespec(request, out ulong requested);
        if (status != 0)
            return status;
        Read(clock, out ulong now);
        ulong wait = (flags & TIMER_ABSTIME) != 0 ? (requested > now ? requested - now : 0) : requested;
        if (wait == 0)
            return 0;
        ulong start = MonotonicNanoseconds;
        ulong deadline = TscDeadlineAfter(wait);
        // A wake-up that is not the deadline (a signal, or a spurious one) ends the sleep only if a signal
        // is pending.
        while (Cpu.ReadTsc() < deadline)
        {
            if (Signaling.InterruptPending())
            {
                ulong slept = MonotonicNanoseconds - start;
                if (remaining != 0 && (flags & TIMER_ABSTIME) == 0)
                    WriteTimespec(remaining, slept < wait ? wait - slept : 0);
                return -Errno.EINTR;
            }
            Scheduler.BlockCurrent(null, deadline);
        }
        return 0;
    }

    // times(2): clock ticks at USER_HZ = 100.
    private static long Times(InterruptContext* c)
    {
        Thread* thread = CpuLocal.Current->Running;
        ulong ticks = TimeBase.TscToNanoseconds(thread->CpuTicks) / 10_000_000;
        if (c->Rdi != 0)
        {
            ulong* tms = stackalloc ulong[4];
            tms[0] = ticks;
            tms[1] = tms[2] = tms[3] = 0;
            if (UserMemory.CopyOut(c->Rdi, tms, 32) != 0)
                return -Errno.EFAULT;
        }
        return (long)(MonotonicNanoseconds / 10_000_000);
    }

    // getrusage(who, usage): user time from the thread's accounting, the rest zero. struct rusage is 144 bytes.
    private static long Getrusage(InterruptContext* c)
    {
        const int RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;
        int who = (int)c->Rdi;
        if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
            return -Errno.EINVAL;
        byte* usage = stackalloc byte[144];
        Runtime.MemoryOps.Zero(usage, 144);
        if (who != RUSAGE_CHILDREN)
        {
            ulong ns = TimeBase.TscToNanoseconds(CpuLocal.Current->Running->CpuTicks);
            *(ulong*)usage = ns / NanosecondsPerSecond;
            *(ulong*)(usage + 8) = ns % NanosecondsPerSecond / 1000;
        }
        return UserMemory.CopyOut(c->Rsi, usage, 144);
    }
}
