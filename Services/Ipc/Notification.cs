namespace Kitten.Ipc;

// An asynchronous notification: a word of bits. Signal ORs bits into it and never blocks; Wait returns
// the bits set so far and clears them, waiting (up to its timeout) while there are none. Many signals
// before one wait arrive as one word, as with seL4's notifications: bits, not a queue. The process that
// created it is its waiter; pass Capability in a message to let others signal it (OpenNotification).
// Signalling a notification whose waiter's process is gone returns PeerDied.
public abstract class Notification : IDisposable
{
    private bool _disposed;

    public abstract Capability Capability { get; }

    // True for the creator's object (which may wait), false for one opened from a capability.
    public abstract bool IsWaiter { get; }

    // Ok, or PeerDied if the waiter's process is gone.
    public IpcStatus Signal(ulong bits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (bits == 0)
            throw new ArgumentException("signalling no bits wakes nobody", nameof(bits));
        return SignalCore(bits);
    }

    // Ok with bits != 0, or TimedOut with bits == 0; Refused unless this is the waiter's object.
    public IpcStatus Wait(out ulong bits, TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bits = 0;
        if (!IsWaiter)
            return IpcStatus.Refused;
        return WaitCore(out bits, new Deadline(timeout));
    }

    // Wait without waiting: the bits set now (0 if none), cleared.
    public ulong Poll()
    {
        Wait(out ulong bits, TimeSpan.Zero);
        return bits;
    }

    private protected abstract IpcStatus SignalCore(ulong bits);

    private protected abstract IpcStatus WaitCore(out ulong bits, Deadline deadline);

    private protected abstract void Close();

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Close();
        GC.SuppressFinalize(this);
    }
}
