using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// The Linux ABI test programs (Userland/LinuxTests), built by `./kitten build-linux-tests` and run on this
// Linux host. They must pass on Linux before they may judge the kernel (the boot tests that run the same
// binaries on Kitten come with the kernel's Linux ABI). Each program runs three ways, because on the kernel
// stdio is the serial console while on CI it is pipes or files: with pipes, with files (stdin /dev/null),
// and on a pseudo-terminal (through script(1), where the host has it). Every KTAP line becomes its own
// assertion, so a failing check shows by name: "files: not ok 7 files.lseek_hole_reads_zeros # ...".
public partial class LinuxTestsOnHost
{
    public static readonly string[] Programs =
        { "files", "memory", "process", "signals", "time", "identity", "misc", "tty", "isolation", "threads", "procfs", "locks" };

    private static readonly string SourceDirectory = Path.Combine(KittenCommand.RepositoryRoot, "Userland", "LinuxTests");
    private static readonly string OutDirectory = Path.Combine(SourceDirectory, "out");

    [OneTimeSetUp]
    public void BuildPrograms()
    {
        var build = KittenCommand.Run("build-linux-tests");
        Assert.That(build.ExitCode, Is.EqualTo(0), $"./kitten build-linux-tests failed:\n{build}");
    }

    [TestCaseSource(nameof(Programs))]
    public void PassesWithPipes(string program)
        => AssertAllPassed(program, Run(Path.Combine(OutDirectory, program), Array.Empty<string>()));

    [TestCaseSource(nameof(Programs))]
    public void PassesWithFiles(string program)
    {
        var output = Path.GetTempFileName();
        try
        {
            // stdout and stderr to a file, stdin from /dev/null; the shell's output is the file's content.
            var run = Run("/bin/sh", new[] { "-c", "\"$0\" </dev/null >\"$1\" 2>&1; status=$?; cat \"$1\"; exit $status",
                Path.Combine(OutDirectory, program), output });
            AssertAllPassed(program, run);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [TestCaseSource(nameof(Programs))]
    public void PassesOnATerminal(string program)
    {
        if (!File.Exists("/usr/bin/script"))
            Assert.Ignore("script(1) is not installed: no pseudo-terminal to run on");
        var path = Path.Combine(OutDirectory, program).Replace("'", "'\\''");
        AssertAllPassed(program, Run("/usr/bin/script", new[] { "-qec", $"'{path}'", "/dev/null" }));
    }

    // Every program in the folder is run here, so a new family cannot be forgotten.
    [Test]
    public void EveryProgramIsRun()
    {
        var sources = Directory.EnumerateFiles(SourceDirectory, "*.c").Select(Path.GetFileNameWithoutExtension)
            .Where(name => name != "syscall_fuzz");
        Assert.That(sources, Is.EquivalentTo(Programs));
    }

    [GeneratedRegex(@"^fuzz: (systematic|random) calls=(\d+) bad_results=(\d+) child_restarts=(\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex FuzzSummary();

    // 20,000 random calls (seed 1) after the systematic pass: no bad result, and on Linux no child may die.
    [Test]
    public void FuzzerFindsNothingOnLinux()
    {
        const int count = 20000;
        var run = Run(Path.Combine(OutDirectory, "syscall_fuzz"), new[] { count.ToString(), "1" }, TimeSpan.FromMinutes(5));
        var phases = FuzzSummary().Matches(run.Output).ToDictionary(m => m.Groups[1].Value, m => m);
        Assert.Multiple(() =>
        {
            Assert.That(phases.Keys, Is.EquivalentTo(new[] { "systematic", "random" }), $"summary lines missing:\n{run}");
            if (phases.TryGetValue("systematic", out var systematic))
            {
                Assert.That(long.Parse(systematic.Groups[2].Value), Is.GreaterThan(1000), "systematic calls");
                Assert.That(long.Parse(systematic.Groups[3].Value), Is.EqualTo(0), $"systematic bad results:\n{run.Output}");
                Assert.That(long.Parse(systematic.Groups[4].Value), Is.EqualTo(0), $"systematic child restarts:\n{run.Output}");
            }
            if (phases.TryGetValue("random", out var random))
            {
                Assert.That(long.Parse(random.Groups[2].Value), Is.EqualTo(count), "random calls");
                Assert.That(long.Parse(random.Groups[3].Value), Is.EqualTo(0), $"random bad results:\n{run.Output}");
                Assert.That(long.Parse(random.Groups[4].Value), Is.EqualTo(0), $"random child restarts:\n{run.Output}");
            }
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
        });
        TestContext.Out.WriteLine(run.Output);
    }

    private static void AssertAllPassed(string program, CommandResult run)
    {
        var report = KtapReport.Parse(run.Output);
        Assert.Multiple(() =>
        {
            Assert.That(report.HasHeader, Is.True, $"{program}: no \"KTAP version 1\" line:\n{run}");
            Assert.That(report.Plan, Is.GreaterThan(0), $"{program}: no plan line:\n{run}");
            Assert.That(report.Results, Has.Count.EqualTo(report.Plan ?? -1),
                $"{program}: the plan and the results differ (did it die mid-run?):\n{run}");
            Assert.That(report.Results.Select(r => r.Number), Is.EqualTo(Enumerable.Range(1, report.Results.Count)),
                $"{program}: results out of order");
            foreach (var result in report.Results)
            {
                Assert.That(result.Name, Does.StartWith(program + "."), $"{program}: a result named {result.Name}");
                Assert.That(result.Passed, Is.True, $"{program}: not ok {result.Number} {result.Name} # {result.Reason}");
            }
            Assert.That(run.ExitCode, Is.EqualTo(report.Results.All(r => r.Passed) ? 0 : 1), $"{program}: exit status:\n{run}");
        });
        TestContext.Out.WriteLine(run.Output);
    }

    // Runs a program with stdin an empty pipe, stdout and stderr captured.
    private static CommandResult Run(string file, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', arguments)} did not finish in time; output so far:\n{output.Result}");
        }
        process.WaitForExit();
        return new CommandResult(process.ExitCode, output.Result, errors.Result);
    }
}
