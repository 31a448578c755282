using System.Text;
using Kitten.Ipc.Contracts;
using Kitten.Ipc.Host;
using Kitten.Ipc.Kernel;
using Kitten.Ipc.Manifests;
using Kitten.Ipc.Supervision;

namespace Kitten.Ipc;

// A process's door to IPC: makes endpoints, notifications and shared regions, connects to endpoints, and
// registers and looks up names. Open chooses the back end (the kernel's IPC on Kitten.Cosmos, sockets on
// a Linux host); everything above it is the same. Under a manifest, operations it does not allow are
// refused: creating objects throws IpcException, calls return IpcStatus.Refused.
public abstract class IpcSystem : IDisposable
{
    private readonly bool[] _allowed = new bool[Enum.GetValues<KernelCall>().Length];
    private readonly string? _supervisorAddress;
    private readonly Lock _supervisorLock = new();
    private Channel? _supervisor;

    private protected IpcSystem(ServiceManifest? manifest, string? supervisorAddress)
    {
        Manifest = manifest;
        _supervisorAddress = supervisorAddress;
        foreach (KernelCall call in Enum.GetValues<KernelCall>())
            _allowed[(int)call] = manifest == null || manifest.Allows(call);
    }

    public static IpcSystem Open(IpcOptions? options = null)
    {
        options ??= new IpcOptions();
        string? Variable(string name) => options.IgnoreEnvironment ? null : Environment.GetEnvironmentVariable(name);

        IpcBackend backend = options.Backend ?? Variable(IpcOptions.BackendVariable) switch
        {
            null or "" => RunningOnKitten() ? IpcBackend.Kernel : IpcBackend.Host,
            "host" => IpcBackend.Host,
            "kernel" => IpcBackend.Kernel,
            string other => throw new IpcException($"{IpcOptions.BackendVariable}={other}: expected host or kernel"),
        };
        ServiceManifest? manifest = options.Manifest;
        string? manifestPath = Variable(IpcOptions.ManifestVariable);
        if (manifest == null && !string.IsNullOrEmpty(manifestPath))
            manifest = ServiceManifest.Load(manifestPath);
        string? supervisor = options.SupervisorAddress ?? Variable(IpcOptions.SupervisorVariable);
        if (supervisor == "")
            supervisor = null;
        return backend switch
        {
            IpcBackend.Host => new HostIpcSystem(options.Directory ?? Variable(IpcOptions.DirectoryVariable), manifest, supervisor),
            _ => new KernelIpcSystem(manifest, supervisor),
        };
    }

    // uname(2)'s sysname: "Kitten" on Kitten.Cosmos (Kernel/LinuxAbi/SystemSyscalls.cs), "Linux" on a host.
    public static unsafe bool RunningOnKitten()
    {
        byte* buffer = stackalloc byte[6 * 65];
        if (Posix.Uname(buffer) != 0)
            return false;
        var sysname = new ReadOnlySpan<byte>(buffer, 65);
        int end = sysname.IndexOf((byte)0);
        return sysname[..(end < 0 ? 65 : end)].SequenceEqual("Kitten"u8);
    }

    public abstract IpcBackend Backend { get; }

    // The longest payload one message may carry on this back end.
    public abstract int MaxPayload { get; }

    public ServiceManifest? Manifest { get; }

    public bool IsSupervised => _supervisorAddress != null;

    public bool Allows(KernelCall call) => _allowed[(int)call];

    public Endpoint CreateEndpoint(Contract? contract = null)
    {
        Require(KernelCall.Receive);
        Endpoint endpoint = CreateEndpointCore();
        endpoint.Contract = contract;
        lock (s_ownEndpoints)
            s_ownEndpoints.Add(endpoint.Capability.Handle);
        return endpoint;
    }

    // Handles (descriptors on the host) of this process's live endpoints: Connect must not take those.
    private static readonly HashSet<long> s_ownEndpoints = new();

    internal static void EndpointClosed(long handle)
    {
        lock (s_ownEndpoints)
            s_ownEndpoints.Remove(handle);
    }

    // A channel to the endpoint a capability names. A capability received in a message is taken (the
    // channel owns it from now on); one of this process's own endpoints' is copied first.
    public IpcStatus Connect(Capability endpoint, out Channel? channel, Contract? contract = null)
    {
        channel = null;
        if (endpoint.Kind != CapabilityKind.Endpoint)
            return IpcStatus.InvalidArgument;
        bool own;
        lock (s_ownEndpoints)
            own = s_ownEndpoints.Contains(endpoint.Handle);
        if (!Allows(KernelCall.Call))
        {
            if (!own)
                Discard(endpoint);
            return IpcStatus.Refused;
        }
        if (own)
        {
            IpcStatus copied = CopyEndpointCapability(endpoint, out endpoint);
            if (copied != IpcStatus.Ok)
                return copied;
        }
        IpcStatus status = ConnectCore(endpoint, out channel);
        if (channel != null)
            channel.Contract = contract;
        return status;
    }

    public Notification CreateNotification()
    {
        Require(KernelCall.Notify);
        return CreateNotificationCore();
    }

    public IpcStatus OpenNotification(Capability notification, out Notification? opened)
    {
        opened = null;
        if (notification.Kind != CapabilityKind.Notification)
            return IpcStatus.InvalidArgument;
        if (!Allows(KernelCall.Notify))
        {
            Discard(notification);
            return IpcStatus.Refused;
        }
        return OpenNotificationCore(notification, out opened);
    }

    public SharedRegion CreateSharedRegion(long length)
    {
        Require(KernelCall.Grant);
        if (length <= 0)
            throw new ArgumentOutOfRangeException(nameof(length), length, "a region has at least one byte");
        return CreateSharedRegionCore(length);
    }

    public IpcStatus MapGrant(Capability grant, out GrantView? view)
    {
        view = null;
        if (grant.Kind != CapabilityKind.Grant)
            return IpcStatus.InvalidArgument;
        if (!Allows(KernelCall.Map))
        {
            Discard(grant);
            return IpcStatus.Refused;
        }
        return MapGrantCore(grant, out view);
    }

    // The kernel's free-memory view (Services/MemoryManager/Core/FreeMemoryView.cs), rewritten now from
    // what is free: a read-only grant whose Capability goes in the memory manager's Attach message, as a
    // SharedRegion's Grant(GrantAccess.ReadOnly) does on a host. Each call gives a new capability to the
    // same pages, which the kernel owns: Dispose closes this process's handle and nothing more, and Revoke
    // throws (the kernel never revokes its view). Kitten only: a host has no kernel to show its memory
    // (NotSupportedException; there the owner of the memory writes its own view into a SharedRegion).
    // Under a manifest, needs `memory.view`.
    public Grant FreeMemoryView()
    {
        Require(KernelCall.MemoryView);
        return FreeMemoryViewCore();
    }

    private protected virtual Grant FreeMemoryViewCore()
        => throw new NotSupportedException($"the {Backend} back end has no kernel free-memory view: write a FreeMemoryView into a SharedRegion and grant that");

    // Drops a capability received and not wanted.
    public abstract void Discard(Capability capability);

    // Makes `endpoint` reachable as `name`. A name is registered once: NameTaken while an endpoint that
    // is alive has it; a restarted service gets its name back once its old endpoint died. Under a
    // manifest, only the names it offers. Under a supervisor, the supervisor is asked first (it checks the
    // manifest it started this service with, and keeps the endpoint for its heartbeats).
    public IpcStatus Register(string name, Endpoint endpoint, TimeSpan timeout)
    {
        if (!NameRules.IsValid(name))
            throw new ArgumentException($"name '{name}': {NameRules.Description}", nameof(name));
        if (!Allows(KernelCall.Register) || (Manifest != null && !Manifest.OffersName(name)))
            return IpcStatus.Refused;
        if (_supervisorAddress != null)
        {
            IpcStatus approved = AskSupervisor(name, endpoint, timeout);
            if (approved != IpcStatus.Ok)
                return approved;
        }
        return RegisterCore(name, endpoint);
    }

    // Withdraws a name this process registered for `endpoint`.
    public abstract IpcStatus Unregister(string name, Endpoint endpoint);

    // A channel to the endpoint registered as `name`. Waits up to `timeout` for the name to be registered
    // and its server to accept (a service being restarted); then NoSuchName if nothing was ever registered,
    // PeerDied if the registered server is dead.
    public IpcStatus Lookup(string name, TimeSpan timeout, out Channel? channel, Contract? contract = null)
    {
        channel = null;
        if (!NameRules.IsValid(name))
            throw new ArgumentException($"name '{name}': {NameRules.Description}", nameof(name));
        if (!Allows(KernelCall.Lookup) || !Allows(KernelCall.Call) || (Manifest != null && !Manifest.MayLookUp(name)))
            return IpcStatus.Refused;
        IpcStatus status = LookupCore(name, new Deadline(timeout), out channel);
        if (channel != null)
            channel.Contract = contract;
        return status;
    }

    private IpcStatus AskSupervisor(string name, Endpoint endpoint, TimeSpan timeout)
    {
        lock (_supervisorLock)
        {
            if (_supervisor == null || _supervisor.PeerDied)
            {
                _supervisor?.Dispose();
                _supervisor = null;
                IpcStatus connected = ConnectAddress(_supervisorAddress!, out _supervisor);
                if (connected != IpcStatus.Ok)
                    return connected;
                _supervisor!.Contract = SupervisorProtocol.Contract;
            }
            var request = new Message((ulong)SupervisorLabel.Register, (ulong)Environment.ProcessId) { Capability = endpoint.Capability };
            Span<byte> reason = stackalloc byte[256];
            IpcStatus status = _supervisor.Call(request, Encoding.UTF8.GetBytes(name), out Message reply, reason, out int length, timeout);
            if (status != IpcStatus.Ok)
                return status;
            if (reply.Label == (ulong)SupervisorLabel.Approved)
                return IpcStatus.Ok;
            LastRefusal = Encoding.UTF8.GetString(reason[..length]);
            return IpcStatus.Refused;
        }
    }

    // Why the supervisor last refused a registration (its reply's text).
    public string? LastRefusal { get; private set; }

    private void Require(KernelCall call)
    {
        if (!Allows(call))
            throw new IpcException($"the manifest of {Manifest?.Service} ({Manifest?.FilePath}) does not allow {KernelCalls.NameOf(call)}");
    }

    private protected abstract Endpoint CreateEndpointCore();
    private protected abstract IpcStatus ConnectCore(Capability endpoint, out Channel? channel);
    private protected abstract IpcStatus CopyEndpointCapability(Capability endpoint, out Capability copy);
    private protected abstract IpcStatus ConnectAddress(string address, out Channel? channel);
    private protected abstract Notification CreateNotificationCore();
    private protected abstract IpcStatus OpenNotificationCore(Capability notification, out Notification? opened);
    private protected abstract SharedRegion CreateSharedRegionCore(long length);
    private protected abstract IpcStatus MapGrantCore(Capability grant, out GrantView? view);
    private protected abstract IpcStatus RegisterCore(string name, Endpoint endpoint);
    private protected abstract IpcStatus LookupCore(string name, Deadline deadline, out Channel? channel);

    public virtual void Dispose()
    {
        lock (_supervisorLock)
        {
            _supervisor?.Dispose();
            _supervisor = null;
        }
        GC.SuppressFinalize(this);
    }
}
