// getcwd(2): the absolute path of a directory, found by walking up its parents (and out of mounted
// roots to their mount points) to the namespace root and reading each name in its parent.
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
}
