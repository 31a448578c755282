using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// The Linux side of every benchmark (Build/linux.sh): `./kitten linux` boots Debian's kernel in the same
// QEMU machine with one of our benchmark programs as the only thing /init runs. Benchmarks are not tests,
// but this harness is, so that the comparison with Linux cannot silently break.
public partial class LinuxBaselineTests
{
    [GeneratedRegex(@"^bench-result syscall ticks_per_call=(\d+) iterations=1000\r?$", RegexOptions.Multiline)]
    private static partial Regex SyscallResult();

    [Test]
    public void SyscallBenchmarkRunsOnLinuxAndReports()
    {
        var run = KittenCommand.Run("linux", "--icount", "syscall", "1000");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var result = SyscallResult().Match(run.Output);
        Assert.That(result.Success, Is.True, $"no result line:\n{run}");
        // One round trip is hundreds of instructions on Linux (entry, page-table switch, exit); more than
        // a million per call would mean the count measures something else (e.g. host time, no -icount).
        Assert.That(long.Parse(result.Groups[1].Value), Is.InRange(1, 1_000_000), run.ToString());
        // stdout is the program's own output: /init's lines and the console's go elsewhere.
        Assert.That(run.Output, Does.Not.Contain("linux-init:"), run.ToString());
    }

    [Test]
    public void FailingProgramGivesFailureStatus()
    {
        var run = KittenCommand.Run("linux", "exit", "3");
        Assert.That(run.ExitCode, Is.Not.EqualTo(0), run.ToString());
        Assert.That(run.Errors, Does.Contain("kitten: linux: /bench/exit exited with status 3"), run.ToString());
    }

    [Test]
    public void UnknownProgramFailsWithOneClearLine()
    {
        var run = KittenCommand.Run("linux", "no-such-benchmark");
        Assert.That(run.ExitCode, Is.Not.EqualTo(0));
        Assert.That(run.Errors, Does.Contain("kitten: linux: no program /bench/no-such-benchmark in the initramfs"));
    }
}
