// A sleeping lock for long critical sections that may block or run for a while (a process's address
// space: mapping, zeroing and copying memory). A waiter blocks instead of spinning with interrupts off.
// Not recursive; only threads may take it (never an interrupt handler).
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Sync;

internal unsafe struct Mutex
{
    private Thread* _owner;
    private WaitQueue _waiters;

    public readonly bool IsHeld => _owner != null;

    public void Acquire()
    {
        Thread* self = Scheduler.CurrentThread;
        bool interrupts = _waiters.Lock.Acquire();
        while (_owner != null)
            _waiters.Wait();
        _owner = self;
        _waiters.Lock.Release(interrupts);
    }

    // Takes it only if it is free: for paths that must not block (an exception handler on its own stack).
    public bool TryAcquire()
    {
        bool interrupts = _waiters.Lock.Acquire();
        bool taken = _owner == null;
        if (taken)
            _owner = Scheduler.CurrentThread;
        _waiters.Lock.Release(interrupts);
        return taken;
    }

    public readonly bool HeldByCurrentThread => _owner == Scheduler.CurrentThread;

    public void Release()
    {
        bool interrupts = _waiters.Lock.Acquire();
        _owner = null;
        _waiters.Lock.Release(interrupts);
        _waiters.WakeOne();
    }
}
