using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// Debian's static busybox on Kitten: shell scripts with pipelines, redirections and exit codes, the common
// applets, and an interactive shell fed through the serial console.
public partial class BusyboxTests
{
    private static CommandResult Sh(string script, int smp = 1)
        => KittenCommand.Run("boot", "--smp", smp.ToString(), "--timeout", "300", "--exec", "/bin/sh", "-c", script);

    // The program's own output: the console lines after the kernel started it, before it reported the end.
    private static string ProgramOutput(CommandResult run)
    {
        var lines = run.Output.Replace("\r", "").Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith("init: started "));
        var kept = lines.Skip(start + 1).Where(l => !l.StartsWith("kitten: ")).ToArray();
        return string.Join('\n', kept).Trim('\n');
    }

    [Test]
    public void PipelineSortsAHundredThousandNumbers()
    {
        var run = Sh("seq 1 100000 | sort -rn | head -3", smp: 2);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(ProgramOutput(run), Is.EqualTo("100000\n99999\n99998"));
    }


    // No leak: 1,000 fork + execve + wait4 cycles of an unmodified static program (the shell runs
    // /bin/true, busybox itself) leave free physical memory exactly where it was before the first process.
    [Test]
    public void AThousandForkExecWaitCyclesLeaveMemoryWhereItStarted()
    {
        var run = Sh("i=0; while [ $i -lt 1000 ]; do /bin/true || exit 1; i=$((i+1)); done; echo cycles=$i");
        var memory = KernelReports.MemoryAtExit().Match(run.Output);
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            Assert.That(ProgramOutput(run), Is.EqualTo("cycles=1000"));
            Assert.That(memory.Success, Is.True, "no memory report at exit");
            Assert.That(memory.Groups[1].Value, Is.EqualTo(memory.Groups[2].Value), "free physical memory after 1,000 cycles");
        });
    }

    [GeneratedRegex(@"kernel heap (\d+) allocations")]
    private static partial Regex HeapReport();

    // /proc/<pid> is made when first looked up; once the process is gone its directory must go too, or a
    // launcher whose children each read /proc/self (every static glibc program does, at start-up) piles
    // up dead directories, 30-odd kernel objects each. 200 more such children must leave the kernel heap
    // where 20 left it (give or take the few objects that depend on timing, far below one directory's).
    [Test]
    public void ProcDirectoriesOfGoneProcessesDoNotPileUp()
    {
        int HeapAfter(int children)
        {
            var run = Sh($"i=0; while [ $i -lt {children} ]; do cat /proc/self/stat >/dev/null || exit 1; i=$((i+1)); done");
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            var heap = HeapReport().Match(run.Output);
            Assert.That(heap.Success, Is.True, "no kernel heap report at exit");
            return int.Parse(heap.Groups[1].Value);
        }
        int few = HeapAfter(20), many = HeapAfter(220);
        Assert.That(many - few, Is.LessThan(30), $"kernel heap objects after 20 children: {few}, after 220: {many}");
    }

    [Test]
    public void ExitCodesAndConditionals()
    {
        var run = Sh("false; echo \"false gave $?\"; true && echo and; false || echo or; exit 7");
        Assert.That(run.ExitCode, Is.EqualTo(7), run.ToString());
        Assert.That(ProgramOutput(run), Is.EqualTo("false gave 1\nand\nor"));
    }

    [Test]
    public void RedirectionsIntoTmp()
    {
        var run = Sh("echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f; wc -l < /tmp/f; cat /tmp/f | grep -c o; rm /tmp/f; cat /tmp/f 2>/dev/null || echo gone");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(ProgramOutput(run), Is.EqualTo("one\ntwo\n2\n2\ngone"));
    }

    [Test]
    public void ListsTheRootDirectory()
    {
        var run = Sh("ls -l /");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var output = ProgramOutput(run);
        foreach (var name in new[] { "bin", "etc", "tmp", "dev", "proc" })
            Assert.That(output, Does.Match($@"(?m)^d.* {name}$"), $"ls -l / has no directory {name}");
    }

    [Test]
    public void Sha256OfAFileAddedToTheImage()
    {
        var file = Path.GetTempFileName();
        try
        {
            var content = string.Concat(Enumerable.Range(0, 5000).Select(i => $"line {i}\n"));
            File.WriteAllText(file, content);
            var expected = Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(content))).ToLowerInvariant();
            var run = KittenCommand.Run("boot", "--timeout", "300", "--add", $"{file}:/data/lines.txt",
                "--exec", "/bin/sh", "-c", "sha256sum /data/lines.txt; grep -c 'line 4' /data/lines.txt; wc -c < /data/lines.txt");
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            Assert.That(ProgramOutput(run), Is.EqualTo($"{expected}  /data/lines.txt\n1111\n{content.Length}"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void SleepTakesAtLeastASecond()
    {
        var run = Sh("s=$(date +%s); sleep 1; e=$(date +%s); echo $((e - s))");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(int.Parse(ProgramOutput(run)), Is.InRange(1, 3));
    }

    [Test]
    public void UnameDateAndEnvironment()
    {
        var run = Sh("uname -a; date +%Y; env | sort");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var lines = ProgramOutput(run).Split('\n');
        Assert.That(lines[0], Does.StartWith("Kitten kitten ").And.Contain("x86_64"));
        Assert.That(int.Parse(lines[1]), Is.GreaterThanOrEqualTo(2026));
        Assert.That(lines, Does.Contain("PATH=/bin:/sbin:/usr/bin:/usr/sbin"));
    }

    [Test]
    public void PsListsTheRunningProcesses()
    {
        var run = Sh("sleep 5 & ps; kill %1 2>/dev/null; wait");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var output = ProgramOutput(run);
        Assert.That(output, Does.Match(@"(?m)^\s*PID"), "ps printed no header");
        Assert.That(output, Does.Match(@"(?m)^\s*1 .*sh"), "ps does not show the shell as PID 1");
        Assert.That(output, Does.Contain("sleep"));
    }

    // /proc/meminfo and free(1) (which reads sysinfo(2) and /proc/meminfo) agree on the total.
    [Test]
    public void MeminfoAndFreeAgree()
    {
        var run = Sh("cat /proc/meminfo; free");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var output = ProgramOutput(run);
        var total = Regex.Match(output, @"(?m)^MemTotal: +(\d+) kB$");
        var free = Regex.Match(output, @"(?m)^Mem: +(\d+) +(\d+) +(\d+) ");
        Assert.That(total.Success, Is.True, $"no MemTotal line:\n{output}");
        Assert.That(free.Success, Is.True, $"free printed no Mem: line:\n{output}");
        Assert.That(free.Groups[1].Value, Is.EqualTo(total.Groups[1].Value), "free's total and MemTotal");
        Assert.That(long.Parse(free.Groups[3].Value), Is.GreaterThan(0).And.LessThan(long.Parse(total.Groups[1].Value)));
        foreach (var field in new[] { "MemFree", "MemAvailable", "Buffers", "Cached", "SwapTotal", "SwapFree" })
            Assert.That(output, Does.Match($@"(?m)^{field}: +\d+ kB$"), $"meminfo has no {field}");
    }

    // mount(8) and df(1) read /proc/mounts (df also statfs(2) of each mount point).
    [Test]
    public void MountAndDfShowTheMounts()
    {
        var run = Sh("mount; df");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var output = ProgramOutput(run);
        Assert.That(output, Does.Contain("rootfs on / type rootfs (ro)"));
        Assert.That(output, Does.Contain("tmpfs on /tmp type tmpfs (rw)"));
        Assert.That(output, Does.Contain("proc on /proc type proc (rw)"));
        Assert.That(output, Does.Contain("sysfs on /sys type sysfs (rw)"));
        var tmp = Regex.Match(output, @"(?m)^tmpfs +(\d+) +(\d+) +(\d+) +\d+% /tmp$");
        Assert.That(tmp.Success, Is.True, $"df shows no /tmp line:\n{output}");
        Assert.That(long.Parse(tmp.Groups[1].Value), Is.GreaterThan(1024), "the size of /tmp in 1K blocks");
    }

    // top(1) in batch mode reads /proc/stat, /proc/meminfo, /proc/loadavg and every /proc/<pid>/stat.
    [Test]
    public void TopShowsItselfOnce()
    {
        var run = Sh("sleep 5 & top -n 1 -b; kill %1; wait", smp: 2);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var output = ProgramOutput(run);
        Assert.That(output, Does.Match(@"(?m)^Mem: \d+K used, \d+K free"), "top's memory line");
        Assert.That(output, Does.Match(@"(?m)^CPU: +\d+% usr"), "top's CPU line");
        Assert.That(output, Does.Match(@"(?m)^Load average: \d+\.\d\d \d+\.\d\d \d+\.\d\d \d+/\d+ \d+"), "top's load line");
        Assert.That(output, Does.Match(@"(?m)^ +\d+ +1 root +R .*top -n 1 -b$"), "top does not show itself running");
        Assert.That(output, Does.Match(@"(?m)^ +\d+ +1 root +S .*sleep 5$"), "top does not show the sleeping child");
    }

    // An interactive shell on the serial console: commands typed (here, fed on QEMU's stdin) are echoed by
    // the terminal, run, and the shell's exit status is the boot's.
    [Test]
    public void InteractiveShellSession()
    {
        var run = KittenCommand.RunWithInput("echo $((6 * 7))\nfor i in 1 2 3; do echo x$i; done\ncd /tmp && pwd\nexit 3\n",
            "boot", "--timeout", "300", "--exec", "/bin/sh", "-i");
        Assert.That(run.ExitCode, Is.EqualTo(3), run.ToString());
        var output = run.Output.Replace("\r", "");
        Assert.That(output, Does.Contain("\n42\n"));
        Assert.That(output, Does.Contain("x1\nx2\nx3"));
        Assert.That(output, Does.Contain("/tmp\n"));
        var memory = KernelReports.MemoryAtExit().Match(run.Output);
        Assert.That(memory.Success && memory.Groups[1].Value == memory.Groups[2].Value, Is.True, "physical memory after the session");
    }
}
