// The path system calls, on top of PathResolver and the node operations: what openat, mkdirat,
// unlinkat, renameat2, symlinkat, linkat, readlinkat, truncate, faccessat and chdir do once the system
// call layer has copied the path in (without its NUL) and picked the starting directory (the working
// directory, or a dirfd's directory). Each returns 0 (or a count) or -errno, with Linux's choice of
// error where several apply (fs/namei.c, fs/open.c). Permission checks are those of root: this kernel's
// programs run as uid 0.
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal static partial class PathOperations
{
    // mkdir(2); permissions already masked by the umask.
    public static int MakeDirectory(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, uint permissions)
    {
        int error = ParentForCreate(space, start, path, true, out PathParent parent);
        return error != 0 ? error : parent.Directory.CreateDirectory(parent.Name, permissions, out _);
    }

    // mknod(2) of a regular file or FIFO. Device files are made by the kernel (DirectoryNode.Attach),
    // not by programs: EPERM, as for a process without CAP_MKNOD. Sockets are not supported.
    public static int MakeNode(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, uint mode)
    {
        uint type = FileMode.TypeOf(mode);
        if (type == FileMode.CharacterDevice || type == FileMode.BlockDevice || type == FileMode.Directory || type == FileMode.Socket)
            return -Errno.EPERM;
        if (type != 0 && type != FileMode.Regular && type != FileMode.Fifo)
            return -Errno.EINVAL;
        int error = ParentForCreate(space, start, path, false, out PathParent parent);
        if (error != 0)
            return error;
        return type == FileMode.Fifo
            ? parent.Directory.CreateFifo(parent.Name, mode, out _)
            : parent.Directory.CreateFile(parent.Name, mode, out _);
    }

    // symlink(2): `target` is stored as given.
    public static int Symlink(FileSystemNamespace space, ReadOnlySpan<byte> target, DirectoryNode start, ReadOnlySpan<byte> path)
    {
        if (target.Length == 0)
            return -Errno.ENOENT;
        if (target.Length >= PathResolver.PathMax)
            return -Errno.ENAMETOOLONG;
        int error = ParentForCreate(space, start, path, false, out PathParent parent);
        return error != 0 ? error : parent.Directory.CreateSymlink(parent.Name, target, out _);
    }

    // linkat(2): a new name for an existing non-directory. followOld: AT_SYMLINK_FOLLOW.
    public static int Link(FileSystemNamespace space, DirectoryNode oldStart, ReadOnlySpan<byte> oldPath,
        DirectoryNode newStart, ReadOnlySpan<byte> newPath, bool followOld)
    {
        int error = PathResolver.Resolve(space, oldStart, oldPath, followOld, out Node target);
        if (error != 0)
            return error;
        error = ParentForCreate(space, newStart, newPath, false, out PathParent parent);
        return error != 0 ? error : parent.Directory.Link(parent.Name, target);
    }

    // unlink(2).
    public static int Unlink(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path)
    {
        int error = PathResolver.ResolveParent(space, start, path, out PathParent parent);
        if (error != 0)
            return error;
        if (parent.Kind != LastComponent.Normal)
            return -Errno.EISDIR;
        if (parent.Directory.FileSystem.ReadOnly)
            return -Errno.EROFS;
        error = parent.Directory.LookupError(parent.Name);
        if (error != 0)
            return error;
        if (parent.TrailingSlash)
        {
            // "name/" asks for a directory, which unlink cannot remove (do_unlinkat's "slashes").
            Node node = parent.Directory.Lookup(parent.Name);
            return node == null ? -Errno.ENOENT : node.IsDirectory ? -Errno.EISDIR : -Errno.ENOTDIR;
        }
        return parent.Directory.Unlink(parent.Name);
    }

    // rmdir(2).
    public static int RemoveDirectory(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path)
    {
        int error = PathResolver.ResolveParent(space, start, path, out PathParent parent);
        if (error != 0)
            return error;
        switch (parent.Kind)
        {
            case LastComponent.DotDot: return -Errno.ENOTEMPTY;
            case LastComponent.Dot: return -Errno.EINVAL;
            case LastComponent.Root: return -Errno.EBUSY;
        }
        return parent.Directory.RemoveDirectory(parent.Name);
    }

    // renameat2(2) with flags 0 or RENAME_NOREPLACE.
    public static int Rename(FileSystemNamespace space, DirectoryNode oldStart, ReadOnlySpan<byte> oldPath,
        DirectoryNode newStart, ReadOnlySpan<byte> newPath, int flags)
    {
        if ((flags & ~RenameFlags.NoReplace) != 0)
            return -Errno.EINVAL;
        int error = PathResolver.ResolveParent(space, oldStart, oldPath, out PathParent from);
        if (error != 0)
            return error;
        error = PathResolver.ResolveParent(space, newStart, newPath, out PathParent to);
        if (error != 0)
            return error;
        if (from.Directory.FileSystem != to.Directory.FileSystem)
            return -Errno.EXDEV;
        if (from.Kind != LastComponent.Normal)
            return -Errno.EBUSY;
        if (to.Kind != LastComponent.Normal)
            return (flags & RenameFlags.NoReplace) != 0 ? -Errno.EEXIST : -Errno.EBUSY;
        if (from.Directory.FileSystem.ReadOnly)
            return -Errno.EROFS;
        error = from.Directory.LookupError(from.Name);
        if (error != 0)
            return error;
        Node node = from.Directory.Lookup(from.Name);
        if (node == null)
            return -Errno.ENOENT;
        error = to.Directory.LookupError(to.Name);
        if (error != 0)
            return error;
        Node target = to.Directory.Lookup(to.Name);
        if (target != null && (flags & RenameFlags.NoReplace) != 0)
            return -Errno.EEXIST;
        if (!node.IsDirectory && (from.TrailingSlash || to.TrailingSlash))
            return -Errno.ENOTDIR;
        return from.Directory.Rename(from.Name, to.Directory, to.Name, flags);
    }

    // readlink(2): the count of bytes placed in the buffer (no NUL).
    public static int ReadLink(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, Span<byte> buffer)
    {
        if (buffer.Length <= 0)
            return -Errno.EINVAL;
        int error = PathResolver.Resolve(space, start, path, false, out Node node);
        if (error != 0)
            return error;
        return node is SymlinkNode link ? link.ReadLink(buffer) : -Errno.EINVAL;
    }

    // truncate(2); ftruncate(2) is Truncate on the open node, after checking the file was opened for
    // writing (EBADF/EINVAL are the descriptor layer's).
    public static int Truncate(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, long length)
    {
        if (length < 0)
            return -Errno.EINVAL;
        int error = PathResolver.Resolve(space, start, path, true, out Node node);
        if (error != 0)
            return error;
        if (node.IsDirectory)
            return -Errno.EISDIR;
        if (!node.IsRegular)
            return -Errno.EINVAL;
        if (node.FileSystem.ReadOnly)
            return -Errno.EROFS;
        return node.Truncate((ulong)length);
    }

    // faccessat(2) for root: reading and writing are allowed except writing on a read-only file system;
    // executing needs an execute bit on anything but a directory.
    public static int Access(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, int mode, bool followFinal)
    {
        if ((mode & ~(AccessMode.Read | AccessMode.Write | AccessMode.Execute)) != 0)
            return -Errno.EINVAL;
        int error = PathResolver.Resolve(space, start, path, followFinal, out Node node);
        if (error != 0)
            return error;
        if ((mode & AccessMode.Write) != 0 && node.FileSystem.ReadOnly && (node.IsRegular || node.IsDirectory || node.IsSymlink))
            return -Errno.EROFS;
        if ((mode & AccessMode.Execute) != 0 && !node.IsDirectory && (node.Mode & FileMode.AnyExecute) == 0)
            return -Errno.EACCES;
        return 0;
    }

    // chdir(2): the directory to make current. The caller opens it (Node.Open) and closes the old one.
    public static int ChangeDirectory(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, out DirectoryNode directory)
    {
        directory = null;
        int error = PathResolver.Resolve(space, start, path, true, out Node node);
        if (error != 0)
            return error;
        if (node is not DirectoryNode found)
            return -Errno.ENOTDIR;
        directory = found;
        return 0;
    }

    // Where a new name goes (filename_create in fs/namei.c): "." or ".." or "/" as the last component
    // is EEXIST, an existing name is EEXIST (a symbolic link is not followed), and a trailing slash is
    // only for a directory (ENOENT otherwise).
    private static int ParentForCreate(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, bool directory,
        out PathParent parent)
    {
        int error = PathResolver.ResolveParent(space, start, path, out parent);
        if (error != 0)
            return error;
        if (parent.Kind != LastComponent.Normal)
            return -Errno.EEXIST;
        error = parent.Directory.LookupError(parent.Name);
        if (error != 0)
            return error;
        if (parent.Directory.Lookup(parent.Name) != null)
            return -Errno.EEXIST;
        if (parent.TrailingSlash && !directory)
            return -Errno.ENOENT;
        return 0;
    }
}
