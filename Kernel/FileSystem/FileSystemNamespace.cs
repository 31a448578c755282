// The mount table: which file system is the root and which are mounted on which directories. Path
// resolution (PathResolver) crosses from a mount point into the mounted root going down, and from a
// mounted root back to the mount point's parent on "..". A mount sits on a directory node, so it follows
// the directory if it is renamed; mounting on a directory that is itself a mounted root stacks.
using System;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal sealed class FileSystemNamespace
{
    public readonly FileSystemInstance RootFileSystem;
    private FileSystemInstance[] _mounts = new FileSystemInstance[8];
    private int _mountCount;
    private uint _nextAnonymousMinor = 1;

    public FileSystemNamespace(FileSystemInstance root)
    {
        RootFileSystem = root;
        _mounts[_mountCount++] = root;
    }

    // The directory "/" names, and the top that ".." never goes above (path_resolution(7)).
    public DirectoryNode Root => RootFileSystem.Root;

    // Mounted instances, the root first, in mount order (for /proc/mounts).
    public int MountCount => _mountCount;
    public FileSystemInstance MountedInstance(int index) => _mounts[index];

    // A fresh device number for an in-memory file system: major 0, as Linux gives them (get_anon_bdev),
    // and none that a mounted instance already has (the root's was chosen before the namespace existed).
    public ulong NewAnonymousDevice()
    {
        while (true)
        {
            ulong device = DeviceNumber.Make(0, _nextAnonymousMinor++);
            bool used = false;
            for (int i = 0; i < _mountCount; i++)
                used |= _mounts[i].DeviceNumber == device;
            if (!used)
                return device;
        }
    }

    // Mounts `fileSystem` on the directory `at` (after crossing any mounts already on it).
    public int Mount(DirectoryNode at, FileSystemInstance fileSystem)
    {
        if (fileSystem == RootFileSystem || fileSystem.CoveredDirectory != null)
            return -Errno.EBUSY;
        at = PathResolver.Enter(at);
        if (at.IsRemoved)
            return -Errno.ENOENT;
        if (_mountCount == _mounts.Length)
        {
            var larger = new FileSystemInstance[_mounts.Length * 2];
            for (int i = 0; i < _mountCount; i++)
                larger[i] = _mounts[i];
            NodeMemory.Release(_mounts);
            _mounts = larger;
        }
        _mounts[_mountCount++] = fileSystem;
        at.MountedHere = fileSystem;
        at.Hold();
        fileSystem.CoveredDirectory = at;
        return 0;
    }

    // Mounts on an absolute path, first creating the directories it names that are missing, even on a
    // read-only file system: this is kernel set-up (say, /tmp when the initial archive has no /tmp).
    public int MountAt(ReadOnlySpan<byte> absolutePath, FileSystemInstance fileSystem)
    {
        int error = EnsureDirectory(absolutePath, out DirectoryNode directory);
        return error != 0 ? error : Mount(directory, fileSystem);
    }

    // Detaches a mounted instance that nothing uses: no open files or working directories in it, nothing
    // mounted on or in it. The instance is not freed (FileSystemInstance.Destroy does that).
    public int Unmount(FileSystemInstance fileSystem)
    {
        int index = -1;
        for (int i = 1; i < _mountCount; i++)
            if (_mounts[i] == fileSystem)
                index = i;
        if (index < 0)
            return -Errno.EINVAL;
        for (int i = 1; i < _mountCount; i++)
            if (_mounts[i].CoveredDirectory.FileSystem == fileSystem)
                return -Errno.EBUSY;
        if (fileSystem.OpenNodes != 0)
            return -Errno.EBUSY;
        for (int i = index; i + 1 < _mountCount; i++)
            _mounts[i] = _mounts[i + 1];
        _mounts[--_mountCount] = null;
        DirectoryNode covered = fileSystem.CoveredDirectory;
        covered.MountedHere = null;
        fileSystem.CoveredDirectory = null;
        covered.Unhold();
        return 0;
    }

    // Unmounts and frees every instance, then the namespace itself (for shutdown and tests). -EBUSY, and
    // nothing freed, while anything is open.
    public int Destroy()
    {
        for (int i = 0; i < _mountCount; i++)
            if (_mounts[i].OpenNodes != 0)
                return -Errno.EBUSY;
        while (_mountCount > 1)
        {
            FileSystemInstance last = _mounts[_mountCount - 1];
            if (Unmount(last) != 0)
                return -Errno.EBUSY;    // mounted on a directory of an instance mounted later
            last.Destroy();
            NodeMemory.Release(last);
        }
        RootFileSystem.Destroy();
        NodeMemory.Release(RootFileSystem);
        NodeMemory.Release(_mounts);
        NodeMemory.Release(this);
        return 0;
    }

    // Resolves an absolute path to a directory, creating missing components (mode 0755) regardless of
    // the read-only flag. For kernel set-up only (mount points, /dev).
    public int EnsureDirectory(ReadOnlySpan<byte> absolutePath, out DirectoryNode directory)
    {
        directory = null;
        if (absolutePath.Length == 0 || absolutePath[0] != '/')
            return -Errno.EINVAL;
        // Resolve each prefix that ends before a '/' or at the end; create what is missing.
        for (int end = 1; end <= absolutePath.Length; end++)
        {
            if (end < absolutePath.Length && absolutePath[end] != '/')
                continue;
            ReadOnlySpan<byte> prefix = absolutePath.Slice(0, end);
            int error = PathResolver.Resolve(this, Root, prefix, true, out Node node);
            if (error == -Errno.ENOENT)
                error = CreateMissing(prefix, out node);
            if (error != 0)
                return error;
            if (node is not DirectoryNode found)
                return -Errno.ENOTDIR;
            directory = found;
        }
        return 0;
    }

    private int CreateMissing(ReadOnlySpan<byte> path, out Node node)
    {
        node = null;
        int error = PathResolver.ResolveParent(this, Root, path, out PathParent parent);
        if (error != 0)
            return error;
        if (parent.Kind != LastComponent.Normal)
            return -Errno.ENOENT;
        FileSystemInstance fileSystem = parent.Directory.FileSystem;
        bool wasReadOnly = fileSystem.ReadOnly;
        fileSystem.ReadOnly = false;
        error = parent.Directory.CreateDirectory(parent.Name, 0x1ED /* 0755 */, out DirectoryNode created);
        fileSystem.ReadOnly = wasReadOnly;
        node = created;
        return error;
    }
}
