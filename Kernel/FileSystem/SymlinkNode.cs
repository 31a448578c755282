// A symbolic link: its contents are the target path, which path resolution follows (symlink(7)). The
// target is stored as given, relative or absolute, and is at most PATH_MAX - 1 bytes.
using System;

namespace Kitten.Kernel.FileSystem;

internal sealed class SymlinkNode : Node
{
    public readonly byte[] Target;

    // Linux gives every symlink mode 0777 (lrwxrwxrwx); its permissions are never used.
    public SymlinkNode(FileSystemInstance fileSystem, byte[] target)
        : base(fileSystem, FileMode.Symlink | 0x1FF)
    {
        Target = target;
    }

    public override ulong Size => (ulong)Target.Length;

    // readlink(2): the target, truncated to the buffer, without a NUL; the count copied.
    public int ReadLink(Span<byte> buffer)
    {
        int count = Target.Length < buffer.Length ? Target.Length : buffer.Length;
        Bytes.Copy(new ReadOnlySpan<byte>(Target, 0, count), buffer);
        return count;
    }

    private protected override Node ReleaseContents()
    {
        NodeMemory.Release(Target);
        return null;
    }
}
