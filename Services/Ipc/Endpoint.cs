using Kitten.Ipc.Contracts;

namespace Kitten.Ipc;

// The server's end: requests from every client arrive here, one at a time. Receive waits for the next
// request (answering the supervisor's Ping by itself, and refusing requests that break the contract with
// a ProtocolViolation reply the server code never sees); Reply answers the caller Receive named. One
// thread receives and replies; a reply to a caller that died returns PeerDied and hurts nothing.
//
// With a Contract set, each caller has its own place in the contract (a channel is one client's
// conversation with the server, as in Singularity), kept here and forgotten when the caller goes.
public abstract class Endpoint : IDisposable
{
    private readonly IpcSystem _system;
    private Contract? _contract;
    private bool _disposed;
    private readonly byte[] _violationText = new byte[1024];

    private protected Endpoint(IpcSystem system)
    {
        _system = system;
    }

    // Where clients find it: a path on the host, a capability slot on the kernel.
    public abstract string Address { get; }

    // Give this to a client in a message (Message.Capability) so that it can Connect.
    public abstract Capability Capability { get; }

    public Contract? Contract
    {
        get => _contract;
        set => _contract = value;
    }

    // Requests refused for breaking the contract since the endpoint was made (they never reached the server).
    public long ViolationsRefused { get; private set; }

    // The last refusal's text, for the server's log.
    public string? LastViolation { get; private set; }

    // Called (on the receiving thread, inside Receive) when a caller is gone, so per-client state can go too.
    public Action<Caller>? CallerGone { get; set; }

    public IpcStatus Receive(out Message request, Span<byte> payload, out int payloadLength, out Caller caller, TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var deadline = new Deadline(timeout);
        while (true)
        {
            IpcStatus status = ReceiveCore(out request, payload, out payloadLength, out caller, deadline);
            if (status == IpcStatus.TooLarge)
            {
                ReplyCore(caller, new Message(ReservedLabels.PayloadTooLarge), default);
                continue;
            }
            if (status != IpcStatus.Ok)
                return status;
            if (request.Label == ReservedLabels.Ping)
            {
                ReplyCore(caller, new Message(ReservedLabels.Pong), default);
                continue;
            }
            if (_contract != null)
            {
                ref ContractSession session = ref Session(caller);
                int state = session.State;
                if (!session.TryRequest(_contract, request.Label))
                {
                    RefuseViolation(caller, request.Label, state);
                    continue;
                }
            }
            return IpcStatus.Ok;
        }
    }

    public IpcStatus Reply(in Caller caller, in Message reply, ReadOnlySpan<byte> payload = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (reply.Label > ReservedLabels.MaxLabel || ReservedLabels.IsReserved(reply.Label))
            throw new ArgumentException($"label 0x{reply.Label:x}: labels are 16 bits and 0x{ReservedLabels.FirstReserved:x} up are the library's", nameof(reply));
        if (payload.Length > _system.MaxPayload)
            return IpcStatus.TooLarge;
        if (_contract != null)
            Session(caller).Reply(_contract, reply.Label, ContractSide.Server);
        return ReplyCore(caller, reply, payload);
    }

    private void RefuseViolation(in Caller caller, ulong label, int state)
    {
        var violation = ContractViolationException.ForRequest(_contract!, state, label, ContractSide.Client);
        ViolationsRefused++;
        LastViolation = violation.Message;
        int length = violation.Encode(_violationText);
        ReplyCore(caller, new Message(ReservedLabels.ProtocolViolation), _violationText.AsSpan(0, length));
    }

    private protected void OnCallerGone(in Caller caller) => CallerGone?.Invoke(caller);

    private protected abstract IpcStatus ReceiveCore(out Message request, Span<byte> payload, out int payloadLength, out Caller caller, Deadline deadline);

    private protected abstract IpcStatus ReplyCore(in Caller caller, in Message reply, ReadOnlySpan<byte> payload);

    // The caller's place in the contract (the back end keeps one per live caller).
    private protected abstract ref ContractSession Session(in Caller caller);

    private protected abstract void Close();

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        IpcSystem.EndpointClosed(Capability.Handle);
        Close();
        GC.SuppressFinalize(this);
    }

    public override string ToString() => $"endpoint {Address}";
}
