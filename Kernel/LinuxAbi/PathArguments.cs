// What every path system call does first: copy the path in from user memory and find the directory a
// relative path starts from (the working directory for AT_FDCWD, else the directory open as dirfd).
using System;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.LinuxAbi;

internal unsafe struct PathArgument
{
    public const int AtFdCwd = -100;
    public const int Capacity = PathResolver.PathMax;

    public byte* Bytes;
    public int Length;
    public DirectoryNode Start;
    private FileDescription _held;

    public ReadOnlySpan<byte> Path => new ReadOnlySpan<byte>(Bytes, Length);

    // 0, or -errno (EFAULT, ENAMETOOLONG, ENOENT for "", EBADF, ENOTDIR). allowEmpty: AT_EMPTY_PATH.
    public static int Take(int dirfd, ulong userPath, out PathArgument argument, bool allowEmpty = false)
    {
        argument = default;
        argument.Bytes = (byte*)KernelHeap.Allocate(Capacity); // only the copied string is read
        if (argument.Bytes == null)
            return -Errno.ENOMEM;
        int length = Processes.UserMemory.CopyString(userPath, argument.Bytes, Capacity);
        if (length < 0)
            return length;
        argument.Length = length;
        if (length == 0 && !allowEmpty)
            return -Errno.ENOENT;
        Process process = Process.Current;
        if (length > 0 && argument.Bytes[0] == '/')
        {
            argument.Start = Vfs.Namespace.Root;
            return 0;
        }
        if (dirfd == AtFdCwd)
        {
            argument.Start = process.Cwd;
            return 0;
        }
        FileDescription file = process.Files.Get(dirfd);
        if (file == null)
            return -Errno.EBADF;
        argument._held = file;
        if (file is not NodeFile nodeFile || nodeFile.Node is not DirectoryNode directory)
            return length == 0 ? 0 : -Errno.ENOTDIR;
        argument.Start = directory;
        return 0;
    }

    // With AT_EMPTY_PATH and "": the file dirfd names (or the working directory).
    public readonly Node EmptyPathTarget
        => _held is NodeFile file ? file.Node : (_held == null ? Process.Current.Cwd : null);

    public readonly FileDescription HeldFile => _held;

    public void Release()
    {
        KernelHeap.Free(Bytes);
        Bytes = null;
        _held?.Release();
        _held = null;
    }
}
