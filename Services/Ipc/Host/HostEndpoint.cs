using Kitten.Ipc.Contracts;

namespace Kitten.Ipc.Host;

// An endpoint on the host: a listening SOCK_SEQPACKET socket at a path of the runtime directory, and the
// connections accepted from it, one per client channel. Receive polls them all (the listening socket
// too), taking the connections in turn so that a busy client cannot starve the others. A connection's
// badge is unique for the endpoint's life; its contract session lives beside it.
internal sealed unsafe class HostEndpoint : Endpoint
{
    private const int ReplyWaitMilliseconds = 200;

    private readonly string _path;
    private int _listener;
    private int _count;
    private int[] _sockets = new int[8];
    private ulong[] _badges = new ulong[8];
    private int[] _pids = new int[8];
    private ulong[] _sequences = new ulong[8];     // the sequence of each connection's pending request
    private ContractSession[] _sessions = new ContractSession[8];
    private Posix.PollFd[] _poll = new Posix.PollFd[9];
    private ContractSession _goneSession = new();
    private ulong _nextBadge = 1;
    private int _scanStart;

    private HostEndpoint(IpcSystem system, string path, int listener) : base(system)
    {
        _path = path;
        _listener = listener;
    }

    public static HostEndpoint Create(IpcSystem system, string path)
    {
        if (!Posix.TryMakeAddress(path, out Posix.SockaddrUn address, out uint length))
            throw new IpcException($"endpoint path too long for a Unix socket (108 bytes): {path}");
        int fd = Posix.Socket(Posix.AF_UNIX, Posix.SOCK_SEQPACKET | Posix.SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw new IpcException($"socket: {Posix.ErrorText(Posix.Errno)}");
        File.Delete(path);
        if (Posix.Bind(fd, &address, length) != 0 || Posix.Listen(fd, 128) != 0)
        {
            int errno = Posix.Errno;
            Posix.Close(fd);
            throw new IpcException($"endpoint {path}: {Posix.ErrorText(errno)}");
        }
        return new HostEndpoint(system, path, fd);
    }

    public override string Address => _path;

    public override Capability Capability => new(CapabilityKind.Endpoint, _listener);

    public int ConnectionCount => _count;

    private protected override IpcStatus ReceiveCore(out Message request, Span<byte> payload, out int payloadLength, out Caller caller, Deadline deadline)
    {
        request = default;
        payloadLength = 0;
        caller = default;
        while (true)
        {
            if (_poll.Length < _count + 1)
                Array.Resize(ref _poll, _count * 2 + 1);
            _poll[0] = new Posix.PollFd { Fd = _listener, Events = Posix.POLLIN };
            for (int i = 0; i < _count; i++)
                _poll[i + 1] = new Posix.PollFd { Fd = _sockets[i], Events = Posix.POLLIN };
            int ready;
            fixed (Posix.PollFd* fds = _poll)
                ready = Posix.Poll(fds, (nuint)(_count + 1), deadline.RemainingMilliseconds);
            if (ready < 0)
            {
                if (Posix.Errno == Posix.EINTR)
                    continue;
                throw new IpcException($"endpoint {_path}: poll: {Posix.ErrorText(Posix.Errno)}");
            }
            if (ready == 0)
                return IpcStatus.TimedOut;
            int polled = _count;
            if ((_poll[0].Revents & Posix.POLLIN) != 0)
                Accept();

            for (int step = 0; step < polled; step++)
            {
                int slot = (_scanStart + step) % polled;
                // A connection dropped during this scan moved the last one into its slot: such slots wait
                // for the next poll.
                if (slot >= _count || _poll[slot + 1].Revents == 0 || _poll[slot + 1].Fd != _sockets[slot])
                    continue;
                IpcStatus status = ReceiveFrom(slot, out request, payload, out payloadLength, out caller);
                if (status == IpcStatus.TimedOut)
                    continue;       // nothing after all (or the caller left): look at the others
                _scanStart = slot + 1;
                return status;
            }
            if (deadline.HasExpired)
                return IpcStatus.TimedOut;
        }
    }

    // TimedOut here means "nothing from this connection now".
    private IpcStatus ReceiveFrom(int slot, out Message request, Span<byte> payload, out int payloadLength, out Caller caller)
    {
        request = default;
        payloadLength = 0;
        caller = new Caller(_badges[slot], _pids[slot]);
        nint received = Wire.Receive(_sockets[slot], out WireHeader header, payload, default, out int descriptor, out bool truncated);
        if (received == -Posix.EAGAIN)
            return IpcStatus.TimedOut;
        if (received <= 0 || received < WireHeader.Size || header.Kind != WireHeader.RequestKind
            || !header.TryToMessage(descriptor, out request))
        {
            if (descriptor >= 0)
                Posix.Close(descriptor);
            Drop(slot);     // end of file, an error, or not our protocol: the caller is gone
            return IpcStatus.TimedOut;
        }
        _sequences[slot] = header.Sequence;
        if (truncated || header.PayloadLength > payload.Length)
        {
            if (descriptor >= 0)
                Posix.Close(descriptor);
            request = default;
            return IpcStatus.TooLarge;
        }
        payloadLength = (int)header.PayloadLength;
        return IpcStatus.Ok;
    }

    private void Accept()
    {
        int fd = Posix.Accept4(_listener, null, null, Posix.SOCK_CLOEXEC);
        if (fd < 0)
            return;     // the client gave up already, or out of descriptors: it sees its connection fail
        Posix.UCred credentials;
        uint length = (uint)sizeof(Posix.UCred);
        int pid = Posix.GetSockOpt(fd, Posix.SOL_SOCKET, Posix.SO_PEERCRED, &credentials, &length) == 0 ? credentials.Pid : 0;
        if (_count == _sockets.Length)
        {
            int size = _count * 2;
            Array.Resize(ref _sockets, size);
            Array.Resize(ref _badges, size);
            Array.Resize(ref _pids, size);
            Array.Resize(ref _sequences, size);
            Array.Resize(ref _sessions, size);
        }
        _sockets[_count] = fd;
        _badges[_count] = _nextBadge++;
        _pids[_count] = pid;
        _sequences[_count] = 0;
        _sessions[_count] = new ContractSession();
        _count++;
    }

    private void Drop(int slot)
    {
        var gone = new Caller(_badges[slot], _pids[slot]);
        Posix.Close(_sockets[slot]);
        _count--;
        _sockets[slot] = _sockets[_count];
        _badges[slot] = _badges[_count];
        _pids[slot] = _pids[_count];
        _sequences[slot] = _sequences[_count];
        _sessions[slot] = _sessions[_count];
        OnCallerGone(gone);
    }

    private int SlotOf(ulong badge)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_badges[i] == badge)
                return i;
        }
        return -1;
    }

    private protected override IpcStatus ReplyCore(in Caller caller, in Message reply, ReadOnlySpan<byte> payload)
    {
        int slot = SlotOf(caller.Badge);
        if (slot < 0)
            return IpcStatus.PeerDied;
        var header = WireHeader.From(reply, WireHeader.ReplyKind, _sequences[slot], payload.Length);
        int descriptor = reply.Capability.Kind == CapabilityKind.None ? -1 : (int)reply.Capability.Handle;
        var deadline = new Deadline(TimeSpan.FromMilliseconds(ReplyWaitMilliseconds));
        while (true)
        {
            int errno = Wire.Send(_sockets[slot], header, payload, descriptor);
            if (errno == 0)
                return IpcStatus.Ok;
            // A client that does not read its replies must not stall the server: after a short wait it
            // is treated as gone.
            if (errno == Posix.EAGAIN && Wire.WaitWritable(_sockets[slot], deadline) > 0)
                continue;
            Drop(slot);
            return IpcStatus.PeerDied;
        }
    }

    private protected override ref ContractSession Session(in Caller caller)
    {
        int slot = SlotOf(caller.Badge);
        if (slot < 0)
        {
            _goneSession = new ContractSession();
            return ref _goneSession;
        }
        return ref _sessions[slot];
    }

    private protected override void Close()
    {
        for (int i = 0; i < _count; i++)
            Posix.Close(_sockets[i]);
        _count = 0;
        if (_listener >= 0)
            Posix.Close(_listener);
        _listener = -1;
        File.Delete(_path);
    }
}
