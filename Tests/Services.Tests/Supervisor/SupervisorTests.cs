using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Kitten.Ipc;
using Kitten.Ipc.Host;
using Kitten.Ipc.Supervision;
using Kitten.MemoryManager;
using NUnit.Framework;
using static Kitten.Services.Tests.MemoryManager.Images;

namespace Kitten.Services.Tests.Supervisor;

// The supervisor as the real program, supervising the real memory-paged program, both child processes
// of the test on the host back end. The service is killed (SIGKILL) or stopped (SIGSTOP) from outside,
// as a crash or a hang would; the supervisor must notice, restart it after its back-off, and the
// restarted service must register its name again so that a client's next calls work.
public class SupervisorTests : IpcTestBase
{
    private const string Service = "memory-paged";
    private ServiceProcess? _supervisor;
    private readonly HashSet<int> _servicePids = new();
    private Channel _status = null!;

    [OneTimeSetUp]
    public void Build() => ServicePrograms.EnsureBuilt();

    [TearDown]
    public void StopEverything()
    {
        if (_supervisor != null && !_supervisor.HasExited)
            _supervisor.Stop(TimeSpan.FromSeconds(10));
        // Whatever a failed test left running.
        foreach (int pid in _servicePids)
        {
            if (Signals.IsRunning(pid, ServicePrograms.PathOf(Service)))
                Signals.Send(pid, Signals.SIGKILL);
        }
        _servicePids.Clear();
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed && _supervisor != null)
            TestContext.Out.WriteLine($"--- the supervisor's log ---\n{_supervisor.Log}");
        _supervisor?.Dispose();
        _supervisor = null;
    }

    // The shipped memory-paged manifest with the test's heartbeat and restart lines (and the program's
    // absolute path, as the manifest is written elsewhere).
    private string Manifest(string heartbeat, string restart)
    {
        var lines = File.ReadAllLines(ServicePrograms.ManifestOf(Service)).Select(line =>
            line.StartsWith("binary ", StringComparison.Ordinal) ? $"binary {ServicePrograms.PathOf(Service)}"
            : line.StartsWith("heartbeat ", StringComparison.Ordinal) ? heartbeat
            : line.StartsWith("restart ", StringComparison.Ordinal) ? restart
            : line).ToList();
        Assert.That(lines, Does.Contain(heartbeat).And.Contain(restart), "the shipped manifest has heartbeat and restart lines");
        string path = Path.Combine(RuntimeDirectory, Service + ".manifest");
        File.WriteAllLines(path, lines);
        return path;
    }

    private void StartSupervisor(string manifest)
    {
        _supervisor = ServiceProcess.Start(ServicePrograms.PathOf("supervisor"), RuntimeDirectory, null, manifest);
        OpenSystem().Lookup(SupervisorProtocol.Name, Long, out Channel? status, SupervisorProtocol.Contract).ThrowIfFailed("lookup supervisor");
        _status = Own(status!);
    }

    private readonly record struct ServiceStatus(int Pid, int Restarts, ServiceState State, int DelayMs);

    private ServiceStatus Status(string service = Service)
    {
        var reply = new byte[64];
        _status.Call(new Message((ulong)SupervisorLabel.Status), Encoding.UTF8.GetBytes(service), out Message answer, reply, out _, Long)
            .ThrowIfFailed("status");
        Assert.That(answer.Label, Is.EqualTo((ulong)SupervisorLabel.ServiceStatus), $"the supervisor knows {service}");
        return new ServiceStatus((int)answer[0], (int)answer[1], (ServiceState)answer[2], (int)answer[3]);
    }

    // Polls the supervisor until the service runs (approved to register) after `restarts` restarts.
    private ServiceStatus WaitForRunning(int restarts)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            ServiceStatus status = Status();
            if (status.Pid != 0)
                _servicePids.Add(status.Pid);
            Assert.That(status.Restarts, Is.LessThanOrEqualTo(restarts), $"no restart the test did not cause:\n{_supervisor!.Log}");
            if (status.State == ServiceState.Running && status.Restarts == restarts)
                return status;
            Assert.That(waited.Elapsed, Is.LessThan(Long), $"{Service} running after {restarts} restarts; now {status}:\n{_supervisor!.Log}");
            Thread.Sleep(2);
        }
    }

    private string? Registered(string name) => ((HostIpcSystem)OpenSystem()).Resolve(name);

    // A client planning layouts in a loop on its own thread, counting what each call came to.
    private sealed class CallingClient : IDisposable
    {
        private readonly MemoryManagerClient _client;
        private readonly Thread _thread;
        private readonly CancellationTokenSource _stop = new();
        private long _successes;

        public CallingClient(IpcSystem system, SharedRegion view, TimeSpan timeout)
        {
            _client = new MemoryManagerClient(system, view);
            _thread = new Thread(() => Loop(timeout)) { IsBackground = true, Name = "calling client" };
            _thread.Start();
        }

        public ConcurrentDictionary<IpcStatus, int> Outcomes { get; } = new();
        public Exception? Failure { get; private set; }
        public long Successes => Interlocked.Read(ref _successes);
        public int Connections => _client.Connections;

        private void Loop(TimeSpan timeout)
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    IpcStatus status = _client.Plan(HpcRank(heap: 64 * MiB), timeout, out Layout? layout, out MemoryRefusal refusal);
                    if (status == IpcStatus.Ok && layout == null)
                        throw new AssertionException($"the memory manager refused a plan it can make: {refusal}");
                    Outcomes.AddOrUpdate(status, 1, (_, count) => count + 1);
                    if (status == IpcStatus.Ok)
                        Interlocked.Increment(ref _successes);
                }
            }
            catch (Exception failure)
            {
                Failure = failure;
            }
        }

        // Waits for a call that succeeds after this moment.
        public void WaitForSuccess(string what)
        {
            long before = Successes;
            var waited = Stopwatch.StartNew();
            while (Successes == before)
            {
                Assert.That(Failure, Is.Null, what);
                Assert.That(waited.Elapsed, Is.LessThan(Long), $"{what}: no call succeeded in {Long.TotalSeconds} s; outcomes {string.Join(", ", Outcomes)}");
                Thread.Sleep(1);
            }
        }

        public void Dispose()
        {
            if (_stop.IsCancellationRequested)
                return;
            _stop.Cancel();
            _thread.Join();
            _client.Dispose();
        }
    }

    private CallingClient StartClient(TimeSpan timeout)
    {
        IpcSystem system = OpenSystem();
        SharedRegion view = Own(system.CreateSharedRegion(FreeMemoryView.BytesFor(1)));
        FreeMemoryView.Write(view.Span, LargeFreeMemory());
        return new CallingClient(system, view, timeout);
    }

    [Test]
    public void AServiceKilledAgainAndAgainComesBackAndItsClientsNextCallsWork()
    {
        const int Kills = 30;
        int[] expectedDelays = { 10, 20, 40, 80, 160 };
        StartSupervisor(Manifest("heartbeat 100 2000", "restart 10 160 60000"));
        ServiceStatus running = WaitForRunning(0);
        using CallingClient client = StartClient(TimeSpan.FromSeconds(5));
        client.WaitForSuccess("the first call");

        var report = new StringBuilder("kill  pid     delay  kill->running  kill->answered (ms)\n");
        for (int kill = 1; kill <= Kills; kill++)
        {
            var clock = Stopwatch.StartNew();
            Assert.That(Signals.Send(running.Pid, Signals.SIGKILL), Is.True, $"kill {running.Pid}");
            ServiceStatus restarted = WaitForRunning(kill);
            double toRunning = clock.Elapsed.TotalMilliseconds;
            client.WaitForSuccess($"a call after restart {kill}");
            double toAnswered = clock.Elapsed.TotalMilliseconds;
            report.AppendLine($"{kill,4}  {restarted.Pid,-6}  {restarted.DelayMs,5}  {toRunning,13:F1}  {toAnswered,14:F1}");

            int expected = expectedDelays[Math.Min(kill - 1, expectedDelays.Length - 1)];
            Assert.That(restarted.DelayMs, Is.EqualTo(expected), $"restart {kill}: the back-off doubles up to its maximum");
            Assert.That(toRunning, Is.GreaterThanOrEqualTo(expected), $"restart {kill} waited out its back-off");
            Assert.That(restarted.Pid, Is.Not.EqualTo(running.Pid), "a new process");
            Assert.That(Signals.IsRunning(running.Pid, ServicePrograms.PathOf(Service)), Is.False, "the old one is gone");
            Assert.That(Registered(MemoryProtocol.Name), Does.EndWith($"/endpoints/{restarted.Pid}-1"), "the name is the new process's endpoint");
            running = restarted;
        }
        client.Dispose();
        TestContext.Out.WriteLine(report);
        TestContext.Out.WriteLine($"calls: {string.Join(", ", client.Outcomes.OrderBy(pair => pair.Key))}; connections {client.Connections}");

        Assert.That(client.Failure, Is.Null, "no call threw");
        Assert.That(client.Outcomes.Keys, Is.SubsetOf(new[] { IpcStatus.Ok, IpcStatus.PeerDied, IpcStatus.TimedOut, IpcStatus.NoSuchName }), "every call succeeded or failed cleanly");
        Assert.That(client.Outcomes[IpcStatus.Ok], Is.GreaterThan(Kills), "calls succeeded between all the kills");
        Assert.That(client.Outcomes[IpcStatus.PeerDied], Is.LessThanOrEqualTo(Kills), "at most one call fails per death: the one it interrupted");
        Assert.That(client.Connections, Is.GreaterThanOrEqualTo(Kills + 1), "the client found each of the service's lives by its name");

        // Stopping the supervisor stops the service, which withdraws its name.
        Assert.That(_supervisor!.Stop(Long), Is.EqualTo(0), _supervisor.Log);
        Assert.That(Signals.IsRunning(running.Pid, ServicePrograms.PathOf(Service)), Is.False, "the service stopped with its supervisor");
        Assert.That(Registered(MemoryProtocol.Name), Is.Null, "the name withdrawn");
        Assert.That(_supervisor.Log, Does.Contain($"{Service}[{running.Pid}]: stopped after"));
    }

    [Test]
    public void TheBackOffStartsAgainOnceTheServiceRanLongEnough()
    {
        StartSupervisor(Manifest("heartbeat 100 2000", "restart 50 800 1500"));
        ServiceStatus running = WaitForRunning(0);
        var delays = new List<int>();
        for (int kill = 1; kill <= 4; kill++)
        {
            if (kill == 4)
                Thread.Sleep(2500);     // longer than `stable`: the service counts as having recovered
            var clock = Stopwatch.StartNew();
            Signals.Send(running.Pid, Signals.SIGKILL);
            running = WaitForRunning(kill);
            Assert.That(clock.Elapsed.TotalMilliseconds, Is.GreaterThanOrEqualTo(running.DelayMs), "the back-off was waited out");
            delays.Add(running.DelayMs);
        }
        Assert.That(delays, Is.EqualTo(new[] { 50, 100, 200, 50 }));
    }

    [Test]
    public void AServiceThatStopsAnsweringIsKilledAndRestarted()
    {
        StartSupervisor(Manifest("heartbeat 100 500", "restart 10 160 60000"));
        ServiceStatus hung = WaitForRunning(0);
        using CallingClient client = StartClient(TimeSpan.FromMilliseconds(300));
        client.WaitForSuccess("the first call");

        var clock = Stopwatch.StartNew();
        Signals.Send(hung.Pid, Signals.SIGSTOP);
        ServiceStatus restarted = WaitForRunning(1);
        double toRunning = clock.Elapsed.TotalMilliseconds;
        client.WaitForSuccess("a call after the restart");
        TestContext.Out.WriteLine($"stopped pid {hung.Pid}: replaced by {restarted.Pid} after {toRunning:F0} ms; calls {string.Join(", ", client.Outcomes)}");

        // A hang is a heartbeat unanswered for its timeout (500 ms; less one interval, for a ping already
        // under way when the signal came), then the back-off.
        Assert.That(toRunning, Is.GreaterThanOrEqualTo(500 - 100 + restarted.DelayMs), "the supervisor waited for the heartbeat's timeout");
        Assert.That(_supervisor!.Log, Does.Contain($"{Service} (pid {hung.Pid}) did not answer the heartbeat (TimedOut): killing it"));
        Assert.That(Signals.IsRunning(hung.Pid, ServicePrograms.PathOf(Service)), Is.False, "the hung process was killed");
        Assert.That(client.Outcomes.Keys, Is.SubsetOf(new[] { IpcStatus.Ok, IpcStatus.PeerDied, IpcStatus.TimedOut, IpcStatus.NoSuchName }));
        Assert.That(client.Outcomes.GetValueOrDefault(IpcStatus.TimedOut), Is.GreaterThan(0), "calls to the hung service timed out");
    }

    [Test]
    public void OnlyAProcessTheSupervisorStartedMayRegisterThroughIt()
    {
        StartSupervisor(Manifest("heartbeat 100 2000", "restart 10 160 60000"));
        ServiceStatus running = WaitForRunning(0);
        string supervisorAddress = Registered(SupervisorProtocol.Name)!;
        var waited = Stopwatch.StartNew();
        while (Registered(MemoryProtocol.Name) == null)
        {
            Assert.That(waited.Elapsed, Is.LessThan(Long), "the service registers");
            Thread.Sleep(2);
        }

        IpcSystem impostor = Own(IpcSystem.Open(new IpcOptions
        {
            Backend = IpcBackend.Host,
            Directory = RuntimeDirectory,
            SupervisorAddress = supervisorAddress,
            IgnoreEnvironment = true,
        }));
        using Endpoint endpoint = impostor.CreateEndpoint(MemoryProtocol.Contract);
        Assert.That(impostor.Register(MemoryProtocol.Name, endpoint, Long), Is.EqualTo(IpcStatus.Refused));
        Assert.That(impostor.LastRefusal, Is.EqualTo($"process {Environment.ProcessId} is no service of this supervisor"));
        Assert.That(Registered(MemoryProtocol.Name), Does.EndWith($"/endpoints/{running.Pid}-1"), "the name stays the service's");

        var reply = new byte[64];
        _status.Call(new Message((ulong)SupervisorLabel.Status), "no-such-service"u8, out Message answer, reply, out _, Long).ThrowIfFailed("status");
        Assert.That(answer.Label, Is.EqualTo((ulong)SupervisorLabel.NoSuchService));

    }
}
