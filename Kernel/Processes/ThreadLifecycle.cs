// How a process's threads begin and end: clone(2) with CLONE_THREAD, exit(2) of one thread, the end of
// the whole group (exit_group(2), a fatal signal), and execve(2)'s "the other threads go first".
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Processes;

internal static unsafe class ThreadLifecycle
{
    public const ulong CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
        CLONE_PIDFD = 0x1000, CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000, CLONE_THREAD = 0x10000,
        CLONE_NEWNS = 0x20000, CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000,
        CLONE_CHILD_CLEARTID = 0x200000, CLONE_DETACHED = 0x400000, CLONE_CHILD_SETTID = 0x1000000;

    // A thread asked to end alone (execve from another thread), not with its process: its KillStatus.
    public const int EndThreadAlone = -1;

    // clone(2) with CLONE_THREAD: a new thread in the caller's process, sharing everything, starting where
    // the caller returns with RAX = 0 on `stack` (if given) and with TLS `tls` (CLONE_SETTLS). Returns the
    // new TID or -errno.
    public static long CreateThread(InterruptContext* context, ulong flags, ulong stack, ulong parentTid, ulong childTid, ulong tls)
    {
        // clone(2), EINVAL: "CLONE_THREAD was specified, but CLONE_SIGHAND was not", "CLONE_SIGHAND was
        // specified, but CLONE_VM was not". A thread shares files and file-system information too here.
        if ((flags & CLONE_SIGHAND) == 0 || (flags & CLONE_VM) == 0)
            return -Errno.EINVAL;
        if ((flags & (CLONE_VFORK | CLONE_PIDFD | CLONE_NEWNS)) != 0)
            return -Errno.EINVAL;
        Process process = Process.Current;
        Thread* creator = CpuLocal.Current->Running;
        if (process.GroupExiting)
            return -Errno.EAGAIN;
        int tid = ProcessTable.AddThread(process);
        if (tid == 0)
            return -Errno.EAGAIN;
        // A new thread inherits its creator's CPU mask (sched_setaffinity(2)).
        int cpu = ThreadPlacement.LeastLoaded(creator->Affinity != 0 ? creator->Affinity : ThreadPlacement.OnlineMask);
        Thread* thread = UserThreads.Create(process, cpu);
        if (thread == null)
        {
            ProcessTable.RemoveThread(tid);
            return -Errno.ENOMEM;
        }
        thread->Tid = tid;
        thread->Affinity = creator->Affinity;
        thread->SyscallNumber = -1;
        Runtime.MemoryOps.Move((byte*)&thread->SavedContext, (byte*)context, (nuint)sizeof(InterruptContext));
        thread->SavedContext.Rax = 0;
        if (stack != 0)
            thread->SavedContext.Rsp = stack;
        thread->FsBase = (flags & CLONE_SETTLS) != 0 ? tls : creator->FsBase;
        Signals.ThreadSignals.ForNewTask(in creator->Signals, isThread: true, out thread->Signals);
        // The TID stores (clone(2)): CLONE_PARENT_SETTID and CLONE_CHILD_SETTID both write into the one
        // shared address space before either thread runs on; CLONE_CHILD_CLEARTID arms the exit wake-up
        // that pthread_join waits for.
        if ((flags & CLONE_CHILD_CLEARTID) != 0)
            thread->ClearChildTid = childTid;
        if (((flags & CLONE_PARENT_SETTID) != 0 && !UserMemory.Write32(parentTid, (uint)tid))
            || ((flags & CLONE_CHILD_SETTID) != 0 && !UserMemory.Write32(childTid, (uint)tid)))
        {
            ThreadPlacement.Removed(cpu);
            ProcessTable.RemoveThread(tid);
            Threads.Free(thread);
            return -Errno.EFAULT;
        }
        ThreadGroup.Join(process, thread);
        UserThreads.Start(thread);
        return tid;
    }

    // The end of the calling thread: exit(2), or its part of the end of its process. The last thread out
    // ends the process with `statusIfLast` (the group's status if exit_group or a signal set one).
    // Does not return.
    public static void ExitThread(int statusIfLast)
    {
        Process process = Process.Current;
        Thread* thread = CpuLocal.Current->Running;
        // The call it holds as a server is answered with ECONNRESET; its IPC state goes with it.
        Ipc.IpcTeardown.ThreadEnding(thread);

        // set_tid_address(2), clone(2) CLONE_CHILD_CLEARTID: "When the thread exits, zero at that address
        // and a wake-up on the futex there" — if other threads share the memory to see it.
        if (thread->ClearChildTid != 0 && process.ThreadCount > 1 && UserMemory.Write32(thread->ClearChildTid, 0))
        {
            if (Futex.KeyOf(thread->ClearChildTid, isPrivate: false, out FutexKey shared))
                Futex.Wake(in shared, 1, uint.MaxValue);
            if (Futex.KeyOf(thread->ClearChildTid, isPrivate: true, out FutexKey own))
                Futex.Wake(in own, 1, uint.MaxValue);
        }

        // Off the process's page tables: the last thread frees them, perhaps on another CPU right away.
        Cpu.DisableInterrupts();
        thread->Cr3 = 0;
        thread->IsUser = false;
        Cpu.WriteCr3(KernelPageTables.Table.RootPhysical);
        Cpu.EnableInterrupts();

        ThreadPlacement.Removed(thread->Cpu);
        if (thread->Tid != process.Pid && thread->Tid != 0)
            ProcessTable.RemoveThread(thread->Tid);
        // Leaving under the signal lock: a sender that chose this thread finishes with it first.
        bool interrupts = process.SignalLock.Acquire();
        int left = ThreadGroup.Leave(process, thread);
        process.SignalLock.Release(interrupts);
        if (left > 0)
            Threads.Exit();
        ProcessLifecycle.Finish(process, process.GroupExiting ? process.GroupExitStatus : statusIfLast);
    }

    // The whole process ends with waitStatus (exit_group(2), a fatal signal): every other thread is told
    // to end, then this one does. The first status set wins. Does not return.
    public static void ExitGroup(int waitStatus)
    {
        Process process = Process.Current;
        Thread* self = CpuLocal.Current->Running;
        bool interrupts = process.ThreadLock.Acquire();
        if (!process.GroupExiting)
        {
            process.GroupExiting = true;
            process.GroupExitStatus = waitStatus;
        }
        process.ThreadLock.Release(interrupts);
        ThreadGroup.EndOthers(process, self, process.GroupExitStatus);
        ExitThread(process.GroupExitStatus);
    }

    // execve(2) in a process with several threads: "All threads other than the calling thread are
    // destroyed during an execve()", and the caller takes over the thread-group leader's ID. False if a
    // signal or the end of the process interrupted the wait (execve then fails or the thread ends).
    public static bool EndOtherThreads(Process process, Thread* self)
    {
        if (process.ThreadCount > 1)
        {
            ThreadGroup.EndOthers(process, self, EndThreadAlone);
            bool interrupts = process.ThreadsGone.Lock.Acquire();
            while (process.ThreadCount > 1 && self->KillStatus == 0)
                process.ThreadsGone.Wait();
            process.ThreadsGone.Lock.Release(interrupts);
            if (process.ThreadCount > 1)
                return false;
        }
        if (self->Tid != process.Pid)
        {
            ProcessTable.RemoveThread(self->Tid);
            self->Tid = process.Pid;
        }
        return true;
    }
}
