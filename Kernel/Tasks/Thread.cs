// A kernel thread. Its registers, while it is not running, are an InterruptContext saved in the thread
// itself: every switch goes through the interrupt path (a timer, an IPI, or INT Yield), which saves the
// running thread's context and resumes another's.
using System.Runtime.InteropServices;
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Tasks;

internal enum ThreadState
{
    Ready,      // in its CPU's run queue
    Running,
    Blocked,    // waiting on a WaitQueue
    Sleeping,   // waiting for a deadline in its CPU's timer queue
    Exited,
}

// Why a thread last entered a run queue: what a hung machine's task list (Diagnostics/TaskDump) shows.
internal enum ReadyReason : byte
{
    None,
    Preempted,      // its time slice ended (Switch)
    TimerExpired,   // its sleep's deadline passed (OnTimer)
    WokenHere,      // Wake from its own CPU
    WokenRemotely,  // Wake from another CPU, which sent a reschedule IPI
    Migrated,       // moved to another CPU's queue (MoveToCpu)
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Thread
{
    // First, so that it is 16-byte aligned for FXSAVE/FXRSTOR (threads are allocated 64-aligned).
    public InterruptContext SavedContext;

    public int Id;
    public int Cpu;                 // the CPU whose queues hold this thread; changes only by migration
    public int MigrateTo;           // -1, or the CPU to move to at the next switch
    public ReadyReason LastReady;   // how it last entered a run queue, and when (for TaskDump)
    public ulong LastReadyTsc;
    public int LastReadyRunning;    // the TID running on the CPU that readied it then (-1: its idle thread)
    public ThreadState State;
    public bool IsIdle;
    public bool Detached;           // free it on exit instead of waiting for Join
    public bool ExitRequested;      // set by Exit; the next switch marks it Exited
    public bool InTimerQueue;

    public ulong StackBase;
    public ulong StackSize;

    public delegate*<void*, void> Entry;
    public void* Argument;

    // Two links, because a thread can be on both lists for a while: one that a timeout or a signal woke
    // is in its CPU's run queue before it takes itself off the wait queue (WaitQueue.WaitUntil). With one
    // link, a wake-up on that wait queue meanwhile cut the run queue short and lost the threads after it.
    public Thread* QueueNext;       // run queue link
    public Thread* WaitNext;        // wait queue link
    public Thread* TimerNext;       // timer queue link
    public ulong WakeTsc;           // when Sleeping: the deadline
    public bool TimedOut;           // set when a timed wait ended by its deadline
    public bool WakeRequested;      // a Wake came while it was not waiting: its next block returns at once

    public WaitQueue ExitWaiters;
    public ulong CpuTicks;          // TSC ticks spent running
    public ulong LastStart;

    // User threads (a process's threads): the page tables to load and the TLS base (FS) to restore when
    // the thread runs; Owner is the Process object (kernel objects never move: there is no GC).
    public bool IsUser;
    public ulong Cr3;
    public ulong FsBase;
    public nint Owner;
    public ulong ClearChildTid;     // set_tid_address: zeroed and futex-woken when the thread exits
    public int Tid;                 // its Linux thread ID (a process's first thread: the PID)
    public ulong Affinity;          // sched_setaffinity's mask (bit i: CPU i); 0 for every CPU
    public Thread* GroupNext;       // the next thread of the same process (Process.ThreadLock)
    public ulong FutexSpace;        // while in a futex wait: its key (LinuxAbi/Futex)
    public ulong FutexKey;
    public uint FutexBitset;
    public Thread* FutexNext;       // futex bucket link
    public bool FutexQueued;        // still in its bucket (a waker takes it out)
    public int KillStatus;          // non-zero: end the process with this wait status instead of returning to it
    public long SyscallNumber;      // the system call in progress (Linux's orig_ax), or -1
    public ulong* SyscallFilter;    // its process's service policy bitmap (Kernel/Services), or null: unrestricted
    public delegate*<InterruptContext*, long>* SyscallHandlers;     // the Linux table it uses (LinuxAbi/SyscallTable)
    public Signals.TrapInfo LastTrap;   // the fault behind a pending SIGSEGV/SIGFPE/..., for the sigcontext
    public Signals.ThreadSignals Signals;
    public Ipc.ThreadIpc Ipc;           // its state in IPC calls (Kernel/Ipc)

    public fixed byte Name[24];

    public ulong StackTop => StackBase + StackSize;
}
