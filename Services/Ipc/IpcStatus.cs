namespace Kitten.Ipc;

// What an IPC operation came to. Failures a caller must expect (a peer that died, a timeout, a name not
// registered yet) are values, not exceptions, so that the hot path allocates nothing and a client can tell
// "try again later" from "give up". Programming errors (a broken contract, a disposed object) throw.
public enum IpcStatus
{
    Ok = 0,
    // The deadline passed before the operation could complete. For a call, the request may or may not
    // have been served: the reply, if it comes later, is discarded.
    TimedOut,
    // The other side is gone: the server of a channel (for every call pending then and every later one),
    // or the caller a server tried to reply to. A channel whose peer died stays dead: look the name up
    // again to reach a restarted service.
    PeerDied,
    // Nothing is registered under the name (nor was, before the lookup's timeout).
    NoSuchName,
    // The name is registered to an endpoint that is alive: a service registers its name once, and a
    // restarted one gets it back when its old endpoint has died.
    NameTaken,
    // The service's manifest (or the supervisor, or the kernel) does not allow this operation.
    Refused,
    // A message too long for the receiver's buffer, or above the back end's limit (IpcSystem.MaxPayload).
    TooLarge,
    // The grant was revoked by its owner.
    Revoked,
    // An argument the back end cannot accept (a bad capability, an unknown kind, a negative length).
    InvalidArgument,
    // The back end ran out of something it needs (descriptors, memory, kernel objects).
    OutOfResources,
    // The server rejected the request because it broke the channel's contract (see ContractViolationException).
    ProtocolViolation,
}

// Thrown only for errors that are bugs in the program (see IpcStatus for the expected ones); the message
// names what happened and, where the system gave one, the errno.
public sealed class IpcException : Exception
{
    public IpcException(string message) : base(message)
    {
    }
}

public static class IpcStatusExtensions
{
    // For code that treats every failure as fatal: throws with the operation named.
    public static void ThrowIfFailed(this IpcStatus status, string operation)
    {
        if (status != IpcStatus.Ok)
            throw new IpcException($"{operation}: {status}");
    }
}
