namespace Kitten.Ipc;

// Memory its owner can lend to other processes: bulk data without copies. The owner reads and writes it
// through Span; Grant makes a capability that, sent in a message, lets the receiver map it (MapGrant)
// read-only or read-write; Revoke takes that right back.
public abstract class SharedRegion : IDisposable
{
    private bool _disposed;

    public abstract long Length { get; }

    // The owner's view, read-write.
    public abstract Span<byte> Span { get; }

    // A right to map this region, to send in a message (Message.Capability). Each grant is revoked on its
    // own; disposing the region revokes them all.
    public Grant Grant(GrantAccess access)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (access != GrantAccess.ReadOnly && access != GrantAccess.ReadWrite)
            throw new ArgumentOutOfRangeException(nameof(access), access, "ReadOnly or ReadWrite");
        return GrantCore(access);
    }

    private protected abstract Grant GrantCore(GrantAccess access);

    private protected abstract void Close();

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Close();
        GC.SuppressFinalize(this);
    }
}

// One grant of a region: the capability to send and the means to revoke it.
public abstract class Grant : IDisposable
{
    public abstract GrantAccess Access { get; }

    public abstract Capability Capability { get; }

    public abstract bool IsRevoked { get; }

    // From now on the receiver's accesses through GrantView fail with Revoked (the kernel back end also
    // unmaps the pages from the receiver; see README.md for what the host back end can and cannot do).
    public abstract void Revoke();

    // Revokes the grant and frees what it holds.
    public abstract void Dispose();
}

// The receiving side of a grant: the region mapped into this process with the access the grant gives.
public abstract class GrantView : IDisposable
{
    public abstract GrantAccess Access { get; }

    public abstract long Length { get; }

    // True once the owner revoked the grant (and this view noticed).
    public abstract bool IsRevoked { get; }

    // The memory to read: Revoked once the owner revoked the grant.
    public abstract IpcStatus TryRead(out ReadOnlySpan<byte> memory);

    // The memory to write: Refused for a read-only grant (whose pages are mapped read-only: a write that
    // bypasses this check faults), Revoked once revoked.
    public abstract IpcStatus TryWrite(out Span<byte> memory);

    public abstract void Dispose();
}
