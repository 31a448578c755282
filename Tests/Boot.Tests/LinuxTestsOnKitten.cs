using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// The same Linux ABI test programs that pass on a Linux host (LinuxTestsOnHost), run on Kitten: each program
// is the first process of its own boot (2 CPUs), with all of them in the initial file system at /kt. Every
// KTAP line becomes its own NUnit test ("kitten files.lseek_whence"), so a failing check shows by name.
public partial class LinuxTestsOnKitten
{
    private static readonly string OutDirectory = Path.Combine(KittenCommand.RepositoryRoot, "Userland", "LinuxTests", "out");

    private static readonly Lazy<bool> s_built = new(() => KittenCommand.Run("build-linux-tests").ExitCode == 0);

    private static readonly Dictionary<string, CommandResult> s_runs = new();

    private static string[] AddOptions()
    {
        var options = new List<string>();
        foreach (var program in LinuxTestsOnHost.Programs.Append("syscall_fuzz"))
        {
            options.Add("--add");
            options.Add($"{Path.Combine(OutDirectory, program)}:/kt/{program}");
        }
        return options.ToArray();
    }

    public static CommandResult RunOnKitten(string program, params string[] arguments)
    {
        lock (s_runs)
        {
            string key = program + " " + string.Join(' ', arguments);
            if (!s_runs.TryGetValue(key, out var run))
            {
                if (!s_built.Value)
                    return new CommandResult(-1, "", "./kitten build-linux-tests failed");
                run = KittenCommand.Run(new[] { "boot", "--smp", "2", "--timeout", "600" }.Concat(AddOptions())
                    .Concat(new[] { "--exec", $"/kt/{program}" }).Concat(arguments).ToArray());
                s_runs[key] = run;
            }
            return run;
        }
    }

    public static IEnumerable<TestCaseData> Checks()
    {
        foreach (var program in LinuxTestsOnHost.Programs)
        {
            var report = KtapReport.Parse(RunOnKitten(program).Output);
            if (report.Results.Count == 0)
                yield return new TestCaseData(program, "(no results)").SetName($"kitten {program}: ran");
            foreach (var result in report.Results)
                yield return new TestCaseData(program, result.Name).SetName($"kitten {result.Name}");
        }
    }

    [TestCaseSource(nameof(Checks))]
    public void Check(string program, string name)
    {
        var run = RunOnKitten(program);
        var result = KtapReport.Parse(run.Output).Results.FirstOrDefault(r => r.Name == name);
        Assert.That(result, Is.Not.Null, $"{program} reported nothing on Kitten:\n{run}");
        Assert.That(result!.Passed, Is.True, $"not ok: {result.Reason}");
    }

    // A program that stopped half-way (a crash, a hang) leaves checks unreported: the plan says how many.
    [TestCaseSource(typeof(LinuxTestsOnHost), nameof(LinuxTestsOnHost.Programs))]
    public void ProgramRanToTheEnd(string program)
    {
        var run = RunOnKitten(program);
        var report = KtapReport.Parse(run.Output);
        Assert.That(report.Plan, Is.Not.Null.And.EqualTo(report.Results.Count), $"plan and results differ:\n{run}");
        Assert.That(run.ExitCode, Is.EqualTo(report.Results.All(r => r.Passed) ? 0 : 1), $"exit status:\n{run}");
    }

    [GeneratedRegex(@"^fuzz: (systematic|random) calls=(\d+) bad_results=(\d+) child_restarts=(\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex FuzzSummary();


    // The ring-3 fuzzer: a systematic pass, then 100,000 random calls. The kernel survives, every call
    // returns a result or a Linux error code, and physical memory is all back when the fuzzer exits.
    [Test]
    public void FuzzerLeavesTheKernelStandingAndMemoryWhole()
    {
        var run = RunOnKitten("syscall_fuzz", "100000", "1");
        var phases = FuzzSummary().Matches(run.Output).ToDictionary(m => m.Groups[1].Value, m => m);
        Assert.That(phases.Keys, Is.EquivalentTo(new[] { "systematic", "random" }), $"summary lines missing:\n{run}");
        Assert.Multiple(() =>
        {
            Assert.That(int.Parse(phases["random"].Groups[2].Value), Is.GreaterThanOrEqualTo(100000));
            Assert.That(phases["systematic"].Groups[3].Value, Is.EqualTo("0"), "bad results in the systematic pass");
            Assert.That(phases["random"].Groups[3].Value, Is.EqualTo("0"), "bad results in the random pass");
            // A child that made no progress for 10 s was stuck in the kernel (a vfork parent that never woke
            // was one): no call of the fuzzer's blocks that long.
            Assert.That(phases["systematic"].Groups[4].Value, Is.EqualTo("0"), "child restarts in the systematic pass");
            Assert.That(phases["random"].Groups[4].Value, Is.EqualTo("0"), "child restarts in the random pass");
            var memory = KernelReports.MemoryAtExit().Match(run.Output);
            Assert.That(memory.Success, Is.True, "no memory report at exit");
            Assert.That(memory.Groups[1].Value, Is.EqualTo(memory.Groups[2].Value), "free physical memory after the fuzzer");
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        });
    }
}
