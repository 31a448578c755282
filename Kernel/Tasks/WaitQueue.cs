// Threads waiting for something. A waiter blocks (its CPU halts if nothing else is ready) until another
// thread or an interrupt handler wakes it: the way to wait that does not burn a CPU.
//
//     bool interrupts = queue.Lock.Acquire();
//     while (!condition)
//         queue.Wait();                // releases the lock while blocked, holds it again on return
//     ...
//     queue.Lock.Release(interrupts);
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Tasks;

internal unsafe struct WaitQueue
{
    public SpinLock Lock;
    private ThreadList _waiters;

    public readonly bool HasWaiters => !_waiters.IsEmpty;

    // Caller holds Lock.
    public void Wait() => WaitUntil(0);

    // As Wait, but also wakes at the TSC deadline (0: none). Returns false if it woke by the deadline.
    public bool WaitUntil(ulong deadlineTsc)
    {
        Thread* self = Scheduler.CurrentThread;
        _waiters.Append(self, ThreadLink.WaitQueue);
        fixed (WaitQueue* queue = &this)
            Scheduler.BlockCurrent(&queue->Lock, deadlineTsc);
        // Woken by WakeOne/WakeAll, which unlinked us; or by the deadline or a signal (Scheduler.Wake from
        // elsewhere), which did not: then unlink ourselves. If a waker raced the deadline, it unlinked us
        // and the wake-up counts.
        Lock.Acquire();
        bool stillQueued = _waiters.Remove(self, ThreadLink.WaitQueue);
        return !(self->TimedOut && stillQueued);
    }

    public bool WakeOne()
    {
        bool interrupts = Lock.Acquire();
        Thread* thread = _waiters.RemoveFirst(ThreadLink.WaitQueue);
        Lock.Release(interrupts);
        if (thread == null)
            return false;
        Scheduler.Wake(thread);
        return true;
    }

    public int WakeAll()
    {
        bool interrupts = Lock.Acquire();
        Thread* list = _waiters.TakeAll();
        Lock.Release(interrupts);
        int count = 0;
        while (list != null)
        {
            Thread* next = list->WaitNext;
            list->WaitNext = null;
            Scheduler.Wake(list);
            list = next;
            count++;
        }
        return count;
    }
}
