using System.Text;
using Kitten.Ipc;
using Kitten.Ipc.Manifests;
using Kitten.Ipc.Supervision;
using Kitten.Supervisor;

// supervisor MANIFEST...: starts each service from its manifest and keeps it running (README.md), serving
// the supervisor's channel, until SIGTERM or SIGINT; then stops the services (SIGTERM, SIGKILL after 2 s).
// Exit status: 0 when stopped, 2 if "supervisor" cannot be registered, 64 for bad arguments or manifests.
var log = new LineWriter(Console.Error, $"supervisor[{Environment.ProcessId}]: ");
if (args.Length == 0 || args.Any(argument => argument.StartsWith('-')))
{
    log.WriteLine("usage: supervisor MANIFEST...");
    return 64;
}
var manifests = new List<ServiceManifest>();
foreach (string path in args)
{
    try
    {
        manifests.Add(ServiceManifest.Load(path));
    }
    catch (Exception failure) when (failure is ManifestException or IOException)
    {
        log.WriteLine(failure.Message);
        return 64;
    }
}

CancellationToken stop = ServiceHost.StopOnSignals();
using IpcSystem system = IpcSystem.Open();
using Endpoint endpoint = system.CreateEndpoint(SupervisorProtocol.Contract);
IpcStatus registered = system.Register(SupervisorProtocol.Name, endpoint, TimeSpan.FromSeconds(10));
if (registered != IpcStatus.Ok)
{
    log.WriteLine($"cannot register '{SupervisorProtocol.Name}': {registered}");
    return 2;
}
// How the services reach us: the endpoint's path on a host, the registered name on the kernel.
string address = system.Backend == IpcBackend.Host ? endpoint.Address : SupervisorProtocol.Name;
var services = manifests.Select(manifest => new SupervisedService(manifest, system, address, log, stop)).ToList();
foreach (var service in services)
    service.Start();

var payload = new byte[256];
while (!stop.IsCancellationRequested)
{
    IpcStatus status = endpoint.Receive(out Message request, payload, out int length, out Caller caller, TimeSpan.FromMilliseconds(200));
    if (status == IpcStatus.TimedOut)
        continue;
    status.ThrowIfFailed("receive on the supervisor's channel");
    string name = Encoding.UTF8.GetString(payload, 0, length);
    switch ((SupervisorLabel)request.Label)
    {
        case SupervisorLabel.Register:
            {
                // Both back ends say which process called (the host from the socket's peer credentials, the
                // kernel in RDX on receive), so a service cannot register for another.
                int pid = caller.ProcessId;
                string? refusal;
                if (pid == 0)
                    refusal = "the caller's process is unknown";
                else if ((ulong)pid != request[0])
                    refusal = $"process {pid} claims to be {request[0]}";
                else if (services.FirstOrDefault(service => service.ProcessId == pid) is not SupervisedService service)
                    refusal = $"process {pid} is no service of this supervisor";
                else
                {
                    // Approve takes the endpoint capability whatever it answers: null when approved.
                    refusal = service.Approve(pid, name, request.Capability);
                    request.Capability = default;
                }
                system.Discard(request.Capability);
                if (refusal == null)
                {
                    endpoint.Reply(caller, new Message((ulong)SupervisorLabel.Approved));
                    log.WriteLine($"approved '{name}' for pid {pid}");
                }
                else
                {
                    // The service reads at most 256 bytes of reason (IpcSystem.AskSupervisor): the rest is cut.
                    byte[] text = Encoding.UTF8.GetBytes(refusal);
                    endpoint.Reply(caller, new Message((ulong)SupervisorLabel.Refused), text.AsSpan(0, Math.Min(text.Length, 256)));
                    log.WriteLine($"refused '{name}': {refusal}");
                }
                break;
            }
        case SupervisorLabel.Status:
            {
                SupervisedService? service = services.FirstOrDefault(service => service.Manifest.Service == name);
                endpoint.Reply(caller, service == null
                    ? new Message((ulong)SupervisorLabel.NoSuchService)
                    : new Message((ulong)SupervisorLabel.ServiceStatus, (ulong)service.ProcessId, (ulong)service.Restarts,
                        (ulong)service.State, (ulong)service.Delay.TotalMilliseconds));
                break;
            }
    }
}
foreach (var service in services)
    service.Join();
system.Unregister(SupervisorProtocol.Name, endpoint);
log.WriteLine("stopped");
return 0;

// Log lines that say who wrote them, whole (one write each), from any thread.
internal sealed class LineWriter : TextWriter
{
    private readonly TextWriter _inner;
    private readonly string _prefix;
    private readonly Lock _lock = new();

    public LineWriter(TextWriter inner, string prefix)
    {
        _inner = inner;
        _prefix = prefix;
    }

    public override Encoding Encoding => _inner.Encoding;

    public override void WriteLine(string? value)
    {
        lock (_lock)
            _inner.Write(_prefix + value + "\n");
    }
}
