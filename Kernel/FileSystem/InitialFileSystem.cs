// The initial file system: the boot module's cpio archive turned into a tree of nodes, mounted read-only
// at "/". Regular files point into the archive (ArchiveFile), nothing is copied but names and link
// targets. Entries are applied in order, as Linux unpacks an initramfs (init/initramfs.c):
//  - missing parent directories are created (0755);
//  - a later entry with the same name replaces the earlier one (a directory is kept and updated);
//  - entries sharing an inode number (and device) with a link count above one are hard links of one
//    file, whose data cpio stores with the last of them;
//  - a symbolic link's target is the entry's data;
//  - device files become DeviceNodes with no driver, for the kernel to replace (DirectoryNode.Attach).
// An entry that cannot be placed (a parent is not a directory, a ".." in the name, an empty link, a
// socket) is refused with a reason and the rest carry on; a malformed archive stops the unpacking with
// the reader's reason. Neither crashes the kernel.
using System;

namespace Kitten.Kernel.FileSystem;

internal struct InitialFileSystemReport
{
    public int Files, Directories, Symlinks, HardLinks, SpecialFiles;
    public int Refused;
    public string FirstRefusal;         // why the first refused entry was refused
    public byte[] FirstRefusedName;
    public string ArchiveError;         // set if the archive was malformed where unpacking stopped
}

internal static unsafe class InitialFileSystem
{
    public static FileSystemInstance Build(byte* archive, ulong length, ulong deviceNumber, out InitialFileSystemReport report)
        => Build(archive, length, deviceNumber, out report, null);

    // onRefused, if not null, hears of each refused entry (its name and the reason), to print them.
    public static FileSystemInstance Build(byte* archive, ulong length, ulong deviceNumber, out InitialFileSystemReport report,
        delegate*<ReadOnlySpan<byte>, string, void> onRefused)
    {
        report = default;
        FileSystemInstance fileSystem = Create(deviceNumber);
        Unpack(fileSystem, archive, length, ref report, onRefused);
        fileSystem.ReadOnly = true;
        return fileSystem;
    }

    // An empty tree for Unpack to fill (the caller makes it read-only when the last archive is in).
    public static FileSystemInstance Create(ulong deviceNumber)
        => new FileSystemInstance("rootfs", deviceNumber, 0, long.MaxValue, 0x1ED /* 0755 */);

    // Applies one archive's entries on top of what the tree holds, as Linux applies each archive of a
    // concatenated initramfs in turn. Counts go into `report`; an archive error stops this archive only.
    public static void Unpack(FileSystemInstance fileSystem, byte* archive, ulong length, ref InitialFileSystemReport report,
        delegate*<ReadOnlySpan<byte>, string, void> onRefused)
    {
        if (archive == null)
            return;
        var hardLinks = new HardLinkTable();
        var reader = new CpioArchive(archive, length);
        string error;
        while (reader.Next(out CpioEntry entry, out error))
        {
            string refusal = Place(fileSystem, ref entry, ref report, hardLinks);
            if (refusal == null)
                continue;
            var name = new ReadOnlySpan<byte>(entry.Name, entry.NameLength);
            if (report.Refused++ == 0)
            {
                report.FirstRefusal = refusal;
                report.FirstRefusedName = Bytes.ToArray(name);
            }
            if (onRefused != null)
                onRefused(name, refusal);
        }
        // Next returns false with a reason for a malformed archive, without one at the end.
        if (error != null)
            report.ArchiveError = error;
        hardLinks.Release();
    }

    // Puts one entry in the tree; null, or why it was refused.
    private static string Place(FileSystemInstance fileSystem, ref CpioEntry entry, ref InitialFileSystemReport report,
        HardLinkTable hardLinks)
    {
        var name = new ReadOnlySpan<byte>(entry.Name, entry.NameLength);
        while (name.Length > 0 && name[0] == '/')
            name = name.Slice(1);
        while (name.Length > 0 && name[name.Length - 1] == '/')
            name = name.Slice(0, name.Length - 1);
        uint type = FileMode.TypeOf(entry.Mode);
        if (name.Length == 0 || Bytes.Equal(name, "."))
        {
            if (type != FileMode.Directory)
                return "the archive's root entry is not a directory";
            SetAttributes(fileSystem.Root, ref entry);
            return null;
        }

        // Every component but the last: find or make the directory.
        DirectoryNode directory = fileSystem.Root;
        while (true)
        {
            int slash = 0;
            while (slash < name.Length && name[slash] != '/')
                slash++;
            ReadOnlySpan<byte> component = name.Slice(0, slash);
            string bad = CheckComponent(component);
            if (bad != null)
                return bad;
            if (slash == name.Length)
                break;
            name = name.Slice(slash + 1);
            while (name.Length > 0 && name[0] == '/')
                name = name.Slice(1);
            if (Bytes.Equal(component, "."))
                continue;
            Node next = directory.Lookup(component);
            if (next == null)
            {
                if (directory.CreateDirectory(component, 0x1ED, out DirectoryNode made) != 0)
                    return "a parent directory could not be made";
                directory = made;
            }
            else if (next is DirectoryNode existing)
            {
                directory = existing;
            }
            else
            {
                return "a parent in its path is not a directory";
            }
        }
        if (Bytes.Equal(name, "."))
            return "its name ends in \".\"";

        Node old = directory.Lookup(name);
        if (type == FileMode.Directory)
        {
            if (old is not DirectoryNode kept)
            {
                if (old != null)
                    directory.Unlink(name);
                if (directory.CreateDirectory(name, entry.Mode, out kept) != 0)
                    return "the directory could not be made";
                report.Directories++;
            }
            else
            {
                kept.Mode = FileMode.Directory | (entry.Mode & FileMode.PermissionMask);
            }
            SetAttributes(kept, ref entry);
            return null;
        }

        string unsupported = Unsupported(ref entry, type);
        if (unsupported != null)
            return unsupported;
        if (old is DirectoryNode replaced)
        {
            if (!replaced.IsEmpty)
                return "a directory with entries already has its name";
            directory.RemoveDirectory(name);
        }
        else if (old != null)
        {
            directory.Unlink(name);
        }

        Node node;
        if (type == FileMode.Regular && entry.LinkCount > 1 && hardLinks.Find(ref entry) is ArchiveFile first)
        {
            if (entry.Size > 0)
                first.SetData(entry.Data, entry.Size);
            directory.Insert(name, first);
            report.HardLinks++;
            return null;
        }
        if (type == FileMode.Regular)
        {
            var file = new ArchiveFile(fileSystem, entry.Mode, entry.Data, entry.Size);
            if (entry.LinkCount > 1)
                hardLinks.Add(ref entry, file);
            node = file;
            report.Files++;
        }
        else if (type == FileMode.Symlink)
        {
            node = new SymlinkNode(fileSystem, Bytes.ToArray(new ReadOnlySpan<byte>(entry.Data, (int)entry.Size)));
            report.Symlinks++;
        }
        else if (type == FileMode.Fifo)
        {
            node = new FifoNode(fileSystem, entry.Mode);
            report.SpecialFiles++;
        }
        else
        {
            node = new DeviceNode(fileSystem, type, entry.RdevMajor, entry.RdevMinor, entry.Mode);
            report.SpecialFiles++;
        }
        SetAttributes(node, ref entry);
        directory.Insert(name, node);
        return null;
    }

    private static string CheckComponent(ReadOnlySpan<byte> component)
    {
        if (component.Length > DirectoryNode.NameMax)
            return "a component of its name is longer than 255 bytes";
        if (Bytes.Equal(component, ".."))
            return "its name has a \"..\" component";
        return null;
    }

    // Entry types this file system cannot hold, and link targets resolution could not use.
    private static string Unsupported(ref CpioEntry entry, uint type)
    {
        if (type == FileMode.Symlink)
        {
            if (entry.Size == 0)
                return "a symbolic link with an empty target";
            if (entry.Size >= PathResolver.PathMax)
                return "a symbolic link target of 4096 bytes or more";
            for (ulong i = 0; i < entry.Size; i++)
                if (entry.Data[i] == 0)
                    return "a symbolic link target with a NUL byte";
            return null;
        }
        if (type == FileMode.Regular || type == FileMode.Fifo || type == FileMode.CharacterDevice || type == FileMode.BlockDevice)
            return null;
        return type == FileMode.Socket ? "sockets cannot be unpacked" : "an unknown file type";
    }

    // Owner and times from the archive; all three times are the archived modification time.
    private static void SetAttributes(Node node, ref CpioEntry entry)
    {
        node.Uid = entry.Uid;
        node.Gid = entry.Gid;
        long time = entry.ModifyTime * FileTime.NanosecondsPerSecond;
        node.AccessTime = node.ModifyTime = node.ChangeTime = time;
    }

    // The first file seen of each hard-linked inode, held (Node.Hold) so that a later entry replacing it
    // cannot free it while the table still points at it.
    private sealed class HardLinkTable
    {
        private ulong[] _devices = new ulong[8];
        private uint[] _inodes = new uint[8];
        private ArchiveFile[] _files = new ArchiveFile[8];
        private int _count;

        public ArchiveFile Find(ref CpioEntry entry)
        {
            ulong device = DeviceNumber.Make(entry.DeviceMajor, entry.DeviceMinor);
            for (int i = 0; i < _count; i++)
                if (_inodes[i] == entry.Inode && _devices[i] == device && _files[i].Names > 0)
                    return _files[i];
            return null;
        }

        public void Add(ref CpioEntry entry, ArchiveFile file)
        {
            if (_count == _files.Length)
                Grow();
            _devices[_count] = DeviceNumber.Make(entry.DeviceMajor, entry.DeviceMinor);
            _inodes[_count] = entry.Inode;
            _files[_count] = file;
            file.Hold();
            _count++;
        }

        private void Grow()
        {
            var devices = new ulong[_count * 2];
            var inodes = new uint[_count * 2];
            var files = new ArchiveFile[_count * 2];
            for (int i = 0; i < _count; i++)
            {
                devices[i] = _devices[i];
                inodes[i] = _inodes[i];
                files[i] = _files[i];
            }
            NodeMemory.Release(_devices);
            NodeMemory.Release(_inodes);
            NodeMemory.Release(_files);
            _devices = devices;
            _inodes = inodes;
            _files = files;
        }

        public void Release()
        {
            for (int i = 0; i < _count; i++)
                _files[i].Unhold();
            NodeMemory.Release(_devices);
            NodeMemory.Release(_inodes);
            NodeMemory.Release(_files);
            NodeMemory.Release(this);
        }
    }
}
