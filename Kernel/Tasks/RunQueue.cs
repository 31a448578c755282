// A CPU's ready threads, first in first out, under a spinlock that other CPUs take to wake a thread here.
using System.Runtime.CompilerServices;
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Tasks;

internal unsafe struct RunQueue
{
    public SpinLock Lock;
    private ThreadList _threads;

    public readonly int Count => _threads.Count;
    public readonly Thread* First => _threads.First;
    public readonly bool IsEmpty
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _threads.IsEmpty;
    }

    // Callers hold Lock.
    public void Enqueue(Thread* thread) => _threads.Append(thread, ThreadLink.RunQueue);

    public Thread* Dequeue() => _threads.RemoveFirst(ThreadLink.RunQueue);
}
