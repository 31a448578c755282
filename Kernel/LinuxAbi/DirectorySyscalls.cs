// Changing the file-system tree and a process's place in it: mkdir, rmdir, unlink, rename, link, symlink,
// mknod, truncate, chmod, chown, utimensat, chdir, fchdir, getcwd, statfs, and the sync calls (no-ops: all
// files live in memory).
using System;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class DirectorySyscalls
{
    private const int AT_REMOVEDIR = 0x200, AT_SYMLINK_FOLLOW = 0x400, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;

    public static void Register()
    {
        SyscallTable.Register(Sys.Mkdir, &Mkdir);
        SyscallTable.Register(Sys.Mkdirat, &Mkdirat);
        SyscallTable.Register(Sys.Rmdir, &Rmdir);
        SyscallTable.Register(Sys.Unlink, &Unlink);
        SyscallTable.Register(Sys.Unlinkat, &Unlinkat);
        SyscallTable.Register(Sys.Rename, &Rename);
        SyscallTable.Register(Sys.Renameat, &Renameat);
        SyscallTable.Register(316, &Renameat2);
        SyscallTable.Register(Sys.Link, &Link);
        SyscallTable.Register(265, &Linkat);
        SyscallTable.Register(Sys.Symlink, &Symlink);
        SyscallTable.Register(266, &Symlinkat);
        SyscallTable.Register(133, &Mknod);
        SyscallTable.Register(259, &Mknodat);
        SyscallTable.Register(Sys.Truncate, &Truncate);
        SyscallTable.Register(Sys.Ftruncate, &Ftruncate);
        SyscallTable.Register(Sys.Chmod, &Chmod);
        SyscallTable.Register(Sys.Fchmod, &Fchmod);
        SyscallTable.Register(268, &Fchmodat);
        SyscallTable.Register(Sys.Chown, &Chown);
        SyscallTable.Register(93, &Fchown);
        SyscallTable.Register(94, &Lchown);
        SyscallTable.Register(260, &Fchownat);
        SyscallTable.Register(280, &Utimensat);
        SyscallTable.Register(Sys.Chdir, &Chdir);
        SyscallTable.Register(Sys.Fchdir, &Fchdir);
        SyscallTable.Register(Sys.Getcwd, &Getcwd);
        SyscallTable.Register(137, &Statfs);
        SyscallTable.Register(138, &Fstatfs);
        SyscallTable.Register(74, &Nothing);             // fsync
        SyscallTable.Register(75, &Nothing);             // fdatasync
        SyscallTable.Register(162, &Nothing);            // sync
        SyscallTable.Register(306, &Nothing);            // syncfs
    }

    private static long Nothing(InterruptContext* c) => 0;

    // Runs op on one path argument under the file-system lock.
    private static long WithPath(int dirfd, ulong userPath, delegate*<in PathArgument, ulong, ulong, int> op, ulong a, ulong b)
    {
        int status = PathArgument.Take(dirfd, userPath, out PathArgument path);
        if (status == 0)
        {
            bool interrupts = Vfs.Lock.Acquire();
            status = op(in path, a, b);
            Vfs.Lock.Release(interrupts);
        }
        path.Release();
        return status;
    }

    private static long WithTwoPaths(int oldDirfd, ulong oldPath, int newDirfd, ulong newPath,
        delegate*<in PathArgument, in PathArgument, ulong, int> op, ulong argument)
    {
        int status = PathArgument.Take(oldDirfd, oldPath, out PathArgument first);
        PathArgument second = default;
        if (status == 0)
            status = PathArgument.Take(newDirfd, newPath, out second);
        if (status == 0)
        {
            bool interrupts = Vfs.Lock.Acquire();
            status = op(in first, in second, argument);
            Vfs.Lock.Release(interrupts);
        }
        first.Release();
        second.Release();
        return status;
    }

    private static uint Masked(ulong mode) => (uint)mode & ~(uint)Process.Current.Umask & 0xFFF;

    private static long Mkdir(InterruptContext* c) => WithPath(PathArgument.AtFdCwd, c->Rdi, &DoMkdir, Masked(c->Rsi), 0);
    private static long Mkdirat(InterruptContext* c) => WithPath((int)c->Rdi, c->Rsi, &DoMkdir, Masked(c->Rdx), 0);
    private static int DoMkdir(in PathArgument p, ulong permissions, ulong unused)
        => PathOperations.MakeDirectory(Vfs.Namespace, p.Start, p.Path, (uint)permissions);

    private static long Rmdir(InterruptContext* c) => WithPath(PathArgument.AtFdCwd, c->Rdi, &DoRmdir, 0, 0);
    private static int DoRmdir(in PathArgument p, ulong a, ulong b) => PathOperations.RemoveDirectory(Vfs.Namespace, p.Start, p.Path);

    private static long Unlink(InterruptContext* c) => WithPath(PathArgument.AtFdCwd, c->Rdi, &DoUnlink, 0, 0);
    private static int DoUnlink(in PathArgument p, ulong a, ulong b) => PathOperations.Unlink(Vfs.Namespace, p.Start, p.Path);

    private static long Unlinkat(InterruptContext* c)
    {
        int flags = (int)c->Rdx;
        if ((flags & ~AT_REMOVEDIR) != 0)
            return -Errno.EINVAL;
        return WithPath((int)c->Rdi, c->Rsi, (flags & AT_REMOVEDIR) != 0 ? &DoRmdir : &DoUnlink, 0, 0);
    }

    private static long Rename(InterruptContext* c) => WithTwoPaths(PathArgument.AtFdCwd, c->Rdi, PathArgument.AtFdCwd, c->Rsi, &DoRename, 0);
    private static long Renameat(InterruptContext* c) => WithTwoPaths((int)c->Rdi, c->Rsi, (int)c->Rdx, c->R10, &DoRename, 0);
    private static long Renameat2(InterruptContext* c) => WithTwoPaths((int)c->Rdi, c->Rsi, (int)c->Rdx, c->R10, &DoRename, c->R8);
    private static int DoRename(in PathArgument from, in PathArgument to, ulong flags)
        => PathOperations.Rename(Vfs.Namespace, from.Start, from.Path, to.Start, to.Path, (int)flags);

    private static long Link(InterruptContext* c) => WithTwoPaths(PathArgument.AtFdCwd, c->Rdi, PathArgument.AtFdCwd, c->Rsi, &DoLink, 0);
    private static long Linkat(InterruptContext* c)
    {
        int flags = (int)c->R8;
        if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) != 0)
            return -Errno.EINVAL;
        return WithTwoPaths((int)c->Rdi, c->Rsi, (int)c->Rdx, c->R10, &DoLink, (ulong)flags);
    }
    private static int DoLink(in PathArgument from, in PathArgument to, ulong flags)
        => PathOperations.Link(Vfs.Namespace, from.Start, from.Path, to.Start, to.Path, (flags & AT_SYMLINK_FOLLOW) != 0);

    private static long Symlink(InterruptContext* c) => SymlinkAt(c->Rdi, PathArgument.AtFdCwd, c->Rsi);
    private static long Symlinkat(InterruptContext* c) => SymlinkAt(c->Rdi, (int)c->Rsi, c->Rdx);

    private static long SymlinkAt(ulong userTarget, int dirfd, ulong userPath)
    {
        byte* target = (byte*)Memory.KernelHeap.AllocateZeroed(PathArgument.Capacity);
        int length = Processes.UserMemory.CopyString(userTarget, target, PathArgument.Capacity);
        long status;
        if (length < 0)
            status = length;
        else if (length == 0)
            status = -Errno.ENOENT;
        else
            status = WithPath(dirfd, userPath, &DoSymlink, (ulong)target, (ulong)length);
        Memory.KernelHeap.Free(target);
        return status;
    }
    private static int DoSymlink(in PathArgument p, ulong target, ulong length)
        => PathOperations.Symlink(Vfs.Namespace, new ReadOnlySpan<byte>((byte*)target, (int)length), p.Start, p.Path);

    private static long Mknod(InterruptContext* c) => WithPath(PathArgument.AtFdCwd, c->Rdi, &DoMknod, c->Rsi, 0);
    private static long Mknodat(InterruptContext* c) => WithPath((int)c->Rdi, c->Rsi, &DoMknod, c->Rdx, 0);
    private static int DoMknod(in PathArgument p, ulong mode, ulong unused)
        => PathOperations.MakeNode(Vfs.Namespace, p.Start, p.Path, ((uint)mode & FileMode.TypeMask) | Masked(mode));

    private static long Truncate(InterruptContext* c)
        => (long)c->Rsi < 0 ? -Errno.EINVAL : WithPath(PathArgument.AtFdCwd, c->Rdi, &DoTruncate, c->Rsi, 0);
    private static int DoTruncate(in PathArgument p, ulong length, ulong unused)
        => PathOperations.Truncate(Vfs.Namespace, p.Start, p.Path, (long)length);

    private static long Ftruncate(InterruptContext* c)
    {
        if ((long)c->Rsi < 0)
            return -Errno.EINVAL;
        FileDescription file = Process.Current.Files.Get((int)c->Rdi);
        if (file == null)
            return -Errno.EBADF;
        long status;
        if (file is not NodeFile nodeFile || !file.CanWrite)
            status = -Errno.EINVAL;
        else if (!nodeFile.Node.IsRegular)
            status = -Errno.EINVAL;
        else
        {
            bool interrupts = Vfs.Lock.Acquire();
            status = nodeFile.Node.FileSystem.ReadOnly ? -Errno.EROFS : nodeFile.Node.Truncate(c->Rsi);
            Vfs.Lock.Release(interrupts);
        }
        file.Release();
        return status;
    }

    // Changing a node found by path or by descriptor: chmod, chown, utimensat.
    private static long OnNode(int dirfd, ulong userPath, bool follow, bool allowEmpty, delegate*<Node, ulong, ulong, int> op, ulong a, ulong b)
    {
        int status = PathArgument.Take(dirfd, userPath, out PathArgument path, allowEmpty);
        if (status == 0)
        {
            bool interrupts = Vfs.Lock.Acquire();
            Node node = null;
            if (path.Length == 0)
                node = path.EmptyPathTarget;
            else
                status = PathResolver.Resolve(Vfs.Namespace, path.Start, path.Path, follow, out node);
            if (status == 0)
                status = node == null ? -Errno.EBADF : node.FileSystem.ReadOnly ? -Errno.EROFS : op(node, a, b);
            Vfs.Lock.Release(interrupts);
        }
        path.Release();
        return status;
    }

    private static long OnDescriptor(int fd, delegate*<Node, ulong, ulong, int> op, ulong a, ulong b)
    {
        FileDescription file = Process.Current.Files.Get(fd);
        if (file == null)
            return -Errno.EBADF;
        long status = -Errno.EINVAL;
        if (file is NodeFile nodeFile)
        {
            bool interrupts = Vfs.Lock.Acquire();
            status = nodeFile.Node.FileSystem.ReadOnly ? -Errno.EROFS : op(nodeFile.Node, a, b);
            Vfs.Lock.Release(interrupts);
        }
        file.Release();
        return status;
    }

    private static int DoChmod(Node node, ulong mode, ulong unused) => node.SetPermissions((uint)mode & 0xFFF);
    private static int DoChown(Node node, ulong uid, ulong gid) => node.SetOwner((uint)uid, (uint)gid);

    private static long Chmod(InterruptContext* c) => OnNode(PathArgument.AtFdCwd, c->Rdi, true, false, &DoChmod, c->Rsi, 0);
    private static long Fchmod(InterruptContext* c) => OnDescriptor((int)c->Rdi, &DoChmod, c->Rsi, 0);
    private static long Fchmodat(InterruptContext* c) => OnNode((int)c->Rdi, c->Rsi, true, false, &DoChmod, c->Rdx, 0);
    private static long Chown(InterruptContext* c) => OnNode(PathArgument.AtFdCwd, c->Rdi, true, false, &DoChown, c->Rsi, c->Rdx);
    private static long Lchown(InterruptContext* c) => OnNode(PathArgument.AtFdCwd, c->Rdi, false, false, &DoChown, c->Rsi, c->Rdx);
    private static long Fchown(InterruptContext* c) => OnDescriptor((int)c->Rdi, &DoChown, c->Rsi, c->Rdx);
    private static long Fchownat(InterruptContext* c)
        => OnNode((int)c->Rdi, c->Rsi, ((int)c->R8 & AT_SYMLINK_NOFOLLOW) == 0, ((int)c->R8 & AT_EMPTY_PATH) != 0, &DoChown, c->Rdx, c->R10);

    // utimensat(dirfd, path, times[2], flags): NULL times means now; UTIME_NOW and UTIME_OMIT as tv_nsec.
    private static long Utimensat(InterruptContext* c)
    {
        const long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;
        long* times = stackalloc long[4];
        long now = FileTime.Now();
        long access = now, modify = now;
        if (c->Rdx != 0)
        {
            if (Processes.UserMemory.CopyIn(times, c->Rdx, 32) != 0)
                return -Errno.EFAULT;
            access = times[1] == UTIME_NOW ? now : times[1] == UTIME_OMIT ? -1 : times[0] * 1_000_000_000 + times[1];
            modify = times[3] == UTIME_NOW ? now : times[3] == UTIME_OMIT ? -1 : times[2] * 1_000_000_000 + times[3];
        }
        bool follow = ((int)c->R10 & AT_SYMLINK_NOFOLLOW) == 0;
        if (c->Rsi == 0)
            return OnDescriptor((int)c->Rdi, &DoTimes, (ulong)access, (ulong)modify);
        return OnNode((int)c->Rdi, c->Rsi, follow, false, &DoTimes, (ulong)access, (ulong)modify);
    }

    private static int DoTimes(Node node, ulong access, ulong modify) => node.SetTimes((long)access, (long)modify);

    private static long Chdir(InterruptContext* c)
    {
        int status = PathArgument.Take(PathArgument.AtFdCwd, c->Rdi, out PathArgument path);
        if (status == 0)
        {
            bool interrupts = Vfs.Lock.Acquire();
            status = PathOperations.ChangeDirectory(Vfs.Namespace, path.Start, path.Path, out DirectoryNode directory);
            if (status == 0)
                SetCwd(directory);
            Vfs.Lock.Release(interrupts);
        }
        path.Release();
        return status;
    }

    private static long Fchdir(InterruptContext* c)
    {
        FileDescription file = Process.Current.Files.Get((int)c->Rdi);
        if (file == null)
            return -Errno.EBADF;
        long status = -Errno.ENOTDIR;
        if (file is NodeFile nodeFile && nodeFile.Node is DirectoryNode directory)
        {
            bool interrupts = Vfs.Lock.Acquire();
            SetCwd(directory);
            Vfs.Lock.Release(interrupts);
            status = 0;
        }
        file.Release();
        return status;
    }

    // Under the file-system lock.
    private static void SetCwd(DirectoryNode directory)
    {
        Process process = Process.Current;
        directory.Open();
        process.Cwd?.Close();
        process.Cwd = directory;
    }

    // getcwd(buf, size): the raw call returns the length including the NUL.
    private static long Getcwd(InterruptContext* c)
    {
        byte* buffer = (byte*)Memory.KernelHeap.AllocateZeroed(PathArgument.Capacity);
        int capacity = c->Rsi > PathArgument.Capacity ? PathArgument.Capacity : (int)c->Rsi;
        bool interrupts = Vfs.Lock.Acquire();
        int length = PathName.OfDirectory(Vfs.Namespace, Process.Current.Cwd, new Span<byte>(buffer, capacity));
        Vfs.Lock.Release(interrupts);
        long status = length;
        if (length > 0 && Processes.UserMemory.CopyOut(c->Rdi, buffer, (ulong)length) != 0)
            status = -Errno.EFAULT;
        Memory.KernelHeap.Free(buffer);
        return status;
    }

    // struct statfs (120 bytes) of the file system holding a file (statfs(2)): its type's magic number
    // (linux/magic.h), and for a tmpfs its capacity and use; in-memory file systems without a limit
    // (rootfs, proc, sysfs) report no blocks, as Linux's do. A pipe is on pipefs.
    private static long FillStatfs(ulong user, FileSystemInstance fileSystem)
    {
        const long TmpfsMagic = 0x01021994, RamfsMagic = 0x858458F6, ProcMagic = 0x9FA0, SysfsMagic = 0x62656572,
            PipefsMagic = 0x50495045, ReadOnlyFlag = 1, ValidFlag = 0x20;   // ST_RDONLY, ST_VALID
        long* buffer = stackalloc long[15];
        for (int i = 0; i < 15; i++)
            buffer[i] = 0;
        string type = fileSystem?.Type;
        buffer[0] = type == null ? PipefsMagic : type == "tmpfs" ? TmpfsMagic : type == "proc" ? ProcMagic
            : type == "sysfs" ? SysfsMagic : RamfsMagic;
        buffer[1] = 4096;                           // f_bsize
        if (type == "tmpfs")
        {
            buffer[2] = (long)(fileSystem.CapacityBytes / 4096);                            // f_blocks
            buffer[3] = buffer[4] = (long)((fileSystem.CapacityBytes - fileSystem.UsedBytes) / 4096); // f_bfree, f_bavail
            buffer[5] = fileSystem.NodeLimit;                                               // f_files
            buffer[6] = fileSystem.NodeLimit - fileSystem.NodeCount;                        // f_ffree
        }
        buffer[8] = 255;                            // f_namelen
        buffer[9] = 4096;                           // f_frsize
        buffer[10] = ValidFlag | (fileSystem != null && fileSystem.ReadOnly && !fileSystem.KernelGenerated ? ReadOnlyFlag : 0); // f_flags
        return Processes.UserMemory.CopyOut(user, buffer, 120);
    }

    private static long Statfs(InterruptContext* c)
    {
        int status = PathArgument.Take(PathArgument.AtFdCwd, c->Rdi, out PathArgument path);
        FileSystemInstance fileSystem = null;
        if (status == 0)
        {
            bool interrupts = Vfs.Lock.Acquire();
            status = PathResolver.Resolve(Vfs.Namespace, path.Start, path.Path, true, out Node node);
            if (status == 0)
                fileSystem = node.FileSystem;
            Vfs.Lock.Release(interrupts);
        }
        path.Release();
        return status != 0 ? status : FillStatfs(c->Rsi, fileSystem);
    }

    private static long Fstatfs(InterruptContext* c)
    {
        FileDescription file = Process.Current.Files.Get((int)c->Rdi);
        if (file == null)
            return -Errno.EBADF;
        FileSystemInstance fileSystem = (file as NodeFile)?.Node.FileSystem;
        file.Release();
        return FillStatfs(c->Rsi, fileSystem);
    }
}
