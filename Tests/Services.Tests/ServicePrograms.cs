using System.Diagnostics;
using System.Runtime.InteropServices;
using Kitten.Ipc;

namespace Kitten.Services.Tests;

// The services as the real programs: published once per test run by `./kitten build-services` (NativeAOT,
// static, non-PIE) into Services/out/NAME/, each with its manifest beside it.
public static class ServicePrograms
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string OutDirectory => Path.Combine(RepositoryRoot, "Services", "out");

    public static string PathOf(string service) => Path.Combine(OutDirectory, service, service);

    public static string ManifestOf(string service) => PathOf(service) + ".manifest";

    private static readonly Lazy<IReadOnlyList<string>> s_built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    // Publishes what changed (nothing, most runs) and returns the programs' paths, as the script prints them.
    public static IReadOnlyList<string> EnsureBuilt() => s_built.Value;

    private static IReadOnlyList<string> Build()
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot, "kitten"), "build-services")
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("./kitten build-services did not finish in 10 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"./kitten build-services failed ({process.ExitCode}):\n{output.Result}\n{errors.Result}");
        return output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory != null && !File.Exists(Path.Combine(directory.FullName, "kitten")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("cannot find the repository root (the kitten script)");
    }
}

// A service program (or the supervisor) running as a child of the test, on the host back end in the
// test's runtime directory. Its stderr (the service's log, and its children's) is kept line by line.
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _log = new();
    private readonly Lock _lock = new();

    private ServiceProcess(Process process)
    {
        _process = process;
    }

    public static ServiceProcess Start(string program, string runtimeDirectory, string? manifest, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment[IpcOptions.BackendVariable] = "host";
        start.Environment[IpcOptions.DirectoryVariable] = runtimeDirectory;
        start.Environment.Remove(IpcOptions.SupervisorVariable);
        if (manifest != null)
            start.Environment[IpcOptions.ManifestVariable] = manifest;
        else
            start.Environment.Remove(IpcOptions.ManifestVariable);
        var service = new ServiceProcess(Process.Start(start)!);
        service._process.ErrorDataReceived += (_, line) => service.Add(line.Data);
        service._process.OutputDataReceived += (_, line) => service.Add(line.Data);
        service._process.BeginErrorReadLine();
        service._process.BeginOutputReadLine();
        return service;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Log
    {
        get
        {
            lock (_lock)
                return string.Join('\n', _log);
        }
    }

    // Waits for a log line containing `text`; false after `timeout`.
    public bool WaitForLog(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            lock (_lock)
            {
                if (_log.Any(line => line.Contains(text, StringComparison.Ordinal)))
                    return true;
            }
            Thread.Sleep(10);
        }
        return false;
    }

    // SIGTERM, then the exit status (SIGKILL and -1 if it does not end within `timeout`).
    public int Stop(TimeSpan timeout)
    {
        if (!_process.HasExited)
            Signals.Send(_process.Id, Signals.SIGTERM);
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill();
            _process.WaitForExit();
            return -1;
        }
        _process.WaitForExit();     // the end of its output too
        return _process.ExitCode;
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
            return false;
        _process.WaitForExit();     // the end of its output too
        return true;
    }

    private void Add(string? line)
    {
        if (line == null)
            return;
        lock (_lock)
            _log.Add(line);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}

public static class Signals
{
    public const int SIGKILL = 9, SIGTERM = 15, SIGCONT = 18, SIGSTOP = 19;

    // kill(2); false if there is no such process.
    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    // Whether `pid` is a running (not zombie) process whose program is `program`.
    public static bool IsRunning(int pid, string program)
    {
        try
        {
            string status = File.ReadAllText($"/proc/{pid}/stat");
            char state = status[status.LastIndexOf(')') + 2];
            return state != 'Z' && state != 'X' && new FileInfo($"/proc/{pid}/exe").LinkTarget == program;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
