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
    private Thread* _head;
    private Thread* _tail;

    public readonly bool HasWaiters => _head != null;

    // Caller holds Lock.
    public void Wait() => WaitUntil(0);

    // As Wait, but also wakes at the TSC deadline (0: none). Returns false if it woke by the deadline.
    public bool WaitUntil(ulong deadlineTsc)
    {
        Thread* self = Scheduler.CurrentThread;
        Append(self);
        fixed (WaitQueue* queue = &this)
            Scheduler.BlockCurrent(&queue->Lock, deadlineTsc);
        // Woken by WakeOne/WakeAll, which unlinked us, or by the deadline, which did not. If both raced,
        // the waker unlinked us and the wake-up counts.
        Lock.Acquire();
        return !(self->TimedOut && Unlink(self));
    }

    public bool WakeOne()
    {
        bool interrupts = Lock.Acquire();
        Thread* thread = PopFirst();
        Lock.Release(interrupts);
        if (thread == null)
            return false;
        Scheduler.Wake(thread);
        return true;
    }

    public int WakeAll()
    {
        bool interrupts = Lock.Acquire();
        Thread* list = _head;
        _head = _tail = null;
        Lock.Release(interrupts);
        int count = 0;
        while (list != null)
        {
            Thread* next = list->QueueNext;
            list->QueueNext = null;
            Scheduler.Wake(list);
            list = next;
            count++;
        }
        return count;
    }

    private void Append(Thread* thread)
    {
        thread->QueueNext = null;
        if (_tail == null)
            _head = thread;
        else
            _tail->QueueNext = thread;
        _tail = thread;
    }

    private Thread* PopFirst()
    {
        Thread* thread = _head;
        if (thread != null)
        {
            _head = thread->QueueNext;
            if (_head == null)
                _tail = null;
            thread->QueueNext = null;
        }
        return thread;
    }

    private bool Unlink(Thread* thread)
    {
        Thread* previous = null;
        for (Thread* t = _head; t != null; previous = t, t = t->QueueNext)
        {
            if (t != thread)
                continue;
            if (previous == null)
                _head = t->QueueNext;
            else
                previous->QueueNext = t->QueueNext;
            if (_tail == t)
                _tail = previous;
            t->QueueNext = null;
            return true;
        }
        return false;
    }
}
