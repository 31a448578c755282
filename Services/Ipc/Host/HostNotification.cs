using System.Runtime.CompilerServices;

namespace Kitten.Ipc.Host;

// A notification on the host: one shared page holding a futex word and the bit word (futex(2)). Signal
// ORs the bits in, bumps the futex word and wakes the waiter; Wait swaps the bits with 0 and, if there
// were none, sleeps on the futex word it read before looking (so a signal in between is not missed). The
// futex is the shared kind (not FUTEX_PRIVATE_FLAG): the signallers are other processes. The creator
// holds the owner's lock (SharedMemory.HoldOwnerLock), so a signaller can tell that it is gone.
internal sealed unsafe class HostNotification : Notification
{
    private readonly int _fd;           // the creator's own (locked) descriptor, or the one a signaller received
    private readonly int _shared;       // the creator's descriptor to send; -1 in a signaller
    private readonly int _ownerLock;    // the creator's locked descriptor; -1 in a signaller
    private readonly nint _page;

    private HostNotification(int fd, int shared, int ownerLock, nint page)
    {
        _fd = fd;
        _shared = shared;
        _ownerLock = ownerLock;
        _page = page;
    }

    private ref int Sequence => ref Unsafe.AsRef<int>((void*)_page);

    private ref ulong Bits => ref Unsafe.AsRef<ulong>((void*)(_page + 8));

    public override Capability Capability => new(CapabilityKind.Notification, _shared >= 0 ? _shared : _fd);

    public override bool IsWaiter => _shared >= 0;

    public static HostNotification Create()
    {
        int fd = SharedMemory.Create("kitten-notification", SharedMemory.PageSize);
        int ownerLock = SharedMemory.HoldOwnerLock(fd);
        nint page = SharedMemory.Map(fd, 0, SharedMemory.PageSize, Posix.PROT_READ | Posix.PROT_WRITE, out int error);
        if (page == 0)
        {
            Posix.Close(fd);
            Posix.Close(ownerLock);
            throw new IpcException($"mmap of a notification: {Posix.ErrorText(error)}");
        }
        return new HostNotification(fd, SharedMemory.Reopen(fd, Posix.O_RDWR), ownerLock, page);
    }

    // A signaller's object; takes the descriptor. Null (descriptor closed) if it is not a notification's.
    public static HostNotification? Open(int fd)
    {
        if (SharedMemory.FileSize(fd) != SharedMemory.PageSize)
        {
            Posix.Close(fd);
            return null;
        }
        nint page = SharedMemory.Map(fd, 0, SharedMemory.PageSize, Posix.PROT_READ | Posix.PROT_WRITE, out _);
        if (page == 0)
        {
            Posix.Close(fd);
            return null;
        }
        return new HostNotification(fd, -1, -1, page);
    }

    private protected override IpcStatus SignalCore(ulong bits)
    {
        if (!IsWaiter && SharedMemory.IsOwnerGone(_fd))
            return IpcStatus.PeerDied;
        Interlocked.Or(ref Bits, bits);
        Interlocked.Increment(ref Sequence);
        Posix.Syscall(Posix.SYS_futex, _page, Posix.FUTEX_WAKE, int.MaxValue, 0, 0, 0);
        return IpcStatus.Ok;
    }

    private protected override IpcStatus WaitCore(out ulong bits, Deadline deadline)
    {
        while (true)
        {
            int sequence = Volatile.Read(ref Sequence);
            bits = Interlocked.Exchange(ref Bits, 0);
            if (bits != 0)
                return IpcStatus.Ok;
            long nanoseconds = deadline.RemainingNanoseconds;
            if (nanoseconds == 0)
                return IpcStatus.TimedOut;
            var timeout = new Posix.Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
            // EAGAIN (the word changed: a signal came), EINTR and ETIMEDOUT all lead back to the check above.
            Posix.Syscall(Posix.SYS_futex, _page, Posix.FUTEX_WAIT, sequence, deadline.IsInfinite ? 0 : (nint)(&timeout), 0, 0);
        }
    }

    private protected override void Close()
    {
        Posix.Munmap(_page, SharedMemory.PageSize);
        Posix.Close(_fd);
        if (_shared >= 0)
            Posix.Close(_shared);
        if (_ownerLock >= 0)
            Posix.Close(_ownerLock);
    }
}
