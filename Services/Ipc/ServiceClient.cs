using Kitten.Ipc.Contracts;

namespace Kitten.Ipc;

// A client of a service known by name, across the service's restarts: the name is looked up at the first
// call and again after the service died, so that once a supervisor has restarted the service, the next
// call reaches the new one. A call that fails is not repeated (the request may have been served): it
// returns PeerDied, and the caller decides. Opening runs after each new connection, to begin the
// conversation the contract asks for (an Attach, a handshake); if the server dies during it, the name is
// looked up again (the caller's request was not sent); any other failure fails the call.
public sealed class ServiceClient : IDisposable
{
    private readonly IpcSystem _system;
    private readonly Contract? _contract;
    private readonly Lock _lock = new();
    private Channel? _channel;
    private bool _disposed;

    public ServiceClient(IpcSystem system, string name, Contract? contract = null)
    {
        _system = system;
        Name = name;
        _contract = contract;
    }

    public string Name { get; }

    // Runs on each new channel before the first call on it.
    public Func<Channel, TimeSpan, IpcStatus>? Opening { get; init; }

    // How many channels the name's look-ups gave (1 + reconnections after deaths and timeouts), counting
    // those to a server that died before or during the opening.
    public int Connections { get; private set; }

    // How many of those channels got through the opening and carried calls.
    public int OpenedConnections { get; private set; }

    public IpcStatus Call(in Message request, ReadOnlySpan<byte> requestPayload, out Message reply,
        Span<byte> replyPayload, out int replyPayloadLength, TimeSpan timeout)
    {
        reply = default;
        replyPayloadLength = 0;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var deadline = new Deadline(timeout);
            IpcStatus status = EnsureChannel(deadline);
            if (status != IpcStatus.Ok)
                return status;
            status = _channel!.Call(request, requestPayload, out reply, replyPayload, out replyPayloadLength, Remaining(deadline));
            if (status == IpcStatus.PeerDied || status == IpcStatus.TimedOut)
                Drop();
            return status;
        }
    }

    public IpcStatus Call(in Message request, out Message reply, TimeSpan timeout)
        => Call(request, default, out reply, default, out _, timeout);

    private IpcStatus EnsureChannel(Deadline deadline)
    {
        if (_channel != null && !_channel.PeerDied)
            return IpcStatus.Ok;
        Drop();
        while (true)
        {
            IpcStatus status = _system.Lookup(Name, Remaining(deadline), out Channel? channel, _contract);
            if (status != IpcStatus.Ok)
                return status;
            Connections++;
            if (Opening != null)
            {
                status = Opening(channel!, Remaining(deadline));
                if (status != IpcStatus.Ok)
                {
                    channel!.Dispose();
                    // The caller's request is not sent yet, so it is safe to look again: a server that
                    // died during the opening (a dying process whose socket still took the connection)
                    // is replaced by its restart as a dead server at look-up time is.
                    if (status == IpcStatus.PeerDied && !deadline.HasExpired)
                        continue;
                    return status;
                }
            }
            _channel = channel;
            OpenedConnections++;
            return IpcStatus.Ok;
        }
    }

    private static TimeSpan Remaining(Deadline deadline)
        => deadline.IsInfinite ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(deadline.RemainingMilliseconds);

    private void Drop()
    {
        _channel?.Dispose();
        _channel = null;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            Drop();
        }
    }
}
