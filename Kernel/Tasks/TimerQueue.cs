// A CPU's sleeping threads ordered by deadline (TSC). Few threads sleep on an LWK node, so a sorted list
// is the right size of structure. Only the owning CPU touches it, with interrupts off.
using System.Runtime.CompilerServices;

namespace Kitten.Kernel.Tasks;

internal unsafe struct TimerQueue
{
    private Thread* _head;

    public readonly bool IsEmpty => _head == null;
    public readonly ulong EarliestDeadline
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _head == null ? ulong.MaxValue : _head->WakeTsc;
    }

    public void Insert(Thread* thread)
    {
        Thread** link;
        fixed (Thread** head = &_head)
        {
            link = head;
            while (*link != null && (*link)->WakeTsc <= thread->WakeTsc)
                link = &(*link)->TimerNext;
            thread->TimerNext = *link;
            *link = thread;
        }
    }

    public bool Remove(Thread* thread)
    {
        fixed (Thread** head = &_head)
        {
            for (Thread** link = head; *link != null; link = &(*link)->TimerNext)
            {
                if (*link == thread)
                {
                    *link = thread->TimerNext;
                    thread->TimerNext = null;
                    return true;
                }
            }
        }
        return false;
    }

    // Removes and returns the first thread whose deadline is at or before now, or null.
    public Thread* PopExpired(ulong now)
    {
        Thread* first = _head;
        if (first == null || first->WakeTsc > now)
            return null;
        _head = first->TimerNext;
        first->TimerNext = null;
        return first;
    }
}
