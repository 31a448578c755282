// A regular file of the initial file system: its data is the file's bytes inside the boot module's cpio
// archive, read in place and never copied. The archive stays mapped for the life of the kernel.
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal sealed unsafe class ArchiveFile : Node
{
    private byte* _data;
    private ulong _size;

    public ArchiveFile(FileSystemInstance fileSystem, uint permissions, byte* data, ulong size)
        : base(fileSystem, FileMode.Regular | (permissions & FileMode.PermissionMask))
    {
        _data = data;
        _size = size;
    }

    public override ulong Size => _size;
    public override ulong BlockCount => (_size + 511) / 512;

    // The bytes in place, for a loader that maps or copies the whole file (an ELF image).
    public byte* Data => _data;

    // A later cpio entry of the same hard-linked file carries the data (cpio writes it with the last link).
    internal void SetData(byte* data, ulong size)
    {
        _data = data;
        _size = size;
    }

    public override long Read(ulong offset, Span<byte> buffer)
    {
        if (offset >= _size || buffer.Length == 0)
            return 0;
        ulong available = _size - offset;
        int count = (ulong)buffer.Length < available ? buffer.Length : (int)available;
        fixed (byte* destination = buffer)
            Bytes.Copy(_data + offset, destination, count);
        return count;
    }

    public override long Write(ulong offset, ReadOnlySpan<byte> data) => -Errno.EROFS;
    public override int Truncate(ulong length) => -Errno.EROFS;
}
