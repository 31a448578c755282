namespace Kitten.Ipc.Host;

// Sending and receiving one message record, with at most one descriptor beside it, without allocating.
internal static unsafe class Wire
{
    // Returns 0 or an errno. The send does not block (MSG_DONTWAIT): EAGAIN means the peer's buffer is full.
    public static int Send(int socket, in WireHeader header, ReadOnlySpan<byte> payload, int descriptor)
    {
        WireHeader copy = header;
        byte* control = stackalloc byte[Posix.OneFdControlSpace];
        fixed (byte* data = payload)
        {
            Posix.IoVec* iov = stackalloc Posix.IoVec[2];
            iov[0] = new Posix.IoVec { Base = &copy, Length = (nuint)WireHeader.Size };
            iov[1] = new Posix.IoVec { Base = data, Length = (nuint)payload.Length };
            var message = new Posix.MsgHdr { Iov = iov, IovLength = payload.Length > 0 ? 2u : 1u };
            if (descriptor >= 0)
            {
                new Span<byte>(control, Posix.OneFdControlSpace).Clear();
                *(ulong*)control = Posix.OneFdControlLength;      // cmsg_len
                *(int*)(control + 8) = Posix.SOL_SOCKET;           // cmsg_level
                *(int*)(control + 12) = Posix.SCM_RIGHTS;          // cmsg_type
                *(int*)(control + 16) = descriptor;
                message.Control = control;
                message.ControlLength = Posix.OneFdControlSpace;
            }
            while (true)
            {
                nint sent = Posix.SendMsg(socket, &message, Posix.MSG_NOSIGNAL | Posix.MSG_DONTWAIT);
                if (sent >= 0)
                    return 0;
                int errno = Posix.Errno;
                if (errno != Posix.EINTR)
                    return errno;
            }
        }
    }

    // Receives one record without blocking: the header, the payload into `payload` and then `overflow`.
    // Returns the bytes received (0: the peer closed), or -errno. `descriptor` is the one that came with
    // it, or -1; `truncated` says the record (or its descriptor) did not fit and was cut.
    public static nint Receive(int socket, out WireHeader header, Span<byte> payload, Span<byte> overflow,
        out int descriptor, out bool truncated)
    {
        header = default;
        descriptor = -1;
        truncated = false;
        byte* control = stackalloc byte[Posix.OneFdControlSpace];
        new Span<byte>(control, Posix.OneFdControlSpace).Clear();
        fixed (WireHeader* headerPointer = &header)
        fixed (byte* data = payload)
        fixed (byte* extra = overflow)
        {
            Posix.IoVec* iov = stackalloc Posix.IoVec[3];
            iov[0] = new Posix.IoVec { Base = headerPointer, Length = (nuint)WireHeader.Size };
            iov[1] = new Posix.IoVec { Base = data, Length = (nuint)payload.Length };
            iov[2] = new Posix.IoVec { Base = extra, Length = (nuint)overflow.Length };
            var message = new Posix.MsgHdr
            {
                Iov = iov,
                IovLength = 3,
                Control = control,
                ControlLength = Posix.OneFdControlSpace,
            };
            nint received;
            do
            {
                received = Posix.RecvMsg(socket, &message, Posix.MSG_DONTWAIT | Posix.MSG_CMSG_CLOEXEC);
            }
            while (received < 0 && Posix.Errno == Posix.EINTR);
            if (received < 0)
                return -Posix.Errno;
            if (message.ControlLength >= Posix.OneFdControlLength
                && *(int*)(control + 8) == Posix.SOL_SOCKET && *(int*)(control + 12) == Posix.SCM_RIGHTS)
                descriptor = *(int*)(control + 16);
            truncated = (message.Flags & (Posix.MSG_TRUNC | Posix.MSG_CTRUNC)) != 0;
            return received;
        }
    }

    // Waits for one descriptor to become readable (or closed). Returns 1 ready, 0 timed out, -errno.
    public static int WaitReadable(int socket, Deadline deadline)
        => WaitFor(socket, Posix.POLLIN, deadline);

    public static int WaitWritable(int socket, Deadline deadline)
        => WaitFor(socket, Posix.POLLOUT, deadline);

    private static int WaitFor(int socket, short events, Deadline deadline)
    {
        var poll = new Posix.PollFd { Fd = socket, Events = events };
        while (true)
        {
            int ready = Posix.Poll(&poll, 1, deadline.RemainingMilliseconds);
            if (ready >= 0)
                return ready;
            int errno = Posix.Errno;
            if (errno != Posix.EINTR)
                return -errno;
        }
    }

    public static bool IsPeerGone(int errno)
        => errno == Posix.EPIPE || errno == Posix.ECONNRESET || errno == Posix.ENOTCONN || errno == Posix.ECONNREFUSED || errno == Posix.ENOENT;
}
