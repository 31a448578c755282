// The file system in ring 0, compiled by ILC against the kernel's own runtime: the initial file system
// built from the real boot archive, a tmpfs on /tmp, and the calls the system call layer will make.
// Every test also checks that the kernel heap gets back every allocation, since nothing here is
// garbage collected (NodeMemory.Release must see every node, block, name and table).
using System;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Memory;
using Kitten.Kernel.SelfTest;

namespace Kitten.Kernel.FileSystem;

internal static unsafe class FileSystemSelfTests
{
    public static void Register(SelfTestList tests)
    {
        tests.Add("fs.initial_fs_matches_boot_archive", &InitialMatchesArchive);
        tests.Add("fs.tmpfs_write_read_truncate", &TmpfsWriteReadTruncate);
        tests.Add("fs.namespace_calls_and_getdents", &NamespaceCallsAndGetdents);
        tests.Add("fs.unlinked_open_file_lives_until_close", &UnlinkedOpenFile);
        tests.Add("fs.every_call_once", &EveryCallOnce);
    }

    private static FileSystemNamespace RootedOnInitialFs(out InitialFileSystemReport report)
        => InitialFiles.CreateNamespace(8 << 20, 1000, out report);

    private static void InitialMatchesArchive(ref TestContext t)
    {
        ulong allocations = KernelHeap.AllocationCount;
        FileSystemNamespace space = RootedOnInitialFs(out InitialFileSystemReport report);
        t.Check(report.ArchiveError == null, "the boot archive is malformed");
        t.Equal(0, report.Refused, "refused archive entries");
        t.Equal((ulong)InitialFiles.FileCount, (ulong)(report.Files + report.Symlinks + report.HardLinks + report.SpecialFiles),
            "non-directory entries placed");

        // Every regular file of the archive resolves, with its size and bytes.
        Span<byte> path = stackalloc byte[PathResolver.PathMax];
        Span<byte> head = stackalloc byte[64];
        var reader = new CpioArchive(InitialFiles.Archive, InitialFiles.ArchiveLength);
        int checkedFiles = 0;
        while (reader.Next(out CpioEntry entry, out _))
        {
            if (!entry.IsRegularFile || entry.NameLength + 1 >= path.Length || (entry.LinkCount > 1 && entry.Size == 0))
                continue;
            path[0] = (byte)'/';
            Bytes.Copy(new ReadOnlySpan<byte>(entry.Name, entry.NameLength), path.Slice(1));
            int error = PathResolver.Resolve(space, space.Root, path.Slice(0, entry.NameLength + 1), true, out Node node);
            if (!t.Equal(0, error, "resolving an archived file"))
                break;
            t.Equal(entry.Size, node.Size, "archived file size");
            long count = node.Read(0, head);
            for (int i = 0; i < count; i++)
                t.Check(head[i] == entry.Data[i], "archived file bytes");
            checkedFiles++;
        }
        t.Check(checkedFiles > 0 || InitialFiles.FileCount == 0, "no archived file was checked");

        // "/" is read-only; /tmp is a tmpfs mounted even if the archive had no /tmp.
        t.Equal(-Errno.EROFS, PathOperations.MakeDirectory(space, space.Root, "/kitten-selftest"u8, 0x1ED), "mkdir on /");
        t.Equal(0, PathOperations.MakeDirectory(space, space.Root, "/tmp/kitten-selftest"u8, 0x1ED), "mkdir in /tmp");
        t.Equal(0, PathResolver.Resolve(space, space.Root, "/tmp/kitten-selftest/../../tmp/."u8, true, out Node tmpRoot), "..");
        t.Check(tmpRoot != null && tmpRoot.FileSystem != space.RootFileSystem, "/tmp is not the tmpfs");
        t.Equal(0, space.Destroy(), "namespace destroyed");
        t.Equal(allocations, KernelHeap.AllocationCount, "heap allocations after destroying the namespace");
    }

    private static void TmpfsWriteReadTruncate(ref TestContext t)
    {
        ulong allocations = KernelHeap.AllocationCount;
        FileSystemInstance tmpfs = FileSystemInstance.CreateTmpfs(DeviceNumber.Make(0, 9), 4 << 20, 100);
        var space = new FileSystemNamespace(tmpfs);
        t.Equal(0, PathOperations.Open(space, space.Root, "/data"u8, OpenFlags.ReadWrite | OpenFlags.Create, 0x1A4, out Node file),
            "create");
        if (file == null)
            return;
        // 200000 bytes of a pattern written in three uneven pieces across 64 KiB blocks.
        const int Length = 200_000;
        var pattern = new byte[Length];
        for (int i = 0; i < Length; i++)
            pattern[i] = (byte)(i * 31 + 7);
        t.Equal(70_000, file.Write(0, new ReadOnlySpan<byte>(pattern, 0, 70_000)), "write 1");
        t.Equal(100_000, file.Write(70_000, new ReadOnlySpan<byte>(pattern, 70_000, 100_000)), "write 2");
        t.Equal(30_000, file.Write(170_000, new ReadOnlySpan<byte>(pattern, 170_000, 30_000)), "write 3");
        var back = new byte[Length];
        t.Equal(Length, file.Read(0, back), "read back");
        bool same = true;
        for (int i = 0; i < Length; i++)
            same &= back[i] == pattern[i];
        t.Check(same, "data read back differs");

        // A hole: a write 1 MiB further leaves zeros between; stat reports the size.
        t.Equal(1, file.Write(1_200_000, "z"u8), "write past the end");
        t.Equal(100, file.Read(1_000_000, new Span<byte>(back).Slice(0, 100)), "read in the hole");
        bool zeros = true;
        for (int i = 0; i < 100; i++)
            zeros &= back[i] == 0;
        t.Check(zeros, "a hole does not read as zeros");
        Span<byte> stat = stackalloc byte[StatEncoder.Size];
        t.Equal(0, StatEncoder.Encode(file, stat), "stat");
        t.Equal(1_200_001UL, Read64(stat, StatEncoder.SizeOffset), "st_size");

        // Truncating down and up again: the cut-off part comes back as zeros.
        t.Equal(0, file.Truncate(1000), "truncate down");
        t.Equal(0, file.Truncate(5000), "truncate up");
        t.Equal(5000, file.Read(0, new Span<byte>(back).Slice(0, 5000)), "read after truncate");
        t.Check(back[999] == pattern[999] && back[1000] == 0 && back[4999] == 0, "truncate did not zero the tail");
        file.Close();
        NodeMemory.Release(pattern);
        NodeMemory.Release(back);
        t.Equal(0, space.Destroy(), "namespace destroyed");
        t.Equal(allocations, KernelHeap.AllocationCount, "heap allocations after destroying the namespace");
    }

    private static ulong Read64(Span<byte> buffer, int offset)
    {
        ulong value = 0;
        for (int i = 7; i >= 0; i--)
            value = (value << 8) | buffer[offset + i];
        return value;
    }

    private static void NamespaceCallsAndGetdents(ref TestContext t)
    {
        ulong allocations = KernelHeap.AllocationCount;
        FileSystemNamespace space = RootedOnInitialFs(out _);
        DirectoryNode root = space.Root;
        t.Equal(0, PathOperations.MakeDirectory(space, root, "/tmp/d"u8, 0x1ED), "mkdir");
        t.Equal(0, PathOperations.MakeNode(space, root, "/tmp/d/a"u8, FileMode.Regular | 0x1A4), "mknod a");
        t.Equal(0, PathOperations.MakeNode(space, root, "/tmp/d/b"u8, FileMode.Regular | 0x1A4), "mknod b");
        t.Equal(0, PathOperations.Symlink(space, "a"u8, root, "/tmp/d/l"u8), "symlink");
        t.Equal(0, PathResolver.Resolve(space, root, "/tmp/d/l"u8, true, out Node viaLink), "resolve the link");
        t.Equal(0, PathResolver.Resolve(space, root, "/tmp/d/a"u8, true, out Node a), "resolve a");
        t.Check(viaLink == a && a != null, "the link does not lead to a");
        t.Equal(0, PathOperations.Rename(space, root, "/tmp/d/a"u8, root, "/tmp/d/c"u8, 0), "rename");
        t.Equal(-Errno.ENOENT, PathResolver.Resolve(space, root, "/tmp/d/l"u8, true, out _), "dangling after rename");

        // getdents64 in a buffer too small for everything at once: ".", "..", "b", "l", "c".
        t.Equal(0, PathResolver.Resolve(space, root, "/tmp/d"u8, true, out Node d), "resolve d");
        Span<byte> buffer = stackalloc byte[48];
        long cookie = 0;
        int entries = 0, calls = 0;
        bool sawC = false;
        while (calls++ < 10)
        {
            int count = DirentEncoder.Fill((DirectoryNode)d, ref cookie, buffer);
            if (count <= 0)
            {
                t.Equal(0, count, "getdents end");
                break;
            }
            for (int offset = 0; offset < count; offset += buffer[offset + 16] | (buffer[offset + 17] << 8))
            {
                entries++;
                sawC |= buffer[offset + 19] == 'c' && buffer[offset + 20] == 0 && buffer[offset + 18] == FileMode.DtReg;
            }
        }
        t.Equal(5, entries, "directory entries");
        t.Check(sawC, "the renamed entry is missing");

        Span<byte> cwd = stackalloc byte[64];
        int length = PathName.OfDirectory(space, (DirectoryNode)d, cwd);
        t.Equal(7, length, "getcwd length with its NUL");
        t.Check(length == 7 && cwd[0] == '/' && cwd[4] == '/' && cwd[5] == 'd' && cwd[6] == 0, "getcwd text");
        t.Equal(-Errno.ERANGE, PathName.OfDirectory(space, (DirectoryNode)d, cwd.Slice(0, 6)), "getcwd in too small a buffer");

        t.Equal(-Errno.ENOTEMPTY, PathOperations.RemoveDirectory(space, root, "/tmp/d"u8), "rmdir non-empty");
        t.Equal(0, PathOperations.Unlink(space, root, "/tmp/d/b"u8), "unlink b");
        t.Equal(0, PathOperations.Unlink(space, root, "/tmp/d/c"u8), "unlink c");
        t.Equal(0, PathOperations.Unlink(space, root, "/tmp/d/l"u8), "unlink l");
        t.Equal(0, PathOperations.RemoveDirectory(space, root, "/tmp/d"u8), "rmdir");
        t.Equal(0, space.Destroy(), "namespace destroyed");
        t.Equal(allocations, KernelHeap.AllocationCount, "heap allocations after destroying the namespace");
    }

    private static void UnlinkedOpenFile(ref TestContext t)
    {
        FileSystemInstance tmpfs = FileSystemInstance.CreateTmpfs(DeviceNumber.Make(0, 9), 1 << 20, 100);
        var space = new FileSystemNamespace(tmpfs);
        // A first entry gives the root its entry table, which stays; count from there.
        t.Equal(0, PathOperations.MakeNode(space, space.Root, "/warm-up"u8, FileMode.Regular), "warm-up");
        t.Equal(0, PathOperations.Unlink(space, space.Root, "/warm-up"u8), "warm-up unlink");
        ulong allocations = KernelHeap.AllocationCount;
        t.Equal(0, PathOperations.Open(space, space.Root, "/f"u8, OpenFlags.ReadWrite | OpenFlags.Create, 0x1A4, out Node file), "create");
        if (file == null)
            return;
        t.Equal(5, file.Write(0, "hello"u8), "write");
        t.Equal(0, PathOperations.Unlink(space, space.Root, "/f"u8), "unlink");
        t.Equal(0, file.LinkCount, "st_nlink after unlink");
        Span<byte> back = stackalloc byte[5];
        t.Equal(5, file.Read(0, back), "read after unlink");
        t.Check(back[0] == 'h' && back[4] == 'o', "data after unlink");
        t.Check(KernelHeap.AllocationCount > allocations, "the open file's memory went early");
        t.Check(tmpfs.UsedBytes > 0, "the open file's blocks were uncharged early");
        file.Close();
        t.Equal(allocations, KernelHeap.AllocationCount, "heap allocations after the last close");
        t.Equal(0, tmpfs.UsedBytes, "bytes charged after the last close");
        t.Equal(0, space.Destroy(), "namespace destroyed");
    }

    // A device the way the kernel writes one: a DeviceNode subclass attached to a directory.
    private sealed class ZeroDevice : DeviceNode
    {
        public ZeroDevice(FileSystemInstance fileSystem) : base(fileSystem, 1, 5, 0x1B6) { }

        public override long Read(ulong offset, Span<byte> buffer)
        {
            Bytes.Zero(buffer);
            return buffer.Length;
        }

        public override long Write(ulong offset, ReadOnlySpan<byte> data) => data.Length;
        public override bool Seekable => true;
    }

    private static long s_clock;

    private static long TestClock() => s_clock;

    // Every call the system call layer is meant to use, once, so that ILC compiles all of it into the
    // kernel and it is seen to work here; the host tests cover the rules.
    private static void EveryCallOnce(ref TestContext t)
    {
        delegate*<long> oldClock = FileTime.Source;
        FileTime.Source = &TestClock;
        s_clock = 1_500_000_000_123_456_789;
        ulong allocations = KernelHeap.AllocationCount;
        FileSystemNamespace space = RootedOnInitialFs(out _);
        DirectoryNode root = space.Root;
        t.Equal(0, space.EnsureDirectory("/tmp/dev"u8, out DirectoryNode dev), "EnsureDirectory");
        t.Equal(0, dev.Attach("zero"u8, new ZeroDevice(dev.FileSystem)), "Attach");
        t.Equal(0, PathOperations.Open(space, root, "/tmp/dev/zero"u8, OpenFlags.ReadWrite, 0, out Node zero), "open a device");
        Span<byte> small = stackalloc byte[8];
        small[0] = 9;
        t.Equal(8, zero?.Read(0, small) ?? -1, "device read");
        t.Check(small[0] == 0, "device read data");
        t.Equal(-Errno.ENOTTY, (zero as DeviceNode)?.Ioctl(1, 0) ?? 0, "ioctl");
        zero?.Close();

        t.Equal(0, PathOperations.Open(space, root, "/tmp/f"u8, OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Exclusive, 0x1A4,
            out Node f), "O_CREAT|O_EXCL");
        t.Equal(3, f?.Write(0, "abc"u8) ?? -1, "write");
        f?.Close();
        t.Equal(0, PathOperations.Open(space, root, "/tmp/f"u8, OpenFlags.ReadWrite | OpenFlags.Truncate, 0, out f), "O_TRUNC");
        t.Equal(0, f?.Size ?? 1, "size after O_TRUNC");
        f?.Close();
        t.Equal(0, PathOperations.Link(space, root, "/tmp/f"u8, root, "/tmp/g"u8, false), "link");
        t.Equal(0, PathOperations.Symlink(space, "f"u8, root, "/tmp/l"u8), "symlink");
        Span<byte> target = stackalloc byte[16];
        t.Equal(1, PathOperations.ReadLink(space, root, "/tmp/l"u8, target), "readlink");
        t.Equal(0, PathOperations.Truncate(space, root, "/tmp/l"u8, 100), "truncate through a link");
        t.Equal(0, PathOperations.Access(space, root, "/tmp/g"u8, AccessMode.Read | AccessMode.Write, true), "access");
        t.Equal(-Errno.EROFS, PathOperations.Access(space, root, "/"u8, AccessMode.Write, true), "access W_OK on /");
        t.Equal(0, PathOperations.MakeNode(space, root, "/tmp/p"u8, FileMode.Fifo | 0x1A4), "mkfifo");
        t.Equal(-Errno.EEXIST, PathOperations.Rename(space, root, "/tmp/f"u8, root, "/tmp/p"u8, RenameFlags.NoReplace), "NOREPLACE");
        t.Equal(0, PathOperations.ChangeDirectory(space, root, "/tmp/dev/.."u8, out DirectoryNode tmp), "chdir");
        t.Equal(0, PathResolver.Resolve(space, tmp, "g"u8, true, out Node g), "relative resolve");
        t.Equal(0, g?.SetPermissions(0x1ED) ?? -1, "chmod");
        t.Equal(0, g?.SetOwner(1, 2) ?? -1, "chown");
        t.Equal(0, g?.SetTimes(-1_500_000_000, 5) ?? -1, "utimes");

        Span<byte> stat = stackalloc byte[StatEncoder.Size];
        t.Equal(0, StatEncoder.Encode(g, stat), "stat");
        t.Equal(2, Read64(stat, StatEncoder.LinkCountOffset), "st_nlink");
        t.Equal(100, Read64(stat, StatEncoder.SizeOffset), "st_size");
        t.Equal(unchecked((ulong)-2L), Read64(stat, StatEncoder.AccessTimeOffset), "st_atime before the epoch");
        t.Equal(500_000_000, Read64(stat, StatEncoder.AccessTimeOffset + 8), "st_atime_nsec");
        t.Equal(1_500_000_000, Read64(stat, StatEncoder.ChangeTimeOffset), "st_ctime from the clock");

        FileSystemInstance extra = FileSystemInstance.CreateTmpfs(space.NewAnonymousDevice(), 1 << 20, 10);
        t.Equal(0, space.MountAt("/tmp/mnt"u8, extra), "mount");
        t.Equal(0, PathOperations.MakeDirectory(space, root, "/tmp/mnt/x"u8, 0x1ED), "mkdir in the mount");
        t.Equal(-Errno.EXDEV, PathOperations.Rename(space, root, "/tmp/f"u8, root, "/tmp/mnt/f"u8, 0), "rename across");
        t.Equal(0, space.Unmount(extra), "unmount");
        t.Equal(0, extra.Destroy(), "destroy the unmounted instance");
        NodeMemory.Release(extra);

        t.Equal(0, space.Destroy(), "namespace destroyed");
        t.Equal(allocations, KernelHeap.AllocationCount, "heap allocations after destroying the namespace");
        FileTime.Source = oldClock;
    }
}
