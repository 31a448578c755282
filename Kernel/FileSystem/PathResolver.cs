// Path resolution, as path_resolution(7) describes it for Linux:
//  - an absolute path starts at the namespace root, a relative one at the given directory (the working
//    directory, or a dirfd's directory for the *at calls);
//  - components are separated by one or more slashes; "." stays, ".." goes to the parent and never above
//    the root; crossing into a mounted file system and back out of it is invisible;
//  - a symbolic link met before the last component is always followed; the last one is followed if the
//    caller asks (open without O_NOFOLLOW, stat) or if a slash follows it; its target is read relative to
//    the directory holding the link (symlink(7)); more than 40 links in one resolution is ELOOP;
//  - a trailing slash requires a directory (ENOTDIR);
//  - a component longer than 255 bytes, or a path of 4096 bytes or more, is ENAMETOOLONG; a missing
//    component is ENOENT; a non-directory used as a directory is ENOTDIR; an empty path is ENOENT.
// Errors come in the order Linux meets them walking left to right.
//
// Links in the middle of a path recurse (a Resolve and a WalkToLast frame per nested link, about 210
// bytes on x86-64, at most 40 deep: under 9 KiB of kernel stack); a link in the last position, the
// common case (/bin/sh -> busybox), loops instead.
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal enum LastComponent
{
    Normal,     // a name
    Dot,        // "."
    DotDot,     // ".."
    Root,       // the path is only slashes: no last name at all
}

// Where a path leads, short of its last component: for the calls that create, remove or rename a name.
internal ref struct PathParent
{
    public DirectoryNode Directory;     // the directory holding the last component
    public ReadOnlySpan<byte> Name;     // the last component (Normal) - a slice of the path or of a link;
                                        // not checked against NAME_MAX: the caller's lookup does that
    public LastComponent Kind;
    public bool TrailingSlash;          // the path ended in a slash after the last component
}

internal static class PathResolver
{
    public const int PathMax = 4096;    // PATH_MAX, counting the NUL
    public const int MaxSymlinks = 40;  // MAXSYMLINKS

    // The node `path` names. followFinal: follow a symbolic link in the last component.
    public static int Resolve(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, bool followFinal, out Node node)
    {
        int links = MaxSymlinks;
        return Resolve(space, start, path, followFinal, ref links, out node);
    }

    // The directory that holds the last component of `path`, and that component.
    public static int ResolveParent(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, out PathParent parent)
    {
        int links = MaxSymlinks;
        return WalkToLast(space, start, path, ref links, out parent);
    }

    internal static int Resolve(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, bool followFinal,
        scoped ref int links, out Node node)
    {
        bool mustBeDirectory = false;
        while (true)
        {
            node = null;
            int error = WalkToLast(space, start, path, ref links, out PathParent last);
            if (error != 0)
                return error;
            mustBeDirectory |= last.TrailingSlash;
            if (last.Kind == LastComponent.Normal)
            {
                error = last.Directory.LookupError(last.Name);
                if (error != 0)
                    return error;
            }
            Node found = LastNode(space, ref last);
            if (found == null)
                return -Errno.ENOENT;
            if (found is SymlinkNode link && (followFinal || mustBeDirectory))
            {
                error = StartFollowing(link, ref links);
                if (error != 0)
                    return error;
                start = last.Directory;
                path = link.Target;
                followFinal = true;
                continue;
            }
            if (mustBeDirectory && !found.IsDirectory)
                return -Errno.ENOTDIR;
            node = found;
            return 0;
        }
    }

    // The node the last component names, without following a link there: null if it does not exist.
    internal static Node LastNode(FileSystemNamespace space, ref PathParent last)
    {
        switch (last.Kind)
        {
            case LastComponent.Dot:
            case LastComponent.Root:
                return last.Directory;
            case LastComponent.DotDot:
                return ParentOf(space, last.Directory);
            default:
                Node node = last.Directory.Lookup(last.Name);
                return node is DirectoryNode directory ? Enter(directory) : node;
        }
    }

    // Counts a link against the limit; an empty target names nothing (Linux: ENOENT).
    internal static int StartFollowing(SymlinkNode link, ref int links)
    {
        if (--links < 0)
            return -Errno.ELOOP;
        return link.Target.Length == 0 ? -Errno.ENOENT : 0;
    }

    // Walks every component but the last, following links, and returns the directory reached and the
    // last component.
    internal static int WalkToLast(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, scoped ref int links,
        out PathParent parent)
    {
        parent = default;
        if (path.Length == 0)
            return -Errno.ENOENT;
        if (path.Length >= PathMax)
            return -Errno.ENAMETOOLONG;
        DirectoryNode directory = start;
        int i = 0;
        if (path[0] == '/')
        {
            directory = space.Root;
            while (i < path.Length && path[i] == '/')
                i++;
            if (i == path.Length)
            {
                parent.Directory = directory;
                parent.Kind = LastComponent.Root;
                return 0;
            }
        }
        while (true)
        {
            int nameStart = i;
            while (i < path.Length && path[i] != '/')
                i++;
            ReadOnlySpan<byte> name = path.Slice(nameStart, i - nameStart);
            bool slash = false;
            while (i < path.Length && path[i] == '/')
            {
                i++;
                slash = true;
            }
            if (i == path.Length)
            {
                parent.Directory = directory;
                parent.Name = name;
                parent.Kind = KindOf(name);
                parent.TrailingSlash = slash;
                return 0;
            }
            LastComponent kind = KindOf(name);
            if (kind == LastComponent.Dot)
                continue;
            if (kind == LastComponent.DotDot)
            {
                directory = ParentOf(space, directory);
                continue;
            }
            // A name fails where it is looked up, so the last component is for whoever looks that one up
            // (Resolve, PathOperations), after the checks Linux makes first.
            int lookupError = directory.LookupError(name);
            if (lookupError != 0)
                return lookupError;
            Node next = directory.Lookup(name);
            if (next == null)
                return -Errno.ENOENT;
            if (next is SymlinkNode link)
            {
                int error = StartFollowing(link, ref links);
                if (error == 0)
                    error = Resolve(space, directory, link.Target, true, ref links, out next);
                if (error != 0)
                    return error;
            }
            if (next is not DirectoryNode child)
                return -Errno.ENOTDIR;
            directory = Enter(child);
        }
    }

    private static LastComponent KindOf(ReadOnlySpan<byte> name)
    {
        if (name.Length == 1 && name[0] == '.')
            return LastComponent.Dot;
        if (name.Length == 2 && name[0] == '.' && name[1] == '.')
            return LastComponent.DotDot;
        return LastComponent.Normal;
    }

    // Down through mount points: the root of whatever is mounted on `directory` (stacked mounts too).
    public static DirectoryNode Enter(DirectoryNode directory)
    {
        while (directory.MountedHere != null)
            directory = directory.MountedHere.Root;
        return directory;
    }

    // "..": the parent, where a mounted root's parent is its mount point's parent (follow_dotdot in
    // fs/namei.c), and the namespace root is its own parent. A directory with no parent (the root of an
    // instance that is not mounted) stays where it is.
    public static DirectoryNode ParentOf(FileSystemNamespace space, DirectoryNode directory)
    {
        while (directory != space.Root && directory == directory.FileSystem.Root && directory.FileSystem.CoveredDirectory != null)
            directory = directory.FileSystem.CoveredDirectory;
        if (directory == space.Root)
            return directory;
        DirectoryNode parent = directory.Parent;
        return parent == null ? directory : Enter(parent);
    }
}
