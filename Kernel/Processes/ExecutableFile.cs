// The bytes of a program to run, found by path: a file of the initial archive is used where it lies (no
// copy); any other file (one written to /tmp, say) is read into kernel memory first. execve(2) refuses
// what is not a regular file with an execute bit (EACCES).
using System;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.Processes;

internal unsafe struct ExecutableFile
{
    public byte* Data;
    public ulong Length;
    private bool _owned;
    // The file's real path and identity, for /proc/<pid>/exe and maps (SetExecutableOf hands them on).
    private byte[] _path;
    private ulong _device, _inode;

    // The bytes are the archive's, which never change nor move: the program's read-only pages can be
    // shared through the image cache.
    public readonly bool IsImmutable => Data != null && !_owned;

    // The file's identity (st_dev, st_ino): what a service policy is bound to (Kernel/Services).
    public readonly ulong Device => _device;
    public readonly ulong Inode => _inode;

    public static int Open(DirectoryNode start, ReadOnlySpan<byte> path, out ExecutableFile file)
    {
        file = default;
        bool interrupts = Vfs.Lock.Acquire();
        int status = PathResolver.Resolve(Vfs.Namespace, start, path, true, out Node node);
        if (status == 0 && (!node.IsRegular || (node.Mode & 0x49) == 0))
            status = node.IsDirectory ? -Errno.EACCES : -Errno.EACCES;
        if (status == 0)
        {
            var text = new TextBuilder(64);
            if (PathName.OfFile(Vfs.Namespace, start, path, text) == 0)
                file._path = Bytes.ToArray(text.Text);
            text.Release();
            file._device = node.FileSystem.DeviceNumber;
            file._inode = node.Inode;
            if (node is ArchiveFile archived)
            {
                file.Data = archived.Data;
                file.Length = archived.Size;
            }
            else
            {
                file.Length = node.Size;
                file.Data = (byte*)KernelHeap.AllocateZeroed(file.Length == 0 ? 1 : file.Length);
                file._owned = true;
                if (file.Data == null)
                    status = -Errno.ENOMEM;
                else if (file.Length > 0)
                {
                    long read = node.Read(0, new Span<byte>(file.Data, (int)file.Length));
                    if (read != (long)file.Length)
                        status = -Errno.EIO;
                }
            }
        }
        Vfs.Lock.Release(interrupts);
        if (status != 0)
            file.Dispose();
        return status;
    }

    // Records which file the new program came from in its address space (which then owns the path).
    public void SetExecutableOf(ProcessMemory memory)
    {
        memory.ExecutablePath = _path;
        memory.ExecutableDevice = _device;
        memory.ExecutableInode = _inode;
        _path = null;
    }

    public void Dispose()
    {
        if (_owned)
            KernelHeap.Free(Data);
        Data = null;
        _owned = false;
        if (_path != null)
            Runtime.ObjectMemory.Release(_path);
        _path = null;
    }
}
