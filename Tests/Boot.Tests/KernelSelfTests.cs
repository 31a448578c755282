using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// Boots `selftest` once per machine configuration (BIOS on 1 CPU, BIOS and UEFI on 4 CPUs) and reports
// every in-kernel KTAP test as its own NUnit test, so that a failing kernel test shows by name. The fixed
// checks below catch a run that died half-way.
public partial class KernelSelfTests
{
    private static readonly Dictionary<string, Lazy<CommandResult>> s_runs = new()
    {
        ["bios"] = new(() => KittenCommand.Boot("selftest")),
        ["bios-smp4"] = new(() => KittenCommand.Boot("--smp", "4", "selftest")),
        ["uefi-smp4"] = new(() => KittenCommand.Boot("--uefi", "--smp", "4", "selftest")),
    };

    [TestCase("bios-smp4", 4)]
    [TestCase("uefi-smp4", 4)]
    [TestCase("bios", 1)]
    public void AllCpusCameOnline(string firmware, int cpus)
        => Assert.That(RunFor(firmware).Output, Does.Contain($"smp: {cpus} CPU{(cpus == 1 ? "" : "s")} online"));

    private static CommandResult RunFor(string firmware) => s_runs[firmware].Value;

    public static IEnumerable<TestCaseData> BiosCases() => Cases("bios");
    public static IEnumerable<TestCaseData> BiosSmp4Cases() => Cases("bios-smp4");
    public static IEnumerable<TestCaseData> UefiCases() => Cases("uefi-smp4");

    private static IEnumerable<TestCaseData> Cases(string firmware)
    {
        var report = KtapReport.Parse(RunFor(firmware).Output);
        if (report.Results.Count == 0)
            yield return new TestCaseData(firmware, "(no KTAP results)").SetName($"{firmware}: kernel self-tests ran");
        foreach (var result in report.Results)
            yield return new TestCaseData(firmware, result.Name).SetName($"{firmware}: {result.Name}");
    }

    [TestCaseSource(nameof(BiosCases))]
    [TestCaseSource(nameof(BiosSmp4Cases))]
    [TestCaseSource(nameof(UefiCases))]
    public void KernelTest(string firmware, string name)
    {
        var run = RunFor(firmware);
        var result = KtapReport.Parse(run.Output).Results.FirstOrDefault(r => r.Name == name);
        Assert.That(result, Is.Not.Null, $"the kernel reported no results:\n{run}");
        Assert.That(result!.Passed, Is.True, $"not ok: {result.Reason}");
    }

    [TestCase("bios")]
    [TestCase("bios-smp4")]
    [TestCase("uefi-smp4")]
    public void RunIsCompleteAndSucceeds(string firmware)
    {
        var run = RunFor(firmware);
        var report = KtapReport.Parse(run.Output);
        Assert.That(report.HasHeader, Is.True, $"no KTAP header:\n{run}");
        Assert.That(report.Plan, Is.EqualTo(report.Results.Count), $"plan and results differ (the kernel died mid-run?):\n{run}");
        Assert.That(report.Results.Select(r => r.Number), Is.EqualTo(Enumerable.Range(1, report.Results.Count)), "numbering");
        Assert.That(run.Output, Does.Contain($"# selftest: {report.Results.Count(r => r.Passed)} passed, {report.Results.Count(r => !r.Passed)} failed"));
        Assert.That(run.ExitCode, Is.EqualTo(report.Results.All(r => r.Passed) ? 0 : 1), run.ToString());
    }

    [GeneratedRegex(@"tests\.Add\(""([^""]+)""")]
    private static partial Regex Registration();

    // Every test registered in the kernel's sources must have reported, so a test that vanished (or a
    // kernel that stopped before reaching it) fails here.
    [TestCase("bios")]
    [TestCase("bios-smp4")]
    [TestCase("uefi-smp4")]
    public void EveryRegisteredTestReported(string firmware)
    {
        var registered = Directory.EnumerateFiles(Path.Combine(KittenCommand.RepositoryRoot, "Kernel"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => Registration().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
            .ToHashSet();
        var reported = KtapReport.Parse(RunFor(firmware).Output).Results.Select(r => r.Name).ToHashSet();
        Assert.That(registered, Has.Count.GreaterThanOrEqualTo(20));
        Assert.That(reported, Is.EquivalentTo(registered));
    }
}
