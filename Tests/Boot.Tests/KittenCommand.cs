using System.Diagnostics;
using System.Text;

namespace Kitten.Boot.Tests;

public sealed record CommandResult(int ExitCode, string Output, string Errors)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Errors}";
}

// Runs the repository's ./kitten script, as a user would.
public static class KittenCommand
{
    public static string RepositoryRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory != null && !File.Exists(Path.Combine(directory.FullName, "kitten")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("cannot find the repository root (the kitten script)");
    }

    // `./kitten boot --no-build ...`: the test run builds the image once beforehand (./kitten test does).
    public static CommandResult Boot(params string[] arguments)
        => Run(new[] { "boot", "--no-build" }.Concat(arguments).ToArray());

    public static CommandResult Run(params string[] arguments) => RunWithInput(null, arguments);

    // Runs ./kitten with `input` on its stdin (the serial console's input, for boots), then end of file.
    // A boot with `--timeout S` ends itself after S seconds (sending each CPU an NMI first, so that the
    // console says where they were); this waits longer than that, so that the report reaches the test.
    public static CommandResult RunWithInput(string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot, "kitten"))
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var output = new StringBuilder();
        var errors = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => { if (line.Data != null) lock (output) output.AppendLine(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data != null) lock (errors) errors.AppendLine(line.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (input != null)
            process.StandardInput.Write(input);
        process.StandardInput.Close();
        var limit = WaitLimit(arguments);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            var partial = new CommandResult(-1, output.ToString(), errors.ToString());
            throw new TimeoutException($"./kitten {string.Join(' ', arguments)} did not finish in {limit.TotalSeconds} s\n{partial}");
        }
        process.WaitForExit(); // the end of the redirected streams
        return new CommandResult(process.ExitCode, output.ToString(), errors.ToString());
    }

    private static TimeSpan WaitLimit(string[] arguments)
    {
        int at = Array.IndexOf(arguments, "--timeout");
        if (at >= 0 && at + 1 < arguments.Length && int.TryParse(arguments[at + 1], out int seconds) && seconds > 0)
            return TimeSpan.FromSeconds(seconds + 120);
        return TimeSpan.FromMinutes(10);
    }
}
