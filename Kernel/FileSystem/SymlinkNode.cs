// A symbolic link: its contents are the target path, which path resolution follows (symlink(7)). The
// target is stored as given, relative or absolute, and is at most PATH_MAX - 1 bytes. A generated link
// (GeneratedSymlink: /proc/self, /proc/<pid>/exe) works out its target each time it is read.
using System;

namespace Kitten.Kernel.FileSystem;

internal class SymlinkNode : Node
{
    private readonly byte[] _target;

    // Linux gives every symlink mode 0777 (lrwxrwxrwx); its permissions are never used.
    public SymlinkNode(FileSystemInstance fileSystem, byte[] target)
        : base(fileSystem, FileMode.Symlink | 0x1FF)
    {
        _target = target;
    }

    // The path the link holds; empty for a generated link whose object is gone (following it is then
    // ENOENT). Valid until the next call on this link.
    public virtual ReadOnlySpan<byte> Target => _target;

    public override ulong Size => (ulong)_target.Length;

    // readlink(2): the target, truncated to the buffer, without a NUL; the count copied, or -errno.
    public virtual int ReadLink(Span<byte> buffer)
    {
        ReadOnlySpan<byte> target = Target;
        int count = target.Length < buffer.Length ? target.Length : buffer.Length;
        Bytes.Copy(target.Slice(0, count), buffer);
        return count;
    }

    private protected override Node ReleaseContents()
    {
        if (_target != null)
            NodeMemory.Release(_target);
        return null;
    }
}
