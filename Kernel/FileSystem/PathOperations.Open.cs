// open(2) and openat(2): find or create the node, then the checks Linux makes before handing out a file
// (do_open and may_open in fs/namei.c), then O_TRUNC. The file descriptor itself, O_APPEND, O_CLOEXEC
// and O_NONBLOCK are the descriptor layer's; this returns the node, already opened (Node.Open), which the
// descriptor must Close when its last reference goes.
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal static partial class PathOperations
{
    public static int Open(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, int flags, uint permissions,
        out Node node)
    {
        node = null;
        bool create = (flags & OpenFlags.Create) != 0;
        // Linux 6.4 and later: O_CREAT | O_DIRECTORY is meaningless and refused.
        if (create && (flags & OpenFlags.Directory) != 0)
            return -Errno.EINVAL;
        Node found;
        bool created = false;
        int error = create
            ? FindOrCreate(space, start, path, flags, permissions, out found, out created)
            : PathResolver.Resolve(space, start, path, (flags & OpenFlags.NoFollow) == 0, out found);
        if (error != 0)
            return error;

        bool writes = OpenFlags.WantsWrite(flags);
        if (create)
        {
            if ((flags & OpenFlags.Exclusive) != 0 && !created)
                return -Errno.EEXIST;
            if (found.IsDirectory)
                return -Errno.EISDIR;
        }
        if ((flags & OpenFlags.Directory) != 0 && !found.IsDirectory)
            return -Errno.ENOTDIR;
        bool truncate = !created && found.IsRegular && (flags & OpenFlags.Truncate) != 0;
        if (truncate && found.FileSystem.ReadOnly)
            return -Errno.EROFS;
        if (!created)
        {
            if (found.IsSymlink)
                return -Errno.ELOOP;    // only with O_NOFOLLOW: the last component is a link
            if (found.IsDirectory && writes)
                return -Errno.EISDIR;
            if (writes && found.FileSystem.ReadOnly && (found.IsRegular || found.IsDirectory))
                return -Errno.EROFS;
        }
        if (truncate)
        {
            error = found.Truncate(0);
            if (error != 0)
                return error;
        }
        found.Open();
        node = found;
        return 0;
    }

    // The O_CREAT lookup (open_last_lookups): the last component is created if missing; if it is a
    // symbolic link it is followed (unless O_NOFOLLOW or O_EXCL), and the link's own last component may
    // be the one created. A trailing slash is EISDIR: O_CREAT makes regular files only.
    private static int FindOrCreate(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, int flags,
        uint permissions, out Node found, out bool created)
    {
        found = null;
        created = false;
        bool follow = (flags & (OpenFlags.NoFollow | OpenFlags.Exclusive)) == 0;
        int links = PathResolver.MaxSymlinks;
        while (true)
        {
            int error = PathResolver.WalkToLast(space, start, path, ref links, out PathParent last);
            if (error != 0)
                return error;
            if (last.Kind != LastComponent.Normal)
            {
                found = PathResolver.LastNode(space, ref last);
                return 0;
            }
            if (last.TrailingSlash)
                return -Errno.EISDIR;
            error = last.Directory.LookupError(last.Name);
            if (error != 0)
                return error;
            Node existing = PathResolver.LastNode(space, ref last);
            if (existing == null)
            {
                created = true;
                return last.Directory.CreateFile(last.Name, permissions, out found);
            }
            if (existing is SymlinkNode link && follow)
            {
                error = PathResolver.StartFollowing(link, ref links);
                if (error != 0)
                    return error;
                start = last.Directory;
                path = link.Target;
                continue;
            }
            found = existing;
            return 0;
        }
    }
}
