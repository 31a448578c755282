// A file whose contents the kernel writes when it is read: the files of /proc and /sys. Like Linux's
// seq_file, each open file description keeps its own copy of the text (NodeFile holds it), made by the
// first read and again by any read at offset 0, so that a program reading in small pieces, seeking
// around, or rereading from the start after lseek(fd, 0, SEEK_SET) sees one consistent snapshot each
// time. Read-only: the file systems that hold these are mounted read-only here (EROFS on open for write).
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal abstract class GeneratedFile : Node
{
    private readonly ulong _reportedSize;

    // reportedSize: st_size, which is 0 for /proc files and 4096 (a page) for sysfs attributes on Linux;
    // the real length is only known by reading.
    protected GeneratedFile(FileSystemInstance fileSystem, uint permissions, ulong reportedSize = 0)
        : base(fileSystem, FileMode.Regular | (permissions & FileMode.PermissionMask))
    {
        _reportedSize = reportedSize;
    }

    public override ulong Size => _reportedSize;

    // Writes the current contents: 0, or -errno (ESRCH: the process it describes is gone). Called with
    // the file-system lock held; must not block.
    public abstract int Generate(TextBuilder output);

    // A read without a description of its own (a snapshot of one call).
    public override long Read(ulong offset, Span<byte> buffer)
    {
        var text = new TextBuilder();
        int status = Generate(text);
        long result = status < 0 ? status : text.CopyTo(offset, buffer);
        text.Release();
        return result;
    }

    public override long Write(ulong offset, ReadOnlySpan<byte> data) => -Errno.EROFS;
    public override int Truncate(ulong length) => -Errno.EROFS;

    // The read an open description makes: `snapshot` is that description's copy of the text (null before
    // the first read); it is made anew for a read at offset 0.
    public long ReadSnapshot(ref TextBuilder snapshot, ulong offset, Span<byte> buffer)
    {
        if (snapshot == null || offset == 0)
        {
            snapshot ??= new TextBuilder();
            snapshot.Clear();
            int status = Generate(snapshot);
            if (status < 0)
            {
                snapshot.Clear();
                return status;
            }
        }
        return snapshot.CopyTo(offset, buffer);
    }
}
