// An intrusive first-in-first-out list of threads, linked through Thread.QueueNext: the storage of run
// queues and wait queues. A thread is on at most one such list at a time. Not synchronised: the owner
// holds its lock.
namespace Kitten.Kernel.Tasks;

internal unsafe struct ThreadList
{
    private Thread* _head;
    private Thread* _tail;
    private int _count;

    public readonly int Count => _count;
    public readonly bool IsEmpty => _head == null;
    public readonly Thread* First => _head;

    public void Append(Thread* thread)
    {
        thread->QueueNext = null;
        if (_tail == null)
            _head = thread;
        else
            _tail->QueueNext = thread;
        _tail = thread;
        _count++;
    }

    public Thread* RemoveFirst()
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

    // Takes the whole list, leaving this one empty; returns the first thread (follow QueueNext).
    public Thread* TakeAll()
    {
        Thread* all = _head;
        _head = _tail = null;
        _count = 0;
        return all;
    }

    public bool Remove(Thread* thread)
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
            _count--;
            return true;
        }
        return false;
    }
}
