// A symbolic link whose target the kernel works out when the link is read or followed: /proc/self (the
// caller's PID), /proc/<pid>/exe, cwd and fd/N. st_size is 0, as for Linux's procfs links.
//
// The target is kept in an array that a path walk may still be reading when the link is followed again
// (a target that names the link's own directory); so a changed target goes to a new array and the
// previous one is freed only at the change after that.
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal abstract class GeneratedSymlink : SymlinkNode
{
    private byte[] _current;
    private byte[] _previous;

    protected GeneratedSymlink(FileSystemInstance fileSystem)
        : base(fileSystem, null)
    {
    }

    // Writes the target: 0, or -errno (ENOENT: what it pointed to is gone). Called with the file-system
    // lock held.
    protected abstract int Generate(TextBuilder output);

    public override ulong Size => 0;

    public override ReadOnlySpan<byte> Target
    {
        get
        {
            var text = new TextBuilder(64);
            int status = Generate(text);
            ReadOnlySpan<byte> target = status < 0 ? default : text.Text;
            if (_current == null || !Bytes.Equal(_current, target))
            {
                if (_previous != null)
                    NodeMemory.Release(_previous);
                _previous = _current;
                _current = Bytes.ToArray(target);
            }
            text.Release();
            return _current;
        }
    }

    public override int ReadLink(Span<byte> buffer)
    {
        ReadOnlySpan<byte> target = Target;
        if (target.Length == 0)
            return -Errno.ENOENT;
        int count = target.Length < buffer.Length ? target.Length : buffer.Length;
        Bytes.Copy(target.Slice(0, count), buffer);
        return count;
    }

    private protected override Node ReleaseContents()
    {
        if (_current != null)
            NodeMemory.Release(_current);
        if (_previous != null)
            NodeMemory.Release(_previous);
        _current = _previous = null;
        return null;
    }
}
