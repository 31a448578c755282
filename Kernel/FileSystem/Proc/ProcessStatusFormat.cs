// /proc/<pid>/status in Linux's format (proc_pid_status(5); proc_pid_status and its task_* helpers in
// fs/proc/array.c and task_mem in fs/proc/task_mmu.c): "Field:\tvalue" lines in Linux's order. Every
// process here runs as root with all capabilities, on one memory node. Two lines are Kitten's own: `Service:`,
// the name of the service manifest a process runs under (absent if none), and `VmPlaced:`, the bytes of
// the address space installed from a physical placement (kitten_exec_placed; 0 otherwise), after Linux's
// memory lines.
using System;

namespace Kitten.Kernel.FileSystem.Proc;

internal static class ProcessStatusFormat
{
    private const string AllCapabilities = "000001ffffffffff";  // CAP_LAST_CAP = 40

    public static void Status(in ProcessInfo p, ReadOnlySpan<byte> comm, TextBuilder o)
    {
        o.Append("Name:\t");
        AppendEscapedName(comm, o);
        o.Append("\nUmask:\t").Octal((ulong)p.Umask, 4);
        o.Append("\nState:\t").Append(StateName(p.State));
        o.Append("\nTgid:\t").Signed(p.Pid);
        o.Append("\nNgid:\t0");
        o.Append("\nPid:\t").Signed(p.Tid);
        o.Append("\nPPid:\t").Signed(p.ParentPid);
        o.Append("\nTracerPid:\t0");
        o.Append("\nUid:\t0\t0\t0\t0");
        o.Append("\nGid:\t0\t0\t0\t0");
        o.Append("\nFDSize:\t").Signed(p.FileTableSize);
        o.Append("\nGroups:\t ");       // no supplementary groups; Linux leaves this trailing space
        o.Append("\nNStgid:\t").Signed(p.Pid);
        o.Append("\nNSpid:\t").Signed(p.Tid);
        o.Append("\nNSpgid:\t").Signed(p.ProcessGroup);
        o.Append("\nNSsid:\t").Signed(p.Session);
        o.Append("\nKthread:\t0\n");
        if (p.HasMemory)
        {
            Kilobytes("VmPeak:\t", p.VirtualBytes, o);
            Kilobytes("VmSize:\t", p.VirtualBytes, o);
            Kilobytes("VmLck:\t", 0, o);
            Kilobytes("VmPin:\t", 0, o);
            Kilobytes("VmHWM:\t", p.ResidentBytes, o);
            Kilobytes("VmRSS:\t", p.ResidentBytes, o);
            Kilobytes("RssAnon:\t", p.ResidentBytes, o);
            Kilobytes("RssFile:\t", 0, o);
            Kilobytes("RssShmem:\t", 0, o);
            Kilobytes("VmData:\t", p.DataBytes, o);
            Kilobytes("VmStk:\t", p.StackBytes, o);
            Kilobytes("VmExe:\t", p.TextBytes, o);
            Kilobytes("VmLib:\t", 0, o);
            Kilobytes("VmPTE:\t", p.PageTableBytes, o);
            Kilobytes("VmSwap:\t", 0, o);
            Kilobytes("HugetlbPages:\t", 0, o);
            Kilobytes("VmPlaced:\t", p.PlacedBytes, o);
            o.Append("CoreDumping:\t0\nTHP_enabled:\t0\nuntag_mask:\t0xffffffffffffffff\n");
        }
        o.Append("Threads:\t").Signed(p.ThreadCount);
        o.Append("\nSigQ:\t0/").Unsigned(ulong.MaxValue);   // RLIMIT_SIGPENDING: unlimited here
        o.Append("\nSigPnd:\t").Hex(p.PendingSignals, 16);
        o.Append("\nShdPnd:\t").Hex(p.SharedPendingSignals, 16);
        o.Append("\nSigBlk:\t").Hex(p.BlockedSignals, 16);
        o.Append("\nSigIgn:\t").Hex(p.IgnoredSignals, 16);
        o.Append("\nSigCgt:\t").Hex(p.CaughtSignals, 16);
        o.Append("\nCapInh:\t0000000000000000");
        o.Append("\nCapPrm:\t").Append(AllCapabilities);
        o.Append("\nCapEff:\t").Append(AllCapabilities);
        o.Append("\nCapBnd:\t").Append(AllCapabilities);
        o.Append("\nCapAmb:\t0000000000000000");
        o.Append("\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0");
        // Kitten's own: the service manifest the kernel holds the process to (Kernel/Services); absent if none.
        if (p.Service != null)
            o.Append("\nService:\t").Append(p.Service);
        o.Append("\nSpeculation_Store_Bypass:\tunknown\nSpeculationIndirectBranch:\tunknown");
        o.Append("\nCpus_allowed:\t").Hex(p.CpusAllowed);
        o.Append("\nCpus_allowed_list:\t");
        CpuListFormat.Write(p.CpusAllowed, o);
        o.Append("\nMems_allowed:\t00000001\nMems_allowed_list:\t0");
        o.Append("\nvoluntary_ctxt_switches:\t").Unsigned(p.ContextSwitches);
        o.Append("\nnonvoluntary_ctxt_switches:\t0\n");
    }

    // "R (running)" and the others of get_task_state.
    public static string StateName(byte state) => state switch
    {
        (byte)'R' => "R (running)",
        (byte)'S' => "S (sleeping)",
        (byte)'D' => "D (disk sleep)",
        (byte)'T' => "T (stopped)",
        (byte)'Z' => "Z (zombie)",
        _ => "X (dead)",
    };

    // "%8lu kB" after the label (show_val_kb).
    private static void Kilobytes(string label, ulong bytes, TextBuilder o)
        => o.Append(label).Unsigned(bytes / 1024, 8).Append(" kB\n");

    // The name as seq_escape(m, name, "\n\\") writes it: a newline or backslash becomes \ooo octal.
    private static void AppendEscapedName(ReadOnlySpan<byte> name, TextBuilder o)
    {
        for (int i = 0; i < name.Length; i++)
        {
            byte c = name[i];
            if (c == '\n' || c == '\\')
                o.Append('\\').Octal(c, 3);
            else
                o.Append(c);
        }
    }
}
