using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// Programs the kernel starts get their memory through the memory manager (issue 6): with a manager
// serving, the kernel starts the first program under /sbin/launch (Services/Tools/Launch), which asks the
// manager for a layout and execs the program in exactly that physical memory (kitten_exec_placed). A
// program's /proc/PID/status says how much of it was placed (VmPlaced) and what its page tables cost
// (VmPTE), which is the 2009 talk's TLB experiment made a test of the two policies.
public partial class MemoryPlacementOnKitten
{
    private const long KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

    private static CommandResult BootCleanImage(params string[] arguments)
        => KittenCommand.Run(new[] { "boot" }.Concat(arguments).ToArray());

    [GeneratedRegex(@"^VmPlaced:\s+(\d+) kB\r?$", RegexOptions.Multiline)]
    private static partial Regex PlacedLine();

    [GeneratedRegex(@"^VmPTE:\s+(\d+) kB\r?$", RegexOptions.Multiline)]
    private static partial Regex PageTableLine();

    private static long Kilobytes(Regex line, CommandResult run)
    {
        var match = line.Match(run.Output);
        Assert.That(match.Success, Is.True, $"no {line} line:\n{run}");
        return long.Parse(match.Groups[1].Value);
    }

    [TestCase("contiguous")]
    [TestCase("paged")]
    public void TheFirstProgramRunsInTheManagersLayout(string policy)
    {
        var run = BootCleanImage("--timeout", "300", $"memory={policy}", "--exec", "/bin/cat", "/proc/self/status");
        Assert.That(run.Output, Does.Contain("init: started /sbin/launch as pid 1"), run.ToString());
        Assert.That(run.Output, Does.Not.Contain("kernel's own placement"), run.ToString());
        // The launcher's default heap and stack (8 MiB, 2 MiB) and the program's segments, all placed.
        Assert.That(Kilobytes(PlacedLine(), run) * KiB, Is.GreaterThan(10 * MiB), run.ToString());
        Assert.That(run.Output, Does.Match(@"Name:\s+cat"), run.ToString());
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
    }

    [Test]
    public void WithoutAManagerNothingIsPlaced()
    {
        var run = BootCleanImage("--timeout", "120", "--exec", "/bin/cat", "/proc/self/status");
        Assert.That(Kilobytes(PlacedLine(), run), Is.Zero, run.ToString());
        Assert.That(Kilobytes(PageTableLine(), run), Is.GreaterThan(0), run.ToString());
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
    }

    // The 2009 talk's TLB experiment: the same program with a 2 GiB heap (and launch's 2 MiB stack) under each policy. Contiguous maps
    // it with the largest pages its one block allows; paged with 4 KiB pages, a page table per 2 MiB.
    [Test]
    public void ContiguousNeedsAHundredTimesLessPageTableThanPaged()
    {
        long Footprint(string policy)
        {
            var run = BootCleanImage("--mem", "4096", "--timeout", "600", $"memory={policy}", "--exec", "/sbin/launch", "--show",
                "--heap", "2G", "/bin/cat", "/proc/self/status");
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            Assert.That(Kilobytes(PlacedLine(), run) * KiB, Is.GreaterThanOrEqualTo(2 * GiB + 2 * MiB), run.ToString());
            long tables = Kilobytes(PageTableLine(), run);
            TestContext.Out.WriteLine($"memory={policy}: VmPTE {tables} kB; {Regex.Match(run.Output, @"launch: .*layout.*").Value}");
            return tables;
        }

        long contiguous = Footprint("contiguous"), paged = Footprint("paged");
        Assert.That(contiguous, Is.GreaterThan(0));
        Assert.That(paged, Is.GreaterThanOrEqualTo(100 * contiguous), $"contiguous {contiguous} kB, paged {paged} kB");
    }

    [GeneratedRegex(@"^launches: (\d+) started, (\d+) clean errors, (\d+) failed\r?$", RegexOptions.Multiline)]
    private static partial Regex LaunchesLine();

    [GeneratedRegex(@"^memory: available before (\d+) kB after (\d+) kB; held by processes before (\d+) kB after (\d+) kB\r?$", RegexOptions.Multiline)]
    private static partial Regex MemoryLine();


    // Fault injection (Userland/ServiceTests/launch-under-kills.sh): the manager is killed 100 times, each
    // time as soon as its replacement answers, while programs are started through it in a loop. Every start
    // works or fails cleanly, the manager answers at the end, and free memory is back: to its starting
    // value less what the long-lived processes themselves grew by, and at the kernel's final account (every
    // program gone) to at least what it was before the first program, so no layout's frames were kept.
    [Test]
    public void KillingTheManagerAHundredTimesLosesNoProgramAndNoMemory()
    {
        string script = Path.Combine(KittenCommand.RepositoryRoot, "Userland", "ServiceTests", "launch-under-kills.sh");
        var run = KittenCommand.Run("boot", "--smp", "2", "--timeout", "1200", "--add", $"{script}:/tests/launch-under-kills.sh",
            "memory=contiguous", "--exec", "/bin/sh", "/tests/launch-under-kills.sh", "memory-contiguous", "100");
        Assert.That(run.Output, Does.Contain("killer: exit status 0"), run.ToString());
        Assert.That(run.Output, Does.Contain("restart: 100 kills, 100 answered"), run.ToString());
        var launches = LaunchesLine().Match(run.Output);
        Assert.That(launches.Success, Is.True, run.ToString());
        Assert.That(int.Parse(launches.Groups[3].Value), Is.Zero, $"a start neither worked nor failed cleanly:\n{run}");
        Assert.That(int.Parse(launches.Groups[1].Value), Is.GreaterThanOrEqualTo(10), run.ToString());

        var memory = MemoryLine().Match(run.Output);
        Assert.That(memory.Success, Is.True, run.ToString());
        long freeBefore = long.Parse(memory.Groups[1].Value), freeAfter = long.Parse(memory.Groups[2].Value);
        long grown = Math.Max(0, long.Parse(memory.Groups[4].Value) - long.Parse(memory.Groups[3].Value));
        Assert.That(freeBefore - freeAfter, Is.LessThanOrEqualTo(grown), run.ToString());
        TestContext.Out.WriteLine($"{launches.Value}; {memory.Value}");

        var account = KernelReports.MemoryAtExit().Match(run.Output);
        Assert.That(account.Success, Is.True, run.ToString());
        Assert.That(long.Parse(account.Groups[1].Value), Is.GreaterThanOrEqualTo(long.Parse(account.Groups[2].Value)), run.ToString());
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
    }
}
