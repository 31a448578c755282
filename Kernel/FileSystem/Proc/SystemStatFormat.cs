// /proc/stat, /proc/uptime and /proc/loadavg in Linux's formats (proc_stat(5), proc_uptime(5),
// proc_loadavg(5); fs/proc/stat.c, uptime.c, loadavg.c). Times are in clock ticks (USER_HZ = 100) for
// stat and in seconds with two decimals for uptime.
using System;

namespace Kitten.Kernel.FileSystem.Proc;

// One CPU's time since it started, split as /proc/stat splits it. The kernel counts only busy and idle
// time per CPU, so busy time is all "user" and the rest of the split is 0.
internal struct CpuTimes
{
    public ulong User, Nice, System, Idle, IoWait, Irq, SoftIrq, Steal;
}

internal struct SystemCounters
{
    public ulong Interrupts;        // intr: every interrupt taken
    public ulong ContextSwitches;   // ctxt
    public ulong BootTime;          // btime: seconds since the epoch
    public ulong ProcessesCreated;  // processes: forks since boot
    public int Running;             // procs_running: threads running or ready
    public int Blocked;             // procs_blocked: waiting for I/O (none here)
}

internal static class SystemStatFormat
{
    public static void Stat(ReadOnlySpan<CpuTimes> cpus, in SystemCounters counters, TextBuilder o)
    {
        var total = new CpuTimes();
        for (int i = 0; i < cpus.Length; i++)
        {
            total.User += cpus[i].User;
            total.Nice += cpus[i].Nice;
            total.System += cpus[i].System;
            total.Idle += cpus[i].Idle;
            total.IoWait += cpus[i].IoWait;
            total.Irq += cpus[i].Irq;
            total.SoftIrq += cpus[i].SoftIrq;
            total.Steal += cpus[i].Steal;
        }
        o.Append("cpu ");
        CpuLine(in total, o);
        for (int i = 0; i < cpus.Length; i++)
        {
            o.Append("cpu").Unsigned((ulong)i);
            CpuLine(in cpus[i], o);
        }
        // Linux follows the total with one count per interrupt number; only the total is known here.
        o.Append("intr ").Unsigned(counters.Interrupts);
        o.Append("\nctxt ").Unsigned(counters.ContextSwitches);
        o.Append("\nbtime ").Unsigned(counters.BootTime);
        o.Append("\nprocesses ").Unsigned(counters.ProcessesCreated);
        o.Append("\nprocs_running ").Signed(counters.Running);
        o.Append("\nprocs_blocked ").Signed(counters.Blocked);
        o.Append("\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n");
    }

    // user nice system idle iowait irq softirq steal guest guest_nice.
    private static void CpuLine(in CpuTimes t, TextBuilder o)
    {
        o.Append(' ').Unsigned(t.User).Append(' ').Unsigned(t.Nice).Append(' ').Unsigned(t.System)
            .Append(' ').Unsigned(t.Idle).Append(' ').Unsigned(t.IoWait).Append(' ').Unsigned(t.Irq)
            .Append(' ').Unsigned(t.SoftIrq).Append(' ').Unsigned(t.Steal).Append(" 0 0\n");
    }

    // "uptime idle": seconds since boot, and idle seconds summed over the CPUs.
    public static void Uptime(ulong uptimeNanoseconds, ulong idleNanoseconds, TextBuilder o)
    {
        o.Hundredths(uptimeNanoseconds / 10_000_000).Append(' ').Hundredths(idleNanoseconds / 10_000_000).Append('\n');
    }

    // "load1 load5 load15 running/threads last_pid".
    public static void Loadavg(in LoadAverage load, int running, int threads, int lastPid, TextBuilder o)
    {
        o.Hundredths(load.Hundredths(0)).Append(' ').Hundredths(load.Hundredths(1)).Append(' ')
            .Hundredths(load.Hundredths(2)).Append(' ').Signed(running).Append('/').Signed(threads)
            .Append(' ').Signed(lastPid).Append('\n');
    }
}
