// A node (an inode): one file, directory, symbolic link, device or FIFO of a file system instance, with
// what stat(2) reports about it. Subclasses supply the data: MemoryFile (tmpfs), ArchiveFile (the initial
// file system), DirectoryNode, SymlinkNode, DeviceNode, FifoNode.
//
// Lifetime: the kernel has no garbage collector, so a node counts who uses it. `Names` counts the
// directory entries that name it (its link count; a file system's root counts as named by its file
// system), `OpenCount` counts open files, working directories and, for a directory, its own
// subdirectories (a child keeps its parent alive so that ".." stays valid, as a dentry does in Linux).
// When both reach zero the node frees its contents and itself through NodeMemory.Release: an unlinked
// file that is still open keeps its data until the last Close (unlink(2)).
//
// Not thread-safe: the system call layer serialises file-system calls (one lock).
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal abstract class Node
{
    public readonly FileSystemInstance FileSystem;
    public readonly ulong Inode;
    public uint Mode;               // file type and permission bits (st_mode)
    public uint Uid, Gid;
    public long AccessTime, ModifyTime, ChangeTime;   // nanoseconds since the epoch

    internal int Names;
    private protected int _openCount;

    protected Node(FileSystemInstance fileSystem, uint mode)
    {
        FileSystem = fileSystem;
        Inode = fileSystem.NextInode();
        fileSystem.NodeCount++;
        Mode = mode;
        long now = FileTime.Now();
        AccessTime = ModifyTime = ChangeTime = now;
    }

    public uint Type => Mode & FileMode.TypeMask;
    public bool IsDirectory => Type == FileMode.Directory;
    public bool IsRegular => Type == FileMode.Regular;
    public bool IsSymlink => Type == FileMode.Symlink;
    public int OpenCount => _openCount;

    // st_size, st_nlink, st_blocks (512-byte units actually allocated), st_rdev.
    public virtual ulong Size => 0;
    public virtual uint LinkCount => (uint)Names;
    public virtual ulong BlockCount => 0;
    public virtual ulong RawDevice => 0;

    // Data at a byte offset: the count transferred (0 at the end of the file) or -errno.
    public virtual long Read(ulong offset, Span<byte> buffer) => -Errno.EINVAL;
    public virtual long Write(ulong offset, ReadOnlySpan<byte> data) => -Errno.EINVAL;
    public virtual int Truncate(ulong length) => -Errno.EINVAL;

    // An open file or working directory refers to this node: it lives at least until the matching Close.
    public void Open()
    {
        _openCount++;
        FileSystem.OpenNodes++;
    }

    public void Close()
    {
        _openCount--;
        FileSystem.OpenNodes--;
        ReleaseIfUnused();
    }

    // A directory's hold on its parent (see above); not an open file, so it does not keep a file system
    // from being unmounted.
    internal void Hold() => _openCount++;

    internal void Unhold()
    {
        _openCount--;
        ReleaseIfUnused();
    }

    // Frees this node if nothing names or uses it, then whatever that releases in turn (a removed
    // directory's parent), iteratively so that a long chain does not grow the kernel stack.
    internal void ReleaseIfUnused()
    {
        Node node = this;
        while (node != null && node.Names == 0 && node._openCount == 0)
        {
            Node next = node.ReleaseContents();
            node.FileSystem.NodeCount--;
            NodeMemory.Release(node);
            node = next;
        }
    }

    // Frees what the node owns. Returns a node whose hold count it decremented without checking it (a
    // directory's parent), or null.
    private protected virtual Node ReleaseContents() => null;

    // Time stamps, as Linux updates them: data changes set mtime and ctime, metadata changes ctime.
    internal void MarkModified()
    {
        long now = FileTime.Now();
        ModifyTime = now;
        ChangeTime = now;
    }

    internal void MarkChanged() => ChangeTime = FileTime.Now();

    // chmod(2), chown(2), utimensat(2) on the node: -EROFS on a read-only file system.
    public int SetPermissions(uint permissions)
    {
        if (FileSystem.ReadOnly)
            return -Errno.EROFS;
        Mode = (Mode & FileMode.TypeMask) | (permissions & FileMode.PermissionMask);
        MarkChanged();
        return 0;
    }

    public int SetOwner(uint uid, uint gid)
    {
        if (FileSystem.ReadOnly)
            return -Errno.EROFS;
        Uid = uid;
        Gid = gid;
        MarkChanged();
        return 0;
    }

    public int SetTimes(long accessTime, long modifyTime)
    {
        if (FileSystem.ReadOnly)
            return -Errno.EROFS;
        AccessTime = accessTime;
        ModifyTime = modifyTime;
        MarkChanged();
        return 0;
    }
}
