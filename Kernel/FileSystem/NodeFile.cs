// An open file of the file system: a node plus the file position and status flags. Reads and writes of
// files and directories hold the file-system lock (the VFS takes none of its own); device reads do not,
// since a terminal read may block.
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal sealed unsafe class NodeFile : FileDescription
{
    public readonly Node Node;

    public override object LockedObject => Node;
    // A generated file's text as this description last read it (GeneratedFile.ReadSnapshot).
    private TextBuilder _snapshot;

    // node has been Open()ed for this description; Close() gives that back.
    public NodeFile(Node node, int flags)
    {
        Node = node;
        StatusFlags = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECTORY | O_PATH);
    }

    public bool IsDirectory => Node.IsDirectory;

    public override long Read(byte* buffer, ulong count)
    {
        long n = ReadAt(buffer, count, Offset);
        if (n > 0 && !(Node is DeviceNode device && !device.Seekable))
            Offset += (ulong)n;
        return n;
    }

    public override long ReadAt(byte* buffer, ulong count, ulong offset)
    {
        if (Node.IsDirectory)
            return -Errno.EISDIR;
        int length = count > int.MaxValue ? int.MaxValue : (int)count;
        if (Node is DeviceNode device)
            return device.Read(offset, new Span<byte>(buffer, length), NonBlocking);
        bool interrupts = Vfs.Lock.Acquire();
        long n = Node is GeneratedFile generated
            ? generated.ReadSnapshot(ref _snapshot, offset, new Span<byte>(buffer, length))
            : Node.Read(offset, new Span<byte>(buffer, length));
        Vfs.Lock.Release(interrupts);
        return n;
    }

    public override long Write(byte* buffer, ulong count)
    {
        bool interrupts = Vfs.Lock.Acquire();
        ulong at = (StatusFlags & O_APPEND) != 0 ? Node.Size : Offset;
        Vfs.Lock.Release(interrupts);
        long n = WriteAt(buffer, count, at);
        if (n > 0 && !(Node is DeviceNode device && !device.Seekable))
            Offset = at + (ulong)n;
        return n;
    }

    public override long WriteAt(byte* buffer, ulong count, ulong offset)
    {
        int length = count > int.MaxValue ? int.MaxValue : (int)count;
        if (Node is DeviceNode device)
            return device.Write(offset, new ReadOnlySpan<byte>(buffer, length));
        bool interrupts = Vfs.Lock.Acquire();
        long n = Node.Write(offset, new ReadOnlySpan<byte>(buffer, length));
        Vfs.Lock.Release(interrupts);
        return n;
    }

    public override long Seek(long offset, int whence)
    {
        const int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
        if (Node is DeviceNode device)
        {
            if (!device.Seekable)
                return -Errno.ESPIPE;
            return 0;
        }
        bool interrupts = Vfs.Lock.Acquire();
        long size = (long)Node.Size;
        Vfs.Lock.Release(interrupts);
        long position;
        switch (whence)
        {
            case SEEK_SET: position = offset; break;
            case SEEK_CUR: position = (long)Offset + offset; break;
            case SEEK_END: position = size + offset; break;
            case SEEK_DATA:
            case SEEK_HOLE:
                // Files here have no holes: data runs to the end, the one hole is past it (lseek(2)).
                if (offset < 0)
                    return -Errno.EINVAL;
                if (offset >= size)
                    return -Errno.ENXIO;
                position = whence == SEEK_DATA ? offset : size;
                break;
            default:
                return -Errno.EINVAL;
        }
        if (position < 0)
            return -Errno.EINVAL;
        Offset = (ulong)position;
        return position;
    }

    public override long Ioctl(uint request, ulong argument)
        => Node is DeviceNode device ? device.Ioctl(request, argument) : -Errno.ENOTTY;

    public override bool ReadReady => Node is not DeviceNode device || (device.PollReadiness() & DeviceNode.PollIn) != 0;

    public override bool WriteReady => Node is not DeviceNode device || (device.PollReadiness() & DeviceNode.PollOut) != 0;

    public override long Stat(byte* stat)
    {
        bool interrupts = Vfs.Lock.Acquire();
        int status = StatEncoder.Encode(Node, new Span<byte>(stat, StatEncoder.Size));
        Vfs.Lock.Release(interrupts);
        return status < 0 ? status : 0;
    }

    // getdents64: the position of a directory is the enumeration cookie.
    public long ReadDirectory(byte* buffer, ulong count)
    {
        if (Node is not DirectoryNode directory)
            return -Errno.ENOTDIR;
        int length = count > int.MaxValue ? int.MaxValue : (int)count;
        long cookie = (long)Offset;
        bool interrupts = Vfs.Lock.Acquire();
        int n = DirentEncoder.Fill(directory, ref cookie, new Span<byte>(buffer, length));
        Vfs.Lock.Release(interrupts);
        if (n >= 0)
            Offset = (ulong)cookie;
        return n;
    }

    protected override void Close()
    {
        bool interrupts = Vfs.Lock.Acquire();
        Node.Close();
        Vfs.Lock.Release(interrupts);
        _snapshot?.Release();
        _snapshot = null;
    }
}
