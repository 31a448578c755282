using System.Runtime.CompilerServices;

namespace Kitten.Ipc.Host;

// A shared region on the host: a memfd whose first page is the region's control page and whose data
// follows. The control page holds a magic word, the data length and one revocation bit per grant (grant
// numbers are never reused, so a region can be granted MaxGrants times in its life); a receiver maps it
// read-only (so no grantee can clear its own bit) and its data with the grant's access.
//
// The owner holds the owner's lock on its own descriptor (SharedMemory.HoldOwnerLock), and grants send
// reopened descriptors, so a grantee sees the grant revoked when the owner's process is gone too, as the
// kernel revokes a dead process's grants.
//
// What the host cannot do: take pages back from a process that keeps using a pointer it obtained before
// the revocation. A revoked view refuses every later access through GrantView and unmaps itself the first
// time it sees the revocation; the kernel back end unmaps at revocation.
internal sealed unsafe class HostSharedRegion : SharedRegion
{
    public const ulong Magic = 0x4E4947455250494B;  // "KIPREGIN"
    private const int MagicOffset = 0, LengthOffset = 8, RevokedOffset = 64;
    public const int MaxGrants = (SharedMemory.PageSize - RevokedOffset) * 8;

    private readonly int _fd;
    private readonly int _ownerLock;
    private readonly long _length;
    private readonly nint _mapping;
    private readonly long _mappedLength;
    private readonly List<HostGrant> _grants = new();
    private int _nextGrant;

    private HostSharedRegion(int fd, int ownerLock, long length, nint mapping, long mappedLength)
    {
        _fd = fd;
        _ownerLock = ownerLock;
        _length = length;
        _mapping = mapping;
        _mappedLength = mappedLength;
    }

    public static HostSharedRegion Create(long length)
    {
        long mapped = SharedMemory.PageSize + SharedMemory.RoundUp(length);
        int fd = SharedMemory.Create("kitten-region", mapped);
        int ownerLock = SharedMemory.HoldOwnerLock(fd);
        nint mapping = SharedMemory.Map(fd, 0, mapped, Posix.PROT_READ | Posix.PROT_WRITE, out int error);
        if (mapping == 0)
        {
            Posix.Close(fd);
            Posix.Close(ownerLock);
            throw new IpcException($"mmap of a {length}-byte region: {Posix.ErrorText(error)}");
        }
        *(ulong*)(mapping + MagicOffset) = Magic;
        *(long*)(mapping + LengthOffset) = length;
        return new HostSharedRegion(fd, ownerLock, length, mapping, mapped);
    }

    public override long Length => _length;

    public override Span<byte> Span => new((void*)(_mapping + SharedMemory.PageSize), checked((int)_length));

    // The word of the revocation bitmap that holds grant `id`'s bit.
    private static ref ulong RevokedWord(nint control, int id) => ref Unsafe.AsRef<ulong>((void*)(control + RevokedOffset + id / 64 * 8));

    internal bool IsRevoked(int id) => (Volatile.Read(ref RevokedWord(_mapping, id)) & (1UL << (id % 64))) != 0;

    internal void Revoke(int id) => Interlocked.Or(ref RevokedWord(_mapping, id), 1UL << (id % 64));

    private protected override Grant GrantCore(GrantAccess access)
    {
        if (_nextGrant == MaxGrants)
            throw new IpcException($"a host region has at most {MaxGrants} grants");
        int descriptor = SharedMemory.Reopen(_fd, access == GrantAccess.ReadOnly ? Posix.O_RDONLY : Posix.O_RDWR);
        var grant = new HostGrant(this, _nextGrant++, access, descriptor);
        _grants.RemoveAll(old => old.IsDisposed);
        _grants.Add(grant);
        return grant;
    }

    internal Capability CapabilityFor(HostGrant grant)
        => new(CapabilityKind.Grant, grant.Descriptor, grant.Access, _length, (ulong)grant.Id);

    private protected override void Close()
    {
        foreach (var grant in _grants)
            grant.Dispose();
        Posix.Munmap(_mapping, (nuint)_mappedLength);
        Posix.Close(_fd);
        Posix.Close(_ownerLock);
    }

    // The descriptor whose lock says the owner lives (tests close it to play the owner's death).
    internal int OwnerLockDescriptor => _ownerLock;

    // Reads a control page (the receiver's view of it): the data length, or -1 if it is not a region's.
    internal static long CheckControlPage(nint control)
        => *(ulong*)(control + MagicOffset) == Magic ? *(long*)(control + LengthOffset) : -1;

    internal static bool IsRevoked(nint control, ulong grantId)
        => (Volatile.Read(ref RevokedWord(control, (int)grantId)) & (1UL << (int)(grantId % 64))) != 0;
}

internal sealed class HostGrant : Grant
{
    private readonly HostSharedRegion _region;
    private bool _disposed;

    public HostGrant(HostSharedRegion region, int id, GrantAccess access, int descriptor)
    {
        _region = region;
        Id = id;
        Access = access;
        Descriptor = descriptor;
    }

    public int Id { get; }

    // What the capability sends: opened read-only for a read-only grant.
    public int Descriptor { get; private set; }

    public override GrantAccess Access { get; }

    public override Capability Capability => _region.CapabilityFor(this);

    public override bool IsRevoked => _region.IsRevoked(Id);

    public override void Revoke() => _region.Revoke(Id);

    public bool IsDisposed => _disposed;

    public override void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Revoke();
        if (Descriptor >= 0)
            Posix.Close(Descriptor);
        Descriptor = -1;
    }
}
