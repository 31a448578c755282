using Kitten.Ipc.Contracts;

namespace Kitten.Ipc.Kernel;

// A channel on the kernel: CALL on an endpoint handle. The handle a lookup gives is unbadged and the same
// for every client, so the first call asks the server (the library's Endpoint, by itself) for a badged
// handle of this channel's own (ReservedLabels.Connect): the badge is how the server tells channels apart
// and keeps each one's place in the contract. After a timeout the badged handle is dropped and the next
// call asks for a new one: a new conversation, as on the host.
//
// A call's long part goes out of, and its reply's comes back into, one buffer (RBX): the channel's own,
// so that the caller's request bytes are never overwritten and a ProtocolViolation text always fits.
internal sealed unsafe class KernelChannel : Channel
{
    private const int MinimumBuffer = 1024;

    private readonly long _unbadged;
    private long _badged;
    private bool _dead;
    private byte[] _buffer = new byte[MinimumBuffer];

    private KernelChannel(IpcSystem system, string name, long unbadged) : base(system, name)
    {
        _unbadged = unbadged;
    }

    public override bool PeerDied => _dead;

    // Takes the handle.
    public static Channel Create(IpcSystem system, string name, long handle) => new KernelChannel(system, name, handle);

    private protected override IpcStatus CallCore(in Message request, ReadOnlySpan<byte> requestPayload, out Message reply,
        Span<byte> replyPayload, out int replyPayloadLength, Deadline deadline, out ReadOnlySpan<byte> violation)
    {
        reply = default;
        replyPayloadLength = 0;
        violation = default;
        if (_dead)
            return IpcStatus.PeerDied;
        if (_badged == 0)
        {
            IpcStatus connected = Handshake(deadline);
            if (connected != IpcStatus.Ok)
                return connected;
        }
        int capacity = Math.Max(Math.Max(requestPayload.Length, replyPayload.Length), MinimumBuffer);
        if (_buffer.Length < capacity)
            _buffer = new byte[capacity];
        requestPayload.CopyTo(_buffer);

        KernelMessage message;
        MessageCodec.Encode(request, requestPayload.Length, &message);
        long result;
        fixed (byte* buffer = _buffer)
            result = IpcTrap.Invoke(KittenIpcAbi.Call, _badged, &message, KittenIpcAbi.Timeout(deadline), buffer, (ulong)_buffer.Length);
        if (result < 0)
            return Failed(result);

        Span<long> stray = stackalloc long[KittenIpcAbi.MaxHandles];
        if (!MessageCodec.TryDecode(&message, out Message answer, stray, out int strayCount))
        {
            CloseAll(stray[..strayCount]);
            _dead = true;       // not our protocol: treat the server as broken
            return IpcStatus.PeerDied;
        }
        int length = KittenIpcAbi.InfoLength(message.Info);
        bool truncated = (message.Info & KittenIpcAbi.InfoTruncated) != 0;
        if (answer.Label == ReservedLabels.ProtocolViolation)
        {
            violation = _buffer.AsSpan(0, Math.Min(length, _buffer.Length));
            return IpcStatus.ProtocolViolation;
        }
        if (truncated || length > replyPayload.Length || answer.Label == ReservedLabels.PayloadTooLarge)
        {
            KernelIpcSystem.CloseHandle(answer.Capability);
            return IpcStatus.TooLarge;
        }
        _buffer.AsSpan(0, length).CopyTo(replyPayload);
        reply = answer;
        replyPayloadLength = length;
        return IpcStatus.Ok;
    }

    private IpcStatus Handshake(Deadline deadline)
    {
        KernelMessage message;
        MessageCodec.Encode(new Message(ReservedLabels.Connect), 0, &message);
        long result = IpcTrap.Invoke(KittenIpcAbi.Call, _unbadged, &message, KittenIpcAbi.Timeout(deadline), null, 0);
        if (result < 0)
            return Failed(result);
        Span<long> stray = stackalloc long[KittenIpcAbi.MaxHandles];
        if (!MessageCodec.TryDecode(&message, out Message answer, stray, out int strayCount)
            || answer.Label != ReservedLabels.Connected || answer.Capability.Kind != CapabilityKind.Endpoint)
        {
            CloseAll(stray[..strayCount]);
            KernelIpcSystem.CloseHandle(answer.Capability);
            _dead = true;
            return IpcStatus.PeerDied;
        }
        _badged = answer.Capability.Handle;
        return IpcStatus.Ok;
    }

    // What a failed CALL means for the channel.
    private IpcStatus Failed(long result)
    {
        switch (-result)
        {
            case KittenIpcAbi.EPIPE:
            case KittenIpcAbi.ECONNRESET:
                _dead = true;
                return IpcStatus.PeerDied;
            case KittenIpcAbi.ETIMEDOUT:
            case KittenIpcAbi.EAGAIN:
            case KittenIpcAbi.EINTR:    // never restarted: the request may have been taken, like a timeout
                DropBadged();
                return IpcStatus.TimedOut;
            case KittenIpcAbi.E2BIG:
                return IpcStatus.TooLarge;
            case KittenIpcAbi.ENOMEM:
            case KittenIpcAbi.EMFILE:
                return IpcStatus.OutOfResources;
            default:
                throw new IpcException($"channel {Name}: IPC call failed with errno {-result}");
        }
    }

    private void DropBadged()
    {
        if (_badged != 0)
            IpcTrap.Invoke(KittenIpcAbi.Close, (ulong)_badged);
        _badged = 0;
    }

    private static void CloseAll(ReadOnlySpan<long> handles)
    {
        foreach (long handle in handles)
            IpcTrap.Invoke(KittenIpcAbi.Close, (ulong)handle);
    }

    private protected override void Close()
    {
        if (_badged != 0 && !_dead)
        {
            // Tell the server this conversation is over, without waiting for a busy one.
            KernelMessage message;
            MessageCodec.Encode(new Message(ReservedLabels.Disconnect), 0, &message);
            IpcTrap.Invoke(KittenIpcAbi.Call, _badged, &message, 1_000_000, null, 0);
        }
        DropBadged();
        IpcTrap.Invoke(KittenIpcAbi.Close, (ulong)_unbadged);
        _dead = true;
    }
}
