namespace Kitten.Ipc;

public enum CapabilityKind : byte
{
    None = 0,
    Endpoint = 1,
    Notification = 2,
    Grant = 3,
}

public enum GrantAccess : byte
{
    ReadOnly = 1,
    ReadWrite = 2,
}

// A capability in transit: what a message carries besides its words. Sending one gives the receiver the
// right it names; the receiver turns it into an object (IpcSystem.Connect, OpenNotification, MapGrant),
// which then owns it, or drops it with IpcSystem.Discard. Handle is the back end's: a file descriptor on
// the host, a capability slot on the kernel. For a grant, Length and Access describe the region and
// GrantId names the grant its owner can revoke.
public readonly record struct Capability(CapabilityKind Kind, long Handle, GrantAccess Access = 0, long Length = 0, ulong GrantId = 0)
{
    public static Capability None => default;
}

// Who sent a request: what a server needs to reply and to keep per-client state. Badge is unique among the
// endpoint's live callers (the host back end: one per connection; the kernel: the badge the kernel gives
// the sender); ProcessId is the sender's process (0 where the back end cannot tell).
public readonly record struct Caller(ulong Badge, int ProcessId);
