using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// What `./kitten boot` promises: the kernel's verdict becomes the exit status, a crash is reported and
// never looks like success, words reach the kernel command line, --add reaches the initial file system.
public class BootBehaviourTests
{
    [Test]
    public void CrashTestPanicsWithAReportAndFails()
    {
        var run = KittenCommand.Boot("--timeout", "120", "crashtest");
        Assert.That(run.ExitCode, Is.Not.EqualTo(0), run.ToString());
        Assert.That(run.Errors, Does.Contain("kitten: boot failed: kernel panic"));
        Assert.That(run.Output, Does.Contain("KERNEL PANIC: CPU exception 14 (#PF page fault)"));
        Assert.That(run.Output, Does.Match(@"cr2\s+0x00000000dead0000"));
        foreach (var register in new[] { "rip", "rsp", "rflags", "cr3", "rax", "rbx", "r15" })
            Assert.That(run.Output, Does.Match($@"\b{register}\s+0x[0-9a-f]{{16}}"), $"register {register} missing");
        Assert.That(run.Output, Does.Contain("page not present, read, kernel mode"));
    }

    [Test]
    public void SelftestPrefixRunsOnlyMatchingTests()
    {
        var run = KittenCommand.Boot("selftest=memory.");
        var report = KtapReport.Parse(run.Output);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(report.Results, Is.Not.Empty);
        Assert.That(report.Results.Select(r => r.Name), Has.All.StartWith("memory."));
        Assert.That(report.Plan, Is.EqualTo(report.Results.Count));
    }

    [Test]
    public void WordsReachTheKernelCommandLine()
    {
        var run = KittenCommand.Boot("selftest=boot.", "kitten.test=42");
        Assert.That(run.Output, Does.Contain("command line \"selftest=boot. kitten.test=42\""), run.ToString());
    }

    // At the timeout each CPU gets an NMI and reports where it was (here: halted in the idle loop), the
    // first report lists the tasks, and boot.sh names the kernel functions of the addresses.
    [Test]
    public void IdleKernelHitsTheTimeoutAndReportsWhereItWas()
    {
        var run = KittenCommand.Boot("--smp", "2", "--timeout", "8");
        Assert.That(run.ExitCode, Is.Not.EqualTo(0));
        Assert.That(run.Errors, Does.Contain("kitten: boot failed: timeout after 8 s"));
        Assert.That(run.Output, Does.Contain("kitten: boot complete"));
        Assert.That(run.Output, Does.Match(@"kitten: NMI on CPU 0: ring 0 rip=0xffffffff8[0-9a-f]{7} .* thread: "), run.ToString());
        Assert.That(run.Output, Does.Match(@"kitten: NMI on CPU 1: ring 0 rip=0xffffffff8[0-9a-f]{7} .* thread: idle"), run.ToString());
        Assert.That(run.Output, Does.Match(@"kitten: tasks at tsc=\d+\s+cpu 0: ready 0 \(empty list\)"), run.ToString());
        Assert.That(run.Errors, Does.Contain("kitten: kernel functions at the addresses in the NMI reports:"));
        Assert.That(run.Errors, Does.Match(@"0xffffffff8[0-9a-f]{7} cpu_enable_interrupts_and_halt"), run.ToString());
    }

    // The strace word: one line per system call with its first arguments, result and time in ticks.
    [Test]
    public void StraceShowsEachCallWithItsResultAndTime()
    {
        var run = KittenCommand.Boot("--timeout", "120", "strace", "--exec", "/bin/cat", "/etc/hostname");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var calls = Regex.Matches(run.Output, @"^strace: 1 (\w+)\((0x[0-9a-f]+(, )?)+\) = (-?\d+) <(\d+) ticks>\r?$", RegexOptions.Multiline);
        var names = calls.Select(m => m.Groups[1].Value).ToList();
        // busybox cat: openat the file, then sendfile from it to standard output.
        Assert.That(names, Does.Contain("openat").And.Contain("sendfile"), run.ToString());
        var copy = calls.First(m => m.Groups[1].Value == "sendfile");
        Assert.That(long.Parse(copy.Groups[4].Value), Is.EqualTo("kitten\n".Length), "sendfile's result: the bytes of /etc/hostname");
        Assert.That(calls.Select(m => ulong.Parse(m.Groups[5].Value)), Has.All.GreaterThan(0UL), "every call took some time");
    }

    [Test]
    public void AddedFilesAppearInTheInitialFileSystem()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "twenty-one bytes long");
            var run = KittenCommand.Run("boot", "--add", $"{file}:/etc/kitten/added.txt", "--exec", "/bin/cat", "/etc/kitten/added.txt");
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            Assert.That(run.Output, Does.Contain("twenty-one bytes long"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void BadOptionsFailWithOneClearLine()
    {
        var run = KittenCommand.Boot("--smp", "zero");
        Assert.That(run.ExitCode, Is.Not.EqualTo(0));
        Assert.That(run.Errors.Trim(), Is.EqualTo("kitten: --smp: expected a positive number, got 'zero'"));
    }

    [Test]
    public void UsesMemoryAbove4GiB()
    {
        // QEMU puts the RAM beyond 3 GiB above the 4 GiB line: the memory tests then cover it.
        var run = KittenCommand.Boot("--mem", "4096", "--smp", "2", "selftest=memory.");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("boot: memory 0x000100000000-0x00013fffffff available (1 GiB)"));
        Assert.That(run.Output, Does.Contain("ok ").And.Contain("memory.direct_map_covers_all_ram"));
    }
}
