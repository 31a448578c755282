using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// The kernel holding services to their manifests (Kernel/Services, issue 6). One boot with the probe
// (Userland/ServiceTests/probe.c) bound as /services/probe/probe beside probe.manifest, an unbound copy as
// /probe/driver (the first process, which runs the KTAP cases and starts the service for each), and a
// copy at /services/broken/broken whose manifest the kernel must refuse. Every KTAP line becomes its own
// test ("kitten manifest.policy_survives_fork"). And one boot of a C# program bound to a manifest with
// `syscalls runtime` only: the runtime group lets the .NET runtime do all it does (threads, GC, files).
public partial class ServiceManifestsOnKitten
{
    private static readonly Lazy<CommandResult> s_build = new(() => KittenCommand.Run("build-userland"));
    private static readonly Lazy<CommandResult> s_probe = new(RunProbe);
    private static readonly Lazy<CommandResult> s_runtime = new(RunRuntimeTestsUnderManifest);

    private static string ServiceTests => Path.Combine(KittenCommand.RepositoryRoot, "Userland", "ServiceTests");

    private static CommandResult RunProbe()
    {
        if (s_build.Value.ExitCode != 0)
            return new CommandResult(-1, "", $"./kitten build-userland failed:\n{s_build.Value}");
        string probe = Path.Combine(KittenCommand.RepositoryRoot, "Userland", "out", "servicetests", "probe");
        return KittenCommand.Run("boot", "--timeout", "300",
            "--add", $"{probe}:/services/probe/probe",
            "--add", $"{Path.Combine(ServiceTests, "probe.manifest")}:/services/probe/probe.manifest",
            "--add", $"{probe}:/probe/driver",
            "--add", $"{probe}:/services/broken/broken",
            "--add", $"{Path.Combine(ServiceTests, "broken.manifest")}:/services/broken/broken.manifest",
            "--exec", "/probe/driver");
    }

    public static IEnumerable<TestCaseData> Checks()
    {
        var report = KtapReport.Parse(s_probe.Value.Output);
        if (report.Results.Count == 0)
            yield return new TestCaseData("(no results)").SetName("kitten manifest: ran");
        foreach (var result in report.Results)
            yield return new TestCaseData(result.Name).SetName($"kitten {result.Name}");
    }

    [TestCaseSource(nameof(Checks))]
    public void Check(string name)
    {
        var run = s_probe.Value;
        var result = KtapReport.Parse(run.Output).Results.FirstOrDefault(r => r.Name == name);
        Assert.That(result, Is.Not.Null, $"the probe reported nothing:\n{run}");
        Assert.That(result!.Passed, Is.True, $"not ok: {result.Reason}\n{run}");
    }

    [Test]
    public void ProbeRanToTheEnd()
    {
        var run = s_probe.Value;
        var report = KtapReport.Parse(run.Output);
        Assert.Multiple(() =>
        {
            Assert.That(report.Plan, Is.Not.Null.And.GreaterThan(0).And.EqualTo(report.Results.Count), $"plan and results differ:\n{run}");
            Assert.That(run.ExitCode, Is.EqualTo(0), $"exit status:\n{run}");
        });
    }

    // One line per manifest at boot: bound, or refused naming file:line, the reason and the word.
    [Test]
    public void BootBindsTheProbeAndRefusesTheBrokenManifest()
    {
        var run = s_probe.Value;
        Assert.Multiple(() =>
        {
            Assert.That(run.Output, Does.Contain("services: probe bound to /services/probe/probe"), run.ToString());
            Assert.That(run.Output, Does.Contain("services: /services/broken/broken.manifest:4: refused: unknown system call (a Linux x86-64 name, or runtime): 'frobnicate'"), run.ToString());
            Assert.That(run.Output, Does.Not.Contain("services: broken bound"), run.ToString());
        });
    }

    [GeneratedRegex(@"^# refused: pid (\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex RefusedPid();

    // The service called mkdir twice: both refused, the console told once.
    [Test]
    public void RefusalIsReportedOncePerProcessAndCall()
    {
        var run = s_probe.Value;
        var pid = RefusedPid().Match(run.Output);
        Assert.That(pid.Success, Is.True, $"no '# refused: pid' line:\n{run}");
        string line = $"manifest: probe[{pid.Groups[1].Value}] refused mkdir (83)";
        int count = Regex.Matches(run.Output, Regex.Escape(line)).Count;
        Assert.That(count, Is.EqualTo(1), $"'{line}' {count} times:\n{run}");
    }

    // An ordinary program trying a name that the probe's manifest offers is told why.
    [Test]
    public void ReservedNameRefusalIsExplained()
        => Assert.That(s_probe.Value.Output, Does.Contain("manifest: pid 1 (driver) refused registering 'probe.offered': reserved for probe"), s_probe.Value.ToString());

    private static readonly Lazy<CommandResult> s_buildCSharp = new(() => KittenCommand.Run("build-csharp"));

    // RuntimeTests bound to a manifest allowing `syscalls runtime` and nothing else, as the first process,
    // with the checks CSharpProgramsOnKitten runs: threads, locks, GC under pressure, exceptions, files.
    private static CommandResult RunRuntimeTestsUnderManifest()
    {
        if (s_buildCSharp.Value.ExitCode != 0)
            return new CommandResult(-1, "", $"./kitten build-csharp failed:\n{s_buildCSharp.Value}");
        string program = Path.Combine(KittenCommand.RepositoryRoot, "Userland", "out", "csharp", "RuntimeTests", "RuntimeTests");
        string manifest = Path.Combine(Path.GetTempPath(), $"kitten-runtime-tests-{Environment.ProcessId}.manifest");
        File.WriteAllText(manifest, "# the .NET runtime's group and nothing else\nservice runtime-tests\nbinary RuntimeTests\nsyscalls runtime\n");
        try
        {
            return KittenCommand.Run("boot", "--smp", "2", "--timeout", "900",
                "--add", $"{program}:/services/runtime-tests/RuntimeTests",
                "--add", $"{manifest}:/services/runtime-tests/runtime-tests.manifest",
                "--exec", "/services/runtime-tests/RuntimeTests", "cpus=2", "file=/etc/hostname", "content=kitten", "argc=6", "two words",
                "\u00fcn\u00efc\u00f6d\u00e9");
        }
        finally
        {
            File.Delete(manifest);
        }
    }

    [Test]
    public void CSharpProgramRunsUnderTheRuntimeGroupAlone()
    {
        var run = s_runtime.Value;
        var report = KtapReport.Parse(run.Output);
        Assert.Multiple(() =>
        {
            Assert.That(run.Output, Does.Contain("services: runtime-tests bound to /services/runtime-tests/RuntimeTests"), run.ToString());
            Assert.That(run.Output, Does.Not.Contain("manifest: runtime-tests["), $"the runtime needed a call outside `runtime`:\n{run}");
            Assert.That(report.Plan, Is.EqualTo(16), $"plan:\n{run}");
            Assert.That(report.Results, Has.Count.EqualTo(16), $"results:\n{run}");
            Assert.That(report.Results.Where(r => !r.Passed).Select(r => $"{r.Name}: {r.Reason}"), Is.Empty, run.ToString());
            Assert.That(run.ExitCode, Is.EqualTo(0), $"exit status:\n{run}");
        });
    }
}
