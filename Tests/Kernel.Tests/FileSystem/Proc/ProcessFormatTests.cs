using System.Text;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.FileSystem.Proc;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.FileSystem.Proc;

// /proc/<pid>/stat, statm, status and maps, checked against the formats of proc_pid_stat(5),
// proc_pid_statm(5), proc_pid_status(5) and proc_pid_maps(5) and lines taken from Linux 6.18.
public class ProcessFormatTests
{
    private static string Format(Action<TextBuilder> write)
    {
        var text = new TextBuilder(8);
        write(text);
        return Encoding.ASCII.GetString(text.Text);
    }

    private static ProcessInfo Sample() => new()
    {
        Pid = 16203,
        Tid = 16203,
        ParentPid = 16198,
        ProcessGroup = 16198,
        Session = 9771,
        ThreadCount = 1,
        State = (byte)'R',
        TerminalDevice = 0,
        TerminalGroup = -1,
        PendingSignals = 0,
        SharedPendingSignals = 0,
        IgnoredSignals = 1UL << 12,
        PageTableBytes = 48 * 1024,
        PlacedBytes = 34 * 1024 * 1024,
        UserTicks = 3,
        SystemTicks = 1,
        StartTicks = 906361,
        Processor = 1,
        Umask = 0x12,
        FileTableSize = 64,
        CpusAllowed = 3,
        ContextSwitches = 5,
        BlockedSignals = 1UL << 16,
        CaughtSignals = 0x4b813efb | (1UL << 40),
        HasMemory = true,
        VirtualBytes = 3133440,
        ResidentBytes = 358 * 4096,
        DataBytes = 360 * 1024,
        StackBytes = 132 * 1024,
        TextBytes = 20 * 1024,
        StartCode = 93900131926016,
        EndCode = 93900131945897,
        StartStack = 140725687000080,
        StartData = 93900131961904,
        EndData = 93900131963520,
        StartBrk = 93900317741056,
        ArgumentsStart = 140725687007717,
        ArgumentsEnd = 140725687007737,
        EnvironmentStart = 140725687007737,
        EnvironmentEnd = 140725687009259,
    };

    // The line `cat /proc/self/stat` printed on Linux, with the figures of Sample (flags 0 here: no
    // PF_RANDOMIZE; the old signal fields show bits 0-30 only).
    [Test]
    public void StatHasLinuxsFiftyTwoFields()
    {
        string line = Format(o => ProcessStatFormat.Stat(Sample(), "cat"u8, o));
        Assert.That(line, Is.EqualTo("16203 (cat) R 16198 16198 9771 0 -1 0 0 0 0 0 3 1 0 0 20 0 1 0 906361 3133440 358 "
            + "18446744073709551615 93900131926016 93900131945897 140725687000080 0 0 0 65536 4096 1266761467 0 0 0 17 1 0 0 0 0 0 "
            + "93900131961904 93900131963520 93900317741056 140725687007717 140725687007737 140725687007737 140725687009259 0\n"));
        Assert.That(line.TrimEnd('\n').Split(' '), Has.Length.EqualTo(52));
    }

    // A comm with spaces and parentheses stays as it is: parsers take the last ')'.
    [Test]
    public void StatOfAZombieHasNoMemoryAndItsExitCode()
    {
        ProcessInfo zombie = Sample();
        zombie.State = (byte)'Z';
        zombie.HasMemory = false;
        zombie.ExitCode = 3 << 8;
        string line = Format(o => ProcessStatFormat.Stat(zombie, "a (b) c"u8, o));
        string[] fields = line[(line.LastIndexOf(')') + 2)..].TrimEnd('\n').Split(' ');
        Assert.That(line, Does.StartWith("16203 (a (b) c) Z "));
        Assert.That(fields, Has.Length.EqualTo(50));
        Assert.That(fields[23 - 3], Is.EqualTo("0"), "vsize");
        Assert.That(fields[26 - 3], Is.EqualTo("0"), "startcode");
        Assert.That(fields[52 - 3], Is.EqualTo("768"), "exit_code");
        Assert.That(Format(o => ProcessStatFormat.Statm(zombie, o)), Is.EqualTo("0 0 0 0 0 0 0\n"));
    }

    [Test]
    public void StatmCountsPages()
    {
        ProcessInfo p = Sample();
        p.StartCode = 0x401000;
        p.EndCode = 0x585123;
        // size resident shared text lib data dt; text is the code's pages, data VmData + VmStk.
        Assert.That(Format(o => ProcessStatFormat.Statm(p, o)), Is.EqualTo($"765 358 0 {0x185} 0 {(360 + 132) / 4} 0\n"));
    }

    [Test]
    public void StatusLinesInLinuxsOrder()
    {
        string[] lines = Format(o => ProcessStatusFormat.Status(Sample(), "a\\b\nc"u8, o)).Split('\n');
        string[] names = lines.Where(l => l.Length > 0).Select(l => l[..l.IndexOf(':')]).ToArray();
        Assert.That(names, Is.EqualTo(new[]
        {
            "Name", "Umask", "State", "Tgid", "Ngid", "Pid", "PPid", "TracerPid", "Uid", "Gid", "FDSize", "Groups", "NStgid", "NSpid",
            "NSpgid", "NSsid", "Kthread", "VmPeak", "VmSize", "VmLck", "VmPin", "VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem",
            "VmData", "VmStk", "VmExe", "VmLib", "VmPTE", "VmSwap", "HugetlbPages", "VmPlaced", "CoreDumping", "THP_enabled", "untag_mask",
            "Threads", "SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
            "NoNewPrivs", "Seccomp", "Seccomp_filters", "Speculation_Store_Bypass", "SpeculationIndirectBranch", "Cpus_allowed",
            "Cpus_allowed_list", "Mems_allowed", "Mems_allowed_list", "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches",
        }));
        Assert.That(lines, Does.Contain("Name:\ta\\134b\\012c"), "backslash and newline escaped as seq_escape does");
        Assert.That(lines, Does.Contain("Umask:\t0022"));
        Assert.That(lines, Does.Contain("State:\tR (running)"));
        Assert.That(lines, Does.Contain("Groups:\t "));
        Assert.That(lines, Does.Contain("VmRSS:\t    1432 kB"));
        Assert.That(lines, Does.Contain("VmStk:\t     132 kB"));
        Assert.That(lines, Does.Contain("SigBlk:\t0000000000010000"));
        Assert.That(lines, Does.Contain("SigIgn:\t0000000000001000"));
        Assert.That(lines, Does.Contain("VmPTE:\t      48 kB"));
        Assert.That(lines, Does.Contain("VmPlaced:\t   34816 kB"), "Kitten's: the bytes installed from a placement");
        Assert.That(lines, Does.Contain("SigCgt:\t000001004b813efb"));
        Assert.That(lines, Does.Contain("Cpus_allowed:\t3"));
        Assert.That(lines, Does.Contain("Cpus_allowed_list:\t0-1"));
        Assert.That(lines[^1], Is.EqualTo(""), "ends with a newline");
    }

    // Kitten's own line: the service manifest the process runs under (Kernel/Services), after Seccomp's.
    [Test]
    public void StatusNamesTheServiceManifestOnlyWhenThereIsOne()
    {
        ProcessInfo service = Sample();
        service.Service = "memory-paged"u8.ToArray();
        string with = Format(o => ProcessStatusFormat.Status(service, "memory-paged"u8, o));
        string without = Format(o => ProcessStatusFormat.Status(Sample(), "sh"u8, o));
        Assert.That(with, Does.Contain("\nSeccomp_filters:\t0\nService:\tmemory-paged\nSpeculation_Store_Bypass:"));
        Assert.That(without, Does.Not.Contain("Service:"));
    }

    [Test]
    public void StatusOfAZombieHasNoMemoryLines()
    {
        ProcessInfo zombie = Sample();
        zombie.State = (byte)'Z';
        zombie.HasMemory = false;
        string text = Format(o => ProcessStatusFormat.Status(zombie, "z"u8, o));
        Assert.That(text, Does.Contain("\nState:\tZ (zombie)\n"));
        Assert.That(text, Does.Not.Contain("Vm"));
        Assert.That(text, Does.Contain("\nKthread:\t0\nThreads:\t1\n"));
    }

    // Lines as Linux prints them: the name from column 73, and a trailing space on an unnamed line.
    [Test]
    public void MapsLinesLikeLinux()
    {
        var areas = new[]
        {
            new MapEntry { Start = 0x562129b6d000, End = 0x562129b72000, Prot = 5, Offset = 0x2000, Major = 0xfe, Minor = 0, Inode = 247270, Name = MapName.Executable },
            new MapEntry { Start = 0x56214490c000, End = 0x56214492d000, Prot = 3, Name = MapName.Heap },
            new MapEntry { Start = 0x7f1ebe1fb000, End = 0x7f1ebe21d000, Prot = 3 },
            new MapEntry { Start = 0x400000, End = 0x401000, Prot = 0 },
            new MapEntry { Start = 0x7fffdfe000, End = 0x7fffffe000, Prot = 7, Name = MapName.Stack },
        };
        string[] lines = Format(o => MapsFormat.Write(areas, "/usr/bin/cat"u8, o)).Split('\n');
        Assert.That(lines[0], Is.EqualTo("562129b6d000-562129b72000 r-xp 00002000 fe:00 247270                     /usr/bin/cat"));
        Assert.That(lines[1], Is.EqualTo("56214490c000-56214492d000 rw-p 00000000 00:00 0                          [heap]"));
        Assert.That(lines[2], Is.EqualTo("7f1ebe1fb000-7f1ebe21d000 rw-p 00000000 00:00 0 "));
        Assert.That(lines[3], Is.EqualTo("00400000-00401000 ---p 00000000 00:00 0 "));
        Assert.That(lines[4], Is.EqualTo("7fffdfe000-7fffffe000 rwxp 00000000 00:00 0                              [stack]"));
        Assert.That(lines[4].IndexOf('['), Is.EqualTo(73));
        Assert.That(lines[5], Is.EqualTo(""));
    }

    [Test]
    public void CpuListsAndMasks()
    {
        Assert.That(Format(o => CpuListFormat.Write(0b1, o)), Is.EqualTo("0"));
        Assert.That(Format(o => CpuListFormat.Write(0b1111, o)), Is.EqualTo("0-3"));
        Assert.That(Format(o => CpuListFormat.Write(0b1101_0110, o)), Is.EqualTo("1-2,4,6-7"));
        Assert.That(Format(o => CpuListFormat.Write(ulong.MaxValue, o)), Is.EqualTo("0-63"));
        Assert.That(Format(o => CpuListFormat.Write(0, o)), Is.EqualTo(""));
        Assert.That(CpuListFormat.FirstCpus(2), Is.EqualTo(3UL));
        Assert.That(CpuListFormat.FirstCpus(64), Is.EqualTo(ulong.MaxValue));
        Assert.That(Format(o => CpuListFormat.WriteMask(3, 2, o)), Is.EqualTo("3"));
        Assert.That(Format(o => CpuListFormat.WriteMask(0xff, 8, o)), Is.EqualTo("ff"));
        Assert.That(Format(o => CpuListFormat.WriteMask(0x1_0000_0003, 40, o)), Is.EqualTo("01,00000003"));
    }
}
