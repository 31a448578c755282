namespace Kitten.Ipc.Contracts;

// A channel contract in the manner of Singularity's: the messages a service understands, and the order in
// which they may come, as a small state machine. Each state lists the requests a client may send in it;
// each request lists the replies the server may answer with and the state each reply leads to. A
// contract is declared once per service (ContractBuilder) and checked at run time on both ends of every
// channel (ContractSession): the client before it sends and when a reply arrives, the server when a
// request arrives (a request out of order is answered with ProtocolViolation, never handed to the server
// code) and before it replies.
//
// The tables are small arrays searched linearly: a state allows a handful of requests, so a check costs a
// few comparisons and allocates nothing.
public sealed class Contract
{
    internal readonly record struct ReplyRule(ulong Label, int NextState);

    internal readonly record struct RequestRule(ulong Label, ReplyRule[] Replies);

    private readonly string[] _stateNames;
    private readonly RequestRule[][] _requests;          // per state
    private readonly (ulong Label, string Name)[] _messageNames;

    internal Contract(string name, int version, string[] stateNames, RequestRule[][] requests, (ulong, string)[] messageNames)
    {
        Name = name;
        Version = version;
        _stateNames = stateNames;
        _requests = requests;
        _messageNames = messageNames;
    }

    public string Name { get; }

    public int Version { get; }

    // "Name/Version", as manifests write it.
    public string Id => $"{Name}/{Version}";

    public int StateCount => _stateNames.Length;

    public const int InitialState = 0;

    public string StateName(int state) => (uint)state < (uint)_stateNames.Length ? _stateNames[state] : $"#{state}";

    public string MessageName(ulong label)
    {
        foreach (var (known, name) in _messageNames)
        {
            if (known == label)
                return name;
        }
        return ReservedLabels.NameOf(label) ?? $"unknown message 0x{label:x}";
    }

    // The index of the rule for request `label` in `state`, or -1 if the state does not allow it.
    internal int FindRequest(int state, ulong label)
    {
        RequestRule[] rules = _requests[state];
        for (int i = 0; i < rules.Length; i++)
        {
            if (rules[i].Label == label)
                return i;
        }
        return -1;
    }

    // The state reply `label` leads to after request rule `request` of `state`, or -1 if not allowed.
    internal int FindReply(int state, int request, ulong label)
    {
        ReplyRule[] replies = _requests[state][request].Replies;
        for (int i = 0; i < replies.Length; i++)
        {
            if (replies[i].Label == label)
                return replies[i].NextState;
        }
        return -1;
    }

    internal ulong RequestLabel(int state, int request) => _requests[state][request].Label;

    // For error messages: what the state allows.
    internal string AllowedRequests(int state)
    {
        var names = _requests[state].Select(rule => MessageName(rule.Label)).Append("Ping");
        return string.Join(", ", names);
    }

    internal string AllowedReplies(int state, int request)
    {
        var names = _requests[state][request].Replies.Select(rule => MessageName(rule.Label));
        return string.Join(", ", names);
    }

    // The contract as text (states, requests, replies): for READMEs and error reports.
    public string Describe()
    {
        var lines = new List<string> { $"contract {Id}" };
        for (int state = 0; state < _stateNames.Length; state++)
        {
            lines.Add($"  state {_stateNames[state]}{(state == InitialState ? " (initial)" : "")}");
            foreach (var rule in _requests[state])
            {
                var replies = rule.Replies.Select(reply => $"{MessageName(reply.Label)} -> {StateName(reply.NextState)}");
                lines.Add($"    {MessageName(rule.Label)}? {string.Join(" | ", replies)}");
            }
        }
        return string.Join('\n', lines);
    }
}
