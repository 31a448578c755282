using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Kitten.Boot.Tests;

// The C# programs (Userland/CSharp), published by `./kitten build-csharp` as NativeAOT static, non-PIE
// executables and run on this Linux host. They must be right on Linux before they may judge the kernel
// (the boot tests that run the same binaries on Kitten, on 1 and on 4 CPUs, come with the kernel's side).
// RuntimeTests runs with pipes and on a pseudo-terminal (the kernel's console is a terminal, and .NET's
// Console does more there); every KTAP line becomes its own assertion, so a failing check shows by name:
// "RuntimeTests (pipes): not ok 9 runtime.gc_pressure # ...".
public partial class CSharpProgramsOnHost
{
    public static readonly string[] Programs = { "Hello", "RuntimeTests", "Compute" };

    private const string VariableName = "KITTEN_CSHARP_TEST";
    private const string VariableValue = "value with spaces = and \u00e9";
    private const string FileContent = "hello from the file system\nsecond line \u2713";

    private static string ProgramPath(string name)
        => Path.Combine(KittenCommand.RepositoryRoot, "Userland", "out", "csharp", name, name);

    [OneTimeSetUp]
    public void BuildPrograms()
    {
        var build = KittenCommand.Run("build-csharp");
        Assert.That(build.ExitCode, Is.EqualTo(0), $"./kitten build-csharp failed:\n{build}");
        Assert.That(build.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EquivalentTo(Programs.Select(ProgramPath)), "build-csharp names the programs it built");
    }

    // Every project in the folder is tested here, so a new program cannot be forgotten.
    [Test]
    public void EveryProgramIsTested()
    {
        var projects = Directory.EnumerateDirectories(Path.Combine(KittenCommand.RepositoryRoot, "Userland", "CSharp"))
            .Select(Path.GetFileName).Where(name => File.Exists(Path.Combine(KittenCommand.RepositoryRoot, "Userland", "CSharp", name!, name + ".csproj")));
        Assert.That(projects, Is.EquivalentTo(Programs));
    }

    // What `file` calls "statically linked" and not "pie": an ELF executable of type ET_EXEC (a PIE is
    // ET_DYN) with no PT_INTERP (no dynamic loader) and no PT_DYNAMIC (nothing to relocate or bind).
    [TestCaseSource(nameof(Programs))]
    public void IsAStaticNonPieExecutable(string program)
    {
        byte[] image = File.ReadAllBytes(ProgramPath(program));
        Assert.That(image.AsSpan(0, 4).ToArray(), Is.EqualTo(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }), "ELF magic");
        Assert.That(image[4], Is.EqualTo(2), "ELFCLASS64");
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(16)), Is.EqualTo(2), "e_type ET_EXEC (not ET_DYN: not PIE)");
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(18)), Is.EqualTo(62), "e_machine EM_X86_64");
        ulong programHeaders = BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(32));
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(54));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(56));
        var types = Enumerable.Range(0, count)
            .Select(i => BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan((int)programHeaders + i * entrySize))).ToList();
        Assert.That(types, Has.No.Member(3u), "PT_INTERP: the program would need a dynamic loader");
        Assert.That(types, Has.No.Member(2u), "PT_DYNAMIC: the program would need dynamic linking");
        TestContext.Out.WriteLine($"{program}: {image.Length} bytes, {count} program headers");
    }

    [Test]
    public void RuntimeTestsPassWithPipes()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, FileContent + "\n");
            var arguments = RuntimeTestsArguments(file);
            var run = Run(ProgramPath("RuntimeTests"), arguments, new Dictionary<string, string> { [VariableName] = VariableValue });
            AssertAllPassed("RuntimeTests (pipes)", run);
            Assert.That(run.Errors, Does.Contain("runtime.console: a line on stderr"), "the line written to stderr");
        }
        finally
        {
            File.Delete(file);
        }
    }

    // On a terminal, as on the kernel's serial console, with the kernel's TERM: Console then sets up the
    // terminal (tcgetattr, terminfo, SIGCHLD/SIGCONT/SIGWINCH handlers, a signal-handling thread) and
    // writes the terminfo's keypad_xmit sequence (ESC [ ? 1 h ESC =, for vt100) before the first line.
    [Test]
    public void RuntimeTestsPassOnATerminal()
    {
        if (!File.Exists("/usr/bin/script"))
            Assert.Ignore("script(1) is not installed: no pseudo-terminal to run on");
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, FileContent + "\n");
            var command = string.Join(' ', new[] { ProgramPath("RuntimeTests") }.Concat(RuntimeTestsArguments(file)).Select(ShellQuote));
            var run = Run("/usr/bin/script", new[] { "-qec", command, "/dev/null" },
                new Dictionary<string, string> { [VariableName] = VariableValue, ["TERM"] = "vt100" });
            AssertAllPassed("RuntimeTests (terminal)", run with { Output = TerminalControl().Replace(run.Output, "") });
        }
        finally
        {
            File.Delete(file);
        }
    }

    // The program's exit status is what it returns from Main.
    [TestCase(0)]
    [TestCase(42)]
    [TestCase(255)]
    public void RuntimeTestsExitWithTheStatusAskedFor(int status)
    {
        var run = Run(ProgramPath("RuntimeTests"), new[] { $"exit={status}" });
        Assert.That(run.ExitCode, Is.EqualTo(status), run.ToString());
    }

    // A failed check makes the exit status 1 (here the processor count, given wrong on purpose).
    [Test]
    public void RuntimeTestsFailWhenACheckFails()
    {
        var run = Run(ProgramPath("RuntimeTests"), new[] { $"cpus={Environment.ProcessorCount + 1}" });
        var report = KtapReport.Parse(run.Output);
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
            Assert.That(report.Results.Where(r => !r.Passed).Select(r => r.Name), Is.EqualTo(new[] { "runtime.processor_count" }), run.Output);
        });
    }

    // An exception nobody catches: the runtime prints it to stderr and aborts (SIGABRT: status 128 + 6).
    [Test]
    public void AnUnhandledExceptionAborts()
    {
        var run = Run(ProgramPath("RuntimeTests"), new[] { "throw" });
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(128 + 6), run.ToString());
            Assert.That(run.Errors, Does.Contain("Unhandled exception. System.InvalidOperationException: RuntimeTests: this exception is not caught, on purpose"));
        });
    }

    [GeneratedRegex(@"^bench-result csharp-startup first_line_tsc=(\d+) main_stopwatch=(\d+) stopwatch_frequency=(\d+) cpus=(\d+)$")]
    private static partial Regex StartupLine();

    // The first line comes first, then the figures; main_stopwatch is this host's CLOCK_MONOTONIC, as the
    // test's own Stopwatch, so it must lie between the start and the end of the run.
    [Test]
    public void HelloPrintsItsFirstLineThenTheStartupFigures()
    {
        long before = Stopwatch.GetTimestamp();
        var run = Run(ProgramPath("Hello"), new[] { "one", "two words" });
        long after = Stopwatch.GetTimestamp();
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(3), run.ToString());
        var figures = StartupLine().Match(lines[1]);
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            Assert.That(lines[0], Is.EqualTo("hello from C#"));
            Assert.That(figures.Success, Is.True, $"second line: {lines[1]}");
            Assert.That(lines[2], Is.EqualTo("args: [one] [two words]"));
        });
        Assert.Multiple(() =>
        {
            Assert.That(ulong.Parse(figures.Groups[1].Value), Is.GreaterThan(0UL), "first_line_tsc");
            Assert.That(long.Parse(figures.Groups[2].Value), Is.InRange(before, after), "main_stopwatch");
            Assert.That(long.Parse(figures.Groups[3].Value), Is.EqualTo(Stopwatch.Frequency), "stopwatch_frequency");
            Assert.That(int.Parse(figures.Groups[4].Value), Is.EqualTo(Environment.ProcessorCount), "cpus");
        });
        TestContext.Out.WriteLine(run.Output);
    }

    [GeneratedRegex(@"^bench-result csharp-compute ticks=(\d+) stopwatch_ns=(\d+) n=(\d+) repeats=(\d+) threads=(\d+) flops=(\d+) checksum=(-?\d+)$")]
    private static partial Regex ComputeLine();

    // The default size (the benchmark's), a small one, and the same on two threads: the checksum must be
    // what this test computes itself.
    [TestCase(new string[0], 256, 4, 1)]
    [TestCase(new[] { "50", "3" }, 50, 3, 1)]
    [TestCase(new[] { "97", "2", "2" }, 97, 2, 2)]
    public void ComputeMultipliesRightAndReportsItsFigures(string[] arguments, int n, int repeats, int threads)
    {
        var run = Run(ProgramPath("Compute"), arguments);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), run.ToString());
        var figures = ComputeLine().Match(lines[0]);
        Assert.That(figures.Success, Is.True, $"result line: {lines[0]}");
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.ToString());
            Assert.That(ulong.Parse(figures.Groups[1].Value), Is.GreaterThan(0UL), "ticks");
            Assert.That(long.Parse(figures.Groups[2].Value), Is.GreaterThan(0L), "stopwatch_ns");
            Assert.That(int.Parse(figures.Groups[3].Value), Is.EqualTo(n), "n");
            Assert.That(int.Parse(figures.Groups[4].Value), Is.EqualTo(repeats), "repeats");
            Assert.That(int.Parse(figures.Groups[5].Value), Is.EqualTo(threads), "threads");
            Assert.That(long.Parse(figures.Groups[6].Value), Is.EqualTo(2L * n * n * n * repeats), "flops");
            Assert.That(long.Parse(figures.Groups[7].Value), Is.EqualTo(ExpectedChecksum(n)), "checksum");
        });
        TestContext.Out.WriteLine(run.Output);
    }

    [TestCase("0")]
    [TestCase("x")]
    [TestCase("10", "2", "1", "extra")]
    public void ComputeRefusesBadArguments(params string[] arguments)
    {
        var run = Run(ProgramPath("Compute"), arguments);
        Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
        Assert.That(run.Errors, Does.StartWith("usage: Compute"));
    }

    // The checksum of Userland/CSharp/Compute, computed here the plain way: the same matrices, the product
    // in integers, the same position weights.
    internal static long ExpectedChecksum(int n)
    {
        long checksum = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                long sum = 0;
                for (int k = 0; k < n; k++)
                    sum += (long)((i * 3 + k * 5) % 7 - 3) * ((k * 2 + j * 7) % 5 - 2);
                checksum += sum * ((i * n + j) % 7 + 1);
            }
        }
        return checksum;
    }

    private static string[] RuntimeTestsArguments(string file) => new[]
    {
        $"cpus={Environment.ProcessorCount}", $"file={file}", $"content={FileContent}",
        $"env={VariableName}={VariableValue}", "argc=8", "two words", "\u00fcn\u00efc\u00f6d\u00e9", "",
    };

    private static void AssertAllPassed(string name, CommandResult run)
    {
        var report = KtapReport.Parse(run.Output);
        Assert.Multiple(() =>
        {
            Assert.That(report.HasHeader, Is.True, $"{name}: no \"KTAP version 1\" line:\n{run}");
            Assert.That(report.Plan, Is.GreaterThan(0), $"{name}: no plan line:\n{run}");
            Assert.That(report.Results, Has.Count.EqualTo(report.Plan ?? -1),
                $"{name}: the plan and the results differ (did it die mid-run?):\n{run}");
            Assert.That(report.Results.Select(r => r.Number), Is.EqualTo(Enumerable.Range(1, report.Results.Count)),
                $"{name}: results out of order");
            foreach (var result in report.Results)
            {
                Assert.That(result.Name, Does.StartWith("runtime."), $"{name}: a result named {result.Name}");
                Assert.That(result.Passed, Is.True, $"{name}: not ok {result.Number} {result.Name} # {result.Reason}");
                Assert.That(result.Reason, Does.Not.StartWith("SKIP"), $"{name}: ok {result.Number} {result.Name} # {result.Reason}");
            }
            Assert.That(run.Output, Does.Contain("# console: h\u00e9llo, w\u00f6rld \u2713 (UTF-8)"), $"{name}: the UTF-8 line");
            Assert.That(run.ExitCode, Is.EqualTo(0), $"{name}: exit status:\n{run}");
        });
        TestContext.Out.WriteLine(run.Output);
    }

    // Terminal control sequences: CSI ... letter, and the two-character ESC = and ESC >.
    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]")]
    private static partial Regex TerminalControl();

    private static string ShellQuote(string word) => "'" + word.Replace("'", "'\\''") + "'";

    // Runs a program with stdin an empty pipe, stdout and stderr captured, and extra environment variables.
    private static CommandResult Run(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', arguments)} did not finish in time; output so far:\n{output.Result}");
        }
        process.WaitForExit();
        return new CommandResult(process.ExitCode, output.Result, errors.Result);
    }
}
