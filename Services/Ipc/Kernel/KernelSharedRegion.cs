using System.Runtime.InteropServices;

namespace Kitten.Ipc.Kernel;

// A shared region on the kernel: whole pages of this process's own anonymous memory, each Grant a
// GRANT_CREATE over them with the grant's access (so each is revoked on its own). The memory stays ours;
// the kernel maps the same physical pages into a grantee (GRANT_MAP) and unmaps them everywhere when the
// grant is revoked, or when we unmap the region, exec or exit.
internal sealed unsafe class KernelSharedRegion : SharedRegion
{
    private const int MapPrivate = 0x02, MapAnonymous = 0x20;

    private readonly nint _address;
    private readonly long _length;
    private readonly long _mapped;
    private readonly List<KernelGrant> _grants = new();

    private KernelSharedRegion(nint address, long length, long mapped)
    {
        _address = address;
        _length = length;
        _mapped = mapped;
    }

    public static KernelSharedRegion Create(long length)
    {
        long mapped = (length + MessageCodec.PageSize - 1) / MessageCodec.PageSize * MessageCodec.PageSize;
        nint address = Mmap(0, (nuint)mapped, KittenIpcAbi.ProtRead | KittenIpcAbi.ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (address == -1)
            throw new IpcException($"mmap of a {length}-byte region: errno {Marshal.GetLastPInvokeError()}");
        return new KernelSharedRegion(address, length, mapped);
    }

    public override long Length => _length;

    public override Span<byte> Span => new((void*)_address, checked((int)_length));

    private protected override Grant GrantCore(GrantAccess access)
    {
        int prot = access == GrantAccess.ReadWrite ? KittenIpcAbi.ProtRead | KittenIpcAbi.ProtWrite : KittenIpcAbi.ProtRead;
        long handle = IpcTrap.Invoke(KittenIpcAbi.GrantCreate, (ulong)_address, (ulong)_mapped, (ulong)prot);
        if (handle < 0)
            throw new IpcException($"GRANT_CREATE of a {_mapped}-byte region failed with errno {-handle}");
        var grant = new KernelGrant(handle, access, _mapped);
        _grants.Add(grant);
        return grant;
    }

    private protected override void Close()
    {
        foreach (var grant in _grants)
            grant.Dispose();
        Munmap(_address, (nuint)_mapped);
    }

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static extern int Munmap(nint address, nuint length);
}

internal sealed class KernelGrant : Grant
{
    private readonly long _handle;
    private readonly long _length;
    private bool _revoked;
    private bool _disposed;

    public KernelGrant(long handle, GrantAccess access, long length)
    {
        _handle = handle;
        Access = access;
        _length = length;
    }

    public override GrantAccess Access { get; }

    public override Capability Capability => new(CapabilityKind.Grant, _handle, Access, _length);

    public override bool IsRevoked => _revoked;

    public override void Revoke()
    {
        if (_revoked)
            return;
        long result = IpcTrap.Invoke(KittenIpcAbi.GrantRevoke, (ulong)_handle);
        if (result < 0 && result != -KittenIpcAbi.EPIPE)
            throw new IpcException($"GRANT_REVOKE failed with errno {-result}");
        _revoked = true;
    }

    public override void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Revoke();
        IpcTrap.Invoke(KittenIpcAbi.Close, (ulong)_handle);
    }
}
