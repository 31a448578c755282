namespace Kitten.Ipc.Kernel;

// The kernel's free-memory view as this process holds it (IpcSystem.FreeMemoryView): one handle, MAP_READ
// and TRANSFER, to the kernel's read-only grant of the view (kitten_memory_view, Kernel/Ipc/README.md). The
// grant is the kernel's, not ours: it outlives this process and whoever it was passed to, so there is
// nothing to revoke, and Dispose only closes our handle.
internal sealed class KernelMemoryViewGrant : Grant
{
    private readonly long _handle;
    private bool _disposed;

    private KernelMemoryViewGrant(long handle) => _handle = handle;

    // Asks the kernel to rewrite the view and for a new handle to it.
    public static KernelMemoryViewGrant Take()
    {
        long handle = IpcTrap.Invoke(KittenIpcAbi.MemoryView);
        if (handle <= 0)
            throw new IpcException($"kitten_memory_view failed with errno {-handle}");
        return new KernelMemoryViewGrant(handle);
    }

    public override GrantAccess Access => GrantAccess.ReadOnly;

    public override Capability Capability
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new(CapabilityKind.Grant, _handle, GrantAccess.ReadOnly, KittenIpcAbi.MemoryViewBytes);
        }
    }

    public override bool IsRevoked => false;

    public override void Revoke()
        => throw new NotSupportedException("the free-memory view's grant is the kernel's: it is never revoked (Dispose closes this handle)");

    public override void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        IpcTrap.Invoke(KittenIpcAbi.Close, (ulong)_handle);
    }
}
