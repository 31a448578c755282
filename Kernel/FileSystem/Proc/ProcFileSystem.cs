// procfs (proc(5)): a read-only file system of generated files about the system and its processes,
// mounted at /proc. Its root holds the system-wide files, /proc/self and /proc/thread-self, /proc/sys, and
// one directory per live process, listed after the fixed entries in PID order as on Linux.
using System;

namespace Kitten.Kernel.FileSystem.Proc;

internal static class ProcFileSystem
{
    private const uint ReadExecuteAll = 0x16D;  // 0555
    // Processes are listed at cookie ProcessCookies + PID, after the fixed entries.
    private const long ProcessCookies = 256;

    public static FileSystemInstance Create(ProcSource source, ulong deviceNumber)
    {
        var fileSystem = new FileSystemInstance("proc", deviceNumber, 0, long.MaxValue, ReadExecuteAll)
        {
            ReadOnly = true,
            KernelGenerated = true,
        };
        DirectoryNode root = fileSystem.Root;
        root.Attach("self"u8, new SelfLink(fileSystem, source, thread: false));
        root.Attach("thread-self"u8, new SelfLink(fileSystem, source, thread: true));
        AddFile(root, source, SystemFileKind.Meminfo, "meminfo"u8);
        AddFile(root, source, SystemFileKind.Cpuinfo, "cpuinfo"u8);
        AddFile(root, source, SystemFileKind.Stat, "stat"u8);
        AddFile(root, source, SystemFileKind.Uptime, "uptime"u8);
        AddFile(root, source, SystemFileKind.Loadavg, "loadavg"u8);
        AddFile(root, source, SystemFileKind.Version, "version"u8);
        AddFile(root, source, SystemFileKind.Filesystems, "filesystems"u8);
        root.Attach("mounts"u8, new SymlinkNode(fileSystem, Bytes.ToArray("self/mounts"u8)));

        var sys = new DirectoryNode(fileSystem, ReadExecuteAll);
        root.Attach("sys"u8, sys);
        var kernel = new DirectoryNode(fileSystem, ReadExecuteAll);
        sys.Attach("kernel"u8, kernel);
        AddFile(kernel, source, SystemFileKind.Hostname, "hostname"u8);
        AddFile(kernel, source, SystemFileKind.OsRelease, "osrelease"u8);
        AddFile(kernel, source, SystemFileKind.OsType, "ostype"u8);
        AddFile(kernel, source, SystemFileKind.PidMax, "pid_max"u8);

        root.Source = new ProcessEntriesOfRoot(source);
        return fileSystem;
    }

    private static void AddFile(DirectoryNode directory, ProcSource source, SystemFileKind kind, ReadOnlySpan<byte> name)
        => directory.Attach(name, new SystemFile(directory.FileSystem, source, kind));

    // The root's process directories: one per PID in use.
    private sealed class ProcessEntriesOfRoot : NumberedEntries
    {
        private readonly ProcSource _source;

        public ProcessEntriesOfRoot(ProcSource source)
            : base(ProcessCookies)
        {
            _source = source;
        }

        protected override bool Exists() => true;

        protected override int Next(int number)
        {
            int pid = _source.NextPid(number < 0 ? 0 : number);
            return pid == 0 ? -1 : pid;
        }

        protected override Node Make(FileSystemInstance fileSystem, int number)
            => ProcessDirectory.Create(fileSystem, _source, number, _source.IdentityOf(number), number, isTask: false);

        protected override bool IsCurrent(Node existing, int number)
            => existing is DirectoryNode directory && ProcessDirectory.IdentityOf(directory) == _source.IdentityOf(number);
    }
}
