// /proc/<pid>/ and /proc/<pid>/task/<tid>/: a directory of generated files and links about one process,
// made when its PID is first looked up or listed, and gone (ENOENT for every name in it, even through a
// directory descriptor opened earlier) once the process has been reaped. Entry order and modes follow
// Linux's tgid_base_stuff and tid_base_stuff (fs/proc/base.c); fd/ is dr-x------ as there.
using System;

namespace Kitten.Kernel.FileSystem.Proc;

internal static class ProcessDirectory
{
    private const uint ReadExecuteAll = 0x16D;  // 0555
    private const uint ReadExecuteOwner = 0x140; // 0500

    // tid: the PID for /proc/<pid>, the thread for task/<tid>.
    public static DirectoryNode Create(FileSystemInstance fileSystem, ProcSource source, int pid, ulong identity, int tid, bool isTask)
    {
        var directory = new DirectoryNode(fileSystem, ReadExecuteAll);
        directory.Source = new ProcessEntries(source, pid, identity, isTask ? tid : 0);
        if (!isTask)
        {
            var task = new DirectoryNode(fileSystem, ReadExecuteAll);
            task.Source = new ThreadEntries(source, pid, identity);
            directory.Attach("task"u8, task);
        }
        var fd = new DirectoryNode(fileSystem, ReadExecuteOwner);
        fd.Source = new FileDescriptorEntries(source, pid, identity);
        directory.Attach("fd"u8, fd);
        AddFile(directory, source, ProcessFileKind.Environ, "environ"u8, pid, identity, tid);
        AddFile(directory, source, ProcessFileKind.Status, "status"u8, pid, identity, tid);
        AddFile(directory, source, ProcessFileKind.Comm, "comm"u8, pid, identity, tid);
        AddFile(directory, source, ProcessFileKind.Cmdline, "cmdline"u8, pid, identity, tid);
        AddFile(directory, source, ProcessFileKind.Stat, "stat"u8, pid, identity, tid);
        AddFile(directory, source, ProcessFileKind.Statm, "statm"u8, pid, identity, tid);
        AddFile(directory, source, ProcessFileKind.Maps, "maps"u8, pid, identity, tid);
        AddFile(directory, source, ProcessFileKind.Mounts, "mounts"u8, pid, identity, tid);
        AddFile(directory, source, ProcessFileKind.Mountinfo, "mountinfo"u8, pid, identity, tid);
        directory.Attach("cwd"u8, new ProcessLink(fileSystem, source, ProcessLinkKind.Cwd, pid, identity, 0));
        directory.Attach("root"u8, new ProcessLink(fileSystem, source, ProcessLinkKind.Root, pid, identity, 0));
        directory.Attach("exe"u8, new ProcessLink(fileSystem, source, ProcessLinkKind.Exe, pid, identity, 0));
        return directory;
    }

    private static void AddFile(DirectoryNode directory, ProcSource source, ProcessFileKind kind, ReadOnlySpan<byte> name,
        int pid, ulong identity, int tid)
        => directory.Attach(name, new ProcessFile(directory.FileSystem, source, kind, pid, identity, tid));

    // The identity of the process a /proc/<pid> directory was made for.
    public static ulong IdentityOf(DirectoryNode directory) => directory.Source is ProcessEntries entries ? entries.Identity : 0;
}

// A process directory's fixed entries: there while the process (and, for task/<tid>, the thread) is.
internal sealed class ProcessEntries : DirectorySource
{
    private readonly ProcSource _source;
    private readonly int _pid, _tid;
    public readonly ulong Identity;

    public ProcessEntries(ProcSource source, int pid, ulong identity, int tid)
    {
        _source = source;
        _pid = pid;
        Identity = identity;
        _tid = tid;
    }

    private bool Exists()
        => _source.IdentityOf(_pid) == Identity && (_tid == 0 || _source.NextThread(_pid, Identity, _tid - 1) == _tid);

    public override bool Update(DirectoryNode directory, ReadOnlySpan<byte> name) => Exists();

    public override bool UpdateAll(DirectoryNode directory) => Exists();
}

// task/: one directory per thread of the process, named by thread id.
internal sealed class ThreadEntries : NumberedEntries
{
    private readonly ProcSource _source;
    private readonly int _pid;
    private readonly ulong _identity;

    public ThreadEntries(ProcSource source, int pid, ulong identity)
        : base(DirectoryNode.FirstEntryCookie)
    {
        _source = source;
        _pid = pid;
        _identity = identity;
    }

    protected override bool Exists() => _source.IdentityOf(_pid) == _identity;

    protected override int Next(int number)
    {
        int tid = _source.NextThread(_pid, _identity, number < 0 ? 0 : number);
        return tid == 0 ? -1 : tid;
    }

    protected override Node Make(FileSystemInstance fileSystem, int number)
        => ProcessDirectory.Create(fileSystem, _source, _pid, _identity, number, isTask: true);
}

// fd/: one link per open file descriptor, named by its number.
internal sealed class FileDescriptorEntries : NumberedEntries
{
    private readonly ProcSource _source;
    private readonly int _pid;
    private readonly ulong _identity;

    public FileDescriptorEntries(ProcSource source, int pid, ulong identity)
        : base(DirectoryNode.FirstEntryCookie)
    {
        _source = source;
        _pid = pid;
        _identity = identity;
    }

    protected override bool Exists() => _source.IdentityOf(_pid) == _identity;

    protected override int Next(int number) => _source.NextFileDescriptor(_pid, _identity, number);

    protected override Node Make(FileSystemInstance fileSystem, int number)
        => new ProcessLink(fileSystem, _source, ProcessLinkKind.FileDescriptor, _pid, _identity, number);
}
