namespace Kitten.Ipc.Kernel;

// A notification on the kernel: NOTIFICATION_CREATE, SIGNAL, WAIT (which reads and clears in one step).
internal sealed class KernelNotification : Notification
{
    private readonly long _handle;
    private readonly bool _waiter;

    public KernelNotification(long handle, bool waiter)
    {
        _handle = handle;
        _waiter = waiter;
    }

    public override Capability Capability => new(CapabilityKind.Notification, _handle);

    public override bool IsWaiter => _waiter;

    private protected override IpcStatus SignalCore(ulong bits)
    {
        long result = IpcTrap.Invoke(KittenIpcAbi.Signal, (ulong)_handle, bits);
        return result switch
        {
            0 => IpcStatus.Ok,
            -KittenIpcAbi.EPIPE => IpcStatus.PeerDied,
            -KittenIpcAbi.EPERM => IpcStatus.Refused,
            _ => throw new IpcException($"SIGNAL failed with errno {-result}"),
        };
    }

    private protected override IpcStatus WaitCore(out ulong bits, Deadline deadline)
    {
        while (true)
        {
            long result = IpcTrap.Invoke(KittenIpcAbi.Wait, (ulong)_handle, 0, KittenIpcAbi.Timeout(deadline), out bits, out _);
            if (result == 0)
                return IpcStatus.Ok;
            bits = 0;
            if (result == -KittenIpcAbi.EINTR && !deadline.HasExpired)
                continue;
            if (result == -KittenIpcAbi.ETIMEDOUT || result == -KittenIpcAbi.EAGAIN || result == -KittenIpcAbi.EINTR)
                return IpcStatus.TimedOut;
            if (result == -KittenIpcAbi.EPERM)
                return IpcStatus.Refused;
            throw new IpcException($"WAIT failed with errno {-result}");
        }
    }

    private protected override void Close() => IpcTrap.Invoke(KittenIpcAbi.Close, (ulong)_handle);
}
