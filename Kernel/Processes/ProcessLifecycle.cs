// How processes begin and end: the first process, fork, execve, exit and wait4.
using System;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Exec;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Platform;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Processes;

internal static unsafe class ProcessLifecycle
{
    // Wait status encodings (wait(2)): exit code in bits 8-15; a terminating signal in bits 0-6.
    public static int ExitedStatus(int code) => (code & 0xFF) << 8;
    public static int SignaledStatus(int signal) => signal & 0x7F;

    // The first process (PID 1), from the initial file system. Returns false and says why if it cannot start.
    public static bool StartInit(ReadOnlySpan<byte> path, ReadOnlySpan<ByteString> arguments, ReadOnlySpan<ByteString> environment)
    {
        s_freeAtInit = PhysicalMemoryManager.FreeBytes;
        s_heapAllocationsAtInit = KernelHeap.AllocationCount;
        return StartFromKernel(path, arguments, environment, asInit: true) != null;
    }

    // A process the kernel starts itself, with no parent: the first program (PID 1, `asInit`), or the
    // supervisor of the boot services (Kernel/Boot/BootServices.cs). The console is its stdin, stdout and
    // stderr, "/" its working directory. Null, with the reason printed, if the program cannot run.
    public static Process StartFromKernel(ReadOnlySpan<byte> path, ReadOnlySpan<ByteString> arguments,
        ReadOnlySpan<ByteString> environment, bool asInit)
    {
        string role = asInit ? "init" : "kitten";
        int status = ExecutableFile.Open(Vfs.Namespace.Root, path, out ExecutableFile executable);
        if (status != 0)
        {
            Console.WriteLine($"{role}: {path}: cannot run it: error {-status}");
            return null;
        }
        ulong device = executable.Device, inode = executable.Inode;
        LoadedProgram program;
        string reason;
        fixed (byte* pathBytes = path)
            status = ProgramLoader.Load(executable.Data, executable.Length, arguments, environment,
                new ByteString(pathBytes, path.Length), SystemSyscalls.DefaultStackLimit, executable.IsImmutable, null, out program, out reason);
        if (status == 0)
            executable.SetExecutableOf(program.Memory);
        executable.Dispose();
        if (status != 0)
        {
            Console.WriteLine($"{role}: {path}: cannot run it: {reason}");
            return null;
        }
        var process = new Process { Memory = program.Memory, Cpu = 0, StartTsc = Cpu.ReadTsc(), Files = new FileTable() };
        for (int fd = 0; fd < 3; fd++)
            process.Files.Add(Vfs.OpenConsole(), closeOnExec: false);
        bool interrupts = Vfs.Lock.Acquire();
        process.Cwd = Vfs.Namespace.Root;
        process.Cwd.Open();
        Vfs.Lock.Release(interrupts);
        process.SetName(path);
        if (!(asInit ? ProcessTable.AddInit(process) : ProcessTable.Add(process, null)))
        {
            Console.WriteLine($"{role}: {path}: no process ID free");
            process.Files.Dispose();
            ReleaseCwd(process);
            program.Memory.Destroy();
            return null;
        }
        Services.ServiceEnforcement.Attach(process, Services.ServiceRegistry.Find(device, inode));
        process.ProcessGroup = process.Session = process.Pid;
        if (asInit)
            Devices.SerialTerminal.ForegroundGroup = process.ProcessGroup;
        Thread* thread = UserThreads.Create(process, process.Cpu);
        thread->SyscallNumber = -1;
        thread->Tid = process.Pid;
        ThreadGroup.Join(process, thread);
        UserThreads.ResetContext(&thread->SavedContext, program.Entry, program.StackPointer);
        Console.WriteLine($"{role}: started {path} as pid {process.Pid}");
        UserThreads.Start(thread);
        return process;
    }

    // fork(2) and vfork(2): the child gets a copy of everything (an eager copy of the memory), returns 0.
    public static long Fork(InterruptContext* context) => Clone(context, 0, 0, 0, 0, 0);

    public static long Vfork(InterruptContext* context) => Clone(context, ThreadLifecycle.CLONE_VFORK | ThreadLifecycle.CLONE_VM, 0, 0, 0, 0);

    // The vfork parent may go on: its child has exec'd or is exiting.
    private static void ReleaseVforkParent(Process child)
    {
        Process parent = child.VforkParent;
        if (parent == null)
            return;
        child.VforkParent = null;
        bool interrupts = parent.ChildEvents.Lock.Acquire();
        if (parent.VforkChild == child.Pid)
            parent.VforkChild = 0;
        parent.ChildEvents.Lock.Release(interrupts);
        parent.ChildEvents.WakeAll();
    }

    // clone(2) for a new process: fork plus the TID bookkeeping glibc asks for, an optional new stack and
    // TLS. (ThreadLifecycle.CLONE_VM without ThreadLifecycle.CLONE_THREAD, posix_spawn's way, also gets a copy: there is no shared-memory
    // fork here.)
    public static long Clone(InterruptContext* context, ulong flags, ulong stack, ulong parentTid, ulong childTid, ulong tls)
    {
        Process parent = Process.Current;
        // The copy is taken with no other thread of the parent changing the mappings meanwhile.
        parent.MemoryLock.Acquire();
        ProcessMemory memory = parent.Memory.Duplicate();
        parent.MemoryLock.Release();
        if (memory == null)
            return -Errno.ENOMEM;
        var child = new Process
        {
            Memory = memory,
            Cpu = CpuLocal.Current->Index,    // where the forking thread runs
            ProcessGroup = parent.ProcessGroup,
            Session = parent.Session,
            StartTsc = Cpu.ReadTsc(),
            Files = parent.Files.Duplicate(),
            Umask = parent.Umask,
            Cwd = parent.Cwd,
        };
        bool vfs = Vfs.Lock.Acquire();
        child.Cwd.Open();
        Vfs.Lock.Release(vfs);
        for (int i = 0; i < 16; i++)
            child.Name[i] = parent.Name[i];
        for (int i = 0; i < child.Limits.Length; i++)
            child.Limits[i] = parent.Limits[i];
        Services.ServiceEnforcement.Attach(child, parent.Service);
        if (!ProcessTable.Add(child, parent))
        {
            child.Files.Dispose();
            ReleaseCwd(child);
            memory.Destroy();
            return -Errno.EAGAIN;
        }
        Thread* thread = UserThreads.Create(child, child.Cpu);
        if (thread == null)
        {
            ProcessTable.Remove(child);
            memory.Destroy();
            return -Errno.ENOMEM;
        }
        thread->Tid = child.Pid;
        thread->Affinity = CpuLocal.Current->Running->Affinity;
        ThreadGroup.Join(child, thread);
        Kitten.Kernel.Signals.ProcessSignals.ForkFrom(in parent.Signals, out child.Signals);
        Kitten.Kernel.Signals.ThreadSignals.ForNewTask(in CpuLocal.Current->Running->Signals, isThread: false, out thread->Signals);
        thread->SyscallNumber = -1;
        Runtime.MemoryOps.Move((byte*)&thread->SavedContext, (byte*)context, (nuint)sizeof(InterruptContext));
        thread->SavedContext.Rax = 0;
        thread->FsBase = (flags & ThreadLifecycle.CLONE_SETTLS) != 0 ? tls : CpuLocal.Current->Running->FsBase;
        if (stack != 0)
            thread->SavedContext.Rsp = stack;
        uint tid = (uint)child.Pid;
        if ((flags & ThreadLifecycle.CLONE_CHILD_SETTID) != 0)
            memory.Write(childTid, (byte*)&tid, 4);
        if ((flags & ThreadLifecycle.CLONE_CHILD_CLEARTID) != 0)
            thread->ClearChildTid = childTid;
        if ((flags & ThreadLifecycle.CLONE_PARENT_SETTID) != 0)
            UserMemory.Write32(parentTid, tid);
        bool vfork = (flags & ThreadLifecycle.CLONE_VFORK) != 0;
        if (vfork)
        {
            child.VforkParent = parent;
            parent.VforkChild = child.Pid;
        }
        UserThreads.Start(thread);
        if (vfork)
        {
            // The child borrows nothing here (its memory is a copy), but the parent still waits, as
            // vfork(2) promises: programs rely on the child having exec'd or exited when vfork returns.
            // `child` is not touched once it runs: it may exit and, with SIGCHLD ignored, be reaped and
            // freed before this loop looks (its freed Pid read as 0 matched the cleared VforkChild, and
            // the parent waited for good).
            bool interrupts = parent.ChildEvents.Lock.Acquire();
            while (parent.VforkChild == (int)tid && !Signaling.InterruptPending())
                parent.ChildEvents.Wait();
            parent.ChildEvents.Lock.Release(interrupts);
        }
        return tid;
    }

    // execve(2) with the arguments already copied into kernel memory. On success the calling thread's
    // context is the new program's; on failure the old program carries on. placement: null, or where the
    // new program's memory goes (kitten_exec_placed, PlacedExec.cs; checked already).
    public static long Execute(InterruptContext* context, ReadOnlySpan<byte> path, ReadOnlySpan<ByteString> arguments,
        ReadOnlySpan<ByteString> environment, Placement* placement = null)
    {
        Process process = Process.Current;
        int status = ExecutableFile.Open(path.Length > 0 && path[0] == '/' ? Vfs.Namespace.Root : process.Cwd, path,
            out ExecutableFile executable);
        if (status != 0)
            return status;
        ulong device = executable.Device, inode = executable.Inode;
        LoadedProgram program;
        string reason;
        fixed (byte* pathBytes = path)
            status = ProgramLoader.Load(executable.Data, executable.Length, arguments, environment,
                new ByteString(pathBytes, path.Length), process.Limits[SystemSyscalls.RLIMIT_STACK * 2], executable.IsImmutable,
                placement, out program, out reason);
        if (status == 0)
            executable.SetExecutableOf(program.Memory);
        executable.Dispose();
        if (status != 0)
        {
            // A busy frame is routine (the launcher plans again); anything else is worth a line.
            if (placement != null && status != -Errno.EBUSY && reason != null)
                Console.WriteLine($"kitten: pid {process.Pid} ({process.NameText}): kitten_exec_placed: {reason}: error {-status}");
            return status;
        }
        Thread* thread = CpuLocal.Current->Running;
        // The point of no return: the other threads end before the old image goes.
        if (!ThreadLifecycle.EndOtherThreads(process, thread))
        {
            program.Memory.Destroy();
            return -Kitten.Kernel.Signals.RestartErrno.RestartNoIntr;
        }
        ProcessMemory old = process.Memory;
        // Swapped under the table lock: /proc reads another process's memory holding that lock.
        bool tree = ProcessTable.LockTree();
        process.Memory = program.Memory;
        ProcessTable.UnlockTree(tree);
        thread->Cr3 = program.Memory.Cr3;
        thread->FsBase = 0;
        Cpu.WriteCr3(program.Memory.Cr3);
        Cpu.WriteMsr(0xC0000100, 0);
        Ipc.IpcTeardown.ProcessEnding(process);
        old.Destroy();
        process.Files.CloseOnExec();
        process.Signals.ResetForExec();
        thread->Signals.ResetForExec();
        process.SetName(path);
        Services.ServiceEnforcement.Executed(process, thread, device, inode);
        UserThreads.ResetContext(context, program.Entry, program.StackPointer);
        ReleaseVforkParent(process);
        return 0;
    }

    private static void ReleaseCwd(Process process)
    {
        if (process.Cwd == null)
            return;
        bool interrupts = Vfs.Lock.Acquire();
        process.Cwd.Close();
        process.Cwd = null;
        Vfs.Lock.Release(interrupts);
    }

    // The end of the calling process (exit_group(2)); does not return. waitStatus as wait4 reports it.
    public static void Exit(int waitStatus) => ThreadLifecycle.ExitGroup(waitStatus);

    // The last thread of the process has left (ThreadLifecycle.ExitThread, off the process's page tables):
    // everything the process holds goes back, and its parent learns of it. Does not return.
    public static void Finish(Process process, int waitStatus)
    {
        process.WaitStatus = waitStatus;
        // Its IPC handles close before its memory goes: the objects it owns die, its grants are revoked.
        Ipc.IpcTeardown.ProcessEnding(process);
        // Taken away under the table lock before they go: /proc reads them holding that lock.
        ProcessMemory memory = process.Memory;
        FileTable files = process.Files;
        bool tree = ProcessTable.LockTree();
        process.Memory = null;
        process.Files = null;
        ProcessTable.UnlockTree(tree);
        memory.Destroy();
        files.Dispose();
        ReleaseCwd(process);

        if (process.Pid == 1)
            InitExited(process);
        ReleaseVforkParent(process);
        if (process.Parent == null)
            Boot.BootServices.ParentlessProcessEnding(process);

        ProcessTable.ReparentChildren(process);
        Process parent = process.Parent;
        if (parent == null)
        {
            process.State = ProcessState.Zombie;
            Reap(process);
        }
        else
        {
            // SIGCHLD ignored (or SA_NOCLDWAIT): no zombie, the child is reaped at once (wait(2), NOTES).
            parent.Signals.ChildExitPolicy(out bool reapAtOnce, out bool sendSignal);
            bool interrupts = parent.ChildEvents.Lock.Acquire();
            process.State = ProcessState.Zombie;
            parent.ChildEvents.Lock.Release(interrupts);
            if (sendSignal)
                Signaling.Send(parent, ChildSignal(process.Pid, process.WaitStatus));
            if (reapAtOnce)
                Reap(process);
            parent.ChildEvents.WakeAll();
        }
        Threads.Exit();
    }

    // What SIGCHLD and waitid(2) say of a child that ended with this wait status.
    public static Kitten.Kernel.Signals.SignalInfo ChildSignal(int pid, int status)
    {
        bool killed = (status & 0x7F) != 0;
        int code = killed ? Kitten.Kernel.Signals.SignalCode.ChildKilled : Kitten.Kernel.Signals.SignalCode.ChildExited;
        return Kitten.Kernel.Signals.SignalInfo.FromChild(code, pid, 0, killed ? status & 0x7F : (status >> 8) & 0xFF, 0, 0);
    }

    private static ulong s_freeAtInit;
    private static ulong s_heapAllocationsAtInit;

    // The first process ended: say how, and what memory it left behind (tests compare these figures: every
    // process's memory, page tables and kernel objects must be back), then stop the machine.
    private static void InitExited(Process init)
    {
        // Programs' cached pages and page-table pages no process uses are free memory kept for later:
        // count them as free.
        ImageCache.ReleaseKeptMemory();
        Console.WriteLine($"kitten: pmem free {PhysicalMemoryManager.FreeBytes} bytes at exit ({s_freeAtInit} before init started); kernel heap {KernelHeap.AllocationCount} allocations ({s_heapAllocationsAtInit})");
        int status = init.WaitStatus;
        if ((status & 0x7F) != 0)
            Console.WriteLine($"kitten: init (pid 1) was killed by signal {status & 0x7F}; exit status {128 + (status & 0x7F)}");
        else
            Console.WriteLine($"kitten: init (pid 1) exited with status {(status >> 8) & 0xFF}");
        Shutdown.PowerOff(ShutdownReason.ProgramExited);
    }

    // wait4(2): pid > 0 that child, -1 any child, 0 the caller's group, < -1 group -pid. With `keep`
    // (waitid's WNOWAIT) the child stays a zombie, to be waited for again.
    public static long Wait(int pid, int* status, bool noHang, bool keep = false)
    {
        Process parent = Process.Current;
        bool interrupts = parent.ChildEvents.Lock.Acquire();
        for (; ; )
        {
            bool anyMatching = false;
            Process zombie = null;
            bool tree = ProcessTable.LockTree();
            for (Process child = parent.FirstChild; child != null; child = child.SiblingNext)
            {
                if (!Matches(child, pid, parent))
                    continue;
                anyMatching = true;
                if (child.State == ProcessState.Zombie)
                {
                    zombie = child;
                    break;
                }
            }
            ProcessTable.UnlockTree(tree);
            if (zombie != null)
            {
                parent.ChildEvents.Lock.Release(interrupts);
                *status = zombie.WaitStatus;
                int childPid = zombie.Pid;
                if (!keep)
                    Reap(zombie);
                return childPid;
            }
            if (!anyMatching)
            {
                parent.ChildEvents.Lock.Release(interrupts);
                return -Errno.ECHILD;
            }
            if (noHang)
            {
                parent.ChildEvents.Lock.Release(interrupts);
                return 0;
            }
            if (Signaling.InterruptPending())
            {
                parent.ChildEvents.Lock.Release(interrupts);
                return -Kitten.Kernel.Signals.RestartErrno.RestartSys;
            }
            parent.ChildEvents.Wait();
        }
    }

    private static bool Matches(Process child, int pid, Process parent)
    {
        if (pid > 0)
            return child.Pid == pid;
        if (pid == -1)
            return true;
        int group = pid == 0 ? parent.ProcessGroup : -pid;
        return child.ProcessGroup == group;
    }

    private static void Reap(Process zombie)
    {
        ProcessTable.Remove(zombie);
        Runtime.ObjectMemory.Release(zombie.Name);
        Runtime.ObjectMemory.Release(zombie.ReportedUnknownSyscalls);
        Runtime.ObjectMemory.Release(zombie.Limits);
        if (zombie.RefusalsReported != null)
            Runtime.ObjectMemory.Release(zombie.RefusalsReported);
        Runtime.ObjectMemory.Release(zombie);
    }
}
