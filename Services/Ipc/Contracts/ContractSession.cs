namespace Kitten.Ipc.Contracts;

// Where one channel stands in its contract: the state, and the request awaiting its reply. A client keeps
// one per channel, a server one per caller. A plain value (a struct in an array or a field) so that the
// checks on the hot path allocate nothing; a violation throws ContractViolationException, which names the
// contract, the state and the message.
public struct ContractSession
{
    private int _state;
    private int _pendingRequest;    // index of the request rule in _state awaiting a reply, -1 if none
    private bool _pendingPing;

    public ContractSession()
    {
        _state = Contract.InitialState;
        _pendingRequest = -1;
    }

    public readonly int State => _state;

    public readonly bool AwaitingReply => _pendingRequest >= 0 || _pendingPing;

    // A request is about to be sent (client) or has arrived (server). Ping is allowed in any state.
    public void Request(Contract contract, ulong label, ContractSide side)
    {
        if (label == ReservedLabels.Ping)
        {
            _pendingPing = true;
            _pendingRequest = -1;
            return;
        }
        _pendingPing = false;
        int rule = contract.FindRequest(_state, label);
        if (rule < 0)
        {
            _pendingRequest = -1;
            throw ContractViolationException.ForRequest(contract, _state, label, side);
        }
        _pendingRequest = rule;
    }

    // Like Request, but says no instead of throwing (the server, which answers the client instead).
    public bool TryRequest(Contract contract, ulong label)
    {
        if (label == ReservedLabels.Ping)
        {
            _pendingPing = true;
            _pendingRequest = -1;
            return true;
        }
        _pendingPing = false;
        _pendingRequest = contract.FindRequest(_state, label);
        return _pendingRequest >= 0;
    }

    // A reply is about to be sent (server) or has arrived (client): moves to the state it leads to. The
    // library's error replies answer any request and leave the state alone.
    public void Reply(Contract contract, ulong label, ContractSide side)
    {
        if (_pendingPing)
        {
            _pendingPing = false;
            if (label != ReservedLabels.Pong && label != ReservedLabels.ProtocolViolation)
                throw ContractViolationException.ForReply(contract, _state, "Ping", "Pong", label, side);
            return;
        }
        if (label == ReservedLabels.ProtocolViolation || label == ReservedLabels.PayloadTooLarge)
        {
            _pendingRequest = -1;
            return;
        }
        if (_pendingRequest < 0)
            throw ContractViolationException.ForUnexpectedReply(contract, _state, label, side);
        int next = contract.FindReply(_state, _pendingRequest, label);
        if (next < 0)
        {
            ulong request = contract.RequestLabel(_state, _pendingRequest);
            string allowed = contract.AllowedReplies(_state, _pendingRequest);
            _pendingRequest = -1;
            throw ContractViolationException.ForReply(contract, _state, contract.MessageName(request), allowed, label, side);
        }
        _state = next;
        _pendingRequest = -1;
    }

    // Forgets a request that got no reply (a timeout, a dead peer): the state is where it was.
    public void Abandon()
    {
        _pendingRequest = -1;
        _pendingPing = false;
    }
}

// Which end of the channel broke the contract (for the message: who is at fault).
public enum ContractSide
{
    Client,
    Server,
}
