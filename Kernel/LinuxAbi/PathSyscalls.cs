// Opening and inspecting files by path: open/openat/creat, stat/lstat/newfstatat, access/faccessat,
// readlink/readlinkat, getdents64.
using System;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class PathSyscalls
{
    private const int AT_SYMLINK_NOFOLLOW = 0x100, AT_EACCESS = 0x200, AT_SYMLINK_FOLLOW = 0x400, AT_EMPTY_PATH = 0x1000,
        AT_NO_AUTOMOUNT = 0x800, AT_STATX_SYNC_TYPE = 0x6000;

    public static void Register()
    {
        SyscallTable.Register(Sys.Open, &Open);
        SyscallTable.Register(Sys.Openat, &Openat);
        SyscallTable.Register(Sys.Creat, &Creat);
        SyscallTable.Register(Sys.Stat, &Stat);
        SyscallTable.Register(Sys.Lstat, &Lstat);
        SyscallTable.Register(Sys.Newfstatat, &Newfstatat);
        SyscallTable.Register(Sys.Access, &Access);
        SyscallTable.Register(Sys.Faccessat, &Faccessat);
        SyscallTable.Register(Sys.Faccessat2, &Faccessat2);
        SyscallTable.Register(Sys.Readlink, &Readlink);
        SyscallTable.Register(Sys.Readlinkat, &Readlinkat);
        SyscallTable.Register(Sys.Getdents64, &Getdents64);
    }

    private static long Open(InterruptContext* c) => OpenAt(PathArgument.AtFdCwd, c->Rdi, (int)c->Rsi, (uint)c->Rdx);

    private static long Openat(InterruptContext* c) => OpenAt((int)c->Rdi, c->Rsi, (int)c->Rdx, (uint)c->R10);

    private static long Creat(InterruptContext* c)
        => OpenAt(PathArgument.AtFdCwd, c->Rdi, OpenFlags.Create | OpenFlags.WriteOnly | OpenFlags.Truncate, (uint)c->Rsi);

    private static long OpenAt(int dirfd, ulong userPath, int flags, uint mode)
    {
        int status = PathArgument.Take(dirfd, userPath, out PathArgument path);
        if (status != 0)
        {
            path.Release();
            return status;
        }
        Process process = Process.Current;
        uint permissions = mode & ~(uint)process.Umask & 0xFFF;
        bool interrupts = Vfs.Lock.Acquire();
        status = PathOperations.Open(Vfs.Namespace, path.Start, path.Path, flags, permissions, out Node node);
        Vfs.Lock.Release(interrupts);
        path.Release();
        if (status != 0)
            return status;
        FileDescription file = node is FifoNode fifo ? Fifos.Open(fifo, flags) : new NodeFile(node, flags);
        if (file is not NodeFile)
        {
            interrupts = Vfs.Lock.Acquire();
            node.Close();
            Vfs.Lock.Release(interrupts);
        }
        if (file == null)
            return -Errno.ENXIO;
        int fd = process.Files.Add(file, (flags & OpenFlags.CloseOnExec) != 0);
        if (fd < 0)
            file.Release();
        return fd;
    }

    private static long Stat(InterruptContext* c) => StatAt(PathArgument.AtFdCwd, c->Rdi, c->Rsi, 0);

    private static long Lstat(InterruptContext* c) => StatAt(PathArgument.AtFdCwd, c->Rdi, c->Rsi, AT_SYMLINK_NOFOLLOW);

    private static long Newfstatat(InterruptContext* c) => StatAt((int)c->Rdi, c->Rsi, c->Rdx, (int)c->R10);

    private static long StatAt(int dirfd, ulong userPath, ulong userStat, int flags)
    {
        if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) != 0)
            return -Errno.EINVAL;
        int status = PathArgument.Take(dirfd, userPath, out PathArgument path, (flags & AT_EMPTY_PATH) != 0);
        if (status != 0)
        {
            path.Release();
            return status;
        }
        byte* stat = stackalloc byte[StatEncoder.Size];
        if (path.Length == 0)
        {
            FileDescription held = path.HeldFile;
            Node target = path.EmptyPathTarget;
            if (held != null && target == null)
                status = (int)held.Stat(stat); // a pipe or other non-node file
            else
                status = EncodeLocked(target, stat);
        }
        else
        {
            bool interrupts = Vfs.Lock.Acquire();
            status = PathResolver.Resolve(Vfs.Namespace, path.Start, path.Path, (flags & AT_SYMLINK_NOFOLLOW) == 0, out Node node);
            if (status == 0)
                status = StatEncoder.Encode(node, new Span<byte>(stat, StatEncoder.Size));
            Vfs.Lock.Release(interrupts);
        }
        path.Release();
        if (status < 0)
            return status;
        return Processes.UserMemory.CopyOut(userStat, stat, StatEncoder.Size);
    }

    private static int EncodeLocked(Node node, byte* stat)
    {
        bool interrupts = Vfs.Lock.Acquire();
        int status = StatEncoder.Encode(node, new Span<byte>(stat, StatEncoder.Size));
        Vfs.Lock.Release(interrupts);
        return status;
    }

    private static long Access(InterruptContext* c) => AccessAt(PathArgument.AtFdCwd, c->Rdi, (int)c->Rsi, 0);

    private static long Faccessat(InterruptContext* c) => AccessAt((int)c->Rdi, c->Rsi, (int)c->Rdx, 0);

    private static long Faccessat2(InterruptContext* c) => AccessAt((int)c->Rdi, c->Rsi, (int)c->Rdx, (int)c->R10);

    private static long AccessAt(int dirfd, ulong userPath, int mode, int flags)
    {
        if ((mode & ~7) != 0 || (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH)) != 0)
            return -Errno.EINVAL;
        int status = PathArgument.Take(dirfd, userPath, out PathArgument path, (flags & AT_EMPTY_PATH) != 0);
        if (status == 0)
        {
            bool interrupts = Vfs.Lock.Acquire();
            status = PathOperations.Access(Vfs.Namespace, path.Start, path.Path, mode, (flags & AT_SYMLINK_NOFOLLOW) == 0);
            Vfs.Lock.Release(interrupts);
        }
        path.Release();
        return status;
    }

    private static long Readlink(InterruptContext* c) => ReadlinkAt(PathArgument.AtFdCwd, c->Rdi, c->Rsi, c->Rdx);

    private static long Readlinkat(InterruptContext* c) => ReadlinkAt((int)c->Rdi, c->Rsi, c->Rdx, c->R10);

    private static long ReadlinkAt(int dirfd, ulong userPath, ulong userBuffer, ulong size)
    {
        if ((long)size <= 0)
            return -Errno.EINVAL;
        int status = PathArgument.Take(dirfd, userPath, out PathArgument path);
        if (status != 0)
        {
            path.Release();
            return status;
        }
        int capacity = size > PathResolver.PathMax ? PathResolver.PathMax : (int)size;
        byte* buffer = stackalloc byte[PathResolver.PathMax];
        bool interrupts = Vfs.Lock.Acquire();
        status = PathOperations.ReadLink(Vfs.Namespace, path.Start, path.Path, new Span<byte>(buffer, capacity));
        Vfs.Lock.Release(interrupts);
        path.Release();
        if (status < 0)
            return status;
        return Processes.UserMemory.CopyOut(userBuffer, buffer, (ulong)status) != 0 ? -Errno.EFAULT : status;
    }

    private static long Getdents64(InterruptContext* c)
    {
        FileDescription file = Process.Current.Files.Get((int)c->Rdi);
        if (file == null)
            return -Errno.EBADF;
        long result;
        if (file is not NodeFile nodeFile)
            result = -Errno.ENOTDIR;
        else
        {
            ulong count = c->Rdx > 1 << 20 ? 1 << 20 : c->Rdx;
            byte* buffer = (byte*)KernelHeap.AllocateZeroed(count == 0 ? 1 : count);
            result = nodeFile.ReadDirectory(buffer, count);
            if (result > 0 && Processes.UserMemory.CopyOut(c->Rsi, buffer, (ulong)result) != 0)
                result = -Errno.EFAULT;
            KernelHeap.Free(buffer);
        }
        file.Release();
        return result;
    }
}
