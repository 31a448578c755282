using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// The IPC test programs (Userland/IpcTests: `ipc` between processes, `ipc_threads` in processes with several
// threads), each the first process of its own boot, on one CPU (messages go by the direct switch) and on
// two (wake-ups by IPI, TLB shootdowns to the other CPU). Every KTAP line becomes its own NUnit test
// ("kitten smp2 ipc.call_reply_zero_words"); when the program ends, the kernel must have no IPC object and
// no registered name left, and physical memory must be back where it was.
public partial class IpcTestsOnKitten
{
    private static readonly int[] CpuCounts = { 1, 2 };

    private static readonly Lazy<CommandResult> s_build = new(() => KittenCommand.Run("build-userland"));

    private static readonly Dictionary<(string, int), CommandResult> s_runs = new();

    // The programs, by name: one per source file (./kitten build-userland builds them into Userland/out/ipctests).
    public static IEnumerable<string> Programs()
        => Directory.GetFiles(Path.Combine(KittenCommand.RepositoryRoot, "Userland", "IpcTests"), "*.c")
            .Select(path => Path.GetFileNameWithoutExtension(path)).Order();

    public static IEnumerable<TestCaseData> Runs()
        => Programs().SelectMany(program => CpuCounts.Select(cpus => new TestCaseData(program, cpus).SetName($"kitten smp{cpus} {program}: ran")));

    private static CommandResult RunOnKitten(string program, int cpus)
    {
        lock (s_runs)
        {
            if (!s_runs.TryGetValue((program, cpus), out var run))
            {
                if (s_build.Value.ExitCode != 0)
                    return new CommandResult(-1, "", $"./kitten build-userland failed:\n{s_build.Value}");
                string binary = Path.Combine(KittenCommand.RepositoryRoot, "Userland", "out", "ipctests", program);
                run = KittenCommand.Run("boot", "--smp", cpus.ToString(), "--timeout", "600",
                    "--add", $"{binary}:/ipc/{program}", "--exec", $"/ipc/{program}");
                s_runs[(program, cpus)] = run;
            }
            return run;
        }
    }

    public static IEnumerable<TestCaseData> Checks()
    {
        foreach (var program in Programs())
        {
            foreach (int cpus in CpuCounts)
            {
                var report = KtapReport.Parse(RunOnKitten(program, cpus).Output);
                foreach (var result in report.Results)
                    yield return new TestCaseData(program, cpus, result.Name).SetName($"kitten smp{cpus} {result.Name}");
            }
        }
    }

    [TestCaseSource(nameof(Checks))]
    public void Check(string program, int cpus, string name)
    {
        var run = RunOnKitten(program, cpus);
        var result = KtapReport.Parse(run.Output).Results.FirstOrDefault(r => r.Name == name);
        Assert.That(result, Is.Not.Null, $"{program} reported nothing on {cpus} CPUs:\n{run}");
        Assert.That(result!.Passed, Is.True, $"not ok: {result.Reason}");
    }



    // A program that stopped half-way (a crash, a hang) leaves checks unreported: the plan says how many.
    // Whatever the cases created is gone when the program ends.
    [TestCaseSource(nameof(Runs))]
    public void RanToTheEndAndLeftNothing(string program, int cpus)
    {
        var run = RunOnKitten(program, cpus);
        var report = KtapReport.Parse(run.Output);
        Assert.That(report.Plan, Is.Not.Null.And.GreaterThan(0).And.EqualTo(report.Results.Count), $"plan and results differ:\n{run}");
        Assert.That(run.ExitCode, Is.EqualTo(report.Results.All(r => r.Passed) ? 0 : 1), $"exit status:\n{run}");
        var leftovers = KernelReports.IpcLeftovers().Match(run.Output);
        Assert.That(leftovers.Success, Is.True, $"no IPC report at exit:\n{run}");
        Assert.That((leftovers.Groups[1].Value, leftovers.Groups[2].Value), Is.EqualTo(("0", "0")), "IPC objects and names left");
        var memory = KernelReports.MemoryAtExit().Match(run.Output);
        Assert.That(memory.Success, Is.True, $"no memory report at exit:\n{run}");
        Assert.That(memory.Groups[1].Value, Is.EqualTo(memory.Groups[2].Value), "free physical memory at exit");
    }
}
