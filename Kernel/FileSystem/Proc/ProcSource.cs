// What /proc shows, as the procfs tree (ProcFileSystem, ProcessDirectory) asks for it: which processes,
// threads and file descriptors exist, and the text of each file. The kernel's implementation
// (KernelProcSource) reads the process table; the host tests give the tree a made-up system. A process
// is named by its PID and an identity that differs between two processes that had the same PID, so that
// a /proc/<pid> directory opened before its process ended never shows the next process with that PID.
namespace Kitten.Kernel.FileSystem.Proc;

// The files of /proc/<pid>/ (and /proc/<pid>/task/<tid>/) whose text is generated.
internal enum ProcessFileKind
{
    Stat,       // proc_pid_stat(5)
    Statm,      // proc_pid_statm(5)
    Status,     // proc_pid_status(5)
    Cmdline,    // proc_pid_cmdline(5): argv, each followed by a NUL
    Environ,    // proc_pid_environ(5)
    Comm,       // proc_pid_comm(5)
    Maps,       // proc_pid_maps(5)
    Mounts,     // proc_pid_mounts(5)
    Mountinfo,  // proc_pid_mountinfo(5)
}

// The symbolic links of /proc/<pid>/.
internal enum ProcessLinkKind
{
    Exe,                // the executable's path
    Cwd,                // the working directory
    Root,               // the root directory: "/"
    FileDescriptor,     // fd/N: the open file's path, or "pipe:[inode]"
}

// The files of /proc itself (and /proc/sys).
internal enum SystemFileKind
{
    Meminfo,        // proc_meminfo(5)
    Cpuinfo,        // proc_cpuinfo(5)
    Stat,           // proc_stat(5)
    Uptime,         // proc_uptime(5)
    Loadavg,        // proc_loadavg(5)
    Version,        // proc_version(5)
    Filesystems,    // proc_filesystems(5)
    OsType,         // /proc/sys/kernel/ostype
    OsRelease,      // /proc/sys/kernel/osrelease
    Hostname,       // /proc/sys/kernel/hostname
    PidMax,         // /proc/sys/kernel/pid_max
}

internal abstract class ProcSource
{
    // The caller's process and thread (for /proc/self and /proc/thread-self); 0 if it is not a process.
    public abstract int CurrentPid { get; }
    public abstract int CurrentTid { get; }

    // The identity of the process with this PID, or 0 if there is none (never 0 for a live process).
    public abstract ulong IdentityOf(int pid);

    // The smallest PID above `pid` in use, or 0 (for listing /proc).
    public abstract int NextPid(int pid);

    // The smallest thread id above `tid` of the process, or 0 (for listing task/).
    public abstract int NextThread(int pid, ulong identity, int tid);

    // The smallest open file descriptor above `fd` of the process, or -1 (for listing fd/).
    public abstract int NextFileDescriptor(int pid, ulong identity, int fd);

    // Writes a file of the process (tid: the thread, for task/<tid>/; the PID for the process's own
    // files): 0, or -ESRCH if the process is gone.
    public abstract int WriteProcessFile(ProcessFileKind kind, int pid, ulong identity, int tid, TextBuilder output);

    // Writes the target of a link of the process (number: the descriptor for fd/N): 0, or -ENOENT if
    // the process or the descriptor is gone.
    public abstract int WriteProcessLink(ProcessLinkKind kind, int pid, ulong identity, int number, TextBuilder output);

    public abstract int WriteSystemFile(SystemFileKind kind, TextBuilder output);
}
