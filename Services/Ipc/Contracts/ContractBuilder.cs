namespace Kitten.Ipc.Contracts;

// Declares a contract, with the contract's messages as an enum of labels:
//
//     public static readonly Contract Contract = new ContractBuilder<MemoryLabel>("MemoryManager", 1)
//         .In("Open").On(MemoryLabel.Attach).Reply(MemoryLabel.Attached, "Ready").Reply(MemoryLabel.Refused, "Open")
//         .In("Ready").On(MemoryLabel.Plan).Reply(MemoryLabel.Planned, "Planned")
//         ...
//         .Build();
//
// The first state named is the initial one. Build checks the declaration: every state a reply leads to is
// declared, no request appears twice in a state, no label is one of the library's reserved ones, and every
// state can be reached from the initial one.
public sealed class ContractBuilder<TLabel> where TLabel : struct, Enum
{
    private readonly string _name;
    private readonly int _version;
    private readonly List<string> _states = new();
    private readonly List<List<(ulong Label, List<(ulong Reply, string Next)> Replies)>> _rules = new();
    private int _currentState = -1;

    public ContractBuilder(string name, int version)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains('/') || name.Any(char.IsWhiteSpace))
            throw new ArgumentException($"contract name '{name}': one word without '/'", nameof(name));
        _name = name;
        _version = version;
    }

    // Starts (or continues) the declaration of a state.
    public ContractBuilder<TLabel> In(string state)
    {
        _currentState = StateIndex(state, create: true);
        return this;
    }

    // A request the current state allows; its replies follow.
    public ContractBuilder<TLabel> On(TLabel request)
    {
        if (_currentState < 0)
            throw new InvalidOperationException($"contract {_name}: On({request}) before any In(state)");
        ulong label = Label(request);
        var rules = _rules[_currentState];
        if (rules.Any(rule => rule.Label == label))
            throw new InvalidOperationException($"contract {_name}: state {_states[_currentState]} lists request {request} twice");
        rules.Add((label, new List<(ulong, string)>()));
        return this;
    }

    // A reply to the last request, and the state it leads to.
    public ContractBuilder<TLabel> Reply(TLabel reply, string nextState)
    {
        if (_currentState < 0 || _rules[_currentState].Count == 0)
            throw new InvalidOperationException($"contract {_name}: Reply({reply}) before any On(request)");
        var replies = _rules[_currentState][^1].Replies;
        ulong label = Label(reply);
        if (replies.Any(existing => existing.Reply == label))
            throw new InvalidOperationException($"contract {_name}: reply {reply} listed twice for one request");
        replies.Add((label, nextState));
        return this;
    }

    public Contract Build()
    {
        if (_states.Count == 0)
            throw new InvalidOperationException($"contract {_name} declares no state");
        var requests = new Contract.RequestRule[_states.Count][];
        for (int state = 0; state < _states.Count; state++)
        {
            requests[state] = _rules[state].Select(rule =>
            {
                if (rule.Replies.Count == 0)
                    throw new InvalidOperationException($"contract {_name}: request {LabelName(rule.Label)} in state {_states[state]} has no reply");
                var replies = rule.Replies.Select(reply =>
                {
                    int next = _states.IndexOf(reply.Next);
                    if (next < 0)
                        throw new InvalidOperationException($"contract {_name}: reply {LabelName(reply.Reply)} leads to undeclared state '{reply.Next}'");
                    return new Contract.ReplyRule(reply.Reply, next);
                }).ToArray();
                return new Contract.RequestRule(rule.Label, replies);
            }).ToArray();
        }
        CheckReachable(requests);
        var names = Enum.GetValues<TLabel>().Select(value => (Label(value), value.ToString())).ToArray();
        return new Contract(_name, _version, _states.ToArray(), requests, names);
    }

    private void CheckReachable(Contract.RequestRule[][] requests)
    {
        var reached = new bool[_states.Count];
        var pending = new Stack<int>();
        reached[Contract.InitialState] = true;
        pending.Push(Contract.InitialState);
        while (pending.Count > 0)
        {
            foreach (var rule in requests[pending.Pop()])
            {
                foreach (var reply in rule.Replies)
                {
                    if (!reached[reply.NextState])
                    {
                        reached[reply.NextState] = true;
                        pending.Push(reply.NextState);
                    }
                }
            }
        }
        int unreached = Array.IndexOf(reached, false);
        if (unreached >= 0)
            throw new InvalidOperationException($"contract {_name}: state {_states[unreached]} cannot be reached from {_states[0]}");
    }

    private int StateIndex(string state, bool create)
    {
        int index = _states.IndexOf(state);
        if (index < 0 && create)
        {
            _states.Add(state);
            _rules.Add(new());
            index = _states.Count - 1;
        }
        return index;
    }

    private ulong Label(TLabel value)
    {
        ulong label = Convert.ToUInt64(value);
        if (label == 0 || label >= ReservedLabels.FirstReserved)
            throw new ArgumentOutOfRangeException(nameof(value), $"contract {_name}: label {value} = 0x{label:x} is outside 1..0x{ReservedLabels.FirstReserved - 1:x} (the rest is the library's)");
        return label;
    }

    private static string LabelName(ulong label) => Enum.GetName(typeof(TLabel), Enum.ToObject(typeof(TLabel), label)) ?? label.ToString();
}
