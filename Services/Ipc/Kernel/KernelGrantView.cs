namespace Kitten.Ipc.Kernel;

// A grant received on the kernel, mapped with GRANT_MAP at the access the grant allows. Revocation is the
// kernel's: it unmaps the pages (a later access raises SIGSEGV). The ABI has no call that says "revoked"
// without mapping, so TryRead/TryWrite look with madvise(MADV_NORMAL), which fails with ENOMEM once the
// range is unmapped; the range could in principle be reused by a later mapping of this process, so the
// check is a courtesy, the fault is the enforcement.
internal sealed unsafe class KernelGrantView : GrantView
{
    private const int MadvNormal = 0;
    private const long SysMadvise = 28;

    private readonly long _handle;
    private readonly nint _address;
    private bool _revoked;
    private bool _disposed;

    private KernelGrantView(long handle, nint address, long length, GrantAccess access)
    {
        _handle = handle;
        _address = address;
        Length = length;
        Access = access;
    }

    public override GrantAccess Access { get; }

    public override long Length { get; }

    public override bool IsRevoked => _revoked || (_revoked = IpcTrap.Invoke(SysMadvise, (ulong)_address, (ulong)Length, MadvNormal) != 0);

    // Takes the capability's handle.
    public static IpcStatus Map(Capability grant, out GrantView? view)
    {
        view = null;
        int prot = grant.Access == GrantAccess.ReadWrite ? KittenIpcAbi.ProtRead | KittenIpcAbi.ProtWrite : KittenIpcAbi.ProtRead;
        long result = grant.Length > 0 && (grant.Access == GrantAccess.ReadOnly || grant.Access == GrantAccess.ReadWrite)
            ? IpcTrap.Invoke(KittenIpcAbi.GrantMap, (ulong)grant.Handle, (ulong)prot)
            : -KittenIpcAbi.EINVAL;
        if (result < 0)
        {
            IpcTrap.Invoke(KittenIpcAbi.Close, (ulong)grant.Handle);
            return result switch
            {
                -KittenIpcAbi.EPIPE => IpcStatus.Revoked,
                -KittenIpcAbi.EACCES => IpcStatus.Refused,
                -KittenIpcAbi.ENOMEM => IpcStatus.OutOfResources,
                _ => IpcStatus.InvalidArgument,
            };
        }
        view = new KernelGrantView(grant.Handle, (nint)result, grant.Length, grant.Access);
        return IpcStatus.Ok;
    }

    public override IpcStatus TryRead(out ReadOnlySpan<byte> memory)
    {
        memory = default;
        if (_disposed || IsRevoked)
            return IpcStatus.Revoked;
        memory = new ReadOnlySpan<byte>((void*)_address, checked((int)Length));
        return IpcStatus.Ok;
    }

    public override IpcStatus TryWrite(out Span<byte> memory)
    {
        memory = default;
        if (Access != GrantAccess.ReadWrite)
            return IpcStatus.Refused;
        if (_disposed || IsRevoked)
            return IpcStatus.Revoked;
        memory = new Span<byte>((void*)_address, checked((int)Length));
        return IpcStatus.Ok;
    }

    public override void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        IpcTrap.Invoke(KittenIpcAbi.GrantUnmap, (ulong)_handle, (ulong)_address);
        IpcTrap.Invoke(KittenIpcAbi.Close, (ulong)_handle);
    }
}
