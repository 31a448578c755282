// /proc/<pid>/ and /proc/<pid>/task/<tid>/: a directory of generated files and links about one process,
// made when its PID is first looked up or listed, and gone (ENOENT for every name in it, even through a
// directory descriptor opened earlier) once the process has been reaped. Entry order and modes follow
// Linux's tgid_base_stuff and tid_base_stuff (fs/proc/base.c); fd/ is dr-x------ as there.
using System;

namespace Kitten.Kernel.FileSystem.Proc;

internal static class ProcessDirectory
{
    public const uint ReadExecuteAll = 0x16D;  // 0555
    public const uint ReadExecuteOwner = 0x140; // 0500

    // tid: the PID for /proc/<pid>, the thread for task/<tid>. Its entries are made when first looked up
    // or listed (ProcessEntries): most lookups want one of them (every static glibc program reads
    // /proc/self/exe at start-up), and making all of them each time was most of what that cost.
    public static DirectoryNode Create(FileSystemInstance fileSystem, ProcSource source, int pid, ulong identity, int tid, bool isTask)
    {
        var directory = new DirectoryNode(fileSystem, ReadExecuteAll);
        directory.Source = new ProcessEntries(source, pid, identity, isTask ? tid : 0);
        return directory;
    }

    // The identity of the process a /proc/<pid> directory was made for.
    public static ulong IdentityOf(DirectoryNode directory) => directory.Source is ProcessEntries entries ? entries.Identity : 0;
}

// A process directory's fixed entries: there while the process (and, for task/<tid>, the thread) is.
// Each is made at the cookie of its place in Linux's order, so listings come out in that order whatever
// was looked up first.
internal sealed class ProcessEntries : DirectorySource
{
    private const int Count = 14;

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

    public override bool Update(DirectoryNode directory, ReadOnlySpan<byte> name)
    {
        if (!Exists())
            return false;
        for (int i = 0; i < Count; i++)
        {
            if (Bytes.Equal(NameOf(i), name))
            {
                Ensure(directory, i);
                break;
            }
        }
        return true;
    }

    public override bool UpdateAll(DirectoryNode directory)
    {
        if (!Exists())
            return false;
        for (int i = 0; i < Count; i++)
            Ensure(directory, i);
        return true;
    }

    private void Ensure(DirectoryNode directory, int index)
    {
        ReadOnlySpan<byte> name = NameOf(index);
        if (name.Length == 0 || directory.Find(name) != null)
            return;
        directory.AttachAt(name, Make(directory.FileSystem, index), DirectoryNode.FirstEntryCookie + index);
    }

    // Linux's tgid_base_stuff order (a thread's directory has no task/).
    private ReadOnlySpan<byte> NameOf(int index) => index switch
    {
        0 => _tid == 0 ? "task"u8 : default,
        1 => "fd"u8,
        2 => "environ"u8,
        3 => "status"u8,
        4 => "comm"u8,
        5 => "cmdline"u8,
        6 => "stat"u8,
        7 => "statm"u8,
        8 => "maps"u8,
        9 => "mounts"u8,
        10 => "mountinfo"u8,
        11 => "cwd"u8,
        12 => "root"u8,
        13 => "exe"u8,
        _ => default,
    };

    private Node Make(FileSystemInstance fileSystem, int index)
    {
        int tid = _tid == 0 ? _pid : _tid;
        switch (index)
        {
            case 0:
                return new DirectoryNode(fileSystem, ProcessDirectory.ReadExecuteAll) { Source = new ThreadEntries(_source, _pid, Identity) };
            case 1:
                return new DirectoryNode(fileSystem, ProcessDirectory.ReadExecuteOwner) { Source = new FileDescriptorEntries(_source, _pid, Identity) };
            case 11:
                return new ProcessLink(fileSystem, _source, ProcessLinkKind.Cwd, _pid, Identity, 0);
            case 12:
                return new ProcessLink(fileSystem, _source, ProcessLinkKind.Root, _pid, Identity, 0);
            case 13:
                return new ProcessLink(fileSystem, _source, ProcessLinkKind.Exe, _pid, Identity, 0);
            default:
                return new ProcessFile(fileSystem, _source, FileKindOf(index), _pid, Identity, tid);
        }
    }

    private static ProcessFileKind FileKindOf(int index) => index switch
    {
        2 => ProcessFileKind.Environ,
        3 => ProcessFileKind.Status,
        4 => ProcessFileKind.Comm,
        5 => ProcessFileKind.Cmdline,
        6 => ProcessFileKind.Stat,
        7 => ProcessFileKind.Statm,
        8 => ProcessFileKind.Maps,
        9 => ProcessFileKind.Mounts,
        _ => ProcessFileKind.Mountinfo,
    };
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
