using System.Diagnostics;
using System.Text;
using CsCheck;
using Kitten.Kernel.FileSystem;
using NUnit.Framework;
using static Kitten.Kernel.Tests.FileSystem.FsHarness;
using FileMode = Kitten.Kernel.FileSystem.FileMode;

namespace Kitten.Kernel.Tests.FileSystem;

// The initial file system built from cpio archives: made by CpioWriter for exact cases, and by the real
// cpio tool from a directory tree with symbolic and hard links for agreement with what Linux unpacks.
public unsafe class InitialFileSystemTests
{
    [Test]
    public void FilesDirectoriesAndMissingParents()
    {
        var archive = new CpioWriter().Directory("etc").File("etc/hostname", "kitten\n").File("usr/share/doc/readme", "read me")
            .Raw("bin", 0x41ED, [], mtime: 1_700_000_000).Build();
        var fs = OnArchive(archive, out var report);
        Assert.That(report.ArchiveError, Is.Null);
        Assert.That(report.Refused, Is.EqualTo(0));
        Assert.That((report.Files, report.Directories), Is.EqualTo((2, 2)));
        Assert.That(fs.Read("/etc/hostname"), Is.EqualTo("kitten\n"));
        Assert.That(fs.Read("/usr/share/doc/readme"), Is.EqualTo("read me"));
        Assert.That(fs.Get("/usr/share").Mode, Is.EqualTo(FileMode.Directory | 0x1ED), "a made-up parent is drwxr-xr-x");
        Assert.That(fs.Get("/bin").ModifyTime, Is.EqualTo(1_700_000_000L * 1_000_000_000));
        Assert.That(fs.Names("/"), Is.EqualTo(new[] { "bin", "etc", "tmp", "usr" }));
    }

    [Test]
    public void FileDataIsReadInPlace()
    {
        var archive = new CpioWriter().File("data", "0123456789").Build();
        var fs = OnArchive(archive, out _);
        var file = (ArchiveFile)fs.Get("/data");
        var copy = new byte[4];
        Assert.That(file.Read(3, copy), Is.EqualTo(4));
        Assert.That(Encoding.ASCII.GetString(copy), Is.EqualTo("3456"));
        Assert.That(file.Read(10, copy), Is.EqualTo(0));
        Assert.That(file.Read(8, copy), Is.EqualTo(2));
        Assert.That(file.Data[0], Is.EqualTo((byte)'0'));
        file.Data[0] = (byte)'X';      // the node shares the archive's memory: no copy was made
        Assert.That(fs.Read("/data"), Is.EqualTo("X123456789"));
    }

    [Test]
    public void SymlinksHardLinksAndSpecialFiles()
    {
        var archive = new CpioWriter()
            .File("bin/busybox", "#!busybox")
            .Symlink("bin/sh", "busybox")
            .Symlink("sbin", "bin")
            .Raw("a", 0x81ED, [], inode: 77, links: 3)
            .Raw("b", 0x81ED, [], inode: 77, links: 3)
            .Raw("c", 0x81ED, Encoding.ASCII.GetBytes("shared"), inode: 77, links: 3)
            .Raw("dev/console", 0x2180, [], rdevMajor: 5, rdevMinor: 1)
            .Raw("fifo", 0x11A4, [])
            .Build();
        var fs = OnArchive(archive, out var report);
        Assert.That(report.Refused, Is.EqualTo(0), report.FirstRefusal);
        Assert.That((report.Files, report.Symlinks, report.HardLinks, report.SpecialFiles), Is.EqualTo((2, 2, 2, 2)));
        Assert.That(fs.Get("/bin/sh"), Is.SameAs(fs.Get("/bin/busybox")));
        Assert.That(fs.Get("/sbin/sh"), Is.SameAs(fs.Get("/bin/busybox")));
        Assert.That(fs.ReadLink("/bin/sh"), Is.EqualTo("busybox"));
        Assert.That(fs.Get("/a"), Is.SameAs(fs.Get("/c")));
        Assert.That(fs.Get("/b"), Is.SameAs(fs.Get("/c")));
        Assert.That(fs.Read("/a"), Is.EqualTo("shared"), "cpio stores a hard link's data with its last name");
        Assert.That(fs.Get("/a").LinkCount, Is.EqualTo(3));
        var console = (DeviceNode)fs.Get("/dev/console");
        Assert.That((console.Major, console.Minor, console.Type), Is.EqualTo((5u, 1u, FileMode.CharacterDevice)));
        Assert.That(console.Read(0, new byte[1]), Is.EqualTo(-LinuxAbi.Errno.ENXIO), "no driver behind it yet");
        Assert.That(fs.Get("/fifo"), Is.InstanceOf<FifoNode>());
    }

    [Test]
    public void LaterEntriesReplaceEarlierOnes()
    {
        var archive = new CpioWriter().File("x", "first").File("x", "second").Directory("d").Raw("d", 0x41C0, [])
            .File("f", "file").Directory("f").Symlink("e", "x").Directory("e").File("e/in", "in").Build();
        var fs = OnArchive(archive, out var report);
        Assert.That(report.Refused, Is.EqualTo(0));
        Assert.That(fs.Read("/x"), Is.EqualTo("second"));
        Assert.That(fs.Get("/d").Mode, Is.EqualTo(FileMode.Directory | 0x1C0), "a directory entry again updates it");
        Assert.That(fs.Get("/f").IsDirectory, Is.True);
        Assert.That(fs.Read("/e/in"), Is.EqualTo("in"));
    }

    [TestCase("file/inside", "a parent in its path is not a directory")]
    [TestCase("link/inside", "a parent in its path is not a directory")]
    [TestCase("../escape", "\"..\"")]
    [TestCase("a/../b", "\"..\"")]
    public void BadPathsAreRefusedWithAReason(string name, string reason)
    {
        var archive = new CpioWriter().File("file", "f").Symlink("link", "/").File(name, "x").File("after", "ok").Build();
        var fs = OnArchive(archive, out var report);
        Assert.That(report.Refused, Is.EqualTo(1));
        Assert.That(report.FirstRefusal, Does.Contain(reason));
        Assert.That(S(report.FirstRefusedName), Is.EqualTo(name));
        Assert.That(fs.Read("/after"), Is.EqualTo("ok"), "unpacking goes on after a refusal");
    }

    [Test]
    public void UnsupportedEntriesAreRefused()
    {
        var archive = new CpioWriter().Symlink("empty", "").Raw("sock", 0xC1ED, []).Raw("odd", 0xE1ED, [])
            .File("nonempty/x", "x").Raw("nonempty", 0x81A4, []).Raw(".", 0x81A4, [])
            .Raw("nul", 0xA1FF, [(byte)'a', 0, (byte)'b']).Symlink("toolong", new string('t', 4096)).Build();
        var fs = OnArchive(archive, out var report);
        Assert.That(report.Refused, Is.EqualTo(7));
        Assert.That(fs.Resolve("/empty", false), Is.EqualTo(E.ENOENT));
        Assert.That(fs.Resolve("/sock", false), Is.EqualTo(E.ENOENT));
        Assert.That(fs.Get("/nonempty").IsDirectory, Is.True);
        Assert.That(fs.Space.Root.IsDirectory, Is.True);
    }

    [Test]
    public void RefusalsAreReportedOneByOne()
    {
        t_refusals = new List<string>();
        var archive = new CpioWriter().File("f", "").File("f/x", "").Raw("s", 0xC000, []).Build();
        fixed (byte* start = archive)
            InitialFileSystem.Build(start, (ulong)archive.Length, 1, out _, &OnRefused);
        Assert.That(t_refusals, Is.EqualTo(new[] { "f/x: a parent in its path is not a directory", "s: sockets cannot be unpacked" }));
    }

    [ThreadStatic] private static List<string> t_refusals;

    private static void OnRefused(ReadOnlySpan<byte> name, string reason) => t_refusals.Add($"{S(name)}: {reason}");

    [Test]
    public void AMalformedArchiveStopsWithTheReadersReason()
    {
        var archive = new CpioWriter().File("good", "g").File("bad", "b").Build();
        int second = Encoding.ASCII.GetString(archive).IndexOf("070701", 6, StringComparison.Ordinal);
        archive[second] = (byte)'X';
        var fs = OnArchive(archive, out var report);
        Assert.That(report.ArchiveError, Does.Contain("bad magic"));
        Assert.That(fs.Read("/good"), Is.EqualTo("g"));
        Assert.That(fs.Resolve("/bad"), Is.EqualTo(E.ENOENT));
    }

    [Test]
    public void AnEmptyOrMissingArchiveIsAnEmptyRoot()
    {
        var fs = OnArchive([], out var report, mountTmp: false);
        Assert.That(report.ArchiveError, Is.Null);
        Assert.That(fs.Names("/"), Is.Empty);
        var none = InitialFileSystem.Build(null, 0, 1, out report);
        Assert.That(none.Root.IsEmpty, Is.True);
        Assert.That(none.ReadOnly, Is.True);
    }

    // Every change is EROFS on the initial file system; reading and opening for reading are fine.
    [Test]
    public void EverythingThatWritesIsRefusedWithEROFS()
    {
        var archive = new CpioWriter().File("f", "data").Directory("d").Directory("empty").Symlink("l", "f").Build();
        var fs = OnArchive(archive, out _, mountTmp: false);
        Assert.That(fs.OpenClose("/f", OpenFlags.ReadOnly), Is.EqualTo(0));
        Assert.That(fs.OpenClose("/f", OpenFlags.ReadOnly | OpenFlags.Create), Is.EqualTo(0), "O_CREAT of an existing file");
        Assert.That(fs.OpenClose("/d", OpenFlags.ReadOnly | OpenFlags.Directory), Is.EqualTo(0));
        Assert.That(fs.OpenClose("/f", OpenFlags.WriteOnly), Is.EqualTo(E.EROFS));
        Assert.That(fs.OpenClose("/f", OpenFlags.ReadWrite), Is.EqualTo(E.EROFS));
        Assert.That(fs.OpenClose("/f", OpenFlags.ReadOnly | OpenFlags.Truncate), Is.EqualTo(E.EROFS));
        Assert.That(fs.OpenClose("/new", OpenFlags.WriteOnly | OpenFlags.Create), Is.EqualTo(E.EROFS));
        Assert.That(fs.Mkdir("/new"), Is.EqualTo(E.EROFS));
        Assert.That(fs.Mkdir("/d"), Is.EqualTo(E.EEXIST), "an existing name is EEXIST before EROFS");
        Assert.That(fs.Symlink("x", "/new"), Is.EqualTo(E.EROFS));
        Assert.That(fs.Link("/f", "/new"), Is.EqualTo(E.EROFS));
        Assert.That(fs.Unlink("/f"), Is.EqualTo(E.EROFS));
        Assert.That(fs.Unlink("/missing"), Is.EqualTo(E.EROFS), "unlink checks the mount before the name");
        Assert.That(fs.Rmdir("/empty"), Is.EqualTo(E.EROFS));
        Assert.That(fs.Rename("/f", "/g"), Is.EqualTo(E.EROFS));
        Assert.That(PathOperations.Truncate(fs.Space, fs.Cwd, B("/f"), 0), Is.EqualTo(E.EROFS));
        Assert.That(PathOperations.MakeNode(fs.Space, fs.Cwd, B("/p"), FileMode.Fifo | 0x1A4), Is.EqualTo(E.EROFS));
        Assert.That(PathOperations.Access(fs.Space, fs.Cwd, B("/f"), AccessMode.Write, true), Is.EqualTo(E.EROFS));
        Assert.That(PathOperations.Access(fs.Space, fs.Cwd, B("/f"), AccessMode.Read, true), Is.EqualTo(0));
        Node file = fs.Get("/f");
        Assert.That(file.Write(0, B("x")), Is.EqualTo(E.EROFS));
        Assert.That(file.Truncate(0), Is.EqualTo(E.EROFS));
        Assert.That(file.SetPermissions(0x1FF), Is.EqualTo(E.EROFS));
        Assert.That(file.SetOwner(1, 1), Is.EqualTo(E.EROFS));
        Assert.That(file.SetTimes(1, 1), Is.EqualTo(E.EROFS));
        Assert.That(fs.Read("/f"), Is.EqualTo("data"));
        Assert.That(fs.Names("/"), Is.EqualTo(new[] { "d", "empty", "f", "l" }));
    }

    // What the cpio tool makes of a real tree (symbolic links by `ln -s`, hard links by `ln`, a FIFO)
    // is what the file system shows: every name, type, size, link target and byte.
    [Test]
    public void AgreesWithATreeArchivedByTheCpioTool()
    {
        var root = Directory.CreateTempSubdirectory("kitten-vfs-");
        try
        {
            string r = root.FullName;
            Directory.CreateDirectory(Path.Combine(r, "bin"));
            Directory.CreateDirectory(Path.Combine(r, "etc/deep/er"));
            File.WriteAllBytes(Path.Combine(r, "bin/busybox"), Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray());
            File.WriteAllText(Path.Combine(r, "etc/deep/er/conf"), "x=1\n");
            File.WriteAllText(Path.Combine(r, "etc/empty"), "");
            Run(r, "ln -s busybox bin/sh && ln -s ../bin/busybox etc/bb && ln -s /etc/deep etc/abs && ln -s nowhere dangling"
                + " && ln bin/busybox bin/hard && ln etc/empty etc/empty2 && mkfifo pipe");
            byte[] archive = RunBytes(r, "find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet");
            var fs = OnArchive(archive, out var report, mountTmp: false);
            Assert.That(report.ArchiveError, Is.Null);
            Assert.That(report.Refused, Is.EqualTo(0), report.FirstRefusal);
            Assert.That(report.HardLinks, Is.EqualTo(2));
            CompareTree(fs, r, "");
            Assert.That(fs.Get("/bin/hard"), Is.SameAs(fs.Get("/bin/busybox")));
            Assert.That(fs.Get("/bin/sh"), Is.SameAs(fs.Get("/bin/busybox")));
            Assert.That(fs.Get("/etc/bb"), Is.SameAs(fs.Get("/bin/busybox")));
            Assert.That(fs.Get("/etc/abs/er/conf"), Is.SameAs(fs.Get("/etc/deep/er/conf")));
            Assert.That(fs.Get("/etc/empty2").LinkCount, Is.EqualTo(2));
        }
        finally
        {
            root.Delete(true);
        }
    }

    // The layout user space will boot with: busybox and one symbolic link per applet, as `busybox
    // --install -s` makes them, archived by the cpio tool.
    [Test]
    public void BusyboxAppletLinksAllLeadToBusybox()
    {
        if (!File.Exists("/usr/bin/busybox"))
            Assert.Ignore("no busybox on this machine");
        var root = Directory.CreateTempSubdirectory("kitten-vfs-");
        try
        {
            string r = root.FullName;
            Directory.CreateDirectory(Path.Combine(r, "bin"));
            File.Copy("/usr/bin/busybox", Path.Combine(r, "bin/busybox"));
            string[] applets = Exec.TestPrograms.Run("/usr/bin/busybox", "--list").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(a => a != "busybox").ToArray();
            foreach (var applet in applets)
                File.CreateSymbolicLink(Path.Combine(r, "bin", applet), "busybox");
            byte[] archive = RunBytes(r, "find . | LC_ALL=C sort | cpio -o -H newc --quiet");
            var fs = OnArchive(archive, out var report);
            Assert.That(report.Refused, Is.EqualTo(0), report.FirstRefusal);
            Assert.That(report.Symlinks, Is.EqualTo(applets.Length));
            Node busybox = fs.Get("/bin/busybox");
            Assert.That(busybox.Size, Is.EqualTo((ulong)new FileInfo("/usr/bin/busybox").Length));
            Assert.That(ReadAll(busybox), Is.EqualTo(File.ReadAllBytes("/usr/bin/busybox")));
            foreach (var applet in applets)
                Assert.That(fs.Get("/bin/" + applet), Is.SameAs(busybox), applet);
            Assert.That(fs.Names("/bin"), Has.Length.EqualTo(applets.Length + 1));
            Assert.That(fs.Chdir("/tmp"), Is.EqualTo(0));
            Assert.That(fs.Get("../bin/sh"), Is.SameAs(busybox));
        }
        finally
        {
            root.Delete(true);
        }
    }

    private static void CompareTree(FsHarness fs, string hostRoot, string path)
    {
        string host = hostRoot + path;
        var expected = Directory.EnumerateFileSystemEntries(host == "" ? "/" : host).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.That(fs.Names(path == "" ? "/" : path), Is.EqualTo(expected), path);
        foreach (var name in expected)
        {
            string child = path + "/" + name;
            var info = new FileInfo(hostRoot + child);
            Node node = fs.Get(child, follow: false);
            if (info.LinkTarget != null)
            {
                Assert.That(fs.ReadLink(child), Is.EqualTo(info.LinkTarget), child);
                continue;
            }
            Assert.That(node.Mode & 0xFFF, Is.EqualTo((uint)info.UnixFileMode), child);
            if (info.Attributes.HasFlag(FileAttributes.Directory))
                CompareTree(fs, hostRoot, child);
            else if (node.IsRegular)
                Assert.That(ReadAll(node), Is.EqualTo(File.ReadAllBytes(hostRoot + child)), child);
            else
                Assert.That(node.Type, Is.EqualTo(FileMode.Fifo), child);
        }
    }

    private static void Run(string directory, string command) => RunBytes(directory, command);

    private static byte[] RunBytes(string directory, string command)
    {
        var start = new ProcessStartInfo("sh", ["-c", command]) { WorkingDirectory = directory, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.EqualTo(0), command);
        return output.ToArray();
    }

    // Fuzz: a damaged archive builds some tree or stops with a reason; it never throws, never makes a
    // node outside the archive's bytes, and the tree it makes is consistent (every directory's entries
    // resolve, link counts add up).
    [Test]
    public void DamagedArchivesNeverCrash()
    {
        var valid = new CpioWriter().Directory("d").File("d/one", "1111").Symlink("d/l", "one").Raw("h1", 0x81A4, [], 9, 2)
            .Raw("h2", 0x81A4, B("hh"), 9, 2).File("two", new string('2', 77)).File("d/sub/x", "x").Build();
        Gen.Select(Gen.Int[0, valid.Length - 1].Array[1, 8], Gen.Byte.Array[8], Gen.Int[0, valid.Length]).Sample((positions, values, cut) =>
        {
            var copy = (byte[])valid.Clone();
            for (int i = 0; i < positions.Length; i++)
                copy[positions[i]] = values[i];
            var fs = OnArchive(copy[..cut], out var report, mountTmp: false);
            return Consistent(fs.Space.Root, 0) && fs.Space.Root.FileSystem.ReadOnly;
        }, iter: 5000);
    }

    private static bool Consistent(DirectoryNode directory, int depth)
    {
        if (depth > 64)
            return false;
        int subdirectories = 0;
        for (long cookie = DirectoryNode.FirstEntryCookie; directory.ReadEntry(cookie, out var entry); cookie = entry.NextCookie)
        {
            if (directory.Lookup(entry.Name) != entry.Node || entry.Node.Names < 1)
                return false;
            if (entry.Node is DirectoryNode child)
            {
                subdirectories++;
                if (child.Parent != directory || !Consistent(child, depth + 1))
                    return false;
            }
        }
        return directory.LinkCount == 2 + (uint)subdirectories;
    }
}
