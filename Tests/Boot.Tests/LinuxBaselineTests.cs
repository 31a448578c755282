using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Kitten.Bench.Plot;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// The Linux side of every benchmark (Build/linux.sh): `./kitten linux` boots Debian's kernel in the same
// QEMU machine with one of our benchmark programs as the only thing /init runs. Benchmarks are not tests,
// but this harness is, so that the comparison with Linux cannot silently break: each benchmark binary runs
// there, with small counts, and reports its `bench-result` line.
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

    [GeneratedRegex(@"^bench-result spawn ticks_per_spawn=(\d+) count=20\r?$", RegexOptions.Multiline)]
    private static partial Regex SpawnResult();

    [Test]
    public void SpawnBenchmarkRunsOnLinuxAndReports()
    {
        var run = KittenCommand.Run("linux", "--icount", "spawn", "20", "/bench/exit");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var result = SpawnResult().Match(run.Output);
        Assert.That(result.Success, Is.True, $"no result line:\n{run}");
        // fork, execve of a static program, exit and wait: hundreds of thousands of instructions on Linux
        // (about 750,000 measured); fewer than 10,000 would mean nothing was started.
        Assert.That(long.Parse(result.Groups[1].Value), Is.InRange(10_000, 100_000_000), run.ToString());
    }

    [GeneratedRegex(@"^bench-result ipc pipe_oneway=(\d+) futex_oneway=(\d+) iterations=200\r?$", RegexOptions.Multiline)]
    private static partial Regex IpcResult();

    // The IPC benchmark's Linux side: a request and an answer of 4 words between two processes, through a
    // pair of pipes and through a futex pair in shared memory (the server counts the turns; a lost one
    // fails the run).
    [Test]
    public void IpcBenchmarkRunsOnLinuxAndReports()
    {
        var run = KittenCommand.Run("linux", "--icount", "ipc", "linux", "200");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var result = IpcResult().Match(run.Output);
        Assert.That(result.Success, Is.True, $"no result line:\n{run}");
        // A one-way is a system call or two and a switch between processes: thousands of instructions on
        // Linux; fewer than 100 would mean the processes never took turns through the kernel.
        Assert.Multiple(() =>
        {
            Assert.That(long.Parse(result.Groups[1].Value), Is.InRange(100, 10_000_000), "pipe");
            Assert.That(long.Parse(result.Groups[2].Value), Is.InRange(100, 10_000_000), "futex");
        });
    }

    [GeneratedRegex(@"^bench-result fwq cpus=2 quanta=300 work=1024 min=(\d+) noise_ppm=(\d+) noise_ppb=\d+ max_detour=(-?\d+) raw_max=(\d+) undisturbed=(\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex FwqResult();

    [GeneratedRegex(@"^bench-result fwq-cpu cpu=(\d+) quanta=300 min=\d+ median=\d+ p99=\d+ max=\d+ mean=\d+ noise_ppm=\d+ max_detour=-?\d+\r?$", RegexOptions.Multiline)]
    private static partial Regex FwqCpuResult();

    // Two workers under -icount, where QEMU runs the CPUs in turn on one clock: fwq takes the other
    // worker's passes out of each quantum. Uncorrected, about half of every run would look like noise.
    [Test]
    public void FwqRunsOnTwoLinuxCpusAndItsPlotIsDrawn()
    {
        var run = KittenCommand.Run("linux", "--icount", "--smp", "2", "fwq", "-n", "300", "-w", "10", "-r");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var result = FwqResult().Match(run.Output);
        Assert.That(result.Success, Is.True, $"no result line:\n{run}");
        Assert.That(FwqCpuResult().Matches(run.Output).Select(m => m.Groups[1].Value), Is.EqualTo(new[] { "0", "1" }), run.Output);
        long min = long.Parse(result.Groups[1].Value);
        Assert.Multiple(() =>
        {
            // 2^10 passes of 19 instructions, and a quantum boundary of some dozens to hundreds.
            Assert.That(min, Is.InRange(19 * 1024 + 1, 19 * 1024 + 2000), "min");
            Assert.That(long.Parse(result.Groups[2].Value), Is.LessThan(100_000), "noise_ppm: the other CPU's work counted as noise?");
            Assert.That(long.Parse(result.Groups[3].Value), Is.GreaterThanOrEqualTo(0), "max_detour");
            Assert.That(long.Parse(result.Groups[4].Value), Is.GreaterThanOrEqualTo(min), "raw_max");
            Assert.That(long.Parse(result.Groups[5].Value), Is.GreaterThan(0), "undisturbed quanta");
        });

        var cpus = FwqRecord.Parse(run.Output);
        Assert.That(cpus.Select(cpu => cpu.Cpu), Is.EqualTo(new[] { 0, 1 }));
        foreach (var cpu in cpus)
        {
            Assert.That(cpu.Ticks, Has.Count.EqualTo(300), $"CPU {cpu.Cpu}");
            Assert.That(cpu.Min, Is.EqualTo(min));
            // The other worker caught in the middle of a pass or of a boundary leaves a quantum off by up
            // to that much (and its neighbour by as much the other way), never more.
            long boundary = min - 19 * 1024;
            Assert.That(cpu.Ticks.Min(), Is.GreaterThanOrEqualTo(min - boundary - 19), $"CPU {cpu.Cpu}");
        }
        Assert.That(cpus.Max(cpu => cpu.MaxDetour), Is.EqualTo(long.Parse(result.Groups[3].Value)), "the raw lines and the summary agree");

        var picture = Path.Combine(Path.GetTempPath(), $"fwq-{Guid.NewGuid():N}.png");
        try
        {
            FwqPlot.Save(new[] { new FwqPlot.Panel("Linux", cpus), new FwqPlot.Panel("Linux again", cpus) }, picture, 1200, 500);
            byte[] png = File.ReadAllBytes(picture);
            Assert.That(png.AsSpan(0, 8).ToArray(), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a }), "PNG signature");
            Assert.That(BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), Is.EqualTo(1200), "width");
            Assert.That(BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)), Is.EqualTo(500), "height");
        }
        finally
        {
            File.Delete(picture);
        }
    }

    [GeneratedRegex(@"^bench-result csharp-startup first_line_tsc=(\d+) main_stopwatch=\d+ stopwatch_frequency=\d+ cpus=1\r?$", RegexOptions.Multiline)]
    private static partial Regex StartupResult();

    [GeneratedRegex(@"^args: \[exec_tsc=(\d+)\]\r?$", RegexOptions.Multiline)]
    private static partial Regex ExecStamp();

    // The start-up benchmark's pair: /bench/startup reads the TSC and becomes Hello, which prints its
    // first line, the TSC after it, and echoes the launcher's stamp.
    [Test]
    public void CSharpHelloStartsThroughTheLauncherOnLinux()
    {
        var run = KittenCommand.Run("linux", "--icount", "startup", "/csharp/Hello");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.StartWith("hello from C#"), run.ToString());
        var firstLine = StartupResult().Match(run.Output);
        var stamp = ExecStamp().Match(run.Output);
        Assert.That(firstLine.Success && stamp.Success, Is.True, $"no start-up figures:\n{run}");
        long startup = long.Parse(firstLine.Groups[1].Value) - long.Parse(stamp.Groups[1].Value);
        // About 2.6 million instructions measured: loading 2 MB and starting the .NET runtime.
        Assert.That(startup, Is.InRange(100_000, 1_000_000_000), run.ToString());
    }

    [GeneratedRegex(@"^bench-result csharp-compute ticks=(\d+) stopwatch_ns=\d+ n=32 repeats=2 threads=1 flops=131072 checksum=(-?\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex ComputeResult();

    [Test]
    public void CSharpComputeMultipliesRightOnLinux()
    {
        var run = KittenCommand.Run("linux", "--icount", "/csharp/Compute", "32", "2");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var result = ComputeResult().Match(run.Output);
        Assert.That(result.Success, Is.True, $"no result line:\n{run}");
        Assert.That(long.Parse(result.Groups[2].Value), Is.EqualTo(CSharpProgramsOnHost.ExpectedChecksum(32)), "checksum");
        // 2 x 32^3 multiply-adds: at least one instruction each.
        Assert.That(long.Parse(result.Groups[1].Value), Is.InRange(2 * 32 * 32 * 32, 100_000_000), run.ToString());
    }

    [GeneratedRegex(@"^restart 1: memory-contiguous pid (\d+) killed, pid (\d+) answered as 'memory' after (\d+) ticks\r?$", RegexOptions.Multiline)]
    private static partial Regex RestartResult();

    // The restart benchmark's Linux side: /init starts the supervisor with memory-contiguous as Kitten's
    // kernel does, over the IPC library's host back end, and servicectl kills the service once.
    [Test]
    public void ServiceRestartsUnderTheSupervisorOnLinux()
    {
        var run = KittenCommand.Run("linux", "--icount", "--timeout", "600", "--services", "memory-contiguous",
            "/sbin/servicectl", "restart", "memory-contiguous", "memory", "1");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var result = RestartResult().Match(run.Output);
        Assert.That(result.Success, Is.True, $"no restart line:\n{run}");
        Assert.Multiple(() =>
        {
            Assert.That(result.Groups[2].Value, Is.Not.EqualTo(result.Groups[1].Value), "a new process answered");
            // The supervisor's first back-off alone is 10 ms, 10,000,000 ticks at the 1 GHz -icount clock;
            // about 17 million were measured with the .NET start-up of the replacement.
            Assert.That(long.Parse(result.Groups[3].Value), Is.InRange(10_000_000, 2_000_000_000), run.ToString());
        });
    }

    [Test]
    public void UnknownServiceFailsWithOneClearLine()
    {
        var run = KittenCommand.Run("linux", "--services", "no-such-service", "exit", "0");
        Assert.That(run.ExitCode, Is.Not.EqualTo(0));
        Assert.That(run.Errors, Does.Contain("kitten: linux: no service no-such-service in the initramfs"), run.ToString());
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
