// A CPU's ready threads, first in first out, under a spinlock that other CPUs take to wake a thread here.
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Tasks;

internal unsafe struct RunQueue
{
    public SpinLock Lock;
    private Thread* _head;
    private Thread* _tail;
    private int _count;

    public readonly int Count => _count;
    public readonly bool IsEmpty => _head == null;

    // Callers hold Lock.
    public void Enqueue(Thread* thread)
    {
        thread->QueueNext = null;
        if (_tail == null)
            _head = thread;
        else
            _tail->QueueNext = thread;
        _tail = thread;
        _count++;
    }

    public Thread* Dequeue()
    {
        Thread* thread = _head;
        if (thread == null)
            return null;
        _head = thread->QueueNext;
        if (_head == null)
            _tail = null;
        thread->QueueNext = null;
        _count--;
        return thread;
    }
}
