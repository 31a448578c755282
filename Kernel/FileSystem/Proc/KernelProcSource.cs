// The ProcSource of the running kernel: processes from the process table, identified by PID and start
// time stamp; texts from ProcessFacts and SystemFacts. Called with the file-system lock held; each
// process file takes the process table's lock while it reads the process.
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.FileSystem.Proc;

internal sealed unsafe class KernelProcSource : ProcSource
{
    public override int CurrentPid => Process.Current?.Pid ?? 0;

    public override unsafe int CurrentTid => Process.Current == null ? 0 : Arch.X64.CpuLocal.Current->Running->Tid;

    public override ulong IdentityOf(int pid)
    {
        bool tree = ProcessTable.LockTree();
        Process process = ProcessTable.Find(pid);
        ulong identity = process == null ? 0 : IdentityOf(process);
        ProcessTable.UnlockTree(tree);
        return identity;
    }

    // The start time stamp, never 0 (a TSC reading taken after boot).
    private static ulong IdentityOf(Process process) => process.StartTsc | 1;

    public override int NextPid(int pid) => ProcessTable.NextPid(pid);

    public override int NextThread(int pid, ulong identity, int tid)
    {
        int next = 0;
        bool tree = ProcessTable.LockTree();
        Process process = Find(pid, identity);
        if (process != null)
        {
            bool threads = process.ThreadLock.Acquire();
            for (Tasks.Thread* thread = process.FirstThread; thread != null; thread = thread->GroupNext)
                if (thread->Tid > tid && (next == 0 || thread->Tid < next))
                    next = thread->Tid;
            process.ThreadLock.Release(threads);
        }
        ProcessTable.UnlockTree(tree);
        return next;
    }

    public override int NextFileDescriptor(int pid, ulong identity, int fd)
    {
        bool tree = ProcessTable.LockTree();
        Process process = Find(pid, identity);
        int next = process?.Files != null ? process.Files.NextOpen(fd) : -1;
        ProcessTable.UnlockTree(tree);
        return next;
    }

    // The process, if it is still the one with that identity. Under the table lock.
    private static Process Find(int pid, ulong identity)
    {
        Process process = ProcessTable.Find(pid);
        return process != null && IdentityOf(process) == identity ? process : null;
    }

    public override int WriteProcessFile(ProcessFileKind kind, int pid, ulong identity, int tid, TextBuilder output)
    {
        bool tree = ProcessTable.LockTree();
        Process process = Find(pid, identity);
        int status = process == null ? -Errno.ESRCH : WriteProcessFile(kind, process, tid, output);
        ProcessTable.UnlockTree(tree);
        return status;
    }

    private static int WriteProcessFile(ProcessFileKind kind, Process process, int tid, TextBuilder output)
    {
        ProcessMemory memory = process.State == ProcessState.Zombie ? null : process.Memory;
        switch (kind)
        {
            case ProcessFileKind.Stat:
            case ProcessFileKind.Statm:
            case ProcessFileKind.Status:
                if (!ProcessFacts.Collect(process, tid, out ProcessInfo info))
                    return -Errno.ESRCH;
                if (kind == ProcessFileKind.Stat)
                    ProcessStatFormat.Stat(in info, process.NameText, output);
                else if (kind == ProcessFileKind.Statm)
                    ProcessStatFormat.Statm(in info, output);
                else
                    ProcessStatusFormat.Status(in info, process.NameText, output);
                return 0;
            case ProcessFileKind.Comm:
                output.Append(process.NameText).Append('\n');
                return 0;
            case ProcessFileKind.Cmdline:
                if (memory != null)
                    ProcessFacts.CopyMemory(memory, memory.ArgumentsStart, memory.EnvironmentStart, output);
                return 0;
            case ProcessFileKind.Environ:
                if (memory != null)
                    ProcessFacts.CopyMemory(memory, memory.EnvironmentStart, memory.EnvironmentEnd, output);
                return 0;
            case ProcessFileKind.Maps:
                if (memory != null)
                    ProcessFacts.Maps(memory, output);
                return 0;
            case ProcessFileKind.Mounts:
                MountsFormat.Mounts(Vfs.Namespace, output);
                return 0;
            default:
                MountsFormat.MountInfo(Vfs.Namespace, output);
                return 0;
        }
    }

    public override int WriteProcessLink(ProcessLinkKind kind, int pid, ulong identity, int number, TextBuilder output)
    {
        bool tree = ProcessTable.LockTree();
        Process process = Find(pid, identity);
        int status = process == null ? -Errno.ENOENT : WriteProcessLink(kind, process, number, output);
        ProcessTable.UnlockTree(tree);
        return status;
    }

    private static int WriteProcessLink(ProcessLinkKind kind, Process process, int number, TextBuilder output)
    {
        switch (kind)
        {
            case ProcessLinkKind.Exe:
                byte[] path = process.State == ProcessState.Zombie ? null : process.Memory?.ExecutablePath;
                if (path == null)
                    return -Errno.ENOENT;
                output.Append(path);
                return 0;
            case ProcessLinkKind.Cwd:
                return process.Cwd == null ? -Errno.ENOENT : PathName.OfNode(Vfs.Namespace, process.Cwd, output);
            case ProcessLinkKind.Root:
                if (process.State == ProcessState.Zombie)
                    return -Errno.ENOENT;
                output.Append('/');
                return 0;
            default:
                return process.Files == null ? -Errno.ENOENT : process.Files.Describe(number, &ProcessFacts.DescribeFile, output);
        }
    }

    public override int WriteSystemFile(SystemFileKind kind, TextBuilder output)
    {
        switch (kind)
        {
            case SystemFileKind.Meminfo: SystemFacts.Meminfo(output); break;
            case SystemFileKind.Cpuinfo: SystemFacts.Cpuinfo(output); break;
            case SystemFileKind.Stat: SystemFacts.Stat(output); break;
            case SystemFileKind.Uptime: SystemFacts.Uptime(output); break;
            case SystemFileKind.Loadavg: SystemFacts.Loadavg(output); break;
            case SystemFileKind.Version: SystemFacts.Version(output); break;
            case SystemFileKind.Filesystems: MountsFormat.Filesystems(output); break;
            case SystemFileKind.OsType: output.Append(SystemIdentity.SystemName).Append('\n'); break;
            case SystemFileKind.OsRelease: output.Append(SystemIdentity.Release).Append('\n'); break;
            case SystemFileKind.Hostname: output.Append(SystemIdentity.NodeName).Append('\n'); break;
            default: output.Unsigned(ProcessTable.MaxPid).Append('\n'); break;
        }
        return 0;
    }
}
