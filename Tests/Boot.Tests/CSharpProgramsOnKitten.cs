using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// The same C# programs as CSharpProgramsOnHost (NativeAOT, static, non-PIE), each the first process of its
// own boot of Kitten, on 1 and on 4 CPUs, with the default 256 MB of memory: the .NET runtime's threads,
// locks, GC under pressure (512 MiB allocated and dropped), exceptions from real faults, Stopwatch,
// ProcessorCount and file reads, on this kernel. Every KTAP line of RuntimeTests becomes its own test
// ("kitten 4 cpus runtime.gc_pressure").
public partial class CSharpProgramsOnKitten
{
    private static readonly int[] CpuCounts = { 1, 4 };

    private static readonly Lazy<CommandResult> s_build = new(() => KittenCommand.Run("build-csharp"));

    private static readonly Dictionary<string, CommandResult> s_runs = new();

    private static string[] AddOptions() => CSharpProgramsOnHost.Programs
        .SelectMany(name => new[] { "--add", $"{Path.Combine(KittenCommand.RepositoryRoot, "Userland", "out", "csharp", name, name)}:/csharp/{name}" })
        .ToArray();

    // Boots Kitten with every C# program in its file system and runs one as the first process; a run is
    // made once and shared by the tests that look at it.
    public static CommandResult RunOnKitten(int cpus, string program, params string[] arguments)
    {
        lock (s_runs)
        {
            string key = $"{cpus} {program} {string.Join(' ', arguments)}";
            if (!s_runs.TryGetValue(key, out var run))
            {
                if (s_build.Value.ExitCode != 0)
                    return new CommandResult(-1, "", $"./kitten build-csharp failed:\n{s_build.Value}");
                run = KittenCommand.Run(new[] { "boot", "--smp", cpus.ToString(), "--timeout", "900" }.Concat(AddOptions())
                    .Concat(new[] { "--exec", $"/csharp/{program}" }).Concat(arguments).ToArray());
                s_runs[key] = run;
            }
            return run;
        }
    }

    // /etc/hostname in the initial file system holds "kitten".
    private static CommandResult RuntimeTests(int cpus)
        => RunOnKitten(cpus, "RuntimeTests", $"cpus={cpus}", "file=/etc/hostname", "content=kitten", "argc=6", "two words", "\u00fcn\u00efc\u00f6d\u00e9");

    public static IEnumerable<TestCaseData> RuntimeChecks()
    {
        foreach (int cpus in CpuCounts)
        {
            var report = KtapReport.Parse(RuntimeTests(cpus).Output);
            if (report.Results.Count == 0)
                yield return new TestCaseData(cpus, "(no results)").SetName($"kitten {cpus} cpus RuntimeTests: ran");
            foreach (var result in report.Results)
                yield return new TestCaseData(cpus, result.Name).SetName($"kitten {cpus} cpus {result.Name}");
        }
    }

    [TestCaseSource(nameof(RuntimeChecks))]
    public void RuntimeCheck(int cpus, string name)
    {
        var run = RuntimeTests(cpus);
        var result = KtapReport.Parse(run.Output).Results.FirstOrDefault(r => r.Name == name);
        Assert.That(result, Is.Not.Null, $"RuntimeTests reported nothing on Kitten:\n{run}");
        Assert.Multiple(() =>
        {
            Assert.That(result!.Passed, Is.True, $"not ok: {result.Reason}");
            Assert.That(result.Reason, Does.Not.StartWith("SKIP"), $"skipped: {result.Reason}");
        });
    }


    // All 16 checks reported, exit status 0, and every page the runtime took (its GC heap reservations
    // and commits, thread stacks) back in pmem at the end.
    [TestCaseSource(nameof(CpuCounts))]
    public void RuntimeTestsRunToTheEndAndGiveMemoryBack(int cpus)
    {
        var run = RuntimeTests(cpus);
        var report = KtapReport.Parse(run.Output);
        var memory = KernelReports.MemoryAtExit().Match(run.Output);
        Assert.Multiple(() =>
        {
            Assert.That(report.Plan, Is.EqualTo(16), $"plan:\n{run}");
            Assert.That(report.Results, Has.Count.EqualTo(16), $"results:\n{run}");
            Assert.That(run.ExitCode, Is.EqualTo(0), $"exit status:\n{run}");
            Assert.That(memory.Success, Is.True, "no memory report at exit");
            Assert.That(memory.Groups[1].Value, Is.EqualTo(memory.Groups[2].Value), "free physical memory after the program");
        });
    }

    [GeneratedRegex(@"^bench-result csharp-startup first_line_tsc=(\d+) main_stopwatch=(\d+) stopwatch_frequency=(\d+) cpus=(\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex StartupLine();

    [TestCaseSource(nameof(CpuCounts))]
    public void HelloGreetsAndSeesItsArgumentsAndCpus(int cpus)
    {
        var run = RunOnKitten(cpus, "Hello", "one", "two words");
        var figures = StartupLine().Match(run.Output);
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            Assert.That(run.Output, Does.Contain("hello from C#"));
            Assert.That(run.Output, Does.Contain("args: [one] [two words]"));
            Assert.That(figures.Success, Is.True, $"no startup line:\n{run}");
            Assert.That(figures.Groups[4].Value, Is.EqualTo(cpus.ToString()), "cpus (Environment.ProcessorCount)");
        });
    }

    [GeneratedRegex(@"^bench-result csharp-compute ticks=(\d+) stopwatch_ns=(\d+) n=(\d+) repeats=(\d+) threads=(\d+) flops=(\d+) checksum=(-?\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex ComputeLine();

    // The matrix multiply on as many threads as CPUs gives the product this test computes itself.
    [TestCaseSource(nameof(CpuCounts))]
    public void ComputeMultipliesRightOnEveryCpu(int cpus)
    {
        const int n = 97;
        var run = RunOnKitten(cpus, "Compute", n.ToString(), "2", cpus.ToString());
        var figures = ComputeLine().Match(run.Output);
        Assert.That(figures.Success, Is.True, $"no result line:\n{run}");
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            Assert.That(int.Parse(figures.Groups[5].Value), Is.EqualTo(cpus), "threads");
            Assert.That(long.Parse(figures.Groups[7].Value), Is.EqualTo(CSharpProgramsOnHost.ExpectedChecksum(n)), "checksum");
        });
    }

    // Exit codes reach ./kitten boot's status; an unhandled exception aborts (SIGABRT: 128 + 6) after the
    // runtime printed it.
    [Test]
    public void ExitStatusAndUnhandledException()
    {
        var exit = RunOnKitten(1, "RuntimeTests", "exit=42");
        var thrown = RunOnKitten(1, "RuntimeTests", "throw");
        Assert.Multiple(() =>
        {
            Assert.That(exit.ExitCode, Is.EqualTo(42), exit.ToString());
            Assert.That(thrown.ExitCode, Is.EqualTo(134), thrown.ToString());
            Assert.That(thrown.Output + thrown.Errors, Does.Contain("Unhandled exception. System.InvalidOperationException"));
        });
    }
}
