using Kitten.Ipc.Contracts;

namespace Kitten.Ipc.Kernel;

// An endpoint on the kernel: the owner handle ENDPOINT_CREATE gives, RECEIVE on it, and REPLY to the call
// the receiving thread holds (so Reply must come on the thread that received, before it receives again).
// The library's own messages are served here: Connect mints a handle with a new badge for a new channel,
// Disconnect forgets one. A caller is its badge (0: clients that call the unbadged handle directly, such
// as C programs, share one conversation).
//
// The kernel does not tell a server that a client's process ended, so a channel's conversation is
// forgotten on Disconnect (sent when the channel is disposed) or, past MaxSessions, oldest first.
internal sealed unsafe class KernelEndpoint : Endpoint
{
    public const int MaxSessions = 1024;

    private readonly long _handle;
    private readonly Dictionary<ulong, int> _slots = new();
    private readonly List<ulong> _order = new();         // badges, oldest first
    private ContractSession[] _sessions = new ContractSession[16];
    private readonly Stack<int> _freeSlots = new();
    private int _nextSlot;
    private ulong _nextBadge = 1;
    private ulong _heldBadge;
    private bool _holding;

    public KernelEndpoint(IpcSystem system, long handle) : base(system)
    {
        _handle = handle;
    }

    public override string Address => $"handle {_handle}";

    public override Capability Capability => new(CapabilityKind.Endpoint, _handle);

    internal long Handle => _handle;

    private protected override IpcStatus ReceiveCore(out Message request, Span<byte> payload, out int payloadLength, out Caller caller, Deadline deadline)
    {
        request = default;
        payloadLength = 0;
        caller = default;
        Span<long> stray = stackalloc long[KittenIpcAbi.MaxHandles];
        while (true)
        {
            KernelMessage message = default;
            long result;
            _holding = false;
            fixed (byte* buffer = payload)
                result = IpcTrap.Invoke(KittenIpcAbi.Receive, _handle, &message, KittenIpcAbi.Timeout(deadline), buffer, (ulong)payload.Length);
            if (result == -KittenIpcAbi.ETIMEDOUT || result == -KittenIpcAbi.EAGAIN)
                return IpcStatus.TimedOut;
            if (result == -KittenIpcAbi.EINTR)
                continue;
            if (result < 0)
                throw new IpcException($"endpoint {Address}: RECEIVE failed with errno {-result}");
            if ((message.Info & KittenIpcAbi.InfoCall) == 0)
            {
                DropHandles(&message);      // a SEND: nobody waits for an answer, and this library sends none
                continue;
            }
            _holding = true;
            _heldBadge = message.Badge;
            caller = new Caller(message.Badge, (int)message.Sender);
            if (!MessageCodec.TryDecode(&message, out request, stray, out int strayCount))
            {
                foreach (long handle in stray[..strayCount])
                    IpcTrap.Invoke(KittenIpcAbi.Close, (ulong)handle);
                Answer(new Message(ReservedLabels.ProtocolViolation), default);
                continue;
            }
            if (request.Label == ReservedLabels.Connect)
            {
                Connect();
                continue;
            }
            if (request.Label == ReservedLabels.Disconnect)
            {
                Forget(message.Badge);
                Answer(new Message(ReservedLabels.Disconnected), default);
                continue;
            }
            if ((message.Info & KittenIpcAbi.InfoTruncated) != 0)
            {
                KernelIpcSystem.CloseHandle(request.Capability);
                request = default;
                return IpcStatus.TooLarge;
            }
            payloadLength = KittenIpcAbi.InfoLength(message.Info);
            return IpcStatus.Ok;
        }
    }

    // A new channel: a handle to this endpoint with a badge of its own (SEND, and TRANSFER, which passing
    // it in the reply needs; the kernel strips nothing else, the owner rights not being in the mint).
    private void Connect()
    {
        ulong badge = _nextBadge++;
        long minted = IpcTrap.Invoke(KittenIpcAbi.Mint, (ulong)_handle, KittenIpcAbi.RightSend | KittenIpcAbi.RightTransfer, badge);
        if (minted < 0)
        {
            Answer(new Message(ReservedLabels.ProtocolViolation), default);
            return;
        }
        Answer(new Message(ReservedLabels.Connected) { Capability = new Capability(CapabilityKind.Endpoint, minted) }, default);
        IpcTrap.Invoke(KittenIpcAbi.Close, (ulong)minted);     // the client has its copy
    }

    private IpcStatus Answer(in Message reply, ReadOnlySpan<byte> payload)
    {
        if (!_holding)
            return IpcStatus.InvalidArgument;
        _holding = false;
        KernelMessage message;
        MessageCodec.Encode(reply, payload.Length, &message);
        long result;
        fixed (byte* buffer = payload)
            result = IpcTrap.Invoke(KittenIpcAbi.Reply, 0, &message, 0, buffer, 0);
        return result switch
        {
            0 => IpcStatus.Ok,
            -KittenIpcAbi.ECONNRESET => IpcStatus.PeerDied,
            -KittenIpcAbi.EMFILE => IpcStatus.OutOfResources,
            _ => throw new IpcException($"endpoint {Address}: REPLY failed with errno {-result}"),
        };
    }

    private protected override IpcStatus ReplyCore(in Caller caller, in Message reply, ReadOnlySpan<byte> payload)
    {
        if (!_holding || caller.Badge != _heldBadge)
            return IpcStatus.InvalidArgument;
        return Answer(reply, payload);
    }

    private protected override ref ContractSession Session(in Caller caller)
    {
        if (_slots.TryGetValue(caller.Badge, out int slot))
            return ref _sessions[slot];
        if (_slots.Count >= MaxSessions)
            Forget(_order[0]);
        slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++;
        if (slot >= _sessions.Length)
            Array.Resize(ref _sessions, _sessions.Length * 2);
        _sessions[slot] = new ContractSession();
        _slots[caller.Badge] = slot;
        _order.Add(caller.Badge);
        return ref _sessions[slot];
    }

    private void Forget(ulong badge)
    {
        if (!_slots.Remove(badge, out int slot))
            return;
        _order.Remove(badge);
        _freeSlots.Push(slot);
        OnCallerGone(new Caller(badge, 0));
    }

    private static void DropHandles(KernelMessage* message)
    {
        int handles = Math.Min(KittenIpcAbi.InfoHandles(message->Info), KittenIpcAbi.MaxHandles);
        for (int i = 0; i < handles; i++)
        {
            if (message->Words[i] != 0)
                IpcTrap.Invoke(KittenIpcAbi.Close, message->Words[i]);
        }
    }

    private protected override void Close()
    {
        // Closing the owner handle kills the endpoint: its callers get EPIPE, its names go.
        IpcTrap.Invoke(KittenIpcAbi.Close, (ulong)_handle);
    }
}
