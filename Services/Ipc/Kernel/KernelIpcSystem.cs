using System.Text;

namespace Kitten.Ipc.Kernel;

// The kernel back end: Kitten.Cosmos's IPC system calls (Kernel/Ipc/README.md, ABI 1). Handles are the
// kernel's; a capability in a message is a handle passed in MR0 (MessageCodec).
internal sealed unsafe class KernelIpcSystem : IpcSystem
{
    public KernelIpcSystem(Manifests.ServiceManifest? manifest, string? supervisor) : base(manifest, supervisor)
    {
    }

    public override IpcBackend Backend => IpcBackend.Kernel;

    public override int MaxPayload => KittenIpcAbi.MaxLong;

    public static void CloseHandle(Capability capability)
    {
        if (capability.Kind != CapabilityKind.None && capability.Handle > 0)
            IpcTrap.Invoke(KittenIpcAbi.Close, (ulong)capability.Handle);
    }

    public override void Discard(Capability capability) => CloseHandle(capability);

    private protected override Endpoint CreateEndpointCore()
    {
        long handle = IpcTrap.Invoke(KittenIpcAbi.EndpointCreate);
        if (handle < 0)
            throw new IpcException($"ENDPOINT_CREATE failed with errno {-handle}");
        return new KernelEndpoint(this, handle);
    }

    private protected override IpcStatus ConnectCore(Capability endpoint, out Channel? channel)
    {
        channel = KernelChannel.Create(this, $"handle {endpoint.Handle}", endpoint.Handle);
        return IpcStatus.Ok;
    }

    private protected override IpcStatus CopyEndpointCapability(Capability endpoint, out Capability copy)
    {
        long minted = IpcTrap.Invoke(KittenIpcAbi.Mint, (ulong)endpoint.Handle, KittenIpcAbi.RightSend | KittenIpcAbi.RightTransfer, 0);
        copy = endpoint with { Handle = minted };
        return minted > 0 ? IpcStatus.Ok : IpcStatus.OutOfResources;
    }

    // The supervisor's address on the kernel is its registered name.
    private protected override IpcStatus ConnectAddress(string address, out Channel? channel)
        => LookupCore(address, new Deadline(TimeSpan.FromSeconds(10)), out channel);

    private protected override Notification CreateNotificationCore()
    {
        long handle = IpcTrap.Invoke(KittenIpcAbi.NotificationCreate);
        if (handle < 0)
            throw new IpcException($"NOTIFICATION_CREATE failed with errno {-handle}");
        return new KernelNotification(handle, waiter: true);
    }

    private protected override IpcStatus OpenNotificationCore(Capability notification, out Notification? opened)
    {
        opened = new KernelNotification(notification.Handle, waiter: false);
        return IpcStatus.Ok;
    }

    private protected override SharedRegion CreateSharedRegionCore(long length) => KernelSharedRegion.Create(length);

    private protected override IpcStatus MapGrantCore(Capability grant, out GrantView? view) => KernelGrantView.Map(grant, out view);

    private protected override Grant FreeMemoryViewCore() => KernelMemoryViewGrant.Take();

    private protected override IpcStatus RegisterCore(string name, Endpoint endpoint)
    {
        Span<byte> utf8 = stackalloc byte[KittenIpcAbi.MaxName];
        int length = Encoding.ASCII.GetBytes(name, utf8);
        long result;
        fixed (byte* text = utf8)
            result = IpcTrap.Invoke(KittenIpcAbi.NameRegister, (ulong)text, (ulong)length, (ulong)((KernelEndpoint)endpoint).Handle);
        return result switch
        {
            0 => IpcStatus.Ok,
            -KittenIpcAbi.EEXIST => IpcStatus.NameTaken,
            -KittenIpcAbi.ENOSPC or -KittenIpcAbi.ENOMEM => IpcStatus.OutOfResources,
            -KittenIpcAbi.EPERM => IpcStatus.Refused,
            _ => IpcStatus.InvalidArgument,
        };
    }

    public override IpcStatus Unregister(string name, Endpoint endpoint)
    {
        Span<byte> utf8 = stackalloc byte[KittenIpcAbi.MaxName];
        int length = Encoding.ASCII.GetBytes(name, utf8);
        long result;
        fixed (byte* text = utf8)
            result = IpcTrap.Invoke(KittenIpcAbi.NameUnregister, (ulong)text, (ulong)length);
        return result switch
        {
            0 => IpcStatus.Ok,
            -KittenIpcAbi.ENOENT => IpcStatus.NoSuchName,
            -KittenIpcAbi.EPERM => IpcStatus.Refused,
            _ => IpcStatus.InvalidArgument,
        };
    }

    private protected override IpcStatus LookupCore(string name, Deadline deadline, out Channel? channel)
    {
        channel = null;
        Span<byte> utf8 = stackalloc byte[KittenIpcAbi.MaxName];
        int length = Encoding.ASCII.GetBytes(name, utf8);
        while (true)
        {
            long handle;
            fixed (byte* text = utf8)
                handle = IpcTrap.Invoke(KittenIpcAbi.NameLookup, (ulong)text, (ulong)length, KittenIpcAbi.Timeout(deadline));
            if (handle > 0)
            {
                channel = KernelChannel.Create(this, name, handle);
                return IpcStatus.Ok;
            }
            if (handle == -KittenIpcAbi.EINTR && !deadline.HasExpired)
                continue;
            return handle switch
            {
                -KittenIpcAbi.ENOENT or -KittenIpcAbi.ETIMEDOUT or -KittenIpcAbi.EAGAIN or -KittenIpcAbi.EINTR => IpcStatus.NoSuchName,
                -KittenIpcAbi.EMFILE or -KittenIpcAbi.ENOMEM => IpcStatus.OutOfResources,
                _ => IpcStatus.InvalidArgument,
            };
        }
    }
}
