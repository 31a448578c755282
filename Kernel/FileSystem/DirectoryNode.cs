// A directory held in memory, for every file system here (the initial one is built into these and then
// marked read-only). Operations work on one name in this directory; path names are PathResolver's and
// PathOperations' business. Each returns 0 or -errno, checking in the order Linux does so that callers
// see the same error Linux would give (fs/namei.c: may_create, may_delete, vfs_rename).
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal sealed partial class DirectoryNode : Node
{
    public const int NameMax = 255;     // NAME_MAX

    // The directory this one is an entry of; null for a file system's root. Kept (with a hold) after
    // removal, so that ".." from a removed working directory still leads somewhere, as in Linux.
    public DirectoryNode Parent { get; private set; }
    // The file system mounted on this directory, if any (FileSystemNamespace sets it).
    public FileSystemInstance MountedHere;
    // For a generated directory (/proc): what keeps its entries up to date. Owned by the directory.
    public DirectorySource Source;

    private int _subdirectories;

    public DirectoryNode(FileSystemInstance fileSystem, uint permissions)
        : base(fileSystem, FileMode.Directory | (permissions & FileMode.PermissionMask))
    {
    }

    // A directory is "removed" once rmdir took its name: nothing can be created in it any more.
    public bool IsRemoved => Names == 0;
    public bool IsEmpty => EntryCount == 0;

    // Linux tmpfs reports a directory's size as 20 bytes per entry (BOGO_DIRENT_SIZE) and its link count
    // as 2 ("." and its name) plus one ".." per subdirectory.
    public override ulong Size => (ulong)(EntryCount + 2) * 20;
    public override uint LinkCount => IsRemoved ? 0 : 2 + (uint)_subdirectories;
    public override long Read(ulong offset, Span<byte> buffer) => -Errno.EISDIR;
    public override long Write(ulong offset, ReadOnlySpan<byte> data) => -Errno.EISDIR;
    public override int Truncate(ulong length) => -Errno.EISDIR;

    // The node named `name` here, or null. Does not cross mount points and knows nothing of "." and "..".
    public Node Lookup(ReadOnlySpan<byte> name)
    {
        if (Source != null && !Source.Update(this, name))
            return null;
        int index = IndexOf(name);
        return index < 0 ? null : _entries[index].Node;
    }

    // The entry `name` as the table holds it, without asking a DirectorySource (which uses this).
    internal Node Find(ReadOnlySpan<byte> name)
    {
        int index = IndexOf(name);
        return index < 0 ? null : _entries[index].Node;
    }

    public int CreateFile(ReadOnlySpan<byte> name, uint permissions, out Node node)
    {
        node = null;
        int error = CheckCreate(name);
        if (error != 0)
            return error;
        node = new MemoryFile(FileSystem, permissions);
        Insert(name, node);
        return 0;
    }

    public int CreateDirectory(ReadOnlySpan<byte> name, uint permissions, out DirectoryNode directory)
    {
        directory = null;
        int error = CheckCreate(name);
        if (error != 0)
            return error;
        directory = new DirectoryNode(FileSystem, permissions);
        Insert(name, directory);
        return 0;
    }

    public int CreateSymlink(ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, out Node node)
    {
        node = null;
        int error = CheckCreate(name);
        if (error != 0)
            return error;
        node = new SymlinkNode(FileSystem, Bytes.ToArray(target));
        Insert(name, node);
        return 0;
    }

    public int CreateFifo(ReadOnlySpan<byte> name, uint permissions, out Node node)
    {
        node = null;
        int error = CheckCreate(name);
        if (error != 0)
            return error;
        node = new FifoNode(FileSystem, permissions);
        Insert(name, node);
        return 0;
    }

    // A new name for an existing non-directory of the same file system (link(2)).
    public int Link(ReadOnlySpan<byte> name, Node target)
    {
        int error = CheckName(name);
        if (error != 0)
            return error;
        if (IsRemoved)
            return -Errno.ENOENT;
        if (IndexOf(name) >= 0)
            return -Errno.EEXIST;
        if (FileSystem.ReadOnly)
            return -Errno.EROFS;
        if (target.FileSystem != FileSystem)
            return -Errno.EXDEV;
        if (target.IsDirectory)
            return -Errno.EPERM;
        if (target.Names == 0)
            return -Errno.ENOENT;   // unlinked but still open: Linux refuses to bring it back
        Insert(name, target);
        target.MarkChanged();
        return 0;
    }

    // unlink(2) of one name: not for directories.
    public int Unlink(ReadOnlySpan<byte> name)
    {
        if (FileSystem.ReadOnly)
            return -Errno.EROFS;
        int error = LookupError(name);
        if (error != 0)
            return error;
        int index = IndexOf(name);
        if (index < 0)
            return -Errno.ENOENT;
        if (_entries[index].Node.IsDirectory)
            return -Errno.EISDIR;
        Drop(index);
        return 0;
    }

    // rmdir(2) of one name: an empty directory that nothing is mounted on.
    public int RemoveDirectory(ReadOnlySpan<byte> name)
    {
        if (FileSystem.ReadOnly)
            return -Errno.EROFS;
        int error = LookupError(name);
        if (error != 0)
            return error;
        int index = IndexOf(name);
        if (index < 0)
            return -Errno.ENOENT;
        if (_entries[index].Node is not DirectoryNode victim)
            return -Errno.ENOTDIR;
        if (victim.MountedHere != null)
            return -Errno.EBUSY;
        if (!victim.IsEmpty)
            return -Errno.ENOTEMPTY;
        Drop(index);
        return 0;
    }

    // rename(2) of oldName here to newName in newParent (which may be this directory). Flags:
    // RenameFlags.NoReplace or 0.
    public int Rename(ReadOnlySpan<byte> oldName, DirectoryNode newParent, ReadOnlySpan<byte> newName, int flags)
    {
        if (newParent.FileSystem != FileSystem)
            return -Errno.EXDEV;
        if ((flags & ~RenameFlags.NoReplace) != 0)
            return -Errno.EINVAL;
        int error = CheckName(newName);
        if (error != 0)
            return error;
        if (FileSystem.ReadOnly)
            return -Errno.EROFS;
        int oldIndex = IndexOf(oldName);
        if (oldIndex < 0)
            return -Errno.ENOENT;
        Node node = _entries[oldIndex].Node;
        int targetIndex = newParent.IndexOf(newName);
        Node target = targetIndex < 0 ? null : newParent._entries[targetIndex].Node;
        if (target != null && (flags & RenameFlags.NoReplace) != 0)
            return -Errno.EEXIST;
        // A directory cannot move into itself, and a name cannot replace a directory that contains the
        // source (lock_rename's "trap" checks in do_renameat2).
        if (node is DirectoryNode moving && newParent.IsWithin(moving))
            return -Errno.EINVAL;
        if (target is DirectoryNode replaced && IsWithin(replaced))
            return -Errno.ENOTEMPTY;
        if (target == node)
            return 0;
        if (target != null)
        {
            if (node.IsDirectory && !target.IsDirectory)
                return -Errno.ENOTDIR;
            if (!node.IsDirectory && target.IsDirectory)
                return -Errno.EISDIR;
        }
        if ((node as DirectoryNode)?.MountedHere != null || (target as DirectoryNode)?.MountedHere != null)
            return -Errno.EBUSY;
        if (target is DirectoryNode full && !full.IsEmpty)
            return -Errno.ENOTEMPTY;
        if (newParent.IsRemoved)
            return -Errno.ENOENT;

        byte[] name = Bytes.ToArray(newName);
        node.Hold();    // keeps the node alive between leaving this table and joining the new one
        if (target != null)
            newParent.Drop(newParent.IndexOf(newName));
        Drop(IndexOf(oldName));
        newParent.Adopt(name, node);
        node.Unhold();
        node.MarkChanged();
        return 0;
    }

    // Installs a node the kernel made (a device in /dev) under `name`, replacing a non-directory of that
    // name. Kernel set-up, so it ignores the read-only flag. 0, -EEXIST (a directory has the name) or
    // -EXDEV (the node belongs to another file system).
    public int Attach(ReadOnlySpan<byte> name, Node node)
    {
        int error = CheckName(name);
        if (error != 0)
            return error;
        if (node.FileSystem != FileSystem)
            return -Errno.EXDEV;
        int index = IndexOf(name);
        if (index >= 0)
        {
            if (_entries[index].Node.IsDirectory)
                return -Errno.EEXIST;
            Drop(index);
        }
        Insert(name, node);
        return 0;
    }

    // For a DirectorySource: adds a node the kernel made under `name` with the listing position `cookie`
    // (see InsertWithCookie), ignoring the read-only flag. The name must not be taken.
    internal void AttachAt(ReadOnlySpan<byte> name, Node node, long cookie)
    {
        InsertWithCookie(Bytes.ToArray(name), node, cookie);
        node.Names++;
        if (node is DirectoryNode child)
        {
            _subdirectories++;
            child.Parent = this;
            Hold();
        }
    }

    // For a DirectorySource: removes the entry `name` (the node is freed once nothing uses it). False if
    // there is none.
    internal bool Detach(ReadOnlySpan<byte> name)
    {
        int index = IndexOf(name);
        if (index < 0)
            return false;
        Drop(index);
        return true;
    }

    // Why looking `name` up here fails before any entry is compared: nothing is found in a removed
    // directory (ENOENT, lookup_one_qstr_excl's IS_DEADDIR test in Linux), and no name is longer than
    // NAME_MAX (ENAMETOOLONG, from the file system's own lookup). 0 if neither.
    public int LookupError(ReadOnlySpan<byte> name)
    {
        if (IsRemoved)
            return -Errno.ENOENT;
        return name.Length > NameMax ? -Errno.ENAMETOOLONG : 0;
    }

    // True if this directory is `ancestor` or lies below it (same file system).
    public bool IsWithin(DirectoryNode ancestor)
    {
        for (DirectoryNode d = this; d != null; d = d.Parent)
            if (d == ancestor)
                return true;
        return false;
    }

    // Checks shared by the Create* calls, in Linux's order: name, removed directory, existing name, then
    // a read-only file system, then space.
    private int CheckCreate(ReadOnlySpan<byte> name)
    {
        int error = CheckName(name);
        if (error != 0)
            return error;
        if (IsRemoved)
            return -Errno.ENOENT;
        if (IndexOf(name) >= 0)
            return -Errno.EEXIST;
        if (FileSystem.ReadOnly)
            return -Errno.EROFS;
        if (!FileSystem.CanCreateNode)
            return -Errno.ENOSPC;
        return 0;
    }

    private static int CheckName(ReadOnlySpan<byte> name)
    {
        if (name.Length == 0)
            return -Errno.ENOENT;
        if (name.Length > NameMax)
            return -Errno.ENAMETOOLONG;
        if (Bytes.Equal(name, ".") || Bytes.Equal(name, ".."))
            return -Errno.EEXIST;
        for (int i = 0; i < name.Length; i++)
            if (name[i] == '/' || name[i] == 0)
                return -Errno.EINVAL;
        return 0;
    }

    // Adds a name for a node (new or existing) and updates the counts and times.
    internal void Insert(ReadOnlySpan<byte> name, Node node) => Adopt(Bytes.ToArray(name), node);

    private void Adopt(byte[] name, Node node)
    {
        Append(name, node);
        node.Names++;
        if (node is DirectoryNode child)
        {
            _subdirectories++;
            child.Parent?.Unhold();
            child.Parent = this;
            Hold();
        }
        MarkModified();
    }

    // Removes entry `index`; its node is freed if nothing else names or uses it.
    private void Drop(int index)
    {
        Node node = RemoveAt(index);
        node.Names--;
        if (node.IsDirectory)
            _subdirectories--;
        node.MarkChanged();
        MarkModified();
        node.ReleaseIfUnused();
    }

    // For FileSystemInstance.Destroy: drop every entry of a directory with no subdirectories left, then
    // the (now empty) subdirectory `child`.
    internal void RemoveAllNonDirectories()
    {
        while (EntryCount > 0)
            Drop(EntryCount - 1);
    }

    internal void RemoveSubdirectory(DirectoryNode child) => Drop(IndexOf(child));

    // Frees the entry table and lets go of the parent; called once nothing names or uses this directory.
    private protected override Node ReleaseContents()
    {
        // Normally empty by now; if not, a hold keeps the children's releases from coming back here.
        _openCount++;
        while (EntryCount > 0)
            Drop(EntryCount - 1);
        _openCount--;
        if (_entries != null)
            NodeMemory.Release(_entries);
        _entries = null;
        if (Source != null)
            NodeMemory.Release(Source);
        Source = null;
        DirectoryNode parent = Parent;
        Parent = null;
        if (parent != null)
            parent._openCount--;
        return parent;
    }
}
