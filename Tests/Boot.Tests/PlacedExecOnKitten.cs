using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// kitten_exec_placed (system call 1045, Kernel/Processes/PlacedExec.cs) driven by Userland/KittenTests/placed,
// the first process of its own boot, on one CPU and on two (TLB shootdowns to the other CPU when placed
// memory is unmapped). The program plans placements the way the MemoryManager does and checks: a 2 MiB-page
// plan runs with VmPlaced equal to the planned bytes and few page tables; the same plan in 4 KiB pages costs
// one page table per 2 MiB of heap more; frames a placed process holds are EBUSY for another plan, and the
// caller goes on; malformed placements are EINVAL; MemFree comes back after every placed process; a placed
// program's brk heap, stack and fork behave. Every KTAP line is its own NUnit test. When the program ends,
// all physical memory must be back, and placing 50 more processes must not grow the kernel heap.
public partial class PlacedExecOnKitten
{
    private static readonly int[] CpuCounts = { 1, 2 };

    private static readonly Lazy<CommandResult> s_build = new(() => KittenCommand.Run("build-userland"));

    private static readonly Dictionary<string, CommandResult> s_runs = new();

    private static CommandResult RunOnKitten(int cpus, params string[] arguments)
    {
        string key = $"{cpus} {string.Join(' ', arguments)}";
        lock (s_runs)
        {
            if (!s_runs.TryGetValue(key, out var run))
            {
                if (s_build.Value.ExitCode != 0)
                    return new CommandResult(-1, "", $"./kitten build-userland failed:\n{s_build.Value}");
                string binary = Path.Combine(KittenCommand.RepositoryRoot, "Userland", "out", "kittentests", "placed");
                run = KittenCommand.Run(new[] { "boot", "--smp", cpus.ToString(), "--timeout", "600",
                    "--add", $"{binary}:/kitten/placed", "--exec", "/kitten/placed" }.Concat(arguments).ToArray());
                s_runs[key] = run;
            }
            return run;
        }
    }

    public static IEnumerable<TestCaseData> Checks()
    {
        foreach (int cpus in CpuCounts)
        {
            foreach (var result in KtapReport.Parse(RunOnKitten(cpus).Output).Results)
                yield return new TestCaseData(cpus, result.Name).SetName($"kitten smp{cpus} {result.Name}");
        }
    }

    [TestCaseSource(nameof(Checks))]
    public void Check(int cpus, string name)
    {
        var run = RunOnKitten(cpus);
        var result = KtapReport.Parse(run.Output).Results.FirstOrDefault(r => r.Name == name);
        Assert.That(result, Is.Not.Null, $"placed reported nothing on {cpus} CPUs:\n{run}");
        Assert.That(result!.Passed, Is.True, $"not ok: {result.Reason}");
    }


    // A program that stopped half-way leaves checks unreported: the plan says how many. Every claimed frame,
    // pool chunk and page table is back in pmem when it ends.
    [TestCaseSource(nameof(CpuCounts))]
    public void RanToTheEndAndLeftNothing(int cpus)
    {
        var run = RunOnKitten(cpus);
        var report = KtapReport.Parse(run.Output);
        Assert.That(report.Plan, Is.Not.Null.And.GreaterThan(0).And.EqualTo(report.Results.Count), $"plan and results differ:\n{run}");
        Assert.That(run.ExitCode, Is.EqualTo(report.Results.All(r => r.Passed) ? 0 : 1), $"exit status:\n{run}");
        var memory = KernelReports.MemoryAtExit().Match(run.Output);
        Assert.That(memory.Success, Is.True, $"no memory report at exit:\n{run}");
        Assert.That(memory.Groups[1].Value, Is.EqualTo(memory.Groups[2].Value), "free physical memory at exit");
    }

    // The kernel's side of a placed exec (the placement's buffer, the claims' list) is freed with the
    // process: 50 more placed processes leave the kernel heap where 3 left it.
    [Test]
    public void PlacedProcessesLeaveNoKernelObjects()
    {
        int HeapAfter(int runs)
        {
            var run = RunOnKitten(1, "--runs", runs.ToString(), "placed.memory_comes_back");
            var report = KtapReport.Parse(run.Output);
            Assert.That(report.Results.Count == 1 && report.Results[0].Passed, Is.True, $"{runs} runs:\n{run}");
            var memory = KernelReports.MemoryAtExit().Match(run.Output);
            Assert.That(memory.Success, Is.True, $"no memory report at exit:\n{run}");
            Assert.That(memory.Groups[1].Value, Is.EqualTo(memory.Groups[2].Value), "free physical memory at exit");
            return int.Parse(memory.Groups[3].Value);
        }
        int few = HeapAfter(3), many = HeapAfter(53);
        Assert.That(many - few, Is.LessThan(10), $"kernel heap objects after 3 placed processes: {few}, after 53: {many}");
    }
}
