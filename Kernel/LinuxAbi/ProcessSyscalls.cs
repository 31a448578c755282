// Processes: identity, fork/vfork/execve/exit/wait4, the thread-pointer and robust-list set-up glibc does
// at start-up.
using System;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Exec;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class ProcessSyscalls
{
    public static void Register()
    {
        SyscallTable.Register(Sys.Getpid, &Getpid);
        SyscallTable.Register(Sys.Getppid, &Getppid);
        SyscallTable.Register(Sys.Gettid, &Gettid);
        SyscallTable.Register(Sys.Fork, &Fork);
        SyscallTable.Register(Sys.Vfork, &Vfork);
        SyscallTable.Register(Sys.Clone, &Clone);
        SyscallTable.Register(Sys.Execve, &Execve);
        SyscallTable.Register(Sys.Clone3, &Clone3);
        SyscallTable.Register(Sys.Exit, &Exit);
        SyscallTable.Register(Sys.ExitGroup, &ExitGroup);
        SyscallTable.Register(Sys.Wait4, &Wait4);
        SyscallTable.Register(Sys.Waitid, &Waitid);
        SyscallTable.Register(Sys.ArchPrctl, &ArchPrctl);
        SyscallTable.Register(Sys.SetTidAddress, &SetTidAddress);
        SyscallTable.Register(Sys.SetRobustList, &SetRobustList);
        SyscallTable.Register(Sys.Setpgid, &Setpgid);
        SyscallTable.Register(Sys.Getpgid, &Getpgid);
        SyscallTable.Register(Sys.Getpgrp, &Getpgrp);
        SyscallTable.Register(Sys.Setsid, &Setsid);
        SyscallTable.Register(Sys.Getsid, &Getsid);
        SyscallTable.Register(Sys.Rseq, &Rseq);
    }

    // Restartable sequences are not offered; glibc then does without them (rseq(2)). Known, so not
    // reported as a missing system call.
    private static long Rseq(InterruptContext* c) => -Errno.ENOSYS;

    private static long Getpid(InterruptContext* c) => Process.Current.Pid;

    private static long Gettid(InterruptContext* c) => CpuLocal.Current->Running->Tid;

    private static long Getppid(InterruptContext* c)
    {
        Process parent = Process.Current.Parent;
        return parent == null ? 0 : parent.Pid;
    }

    private static long Fork(InterruptContext* c) => ProcessLifecycle.Fork(c);

    private static long Vfork(InterruptContext* c) => ProcessLifecycle.Vfork(c);

    // clone(flags, stack, parent_tid, child_tid, tls): the x86-64 argument order (clone(2), NOTES).
    private static long Clone(InterruptContext* c) => CloneWith(c, c->Rdi, c->Rsi, c->Rdx, c->R10, c->R8);

    private static long CloneWith(InterruptContext* c, ulong flags, ulong stack, ulong parentTid, ulong childTid, ulong tls)
    {
        if ((flags & ThreadLifecycle.CLONE_THREAD) != 0)
            return ThreadLifecycle.CreateThread(c, flags, stack, parentTid, childTid, tls);
        return ProcessLifecycle.Clone(c, flags, stack, parentTid, childTid, tls);
    }

    // clone3(cl_args, size): struct clone_args is flags, pidfd, child_tid, parent_tid, exit_signal, stack,
    // stack_size, tls (64 bytes, CLONE_ARGS_SIZE_VER0), then set_tid, set_tid_size (80), cgroup (88). A
    // larger struct is accepted if the part this kernel does not know is zero (E2BIG otherwise).
    private static long Clone3(InterruptContext* c)
    {
        const ulong SizeVer0 = 64, KnownSize = 88, PageSize = 4096;
        ulong size = c->Rsi;
        if (size < SizeVer0)
            return -Errno.EINVAL;
        if (size > PageSize)
            return -Errno.E2BIG;
        ulong* args = stackalloc ulong[11];
        for (int i = 0; i < 11; i++)
            args[i] = 0;
        ulong known = size < KnownSize ? size : KnownSize;
        if (UserMemory.CopyIn(args, c->Rdi, known) != 0)
            return -Errno.EFAULT;
        for (ulong at = KnownSize; at < size; at += 8)
        {
            if (!UserMemory.Read64(c->Rdi + at, out ulong extra))
                return -Errno.EFAULT;
            if ((size - at < 8 ? extra & ((1UL << (int)((size - at) * 8)) - 1) : extra) != 0)
                return -Errno.E2BIG;
        }
        ulong flags = args[0], childTid = args[2], parentTid = args[3], exitSignal = args[4], stack = args[5],
            stackSize = args[6], tls = args[7], setTidSize = args[9], cgroup = args[10];
        // clone(2) on clone3: the exit signal has its own field (CSIGNAL bits in flags are EINVAL), a stack
        // needs its size, set_tid (choosing the TID) and cgroups are not supported here.
        if ((flags & 0xFF) != 0 || exitSignal > 64 || (stack == 0) != (stackSize == 0) || setTidSize != 0 || cgroup != 0)
            return -Errno.EINVAL;
        if ((flags & ThreadLifecycle.CLONE_THREAD) != 0 && exitSignal != 0)
            return -Errno.EINVAL;
        // clone3's stack is the lowest address of the area; the stack pointer starts at its top.
        return CloneWith(c, flags, stack == 0 ? 0 : stack + stackSize, parentTid, childTid, tls);
    }

    // exit(2): only the calling thread ends (the process, if it was the last one).
    private static long Exit(InterruptContext* c)
    {
        ThreadLifecycle.ExitThread(ProcessLifecycle.ExitedStatus((int)c->Rdi));
        return 0;
    }

    private static long ExitGroup(InterruptContext* c)
    {
        ProcessLifecycle.Exit(ProcessLifecycle.ExitedStatus((int)c->Rdi));
        return 0;
    }

    // wait4(pid, wstatus, options, rusage): WNOHANG = 1; WUNTRACED/WCONTINUED accepted (no stopped
    // processes here); other bits are EINVAL.
    private static long Wait4(InterruptContext* c)
    {
        const ulong WNOHANG = 1, WUNTRACED = 2, WCONTINUED = 8, WALL = 0x40000000, WCLONE = 0x80000000;
        ulong options = c->Rdx;
        if ((options & ~(WNOHANG | WUNTRACED | WCONTINUED | WALL | WCLONE | 0x20000000)) != 0)
            return -Errno.EINVAL;
        int status = 0;
        long pid = ProcessLifecycle.Wait((int)c->Rdi, &status, (options & WNOHANG) != 0);
        if (pid > 0)
        {
            if (c->Rsi != 0 && !UserMemory.Write32(c->Rsi, (uint)status))
                return -Errno.EFAULT;
            if (c->R10 != 0 && UserMemory.Zero(c->R10, 144) != 0)
                return -Errno.EFAULT;
        }
        return pid;
    }

    // waitid(idtype, id, infop, options, rusage) (waitid(2)): P_ALL, P_PID, P_PGID; WEXITED must be asked
    // for (no process here is ever stopped or continued, so WSTOPPED and WCONTINUED alone find nothing);
    // WNOWAIT leaves the child waitable. Returns 0 with infop filled as for SIGCHLD, or, with WNOHANG and no
    // child ready, 0 with infop zeroed (as Linux does: a caller tells the two apart by si_pid).
    private static long Waitid(InterruptContext* c)
    {
        const ulong WNOHANG = 1, WSTOPPED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x01000000;
        const ulong WALL = 0x40000000, WCLONE = 0x80000000, WNOTHREAD = 0x20000000;
        const int P_ALL = 0, P_PID = 1, P_PGID = 2;
        ulong options = c->R10;
        if ((options & ~(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | WALL | WCLONE | WNOTHREAD)) != 0
            || (options & (WSTOPPED | WEXITED | WCONTINUED)) == 0)
            return -Errno.EINVAL;
        int id = (int)c->Rsi;
        int pid;
        switch ((int)c->Rdi)
        {
            case P_ALL: pid = -1; break;
            case P_PID: if (id <= 0) return -Errno.EINVAL; pid = id; break;
            case P_PGID: if (id < 0) return -Errno.EINVAL; pid = -id; break;   // 0: the caller's group
            default: return -Errno.EINVAL;                                    // P_PIDFD: no pidfds here
        }
        if ((options & WEXITED) == 0)
        {
            // Only stops or continues asked for, and there are none: the answer of a wait that finds no one.
            if ((options & WNOHANG) == 0)
                return -Errno.ECHILD;
            return c->Rdx != 0 && UserMemory.Zero(c->Rdx, (ulong)sizeof(Signals.UserSignalInfo)) != 0 ? -Errno.EFAULT : 0;
        }
        int status = 0;
        long found = ProcessLifecycle.Wait(pid, &status, (options & WNOHANG) != 0, keep: (options & WNOWAIT) != 0);
        if (found < 0)
            return found;
        Signals.UserSignalInfo info = default;
        if (found > 0)
            ProcessLifecycle.ChildSignal((int)found, status).WriteTo(ref info);
        if (c->Rdx != 0 && UserMemory.CopyOut(c->Rdx, &info, (ulong)sizeof(Signals.UserSignalInfo)) != 0)
            return -Errno.EFAULT;
        if (c->R8 != 0 && UserMemory.Zero(c->R8, 144) != 0)
            return -Errno.EFAULT;
        return 0;
    }

    // execve(path, argv, envp): everything is copied into kernel memory before the old image goes. The
    // buffers are not zeroed (that was a third of execve's cost): only what the copies wrote is read.
    private static long Execve(InterruptContext* c) => Execve(c, null);

    // execve, or kitten_exec_placed (Kernel/Processes/PlacedExec.cs) with its placement already checked.
    public static long Execve(InterruptContext* c, Placement* placement)
    {
        var space = (byte*)KernelHeap.Allocate(ProgramLoader.ArgumentSpace + 4096);
        if (space == null)
            return -Errno.ENOMEM;
        const int MaxStrings = 4096;
        var strings = (ByteString*)KernelHeap.Allocate(2 * MaxStrings * (ulong)sizeof(ByteString));
        if (strings == null)
        {
            KernelHeap.Free(space);
            return -Errno.ENOMEM;
        }
        long result;
        int used = 0;
        int pathLength = UserMemory.CopyString(c->Rdi, space, 4096);
        if (pathLength < 0)
            result = pathLength;
        else
        {
            used = pathLength + 1;
            int argc = CopyStringArray(c->Rsi, strings, MaxStrings, space, ref used);
            int envc = argc < 0 ? argc : CopyStringArray(c->Rdx, strings + MaxStrings, MaxStrings, space, ref used);
            if (argc < 0)
                result = argc;
            else if (envc < 0)
                result = envc;
            else
                result = ProcessLifecycle.Execute(c, new ReadOnlySpan<byte>(space, pathLength),
                    new ReadOnlySpan<ByteString>(strings, argc), new ReadOnlySpan<ByteString>(strings + MaxStrings, envc), placement);
        }
        KernelHeap.Free(strings);
        KernelHeap.Free(space);
        return result;
    }

    // Copies a NULL-terminated array of string pointers; returns the count or -errno.
    private static int CopyStringArray(ulong userArray, ByteString* output, int max, byte* space, ref int used)
    {
        if (userArray == 0)
            return 0;
        for (int i = 0; ; i++)
        {
            if (i == max)
                return -Errno.E2BIG;
            if (!UserMemory.Read64(userArray + (ulong)i * 8, out ulong pointer))
                return -Errno.EFAULT;
            if (pointer == 0)
                return i;
            int room = (int)ProgramLoader.ArgumentSpace - used;
            int length = UserMemory.CopyString(pointer, space + used, room);
            if (length == -Errno.ENAMETOOLONG)
                return -Errno.E2BIG;
            if (length < 0)
                return length;
            output[i] = new ByteString(space + used, length);
            used += length + 1;
        }
    }

    // arch_prctl(ARCH_SET_FS / ARCH_GET_FS): the TLS base glibc sets up at start.
    private static long ArchPrctl(InterruptContext* c)
    {
        const int ArchSetGs = 0x1001, ArchSetFs = 0x1002, ArchGetFs = 0x1003, ArchGetGs = 0x1004;
        Thread* thread = CpuLocal.Current->Running;
        switch ((int)c->Rdi)
        {
            case ArchSetFs:
                if (c->Rsi >= UserMemory.End)
                    return -Errno.EPERM;
                thread->FsBase = c->Rsi;
                Cpu.WriteMsr(0xC0000100, c->Rsi);
                return 0;
            case ArchGetFs:
                return UserMemory.Write64(c->Rsi, thread->FsBase) ? 0 : -Errno.EFAULT;
            case ArchSetGs:
            case ArchGetGs:
                return -Errno.EINVAL; // GS belongs to the kernel here
            default:
                return -Errno.EINVAL;
        }
    }

    private static long SetTidAddress(InterruptContext* c)
    {
        Thread* thread = CpuLocal.Current->Running;
        thread->ClearChildTid = c->Rdi;
        return thread->Tid;
    }

    // The robust futex list matters only to threads that die holding locks; size must be 24 (struct
    // robust_list_head), as Linux checks.
    private static long SetRobustList(InterruptContext* c) => c->Rsi == 24 ? 0 : -Errno.EINVAL;

    private static long Setpgid(InterruptContext* c)
    {
        Process self = Process.Current;
        int pid = (int)c->Rdi, group = (int)c->Rsi;
        if (group < 0)
            return -Errno.EINVAL;
        Process target = pid == 0 ? self : ProcessTable.Find(pid);
        if (target == null || (target != self && target.Parent != self))
            return -Errno.ESRCH;
        target.ProcessGroup = group == 0 ? target.Pid : group;
        return 0;
    }

    private static long Getpgid(InterruptContext* c)
    {
        Process target = c->Rdi == 0 ? Process.Current : ProcessTable.Find((int)c->Rdi);
        return target == null ? -Errno.ESRCH : target.ProcessGroup;
    }

    private static long Getpgrp(InterruptContext* c) => Process.Current.ProcessGroup;

    private static long Setsid(InterruptContext* c)
    {
        Process self = Process.Current;
        if (self.ProcessGroup == self.Pid)
            return -Errno.EPERM;
        self.Session = self.ProcessGroup = self.Pid;
        return self.Pid;
    }

    private static long Getsid(InterruptContext* c)
    {
        Process target = c->Rdi == 0 ? Process.Current : ProcessTable.Find((int)c->Rdi);
        return target == null ? -Errno.ESRCH : target.Session;
    }
}
