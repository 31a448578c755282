// The threads of one process (Linux's thread group): joining and leaving it, finding a thread by TID,
// choosing the thread a process-wide signal wakes, and asking every other thread to end.
using Kitten.Kernel.Signals;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Processes;

internal static unsafe class ThreadGroup
{
    public static void Join(Process process, Thread* thread)
    {
        bool interrupts = process.ThreadLock.Acquire();
        thread->GroupNext = process.FirstThread;
        process.FirstThread = thread;
        process.ThreadCount++;
        if (process.MainThread == null)
            process.MainThread = thread;
        process.ThreadLock.Release(interrupts);
    }

    // Takes the thread out; returns how many are left. The leader's place (MainThread) passes to another
    // live thread, so that signals still find the process.
    public static int Leave(Process process, Thread* thread)
    {
        bool interrupts = process.ThreadLock.Acquire();
        Thread* previous = null;
        for (Thread* t = process.FirstThread; t != null; previous = t, t = t->GroupNext)
        {
            if (t != thread)
                continue;
            if (previous == null)
                process.FirstThread = t->GroupNext;
            else
                previous->GroupNext = t->GroupNext;
            break;
        }
        thread->GroupNext = null;
        int left = --process.ThreadCount;
        if (process.MainThread == thread)
            process.MainThread = process.FirstThread;
        process.ThreadLock.Release(interrupts);
        if (left <= 1)
            process.ThreadsGone.WakeAll();
        return left;
    }

    public static Thread* Find(Process process, int tid)
    {
        bool interrupts = process.ThreadLock.Acquire();
        Thread* found = null;
        for (Thread* t = process.FirstThread; t != null; t = t->GroupNext)
        {
            if (t->Tid == tid)
            {
                found = t;
                break;
            }
        }
        process.ThreadLock.Release(interrupts);
        return found;
    }

    // The thread to wake for a signal sent to the whole process (Linux's complete_signal): the main thread
    // if it does not block the signal, else any thread that does not; if all block it, none (it stays
    // pending for whichever thread unblocks it first). Caller holds the process's SignalLock.
    public static Thread* ForSignal(Process process, int signal)
    {
        ulong bit = SignalSet.Of(signal);
        Thread* main = process.MainThread;
        if (main != null && (main->Signals.Blocked & bit) == 0)
            return main;
        bool interrupts = process.ThreadLock.Acquire();
        Thread* chosen = null;
        for (Thread* t = process.FirstThread; t != null; t = t->GroupNext)
        {
            if ((t->Signals.Blocked & bit) == 0)
            {
                chosen = t;
                break;
            }
        }
        process.ThreadLock.Release(interrupts);
        return chosen;
    }

    // Every thread but `except` is asked to end (with the process's exit, or alone for execve) and woken or
    // interrupted so that it notices.
    public static void EndOthers(Process process, Thread* except, int killStatus)
    {
        bool interrupts = process.ThreadLock.Acquire();
        for (Thread* t = process.FirstThread; t != null; t = t->GroupNext)
        {
            if (t == except)
                continue;
            UserReturn.Kill(t, killStatus);
            Scheduler.Interrupt(t);
        }
        process.ThreadLock.Release(interrupts);
    }

    // Drops signals from every thread's own pending set (an action set to SIG_IGN, sigaction(2)).
    public static void DiscardPending(Process process, ulong signals)
    {
        bool interrupts = process.ThreadLock.Acquire();
        for (Thread* t = process.FirstThread; t != null; t = t->GroupNext)
            t->Signals.Pending.Discard(signals);
        process.ThreadLock.Release(interrupts);
    }

    // Wakes every thread that could take a signal just made pending for the process, or for all of it
    // (SIGKILL). Caller holds the process's SignalLock.
    public static void InterruptAll(Process process)
    {
        bool interrupts = process.ThreadLock.Acquire();
        for (Thread* t = process.FirstThread; t != null; t = t->GroupNext)
            Scheduler.Interrupt(t);
        process.ThreadLock.Release(interrupts);
    }
}
