// The generated files and links of /proc: each knows what it shows and asks the ProcSource for the text
// when it is read. File modes are Linux's (fs/proc/base.c): 0444 for most files, 0400 for environ.
namespace Kitten.Kernel.FileSystem.Proc;

internal sealed class ProcessFile : GeneratedFile
{
    private readonly ProcSource _source;
    private readonly ProcessFileKind _kind;
    private readonly int _pid, _tid;
    private readonly ulong _identity;

    public ProcessFile(FileSystemInstance fileSystem, ProcSource source, ProcessFileKind kind, int pid, ulong identity, int tid)
        : base(fileSystem, kind == ProcessFileKind.Environ ? 0x100u /* 0400 */ : 0x124u /* 0444 */)
    {
        _source = source;
        _kind = kind;
        _pid = pid;
        _identity = identity;
        _tid = tid;
    }

    public override int Generate(TextBuilder output) => _source.WriteProcessFile(_kind, _pid, _identity, _tid, output);
}

internal sealed class SystemFile : GeneratedFile
{
    private readonly ProcSource _source;
    private readonly SystemFileKind _kind;

    public SystemFile(FileSystemInstance fileSystem, ProcSource source, SystemFileKind kind)
        : base(fileSystem, 0x124 /* 0444 */)
    {
        _source = source;
        _kind = kind;
    }

    public override int Generate(TextBuilder output) => _source.WriteSystemFile(_kind, output);
}

internal sealed class ProcessLink : GeneratedSymlink
{
    private readonly ProcSource _source;
    private readonly ProcessLinkKind _kind;
    private readonly int _pid, _number;
    private readonly ulong _identity;

    public ProcessLink(FileSystemInstance fileSystem, ProcSource source, ProcessLinkKind kind, int pid, ulong identity, int number)
        : base(fileSystem)
    {
        _source = source;
        _kind = kind;
        _pid = pid;
        _identity = identity;
        _number = number;
    }

    protected override int Generate(TextBuilder output) => _source.WriteProcessLink(_kind, _pid, _identity, _number, output);
}

// /proc/self -> "<pid>" and /proc/thread-self -> "<pid>/task/<tid>", for whoever follows them.
internal sealed class SelfLink : GeneratedSymlink
{
    private readonly ProcSource _source;
    private readonly bool _thread;

    public SelfLink(FileSystemInstance fileSystem, ProcSource source, bool thread)
        : base(fileSystem)
    {
        _source = source;
        _thread = thread;
    }

    protected override int Generate(TextBuilder output)
    {
        int pid = _source.CurrentPid;
        if (pid == 0)
            return -LinuxAbi.Errno.ENOENT;
        output.Unsigned((ulong)pid);
        if (_thread)
            output.Append("/task/").Unsigned((ulong)_source.CurrentTid);
        return 0;
    }
}
