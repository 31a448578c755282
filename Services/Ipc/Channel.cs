using Kitten.Ipc.Contracts;

namespace Kitten.Ipc;

// The client's end of a channel to an endpoint: what Lookup or Connect gives. Call sends a request and
// waits for its reply (synchronous, like seL4's Call); calls from several threads are served one at a
// time. With a Contract set, every request is checked before it leaves and every reply when it comes, so
// a client or server that breaks the protocol gets a ContractViolationException naming the contract, the
// state and the message.
//
// When the server dies, the call in progress and every later one return PeerDied: a channel never comes
// back to life. Look the name up again for the restarted service (ServiceClient does that). A call that
// times out ends the conversation: the server may have served it and moved on, so the next call starts a
// new conversation, back in the contract's initial state, as the server will see it.
public abstract class Channel : IDisposable
{
    private readonly IpcSystem _system;
    private readonly Lock _lock = new();
    private ContractSession _session = new();
    private Contract? _contract;
    private bool _disposed;

    private protected Channel(IpcSystem system, string name)
    {
        _system = system;
        Name = name;
    }

    // The name it was looked up by, or the endpoint's address.
    public string Name { get; }

    // True once a call found the server gone.
    public abstract bool PeerDied { get; }

    // The contract this channel follows; set it before the first call.
    public Contract? Contract
    {
        get => _contract;
        set
        {
            lock (_lock)
            {
                _contract = value;
                _session = new ContractSession();
            }
        }
    }

    // Where the channel stands in its contract (for tests and diagnostics).
    public string ContractState => _contract?.StateName(_session.State) ?? "(no contract)";

    public IpcStatus Call(in Message request, out Message reply, TimeSpan timeout)
        => Call(request, default, out reply, default, out _, timeout);

    public IpcStatus Call(in Message request, ReadOnlySpan<byte> requestPayload, out Message reply, TimeSpan timeout)
        => Call(request, requestPayload, out reply, default, out _, timeout);

    // The general form: a request with a payload (may be empty); the reply's payload goes into
    // replyPayload (replyPayloadLength bytes of it). A reply payload longer than the buffer is TooLarge.
    public IpcStatus Call(in Message request, ReadOnlySpan<byte> requestPayload, out Message reply,
        Span<byte> replyPayload, out int replyPayloadLength, TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        reply = default;
        replyPayloadLength = 0;
        if (request.Label > ReservedLabels.MaxLabel || (ReservedLabels.IsReserved(request.Label) && request.Label != ReservedLabels.Ping))
            throw new ArgumentException($"label 0x{request.Label:x}: labels are 16 bits and 0x{ReservedLabels.FirstReserved:x} up are the library's", nameof(request));
        if (requestPayload.Length > _system.MaxPayload)
            return IpcStatus.TooLarge;
        if (!_system.Allows(KernelCall.Call))
            return IpcStatus.Refused;
        lock (_lock)
        {
            if (_contract != null)
                _session.Request(_contract, request.Label, ContractSide.Client);
            IpcStatus status = CallCore(request, requestPayload, out reply, replyPayload, out replyPayloadLength,
                new Deadline(timeout), out ReadOnlySpan<byte> violation);
            if (status == IpcStatus.ProtocolViolation)
            {
                _session.Abandon();
                throw ContractViolationException.Decode(violation, Name);
            }
            if (status == IpcStatus.TimedOut)
            {
                // The back end ended the conversation (the server may have served the request and moved on):
                // the next call starts a new one, from the initial state.
                _session = new ContractSession();
                return status;
            }
            if (status != IpcStatus.Ok)
            {
                _session.Abandon();
                return status;
            }
            if (_contract != null)
                _session.Reply(_contract, reply.Label, ContractSide.Server);
            return IpcStatus.Ok;
        }
    }

    // Asks the server whether it is there (Endpoint.Receive answers by itself): the heartbeat.
    public IpcStatus Ping(TimeSpan timeout)
    {
        var ping = new Message(ReservedLabels.Ping);
        IpcStatus status = Call(ping, out Message pong, timeout);
        if (status == IpcStatus.Ok && pong.Label != ReservedLabels.Pong)
            throw new IpcException($"{Name}: Ping answered with label 0x{pong.Label:x}");
        return status;
    }

    // The back end's call. A ProtocolViolation reply comes back as that status with its payload in
    // `violation` (which may live in a buffer of the back end's, valid until the next call).
    private protected abstract IpcStatus CallCore(in Message request, ReadOnlySpan<byte> requestPayload, out Message reply,
        Span<byte> replyPayload, out int replyPayloadLength, Deadline deadline, out ReadOnlySpan<byte> violation);

    private protected abstract void Close();

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            Close();
        }
        GC.SuppressFinalize(this);
    }

    public override string ToString() => $"channel {Name}";
}
