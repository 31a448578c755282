namespace Kitten.Ipc.Host;

// The host back end: everything lives under one runtime directory (KITTEN_IPC_DIR, by default
// /tmp/kitten-ipc-UID), which is what makes processes that share it one system:
//   endpoints/PID-N    each endpoint's listening socket (SOCK_SEQPACKET, unix(7))
//   names/NAME         the registry: a symbolic link to the endpoint socket registered as NAME; a dead
//                      endpoint's link is as good as none, and is replaced atomically (rename(2)) when
//                      the restarted service registers again
internal sealed class HostIpcSystem : IpcSystem
{
    public const int MaxPayloadBytes = 64 * 1024;
    private static int s_endpointCounter;

    private readonly string _endpoints;
    private readonly string _names;
    private readonly Lock _watchLock = new();
    private NameWatch? _watch;
    private bool _watchOpened;

    public HostIpcSystem(string? directory, Manifests.ServiceManifest? manifest, string? supervisor) : base(manifest, supervisor)
    {
        Root = Path.GetFullPath(directory ?? $"/tmp/kitten-ipc-{Posix.GetUid()}");
        _endpoints = Path.Combine(Root, "endpoints");
        _names = Path.Combine(Root, "names");
        foreach (string folder in new[] { Root, _endpoints, _names })
            Posix.MakeDirectories(folder);
    }

    public string Root { get; }

    public override IpcBackend Backend => IpcBackend.Host;

    public override int MaxPayload => MaxPayloadBytes;

    private protected override Endpoint CreateEndpointCore()
    {
        string path = Path.Combine(_endpoints, $"{Environment.ProcessId}-{Interlocked.Increment(ref s_endpointCounter)}");
        return HostEndpoint.Create(this, path);
    }

    private protected override IpcStatus ConnectCore(Capability endpoint, out Channel? channel)
    {
        channel = null;
        string? address = SocketAddress((int)endpoint.Handle);
        Discard(endpoint);
        return address == null ? IpcStatus.InvalidArgument : ConnectAddress(address, out channel);
    }

    private protected override IpcStatus CopyEndpointCapability(Capability endpoint, out Capability copy)
    {
        int duplicate = Posix.Dup((int)endpoint.Handle);
        copy = endpoint with { Handle = duplicate };
        return duplicate >= 0 ? IpcStatus.Ok : IpcStatus.OutOfResources;
    }

    private protected override IpcStatus ConnectAddress(string address, out Channel? channel)
        => HostChannel.Connect(this, address, address, out channel);

    private protected override Notification CreateNotificationCore() => HostNotification.Create();

    private protected override IpcStatus OpenNotificationCore(Capability notification, out Notification? opened)
    {
        opened = HostNotification.Open((int)notification.Handle);
        return opened == null ? IpcStatus.InvalidArgument : IpcStatus.Ok;
    }

    private protected override SharedRegion CreateSharedRegionCore(long length) => HostSharedRegion.Create(length);

    private protected override IpcStatus MapGrantCore(Capability grant, out GrantView? view) => HostGrantView.Map(grant, out view);

    public override void Discard(Capability capability)
    {
        if (capability.Kind != CapabilityKind.None && capability.Handle >= 0)
            Posix.Close((int)capability.Handle);
    }

    // The path an endpoint capability's socket is bound to (getsockname(2)), if it is one of ours.
    private unsafe string? SocketAddress(int socket)
    {
        Posix.SockaddrUn address;
        uint length = (uint)sizeof(Posix.SockaddrUn);
        if (Posix.GetSockName(socket, &address, &length) != 0 || address.Family != Posix.AF_UNIX)
            return null;
        string path = Posix.AddressPath(address, length);
        return path.StartsWith(_endpoints + "/", StringComparison.Ordinal) ? path : null;
    }

    private protected override IpcStatus RegisterCore(string name, Endpoint endpoint)
    {
        string link = Path.Combine(_names, name);
        string? current = Resolve(name);
        if (current != null && current != endpoint.Address && IsAlive(current))
            return IpcStatus.NameTaken;
        string temporary = Path.Combine(_names, $".{name}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}");
        File.Delete(temporary);
        File.CreateSymbolicLink(temporary, endpoint.Address);
        File.Move(temporary, link, overwrite: true);
        return IpcStatus.Ok;
    }

    private bool IsAlive(string address)
    {
        if (HostChannel.Connect(this, address, address, out Channel? probe) != IpcStatus.Ok)
            return false;
        probe!.Dispose();
        return true;
    }

    public override IpcStatus Unregister(string name, Endpoint endpoint)
    {
        if (!NameRules.IsValid(name))
            return IpcStatus.InvalidArgument;
        if (Resolve(name) != endpoint.Address)
            return IpcStatus.NoSuchName;
        File.Delete(Path.Combine(_names, name));
        return IpcStatus.Ok;
    }

    // What `name` is registered as (an endpoint socket's path, alive or not), or null.
    public string? Resolve(string name)
    {
        if (!NameRules.IsValid(name))
            return null;
        try
        {
            return new FileInfo(Path.Combine(_names, name)).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private protected override IpcStatus LookupCore(string name, Deadline deadline, out Channel? channel)
    {
        channel = null;
        NameWatch? watch = null;
        bool watching = false;
        int pause = 1;
        while (true)
        {
            watch?.Drain();
            string? address = Resolve(name);
            if (address != null)
            {
                IpcStatus status = HostChannel.Connect(this, address, name, out channel);
                if (status != IpcStatus.PeerDied)
                    return status;
            }
            // A dead registration is as good as none: a restarted service will replace it.
            if (deadline.HasExpired)
                return IpcStatus.NoSuchName;
            // The name is not (or no longer) served: wait for a (re)registration. From now on a
            // registration wakes us (look once more first: it may have come before the watch); without a
            // watch, or if another thread of this process drained the event, look again a little later
            // each time.
            if (!watching)
            {
                watching = true;
                watch = OpenWatch();
                if (watch != null)
                    continue;
            }
            int remaining = deadline.RemainingMilliseconds;
            int wait = remaining < 0 ? pause : Math.Min(pause, remaining);
            if (watch != null)
                watch.Wait(wait);
            else
                Thread.Sleep(wait);
            pause = Math.Min(pause * 2, 20);
        }
    }

    // The watch on names/, opened by the first look-up that has to wait (null if inotify is not to be had).
    private NameWatch? OpenWatch()
    {
        lock (_watchLock)
        {
            if (!_watchOpened)
            {
                _watchOpened = true;
                _watch = NameWatch.Open(_names);
            }
            return _watch;
        }
    }

    public override void Dispose()
    {
        lock (_watchLock)
        {
            _watch?.Dispose();
            _watch = null;
        }
        base.Dispose();
    }
}
