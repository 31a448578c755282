// An intrusive first-in-first-out list of threads: the storage of run queues (linked through
// Thread.QueueNext) and wait queues (Thread.WaitNext). A thread is on at most one list of each kind at a
// time. Not synchronised: the owner holds its lock. Each call names the link its list uses; the owner
// passes a constant, so the choice costs nothing once inlined.
using System.Runtime.CompilerServices;

namespace Kitten.Kernel.Tasks;

internal enum ThreadLink : byte
{
    RunQueue,
    WaitQueue,
}

internal unsafe struct ThreadList
{
    private Thread* _head;
    private Thread* _tail;
    private int _count;

    public readonly int Count => _count;
    public readonly bool IsEmpty => _head == null;
    public readonly Thread* First => _head;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref Thread* Next(Thread* thread, ThreadLink link)
        => ref link == ThreadLink.RunQueue ? ref thread->QueueNext : ref thread->WaitNext;

    public void Append(Thread* thread, ThreadLink link)
    {
        Next(thread, link) = null;
        if (_tail == null)
            _head = thread;
        else
            Next(_tail, link) = thread;
        _tail = thread;
        _count++;
    }

    public Thread* RemoveFirst(ThreadLink link)
    {
        Thread* thread = _head;
        if (thread == null)
            return null;
        _head = Next(thread, link);
        if (_head == null)
            _tail = null;
        Next(thread, link) = null;
        _count--;
        return thread;
    }

    // Takes the whole list, leaving this one empty; returns the first thread (follow the list's link).
    public Thread* TakeAll()
    {
        Thread* all = _head;
        _head = _tail = null;
        _count = 0;
        return all;
    }

    public bool Remove(Thread* thread, ThreadLink link)
    {
        Thread* previous = null;
        for (Thread* t = _head; t != null; previous = t, t = Next(t, link))
        {
            if (t != thread)
                continue;
            if (previous == null)
                _head = Next(t, link);
            else
                Next(previous, link) = Next(t, link);
            if (_tail == t)
                _tail = previous;
            Next(t, link) = null;
            _count--;
            return true;
        }
        return false;
    }
}
