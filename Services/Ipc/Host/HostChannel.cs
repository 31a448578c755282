using Kitten.Ipc.Contracts;

namespace Kitten.Ipc.Host;

// A channel on the host: one SOCK_SEQPACKET connection to the endpoint's socket, so message boundaries
// are kept and the server's death shows as end of file (pending call) or EPIPE (later ones).
//
// A call that times out leaves its request with the server; rather than let a late reply or a server
// that moved on in the contract confuse the next call, the connection is dropped and the next call makes
// a new one: a new conversation, starting again from the contract's initial state (the server forgets
// the old one when it sees the connection go). The library's contract session is reset to match.
internal sealed unsafe class HostChannel : Channel
{
    private readonly string _address;
    private readonly byte[] _overflow = new byte[1024];  // room for a ProtocolViolation text beyond the caller's buffer
    private int _socket = -1;
    private bool _dead;
    private bool _reconnect;
    private ulong _sequence;

    private HostChannel(IpcSystem system, string address, string name, int socket) : base(system, name)
    {
        _address = address;
        _socket = socket;
    }

    public override bool PeerDied => _dead;

    // Connects to the endpoint whose socket is at `address`: Ok, or PeerDied if nothing listens there.
    public static IpcStatus Connect(IpcSystem system, string address, string name, out Channel? channel)
    {
        channel = null;
        IpcStatus status = Open(address, out int socket);
        if (status == IpcStatus.Ok)
            channel = new HostChannel(system, address, name, socket);
        return status;
    }

    private static IpcStatus Open(string address, out int socket)
    {
        socket = -1;
        if (!Posix.TryMakeAddress(address, out Posix.SockaddrUn sockaddr, out uint length))
            return IpcStatus.InvalidArgument;
        int fd = Posix.Socket(Posix.AF_UNIX, Posix.SOCK_SEQPACKET | Posix.SOCK_CLOEXEC, 0);
        if (fd < 0)
            return IpcStatus.OutOfResources;
        int result;
        do
        {
            result = Posix.Connect(fd, &sockaddr, length);
        }
        while (result != 0 && Posix.Errno == Posix.EINTR);
        if (result != 0)
        {
            int errno = Posix.Errno;
            Posix.Close(fd);
            return Wire.IsPeerGone(errno) ? IpcStatus.PeerDied
                : errno == Posix.EAGAIN ? IpcStatus.TimedOut    // the listen backlog is full: the server is not keeping up
                : errno == Posix.EMFILE || errno == Posix.ENFILE || errno == Posix.ENOMEM ? IpcStatus.OutOfResources
                : IpcStatus.InvalidArgument;
        }
        socket = fd;
        return IpcStatus.Ok;
    }

    private protected override IpcStatus CallCore(in Message request, ReadOnlySpan<byte> requestPayload, out Message reply,
        Span<byte> replyPayload, out int replyPayloadLength, Deadline deadline, out ReadOnlySpan<byte> violation)
    {
        reply = default;
        replyPayloadLength = 0;
        violation = default;
        if (_dead)
            return IpcStatus.PeerDied;
        if (_reconnect)
        {
            IpcStatus reopened = Open(_address, out int socket);
            if (reopened != IpcStatus.Ok)
            {
                if (reopened == IpcStatus.PeerDied)
                    _dead = true;
                return reopened;
            }
            _socket = socket;
            _reconnect = false;
        }

        ulong sequence = ++_sequence;
        var header = WireHeader.From(request, WireHeader.RequestKind, sequence, requestPayload.Length);
        int descriptor = request.Capability.Kind == CapabilityKind.None ? -1 : (int)request.Capability.Handle;
        while (true)
        {
            int errno = Wire.Send(_socket, header, requestPayload, descriptor);
            if (errno == 0)
                break;
            if (errno == Posix.EAGAIN)
            {
                int writable = Wire.WaitWritable(_socket, deadline);
                if (writable > 0)
                    continue;
                if (writable == 0)
                    return TimedOut();
            }
            return Failed(errno);
        }

        while (true)
        {
            int ready = Wire.WaitReadable(_socket, deadline);
            if (ready == 0)
                return TimedOut();
            if (ready < 0)
                return Failed(-ready);
            nint received = Wire.Receive(_socket, out WireHeader answer, replyPayload, _overflow, out int descriptorIn, out bool truncated);
            if (received == -Posix.EAGAIN)
                continue;
            if (received < 0)
                return Failed((int)-received);
            if (received == 0)
                return Died();
            if (received < WireHeader.Size || answer.Kind != WireHeader.ReplyKind || !answer.TryToMessage(descriptorIn, out Message message))
            {
                CloseDescriptor(descriptorIn);
                return Died();      // not our protocol: treat the peer as broken
            }
            if (answer.Sequence != sequence)
            {
                CloseDescriptor(descriptorIn);
                continue;           // cannot happen after a reconnect; kept as a guard
            }
            int payloadLength = (int)answer.PayloadLength;
            if (message.Label == ReservedLabels.ProtocolViolation)
            {
                violation = ViolationText(replyPayload, payloadLength);
                return IpcStatus.ProtocolViolation;
            }
            if (truncated || payloadLength > replyPayload.Length)
            {
                CloseDescriptor(descriptorIn);
                return IpcStatus.TooLarge;
            }
            reply = message;
            replyPayloadLength = payloadLength;
            return message.Label == ReservedLabels.PayloadTooLarge ? IpcStatus.TooLarge : IpcStatus.Ok;
        }
    }

    // The violation's text may have spilled from the caller's buffer into the overflow buffer.
    private ReadOnlySpan<byte> ViolationText(Span<byte> replyPayload, int length)
    {
        if (length <= replyPayload.Length)
            return replyPayload[..length];
        var joined = new byte[Math.Min(length, replyPayload.Length + _overflow.Length)];
        replyPayload.CopyTo(joined);
        _overflow.AsSpan(0, joined.Length - replyPayload.Length).CopyTo(joined.AsSpan(replyPayload.Length));
        return joined;
    }

    private IpcStatus TimedOut()
    {
        Posix.Close(_socket);
        _socket = -1;
        _reconnect = true;
        return IpcStatus.TimedOut;
    }

    private IpcStatus Failed(int errno)
        => Wire.IsPeerGone(errno) ? Died() : throw new IpcException($"channel {Name}: {Posix.ErrorText(errno)}");

    private IpcStatus Died()
    {
        _dead = true;
        return IpcStatus.PeerDied;
    }

    private static void CloseDescriptor(int descriptor)
    {
        if (descriptor >= 0)
            Posix.Close(descriptor);
    }

    private protected override void Close()
    {
        if (_socket >= 0)
            Posix.Close(_socket);
        _socket = -1;
        _dead = true;
    }
}
