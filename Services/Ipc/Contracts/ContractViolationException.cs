using System.Text;

namespace Kitten.Ipc.Contracts;

// A message that the channel's contract does not allow where it came. Thrown on the end that broke the
// contract when it checks itself (before sending), and on a client whose request the server refused (the
// server's ProtocolViolation reply carries the same fields, so the client sees the same error).
public sealed class ContractViolationException : Exception
{
    private ContractViolationException(string contract, string state, string messageName, string allowed, ContractSide side, string what)
        : base($"contract {contract}, state {state}: {what}")
    {
        ContractName = contract;
        StateName = state;
        MessageName = messageName;
        Allowed = allowed;
        Side = side;
    }

    public string ContractName { get; }
    public string StateName { get; }
    public string MessageName { get; }
    // What the contract allowed there instead, comma separated.
    public string Allowed { get; }
    public ContractSide Side { get; }

    internal static ContractViolationException ForRequest(Contract contract, int state, ulong label, ContractSide side)
    {
        string name = contract.MessageName(label);
        string allowed = contract.AllowedRequests(state);
        return new(contract.Id, contract.StateName(state), name, allowed, side,
            $"the client sent {name}, which is not allowed here (allowed: {allowed})");
    }

    internal static ContractViolationException ForReply(Contract contract, int state, string request, string allowed, ulong label, ContractSide side)
    {
        string name = contract.MessageName(label);
        return new(contract.Id, contract.StateName(state), name, allowed, side,
            $"the server answered {request} with {name}, which is not allowed (allowed: {allowed})");
    }

    internal static ContractViolationException ForUnexpectedReply(Contract contract, int state, ulong label, ContractSide side)
    {
        string name = contract.MessageName(label);
        return new(contract.Id, contract.StateName(state), name, "none", side,
            $"a reply {name} came with no request awaiting one");
    }

    // The server's ProtocolViolation reply: the fields, NUL-separated, in the payload.
    internal int Encode(Span<byte> payload)
    {
        string text = string.Join('\0', ContractName, StateName, MessageName, Allowed, Message);
        int length = Encoding.UTF8.GetByteCount(text);
        if (length > payload.Length)
        {
            text = string.Join('\0', ContractName, StateName, MessageName, "", "");
            length = Math.Min(Encoding.UTF8.GetByteCount(text), payload.Length);
        }
        return Encoding.UTF8.GetBytes(text.AsSpan(), payload[..length]);
    }

    internal static ContractViolationException Decode(ReadOnlySpan<byte> payload, string channel)
    {
        string[] fields = Encoding.UTF8.GetString(payload).Split('\0');
        if (fields.Length < 5)
            return new("?", "?", "?", "?", ContractSide.Client, $"the server of {channel} refused a request as a protocol violation");
        string message = fields[4].Length > 0 ? fields[4] : $"the client sent {fields[2]}, which is not allowed here";
        string prefix = $"contract {fields[0]}, state {fields[1]}: ";
        if (message.StartsWith(prefix, StringComparison.Ordinal))
            message = message[prefix.Length..];
        return new(fields[0], fields[1], fields[2], fields[3], ContractSide.Client, $"{message} [refused by the server of {channel}]");
    }
}
