// Threads waiting on an IPC object, first come first served, linked through ThreadIpc.Next.
using System.Runtime.CompilerServices;
namespace Kitten.Kernel.Ipc;

internal unsafe struct ThreadQueue
{
    private ThreadIpc* _head;
    private ThreadIpc* _tail;

    public readonly bool IsEmpty => _head == null;
    public readonly ThreadIpc* First => _head;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(ThreadIpc* t)
    {
        t->Next = null;
        if (_tail == null)
            _head = t;
        else
            _tail->Next = t;
        _tail = t;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ThreadIpc* RemoveFirst()
    {
        ThreadIpc* t = _head;
        if (t == null)
            return null;
        _head = t->Next;
        if (_head == null)
            _tail = null;
        t->Next = null;
        return t;
    }

    public bool Remove(ThreadIpc* t)
    {
        ThreadIpc* previous = null;
        for (ThreadIpc* at = _head; at != null; previous = at, at = at->Next)
        {
            if (at != t)
                continue;
            if (previous == null)
                _head = at->Next;
            else
                previous->Next = at->Next;
            if (_tail == at)
                _tail = previous;
            at->Next = null;
            return true;
        }
        return false;
    }
}
