// One mounted (or mountable) file system: its root directory, device number (st_dev), read-only flag,
// and the space it may use. A tmpfs is an instance whose regular files are MemoryFiles; the initial file
// system is one built from the boot archive and then marked read-only (InitialFileSystem).
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.FileSystem;

internal sealed class FileSystemInstance
{
    public readonly string Type;            // "rootfs", "tmpfs", "proc", "sysfs": what /proc/mounts calls it
    public readonly ulong DeviceNumber;     // st_dev of every node (DeviceNumber.Make)
    public bool ReadOnly;
    // The kernel makes the contents (proc, sysfs): ReadOnly refuses changes from programs, but the mount
    // is "rw" in /proc/mounts, as on Linux, where these file systems decide file by file.
    public bool KernelGenerated;
    public readonly DirectoryNode Root;
    // Where the instance is mounted (FileSystemNamespace sets it); null for the namespace's root.
    public DirectoryNode CoveredDirectory { get; internal set; }

    // Limits, so that user programs get ENOSPC rather than exhausting the kernel heap (which panics):
    // bytes of file data (and block tables), and nodes.
    public readonly ulong CapacityBytes;
    public readonly long NodeLimit;
    public ulong UsedBytes { get; private set; }
    public long NodeCount { get; internal set; }
    public int OpenNodes { get; internal set; }    // Node.Open minus Node.Close: busy if not zero

    private ulong _nextInode = 1;

    public FileSystemInstance(string type, ulong deviceNumber, ulong capacityBytes, long nodeLimit, uint rootPermissions)
    {
        Type = type;
        DeviceNumber = deviceNumber;
        CapacityBytes = capacityBytes;
        NodeLimit = nodeLimit;
        Root = new DirectoryNode(this, rootPermissions);
        Root.Names = 1;     // named by the file system itself: never freed by Close
    }

    // A writable in-memory file system, as for /tmp. Its root is drwxrwxrwt like Linux's tmpfs.
    public static FileSystemInstance CreateTmpfs(ulong deviceNumber, ulong capacityBytes, long nodeLimit)
        => new FileSystemInstance("tmpfs", deviceNumber, capacityBytes, nodeLimit, 0x3FF /* 01777 */);

    public bool CanCreateNode => NodeCount < NodeLimit;

    internal ulong NextInode() => _nextInode++;

    internal bool Reserve(ulong bytes)
    {
        if (bytes > CapacityBytes - UsedBytes)
            return false;
        UsedBytes += bytes;
        return true;
    }

    internal void Unreserve(ulong bytes) => UsedBytes -= bytes;

    // Frees every node of an instance nothing uses (no open files or working directories inside, not
    // mounted anywhere, nothing mounted inside): for unmount and for tests. Iterative, deepest directory
    // first, so that a deep tree cannot overflow the kernel stack. -EBUSY if in use.
    public int Destroy()
    {
        if (OpenNodes != 0 || CoveredDirectory != null)
            return -Errno.EBUSY;
        if (HasMountInside(Root))
            return -Errno.EBUSY;
        bool wasReadOnly = ReadOnly;
        ReadOnly = false;
        DirectoryNode directory = Root;
        while (true)
        {
            DirectoryNode child = directory.LastSubdirectory();
            if (child != null)
            {
                directory = child;
                continue;
            }
            directory.RemoveAllNonDirectories();
            if (directory == Root)
                break;
            DirectoryNode parent = directory.Parent;
            parent.RemoveSubdirectory(directory);
            directory = parent;
        }
        ReadOnly = wasReadOnly;
        Root.Names = 0;
        Root.ReleaseIfUnused();
        return 0;
    }

    // A depth-first walk over the directories, without recursion: the position in each directory is its
    // entry cookie, found again from the child on the way back up.
    private static bool HasMountInside(DirectoryNode root)
    {
        DirectoryNode directory = root;
        long cookie = DirectoryNode.FirstEntryCookie;
        while (true)
        {
            if (directory.MountedHere != null)
                return true;
            if (directory.NextSubdirectory(ref cookie, out DirectoryNode child))
            {
                directory = child;
                cookie = DirectoryNode.FirstEntryCookie;
                continue;
            }
            if (directory == root)
                return false;
            // Back up: continue in the parent after this directory's entry.
            DirectoryNode parent = directory.Parent;
            cookie = parent.CookieOf(directory) + 1;
            directory = parent;
        }
    }
}
