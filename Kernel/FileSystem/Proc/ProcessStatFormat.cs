// /proc/<pid>/stat and /proc/<pid>/statm, in Linux's formats (proc_pid_stat(5), proc_pid_statm(5);
// do_task_stat and proc_pid_statm in fs/proc/array.c): one line of space-separated fields.
using System;

namespace Kitten.Kernel.FileSystem.Proc;

internal static class ProcessStatFormat
{
    public const ulong PageSize = 4096;
    private const int SignalChild = 17;     // exit_signal: SIGCHLD
    private const int DefaultPriority = 20; // priority of a SCHED_OTHER task at nice 0 (120 - MAX_RT_PRIO)

    // The 52 fields of proc_pid_stat(5). The old signal fields show only signals 1-31, as Linux does.
    public static void Stat(in ProcessInfo p, ReadOnlySpan<byte> comm, TextBuilder o)
    {
        const ulong OldSignals = 0x7FFFFFFF;
        o.Signed(p.Tid).Append(" (").Append(comm).Append(") ").Append(p.State);
        o.Append(' ').Signed(p.ParentPid);
        o.Append(' ').Signed(p.ProcessGroup);
        o.Append(' ').Signed(p.Session);
        o.Append(' ').Signed(p.TerminalDevice);
        o.Append(' ').Signed(p.TerminalGroup);
        o.Append(" 0");                                 // flags (PF_*): none apply
        o.Append(" 0 0 0 0");                           // minflt cminflt majflt cmajflt: no paging
        o.Append(' ').Unsigned(p.UserTicks);
        o.Append(' ').Unsigned(p.SystemTicks);
        o.Append(" 0 0");                               // cutime cstime
        o.Append(' ').Signed(DefaultPriority);
        o.Append(" 0");                                 // nice
        o.Append(' ').Signed(p.ThreadCount);
        o.Append(" 0");                                 // itrealvalue
        o.Append(' ').Unsigned(p.StartTicks);
        o.Append(' ').Unsigned(p.HasMemory ? p.VirtualBytes : 0);
        o.Append(' ').Unsigned(p.HasMemory ? p.ResidentBytes / PageSize : 0);
        o.Append(' ').Unsigned(ulong.MaxValue);         // rsslim: RLIMIT_RSS, unlimited
        o.Append(' ').Unsigned(p.HasMemory ? p.StartCode : 0);
        o.Append(' ').Unsigned(p.HasMemory ? p.EndCode : 0);
        o.Append(' ').Unsigned(p.HasMemory ? p.StartStack : 0);
        o.Append(" 0 0");                               // kstkesp kstkeip
        o.Append(' ').Unsigned(p.PendingSignals & OldSignals);
        o.Append(' ').Unsigned(p.BlockedSignals & OldSignals);
        o.Append(' ').Unsigned(p.IgnoredSignals & OldSignals);
        o.Append(' ').Unsigned(p.CaughtSignals & OldSignals);
        o.Append(" 0 0 0");                             // wchan nswap cnswap
        o.Append(' ').Signed(SignalChild);
        o.Append(' ').Signed(p.Processor);
        o.Append(" 0 0 0 0 0");                         // rt_priority policy delayacct_blkio_ticks guest_time cguest_time
        o.Append(' ').Unsigned(p.HasMemory ? p.StartData : 0);
        o.Append(' ').Unsigned(p.HasMemory ? p.EndData : 0);
        o.Append(' ').Unsigned(p.HasMemory ? p.StartBrk : 0);
        o.Append(' ').Unsigned(p.HasMemory ? p.ArgumentsStart : 0);
        o.Append(' ').Unsigned(p.HasMemory ? p.ArgumentsEnd : 0);
        o.Append(' ').Unsigned(p.HasMemory ? p.EnvironmentStart : 0);
        o.Append(' ').Unsigned(p.HasMemory ? p.EnvironmentEnd : 0);
        o.Append(' ').Signed(p.State == (byte)'Z' ? p.ExitCode : 0);
        o.Append('\n');
    }

    // size resident shared text lib data dt, in pages. Nothing here is file-backed or shared, so
    // "shared" is 0; lib and dt are always 0 on Linux since 2.6.
    public static void Statm(in ProcessInfo p, TextBuilder o)
    {
        if (!p.HasMemory)
        {
            o.Append("0 0 0 0 0 0 0\n");
            return;
        }
        ulong text = (RoundUp(p.EndCode) - (p.StartCode & ~(PageSize - 1))) / PageSize;
        o.Unsigned(p.VirtualBytes / PageSize).Append(' ').Unsigned(p.ResidentBytes / PageSize).Append(" 0 ")
            .Unsigned(p.EndCode > p.StartCode ? text : 0).Append(" 0 ")
            .Unsigned((p.DataBytes + p.StackBytes) / PageSize).Append(" 0\n");
    }

    private static ulong RoundUp(ulong address) => (address + PageSize - 1) & ~(PageSize - 1);
}
