using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// Kitten's side of the benchmarks that need more than one process or thread (`./kitten bench noise`,
// `./kitten bench csharp` and `./kitten bench ipc`), with small counts, so that a benchmark cannot silently
// stop running there: FWQ's workers on two CPUs (threads, affinity, a barrier), the start-up launcher
// execing Hello, and IPC call/reply between two processes.
public partial class BenchProgramsOnKitten
{
    private static readonly Lazy<CommandResult> s_build = new(() => KittenCommand.Run("build-bench"));

    private static CommandResult Boot(int cpus, bool csharp, params string[] program)
    {
        Assert.That(s_build.Value.ExitCode, Is.EqualTo(0), $"./kitten build-bench failed:\n{s_build.Value}");
        var adds = s_build.Value.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(path => new[] { "--add", $"{path}:/bench/{Path.GetFileName(path)}" });
        if (csharp)
        {
            var build = KittenCommand.Run("build-csharp");
            Assert.That(build.ExitCode, Is.EqualTo(0), $"./kitten build-csharp failed:\n{build}");
            adds = adds.Concat(new[] { "--add", $"{Path.Combine(KittenCommand.RepositoryRoot, "Userland", "out", "csharp", "Hello", "Hello")}:/csharp/Hello" });
        }
        return KittenCommand.Run(new[] { "boot", "--icount", "--smp", cpus.ToString(), "--timeout", "600" }
            .Concat(adds).Append("--exec").Concat(program).ToArray());
    }

    [GeneratedRegex(@"^bench-result fwq cpus=2 quanta=300 work=1024 min=(\d+) noise_ppm=(\d+) noise_ppb=\d+ max_detour=(-?\d+) raw_max=(\d+) undisturbed=(\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex FwqResult();

    [Test]
    public void FwqRunsOnTwoKittenCpus()
    {
        var run = Boot(2, false, "/bench/fwq", "-n", "300", "-w", "10");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var result = FwqResult().Match(run.Output);
        Assert.That(result.Success, Is.True, $"no result line:\n{run}");
        long min = long.Parse(result.Groups[1].Value);
        Assert.Multiple(() =>
        {
            Assert.That(min, Is.InRange(19 * 1024 + 1, 19 * 1024 + 2000), "min");
            Assert.That(long.Parse(result.Groups[2].Value), Is.LessThan(100_000), "noise_ppm: the other CPU's work counted as noise?");
            Assert.That(long.Parse(result.Groups[3].Value), Is.GreaterThanOrEqualTo(0), "max_detour");
            Assert.That(long.Parse(result.Groups[5].Value), Is.GreaterThan(0), "undisturbed quanta");
        });
    }

    [GeneratedRegex(@"^bench-result ipc kitten_oneway_0=(\d+) kitten_oneway_4=(\d+) kitten_pipe_oneway=(\d+) iterations=200\r?$", RegexOptions.Multiline)]
    private static partial Regex IpcResult();

    // Every reply is checked by the program itself (a wrong word fails the run).
    [Test]
    public void IpcCallReplyRunsOnKitten()
    {
        var run = Boot(1, false, "/bench/ipc", "kitten", "200");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        var result = IpcResult().Match(run.Output);
        Assert.That(result.Success, Is.True, $"no result line:\n{run}");
        Assert.Multiple(() =>
        {
            // Two system calls and a switch of address space per one-way: at least a hundred instructions.
            Assert.That(long.Parse(result.Groups[1].Value), Is.InRange(100, 1_000_000), "0 words");
            Assert.That(long.Parse(result.Groups[2].Value), Is.InRange(100, 1_000_000), "4 words");
            Assert.That(long.Parse(result.Groups[3].Value), Is.InRange(100, 10_000_000), "pipe");
        });
    }

    [GeneratedRegex(@"^bench-result csharp-startup first_line_tsc=(\d+) main_stopwatch=\d+ stopwatch_frequency=\d+ cpus=1\r?$", RegexOptions.Multiline)]
    private static partial Regex StartupResult();

    [GeneratedRegex(@"^args: \[exec_tsc=(\d+)\]\r?$", RegexOptions.Multiline)]
    private static partial Regex ExecStamp();

    [Test]
    public void CSharpHelloStartsThroughTheLauncherOnKitten()
    {
        var run = Boot(1, true, "/bench/startup", "/csharp/Hello");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("hello from C#"), run.ToString());
        var firstLine = StartupResult().Match(run.Output);
        var stamp = ExecStamp().Match(run.Output);
        Assert.That(firstLine.Success && stamp.Success, Is.True, $"no start-up figures:\n{run}");
        Assert.That(long.Parse(firstLine.Groups[1].Value) - long.Parse(stamp.Groups[1].Value), Is.InRange(100_000, 1_000_000_000), run.ToString());
    }
}
