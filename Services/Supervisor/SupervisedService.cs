using System.Diagnostics;
using Kitten.Ipc;
using Kitten.Ipc.Manifests;
using Kitten.Ipc.Supervision;

namespace Kitten.Supervisor;

// One service under supervision: its manifest, its process, and a thread that keeps it alive. The thread
// starts the program, then every heartbeat interval pings the endpoint the service registered (or notices
// at once that the process ended), kills a service that does not answer within the heartbeat timeout,
// and starts it again after the back-off. State that the supervisor's channel reads (Status, Register)
// is under the lock.
internal sealed class SupervisedService
{
    private readonly Lock _lock = new();
    private readonly IpcSystem _system;
    private readonly string _supervisorAddress;
    private readonly TextWriter _log;
    private readonly BackOff _backOff;
    private readonly CancellationToken _stop;
    private Process? _process;
    private int _pid;
    private Channel? _heartbeat;
    private DateTime _runningSince;
    private TimeSpan _delay;
    private Thread? _thread;

    public SupervisedService(ServiceManifest manifest, IpcSystem system, string supervisorAddress, TextWriter log, CancellationToken stop)
    {
        Manifest = manifest;
        _system = system;
        _supervisorAddress = supervisorAddress;
        _log = log;
        _stop = stop;
        _backOff = new BackOff(TimeSpan.FromMilliseconds(manifest.Restart.InitialMs), TimeSpan.FromMilliseconds(manifest.Restart.MaximumMs),
            TimeSpan.FromMilliseconds(manifest.Restart.StableMs));
    }

    public ServiceManifest Manifest { get; }

    public ServiceState State { get; private set; } = ServiceState.Starting;

    public int Restarts { get; private set; }

    // The running process's id; 0 between a death and the next start.
    public int ProcessId
    {
        get
        {
            lock (_lock)
                return _pid;
        }
    }

    public TimeSpan Delay
    {
        get
        {
            lock (_lock)
                return _delay;
        }
    }

    public void Start()
    {
        _thread = new Thread(Keep) { IsBackground = true, Name = $"supervise {Manifest.Service}" };
        _thread.Start();
    }

    public void Join() => _thread?.Join();

    // A registration from process `pid`: approved if it is this service's process and its manifest offers
    // the name; the endpoint is kept for the heartbeats. Takes the capability. Null if approved, else why not.
    public string? Approve(int pid, string name, Capability endpoint)
    {
        lock (_lock)
        {
            if (_pid == 0 || _pid != pid)
            {
                _system.Discard(endpoint);
                return $"process {pid} is not the running {Manifest.Service}";
            }
            if (!Manifest.OffersName(name))
            {
                _system.Discard(endpoint);
                return $"the manifest of {Manifest.Service} ({Manifest.FilePath}) does not offer '{name}'";
            }
            if (_system.Connect(endpoint, out Channel? channel) != IpcStatus.Ok)
                return $"cannot reach the endpoint {Manifest.Service} registers";
            _heartbeat?.Dispose();
            _heartbeat = channel;
            if (State != ServiceState.Running)
                _runningSince = DateTime.UtcNow;
            State = ServiceState.Running;
            return null;
        }
    }

    private void Keep()
    {
        while (!_stop.IsCancellationRequested)
        {
            Process? process = Launch();
            if (process != null)
                Watch(process);
            if (_stop.IsCancellationRequested)
                break;
            TimeSpan lived;
            int? status;
            lock (_lock)
            {
                lived = State == ServiceState.Running ? DateTime.UtcNow - _runningSince : TimeSpan.Zero;
                status = process != null && process.HasExited ? process.ExitCode : null;
                _heartbeat?.Dispose();
                _heartbeat = null;
                _pid = 0;
                _process = null;
                _delay = _backOff.NextDelay(lived);
                State = ServiceState.BackingOff;
                Restarts++;
            }
            _log.WriteLine($"{Manifest.Service} (pid {process?.Id.ToString() ?? "none"}) ended{(status != null ? $" with status {status}" : "")} after {lived.TotalSeconds:F2} s up; restart {Restarts} in {_delay.TotalMilliseconds:F0} ms");
            process?.Dispose();
            _stop.WaitHandle.WaitOne(_delay);
        }
        Stop();
    }

    private Process? Launch()
    {
        var start = new ProcessStartInfo(Manifest.Binary) { UseShellExecute = false };
        foreach (string argument in Manifest.Arguments)
            start.ArgumentList.Add(argument);
        start.Environment[IpcOptions.ManifestVariable] = Manifest.FilePath;
        start.Environment[IpcOptions.SupervisorVariable] = _supervisorAddress;
        start.Environment[IpcOptions.BackendVariable] = _system.Backend == IpcBackend.Host ? "host" : "kernel";
        // Started under the lock: the new process may ask to register before Process.Start returns, and
        // its request must wait until the process id it comes from is known to be this service's.
        Process process;
        lock (_lock)
        {
            try
            {
                process = Process.Start(start)!;
            }
            catch (Exception failure) when (failure is System.ComponentModel.Win32Exception or IOException)
            {
                _log.WriteLine($"{Manifest.Service}: cannot start {Manifest.Binary}: {failure.Message}");
                return null;
            }
            _process = process;
            _pid = process.Id;
            State = ServiceState.Starting;
        }
        _log.WriteLine($"{Manifest.Service} started: pid {process.Id}");
        return process;
    }

    // Returns when the process has ended (killed here if it stopped answering) or the supervisor stops.
    private void Watch(Process process)
    {
        var interval = TimeSpan.FromMilliseconds(Manifest.Heartbeat.IntervalMs);
        var timeout = TimeSpan.FromMilliseconds(Manifest.Heartbeat.TimeoutMs);
        DateTime lastSign = DateTime.UtcNow;       // started, registered or answered
        while (!_stop.IsCancellationRequested)
        {
            if (process.WaitForExit(interval))
                return;
            Channel? heartbeat;
            lock (_lock)
                heartbeat = _heartbeat;
            string? problem = null;
            if (heartbeat == null)
            {
                // Not registered yet: it has the heartbeat timeout to do so.
                if (DateTime.UtcNow - lastSign > timeout)
                    problem = $"did not register within {timeout.TotalMilliseconds:F0} ms";
            }
            else
            {
                IpcStatus answer = heartbeat.Ping(timeout);
                if (answer == IpcStatus.Ok)
                    lastSign = DateTime.UtcNow;
                else
                    problem = $"did not answer the heartbeat ({answer})";
            }
            if (problem != null && !process.HasExited)
            {
                _log.WriteLine($"{Manifest.Service} (pid {process.Id}) {problem}: killing it");
                process.Kill();
                process.WaitForExit();
                return;
            }
        }
    }

    private void Stop()
    {
        Process? process;
        lock (_lock)
        {
            process = _process;
            _heartbeat?.Dispose();
            _heartbeat = null;
        }
        if (process == null || process.HasExited)
            return;
        Signals.Terminate(process.Id);
        if (!process.WaitForExit(TimeSpan.FromSeconds(2)))
            process.Kill();
        process.WaitForExit();
    }
}
