namespace Kitten.Ipc.Host;

// A grant received on the host, mapped: the control page read-only, the data with the grant's access
// (from a read-only descriptor for a read-only grant, so the kernel refuses PROT_WRITE on it). The
// descriptor is kept to see whether the owner still lives (SharedMemory.IsOwnerGone).
internal sealed unsafe class HostGrantView : GrantView
{
    private readonly int _fd;
    private readonly nint _control;
    private readonly ulong _grantId;
    private readonly long _mappedData;
    private nint _data;
    private bool _revoked;
    private bool _disposed;

    private HostGrantView(int fd, nint control, nint data, long length, long mappedData, GrantAccess access, ulong grantId)
    {
        _fd = fd;
        _control = control;
        _data = data;
        Length = length;
        _mappedData = mappedData;
        Access = access;
        _grantId = grantId;
    }

    public override GrantAccess Access { get; }

    public override long Length { get; }

    // Where the data is mapped (tests use it to show the kernel refuses writes to a read-only grant).
    internal nint DataAddress => _data;

    public override bool IsRevoked
        => _revoked || (_revoked = HostSharedRegion.IsRevoked(_control, _grantId) || SharedMemory.IsOwnerGone(_fd));

    // Takes the capability's descriptor.
    public static IpcStatus Map(Capability grant, out GrantView? view)
    {
        view = null;
        int fd = (int)grant.Handle;
        bool keep = false;
        try
        {
            if ((grant.Access != GrantAccess.ReadOnly && grant.Access != GrantAccess.ReadWrite) || grant.Length <= 0
                || grant.GrantId >= HostSharedRegion.MaxGrants)
                return IpcStatus.InvalidArgument;
            long mappedData = SharedMemory.RoundUp(grant.Length);
            if (SharedMemory.FileSize(fd) < SharedMemory.PageSize + mappedData)
                return IpcStatus.InvalidArgument;
            nint control = SharedMemory.Map(fd, 0, SharedMemory.PageSize, Posix.PROT_READ, out _);
            if (control == 0)
                return IpcStatus.OutOfResources;
            if (HostSharedRegion.CheckControlPage(control) != grant.Length)
            {
                Posix.Munmap(control, SharedMemory.PageSize);
                return IpcStatus.InvalidArgument;
            }
            int protection = grant.Access == GrantAccess.ReadWrite ? Posix.PROT_READ | Posix.PROT_WRITE : Posix.PROT_READ;
            nint data = SharedMemory.Map(fd, SharedMemory.PageSize, mappedData, protection, out int error);
            if (data == 0)
            {
                Posix.Munmap(control, SharedMemory.PageSize);
                return error == Posix.EACCES ? IpcStatus.Refused : IpcStatus.OutOfResources;
            }
            if (SharedMemory.IsOwnerGone(fd))
            {
                Posix.Munmap(control, SharedMemory.PageSize);
                Posix.Munmap(data, (nuint)mappedData);
                return IpcStatus.Revoked;
            }
            view = new HostGrantView(fd, control, data, grant.Length, mappedData, grant.Access, grant.GrantId);
            keep = true;
            return IpcStatus.Ok;
        }
        finally
        {
            if (!keep)
                Posix.Close(fd);
        }
    }

    public override IpcStatus TryRead(out ReadOnlySpan<byte> memory)
    {
        memory = default;
        if (CheckRevoked())
            return IpcStatus.Revoked;
        memory = new ReadOnlySpan<byte>((void*)_data, checked((int)Length));
        return IpcStatus.Ok;
    }

    public override IpcStatus TryWrite(out Span<byte> memory)
    {
        memory = default;
        if (Access != GrantAccess.ReadWrite)
            return IpcStatus.Refused;
        if (CheckRevoked())
            return IpcStatus.Revoked;
        memory = new Span<byte>((void*)_data, checked((int)Length));
        return IpcStatus.Ok;
    }

    private bool CheckRevoked()
    {
        if (!IsRevoked)
            return false;
        UnmapData();
        return true;
    }

    private void UnmapData()
    {
        if (_data != 0)
            Posix.Munmap(_data, (nuint)_mappedData);
        _data = 0;
    }

    public override void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        UnmapData();
        Posix.Munmap(_control, SharedMemory.PageSize);
        Posix.Close(_fd);
        GC.SuppressFinalize(this);
    }
}
