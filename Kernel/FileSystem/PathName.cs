// Absolute paths of what the file system holds. getcwd(2): the path of a directory, found by walking up
// its parents (and out of mounted roots to their mount points) to the namespace root and reading each
// name in its parent. For /proc: the real path of a file named by a path (every symbolic link followed,
// as /proc/<pid>/exe shows it), and a path of a file or device a descriptor has open.
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal static class PathName
{
    // Writes the path and a NUL into `buffer` and returns its length counting the NUL (what the
    // getcwd system call returns). -ERANGE if it does not fit; -ENOENT if the directory, or one above
    // it, was removed, or it is not reachable from the namespace root.
    public static int OfDirectory(FileSystemNamespace space, DirectoryNode directory, Span<byte> buffer)
    {
        // Built right to left at the end of the buffer, then moved to the front.
        int position = buffer.Length - 1;
        if (position < 1)
            return -Errno.ERANGE;
        while (true)
        {
            while (directory != space.Root && directory == directory.FileSystem.Root
                   && directory.FileSystem.CoveredDirectory != null)
                directory = directory.FileSystem.CoveredDirectory;
            if (directory == space.Root)
                break;
            DirectoryNode parent = directory.Parent;
            if (directory.IsRemoved || parent == null)
                return -Errno.ENOENT;
            ReadOnlySpan<byte> name = parent.NameOf(directory);
            if (name.Length == 0)
                return -Errno.ENOENT;
            if (position < name.Length + 1)
                return -Errno.ERANGE;
            position -= name.Length;
            Bytes.Copy(name, buffer.Slice(position));
            buffer[--position] = (byte)'/';
            directory = parent;
        }
        if (position == buffer.Length - 1)
            buffer[--position] = (byte)'/';
        int length = buffer.Length - 1 - position;
        for (int i = 0; i < length; i++)
            buffer[i] = buffer[position + i];
        buffer[length] = 0;
        return length + 1;
    }

    // Appends the absolute path of `path` (from `start`) with every symbolic link followed, as realpath(3)
    // would give it: 0, or -errno if it does not resolve.
    public static int OfFile(FileSystemNamespace space, DirectoryNode start, ReadOnlySpan<byte> path, TextBuilder output)
    {
        int links = PathResolver.MaxSymlinks;
        while (true)
        {
            int error = PathResolver.WalkToLast(space, start, path, ref links, out PathParent last);
            if (error != 0)
                return error;
            Node node = PathResolver.LastNode(space, ref last);
            if (node == null)
                return -Errno.ENOENT;
            if (node is SymlinkNode link && last.Kind == LastComponent.Normal)
            {
                error = PathResolver.StartFollowing(link, ref links);
                if (error != 0)
                    return error;
                start = last.Directory;
                path = link.Target;
                continue;
            }
            if (node is DirectoryNode directory)
                return AppendDirectory(space, directory, output);
            error = AppendDirectory(space, last.Directory, output);
            if (error != 0)
                return error;
            if (last.Directory != space.Root)
                output.Append('/');
            output.Append(last.Name);
            return 0;
        }
    }

    // Appends a path that names `node` (an open file's): for a directory its own; for anything else the
    // first name found for it in its file system, searched depth first. -ENOENT if it has none left (an
    // unlinked file) or its file system is not mounted.
    public static int OfNode(FileSystemNamespace space, Node node, TextBuilder output)
    {
        if (node is DirectoryNode directory)
            return AppendDirectory(space, directory, output);
        DirectoryNode root = node.FileSystem.Root;
        DirectoryNode at = root;
        long cookie = DirectoryNode.FirstEntryCookie;
        if (AppendIfHere(space, at, node, output))
            return 0;
        while (true)
        {
            if (at.NextSubdirectory(ref cookie, out DirectoryNode child))
            {
                at = child;
                cookie = DirectoryNode.FirstEntryCookie;
                if (AppendIfHere(space, at, node, output))
                    return 0;
                continue;
            }
            if (at == root)
                return -Errno.ENOENT;
            DirectoryNode parent = at.Parent;
            cookie = parent.CookieOf(at) + 1;
            at = parent;
        }
    }

    private static bool AppendIfHere(FileSystemNamespace space, DirectoryNode directory, Node node, TextBuilder output)
    {
        long cookie = DirectoryNode.FirstEntryCookie;
        while (directory.ReadEntry(cookie, out DirectoryEntryView entry))
        {
            cookie = entry.NextCookie;
            if (entry.Node != node)
                continue;
            int start = output.Length;
            if (AppendDirectory(space, directory, output) != 0)
            {
                output.Truncate(start);
                return false;
            }
            if (directory != space.Root)
                output.Append('/');
            output.Append(entry.Name);
            return true;
        }
        return false;
    }

    private static int AppendDirectory(FileSystemNamespace space, DirectoryNode directory, TextBuilder output)
    {
        var buffer = new byte[PathResolver.PathMax];
        int length = OfDirectory(space, directory, buffer);
        if (length > 0)
            output.Append(new ReadOnlySpan<byte>(buffer, 0, length - 1));
        NodeMemory.Release(buffer);
        return length < 0 ? length : 0;
    }
}
