using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Kitten.Userland.RuntimeTests;

// RuntimeTests: checks that an ordinary NativeAOT C# program works on the kernel it runs on: console
// output, arguments, environment, threads, Parallel.For, tasks, locks, Monitor.Wait/Pulse, the GC under
// pressure, exceptions (including those the runtime makes out of SIGSEGV and SIGFPE), Stopwatch, the
// processor count and file reads. It passes on Linux (Tests/Boot.Tests, CSharpProgramsOnHost) before it
// may judge the kernel.
//
//   RuntimeTests [cpus=N] [file=PATH content=TEXT] [env=NAME=VALUE] [argc=N] [timeout=S] [WORD...]
//       runs every check; exit status 0 only if all passed
//         cpus=N           Environment.ProcessorCount must be N (the CPUs booted); without it: SKIP
//         file=PATH        a file to read, whose content must be TEXT (one final newline is ignored);
//         content=TEXT     without them only the program's own file is read (its ELF magic)
//         env=NAME=VALUE   the variable NAME must be in the environment with VALUE
//         argc=N           there must be exactly N arguments (all of them, these included): nothing lost
//                          or split on the way
//         timeout=S        seconds a single check may take before the run is abandoned (default 600)
//         WORD             anything else is just an argument (for the argument check)
//   RuntimeTests exit=N    prints one line and exits with status N, at once
//   RuntimeTests throw     throws an exception nobody catches: the runtime prints it to stderr and aborts
//                          (SIGABRT)
//
// Output is KTAP, as the kernel's self-tests and Userland/LinuxTests: "KTAP version 1", the plan "1..N",
// then "ok N runtime.NAME" or "not ok N runtime.NAME # reason" per check, "# ..." lines with details,
// and "# runtime: N passed, N failed". Every line is one Console.WriteLine, i.e. one write(2) to fd 1.
public static class Program
{
    public static int Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"RuntimeTests: {e.Message}");
            return 2;
        }
        if (options.ExitStatus is int status)
        {
            Console.WriteLine($"# runtime: exiting with status {status} as asked");
            return status;
        }
        if (options.ThrowUnhandled)
        {
            Console.WriteLine("# runtime: throwing an exception nobody catches");
            throw new InvalidOperationException("RuntimeTests: this exception is not caught, on purpose");
        }
        return new Runner(options).Run(Checks.All(options));
    }
}

// The command line, parsed. Unknown words are kept: they are there for the argument check.
public sealed class Options
{
    public string[] Arguments { get; private init; } = Array.Empty<string>();
    public int? ExpectedCpus { get; private set; }
    public string? FilePath { get; private set; }
    public string? FileContent { get; private set; }
    public (string Name, string Value)? Variable { get; private set; }
    public int? ExpectedArgumentCount { get; private set; }
    public TimeSpan CheckTimeout { get; private set; } = TimeSpan.FromSeconds(600);
    public int? ExitStatus { get; private set; }
    public bool ThrowUnhandled { get; private set; }

    public static Options Parse(string[] args)
    {
        var options = new Options { Arguments = args };
        foreach (string argument in args)
        {
            int equals = argument.IndexOf('=');
            string key = equals < 0 ? argument : argument[..equals];
            string value = equals < 0 ? "" : argument[(equals + 1)..];
            switch (key)
            {
                case "cpus": options.ExpectedCpus = PositiveNumber(argument, value); break;
                case "file": options.FilePath = value; break;
                case "content": options.FileContent = value; break;
                case "argc": options.ExpectedArgumentCount = PositiveNumber(argument, value); break;
                case "timeout": options.CheckTimeout = TimeSpan.FromSeconds(PositiveNumber(argument, value)); break;
                case "exit":
                    if (!int.TryParse(value, out int status) || status is < 0 or > 255)
                        throw new FormatException($"{argument}: expected a status from 0 to 255");
                    options.ExitStatus = status;
                    break;
                case "throw" when equals < 0: options.ThrowUnhandled = true; break;
                case "env":
                    int split = value.IndexOf('=');
                    if (split <= 0)
                        throw new FormatException($"{argument}: expected env=NAME=VALUE");
                    options.Variable = (value[..split], value[(split + 1)..]);
                    break;
            }
        }
        if ((options.FilePath == null) != (options.FileContent == null))
            throw new FormatException("file=PATH and content=TEXT go together");
        return options;
    }

    private static int PositiveNumber(string argument, string value)
        => int.TryParse(value, out int number) && number > 0 ? number : throw new FormatException($"{argument}: expected a positive number");
}

// One check: a name (runtime.NAME in the output) and a body that throws CheckFailed (or anything else) to
// fail, or Skip to be skipped.
public sealed record Check(string Name, Action Body);

public sealed class CheckFailed(string reason) : Exception(reason);

public sealed class Skip(string reason) : Exception(reason);

// Runs the checks in order on the main thread and prints their results. A watchdog thread ends the run if
// one check takes longer than the timeout (a lost wake-up on a new kernel would otherwise hang it with no
// word on which check it was). Environment.Exit from there ends the process whatever the main thread does.
public sealed class Runner(Options options)
{
    private readonly object _watch = new();
    private string? _running;
    private int _runningNumber;
    private long _deadline;

    public int Run(IReadOnlyList<Check> checks)
    {
        Console.WriteLine("KTAP version 1");
        Console.WriteLine($"1..{checks.Count}");
        Console.WriteLine($"# runtime: {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, " +
            $"processors={Environment.ProcessorCount}, pid={Environment.ProcessId}");
        var watchdog = new Thread(Watch) { IsBackground = true, Name = "watchdog" };
        watchdog.Start();

        int passed = 0, failed = 0;
        for (int i = 0; i < checks.Count; i++)
        {
            Check check = checks[i];
            lock (_watch)
            {
                _running = check.Name;
                _runningNumber = i + 1;
                _deadline = Stopwatch.GetTimestamp() + (long)(options.CheckTimeout.TotalSeconds * Stopwatch.Frequency);
                Monitor.PulseAll(_watch);
            }
            string result;
            try
            {
                check.Body();
                result = $"ok {i + 1} runtime.{check.Name}";
                passed++;
            }
            catch (Skip skip)
            {
                result = $"ok {i + 1} runtime.{check.Name} # SKIP {skip.Message}";
                passed++;
            }
            catch (Exception e)
            {
                string reason = e is CheckFailed ? e.Message : $"{e.GetType().Name}: {e.Message}";
                result = $"not ok {i + 1} runtime.{check.Name} # {OneLine(reason)}";
                failed++;
            }
            lock (_watch)
            {
                _running = null;
                Monitor.PulseAll(_watch);
            }
            Console.WriteLine(result);
        }
        Console.WriteLine($"# runtime: {passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    // Sleeps until the running check's deadline (woken early when a check ends): no periodic wake-ups.
    private void Watch()
    {
        lock (_watch)
        {
            while (true)
            {
                if (_running == null)
                {
                    Monitor.Wait(_watch);
                    continue;
                }
                long remaining = _deadline - Stopwatch.GetTimestamp();
                if (remaining > 0)
                {
                    Monitor.Wait(_watch, TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency + 0.001));
                    continue;
                }
                Console.WriteLine($"not ok {_runningNumber} runtime.{_running} # did not finish in {options.CheckTimeout.TotalSeconds} s; giving up");
                Console.WriteLine("# runtime: abandoned");
                Environment.Exit(1);
            }
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
