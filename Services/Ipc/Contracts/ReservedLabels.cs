namespace Kitten.Ipc.Contracts;

// Labels the library itself uses on every channel, whatever its contract: contracts number their own
// messages below FirstReserved. Ping/Pong is the supervisor's heartbeat, answered by Endpoint.Receive
// itself in any state; the two error replies may answer any request and leave the state as it was
// (the request was not served).
public static class ReservedLabels
{
    public const ulong FirstReserved = 0xFF00;
    public const ulong Ping = 0xFF01;
    public const ulong Pong = 0xFF02;
    // The kernel back end's handshake: a client that looked a name up (an unbadged handle shared by every
    // client) asks for a handle with a badge of its own, which is how the server tells its channels apart.
    // Disconnect says the client is done with it. The host back end has connections instead.
    public const ulong Connect = 0xFF03;
    public const ulong Connected = 0xFF04;
    public const ulong Disconnect = 0xFF05;
    public const ulong Disconnected = 0xFF06;
    // The server refused a request that broke the contract; the payload says how (ContractViolation).
    public const ulong ProtocolViolation = 0xFF10;
    // The request's payload did not fit in the server's buffer.
    public const ulong PayloadTooLarge = 0xFF11;

    // Labels are 16 bits wide (the kernel back end packs them with other fields in one word).
    public const ulong MaxLabel = 0xFFFF;

    public static bool IsReserved(ulong label) => label >= FirstReserved && label <= MaxLabel;

    public static string? NameOf(ulong label) => label switch
    {
        Ping => "Ping",
        Pong => "Pong",
        Connect => "Connect",
        Connected => "Connected",
        Disconnect => "Disconnect",
        Disconnected => "Disconnected",
        ProtocolViolation => "ProtocolViolation",
        PayloadTooLarge => "PayloadTooLarge",
        _ => null,
    };
}
