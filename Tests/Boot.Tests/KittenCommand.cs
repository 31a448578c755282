using System.Diagnostics;

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
        using var process = Process.Start(start)!;
        if (input != null)
            process.StandardInput.Write(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"./kitten {string.Join(' ', arguments)} did not finish in 10 minutes");
        }
        return new CommandResult(process.ExitCode, output.Result, errors.Result);
    }
}
