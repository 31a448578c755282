using Kitten.Kernel.FileSystem;
using Kitten.Kernel.LinuxAbi;
using NUnit.Framework;
using static Kitten.Kernel.Tests.FileSystem.FsHarness;
using FileMode = Kitten.Kernel.FileSystem.FileMode;

namespace Kitten.Kernel.Tests.FileSystem;

// What the Linux agreement scripts cannot show: the nodes handed back, kernel-only calls, and the
// choices made where this kernel differs on purpose.
public class PathOperationTests
{
    private sealed class Counter(FileSystemInstance fs) : DeviceNode(fs, 10, 200, 0x1B6)
    {
        public override long Read(ulong offset, Span<byte> buffer)
        {
            buffer.Fill(7);
            return buffer.Length;
        }
    }

    [Test]
    public void OpenHandsBackAnOpenedNodeWithTheGivenPermissions()
    {
        var fs = OnTmpfs();
        Assert.That(fs.Open("/f", OpenFlags.Create | OpenFlags.WriteOnly, out Node node, 0x180), Is.EqualTo(0));
        Assert.That(node.OpenCount, Is.EqualTo(1));
        Assert.That(node.Mode, Is.EqualTo(FileMode.Regular | 0x180));
        Assert.That(fs.Root.OpenNodes, Is.EqualTo(2), "the file and the working directory");
        node.Close();
        Assert.That(node.OpenCount, Is.EqualTo(0));
        Assert.That(fs.Open("/f", OpenFlags.ReadOnly, out Node again), Is.EqualTo(0));
        Assert.That(again, Is.SameAs(node));
        again.Close();
        Assert.That(fs.Open("/missing", OpenFlags.ReadOnly, out Node none), Is.EqualTo(E.ENOENT));
        Assert.That(none, Is.Null);
    }

    [Test]
    public void RenameExchangeAndUnknownFlagsAreEINVAL()
    {
        var fs = OnTmpfs();
        fs.Write("/a", "a");
        fs.Write("/b", "b");
        Assert.That(fs.Rename("/a", "/b", RenameFlags.Exchange), Is.EqualTo(E.EINVAL));
        Assert.That(fs.Rename("/a", "/b", 8), Is.EqualTo(E.EINVAL));
        Assert.That(fs.Read("/a"), Is.EqualTo("a"));
    }

    [TestCase(FileMode.CharacterDevice, E.EPERM)]
    [TestCase(FileMode.BlockDevice, E.EPERM)]
    [TestCase(FileMode.Directory, E.EPERM)]
    [TestCase(FileMode.Socket, E.EPERM)]
    [TestCase(0xE000u, E.EINVAL)]
    [TestCase(0u, 0)]
    [TestCase(FileMode.Regular, 0)]
    [TestCase(FileMode.Fifo, 0)]
    public void MknodMakesFilesAndFifosOnly(uint type, int expected)
    {
        var fs = OnTmpfs();
        Assert.That(PathOperations.MakeNode(fs.Space, fs.Cwd, B("/n"), type | 0x1A4), Is.EqualTo(expected));
    }

    [Test]
    public void DevicesAreAttachedByTheKernelEvenOnAReadOnlyFileSystem()
    {
        var fs = OnArchive(new CpioWriter().Directory("dev").Raw("dev/console", 0x2180, [], rdevMajor: 5, rdevMinor: 1).Build(), out _);
        var dev = (DirectoryNode)fs.Get("/dev");
        var counter = new Counter(fs.Root);
        Assert.That(dev.Attach(B("counter"), counter), Is.EqualTo(0));
        Assert.That(dev.Attach(B("console"), new Counter(fs.Root)), Is.EqualTo(0), "replaces the archive's placeholder");
        Assert.That(fs.Get("/dev/console"), Is.InstanceOf<Counter>());
        Assert.That(dev.Attach(B("."), counter), Is.EqualTo(E.EEXIST));
        Assert.That(fs.Space.Root.Attach(B("dev"), counter), Is.EqualTo(E.EEXIST), "a directory is never replaced");
        Assert.That(dev.Attach(B("other"), new Counter(fs.Tmp)), Is.EqualTo(E.EXDEV));
        Assert.That(fs.OpenClose("/dev/counter", OpenFlags.ReadWrite), Is.EqualTo(0), "devices open for writing on a read-only mount");
        var buffer = new byte[3];
        Assert.That(fs.Get("/dev/counter").Read(0, buffer), Is.EqualTo(3));
        Assert.That(buffer, Is.EqualTo(new byte[] { 7, 7, 7 }));
        Assert.That(counter.Ioctl(0x5401, 0), Is.EqualTo(-Errno.ENOTTY));
        Assert.That(counter.PollReadiness(), Is.EqualTo(DeviceNode.PollIn | DeviceNode.PollOut));
        Assert.That((counter.Major, counter.Minor, counter.RawDevice), Is.EqualTo((10u, 200u, DeviceNumber.Make(10, 200))));
        Assert.That(fs.List("/dev").Single(e => e.Name == "counter").Type, Is.EqualTo(FileMode.DtChr));
    }

    [Test]
    public void SymlinkTargetsUpToPathMax()
    {
        var fs = OnTmpfs();
        Assert.That(fs.Symlink(new string('t', 4095), "/ok"), Is.EqualTo(0));
        Assert.That(fs.Symlink(new string('t', 4096), "/long"), Is.EqualTo(E.ENAMETOOLONG));
        Assert.That(fs.Get("/ok", follow: false).Size, Is.EqualTo(4095UL));
        Assert.That(fs.Resolve("/ok"), Is.EqualTo(E.ENAMETOOLONG), "a 4095-byte component");
        var small = new byte[10];
        Assert.That(PathOperations.ReadLink(fs.Space, fs.Cwd, B("/ok"), small), Is.EqualTo(10), "readlink truncates silently");
        Assert.That(PathOperations.ReadLink(fs.Space, fs.Cwd, B("/ok"), Span<byte>.Empty), Is.EqualTo(E.EINVAL));
    }

    [Test]
    public void AccessWithoutFollowingTheLastLink()
    {
        var fs = OnTmpfs();
        Assert.That(fs.Symlink("/nowhere", "/l"), Is.EqualTo(0));
        Assert.That(PathOperations.Access(fs.Space, fs.Cwd, B("/l"), AccessMode.Exists, false), Is.EqualTo(0));
        Assert.That(PathOperations.Access(fs.Space, fs.Cwd, B("/l"), AccessMode.Exists, true), Is.EqualTo(E.ENOENT));
        fs.Write("/x", "");
        fs.Get("/x").SetPermissions(0x1C0);
        Assert.That(PathOperations.Access(fs.Space, fs.Cwd, B("/x"), AccessMode.Execute, true), Is.EqualTo(0));
    }

    [Test]
    public void GetcwdBufferSizesAndUnreachableDirectories()
    {
        var fs = OnTmpfs();
        Assert.That(fs.Mkdir("/abc"), Is.EqualTo(0));
        Assert.That(fs.Mkdir("/abc/de"), Is.EqualTo(0));
        var de = (DirectoryNode)fs.Get("/abc/de");
        Assert.That(PathName.OfDirectory(fs.Space, de, new byte[8]), Is.EqualTo(8), "\"/abc/de\" and a NUL fit exactly");
        Assert.That(PathName.OfDirectory(fs.Space, de, new byte[7]), Is.EqualTo(E.ERANGE));
        Assert.That(PathName.OfDirectory(fs.Space, fs.Space.Root, new byte[2]), Is.EqualTo(2));
        Assert.That(PathName.OfDirectory(fs.Space, fs.Space.Root, new byte[1]), Is.EqualTo(E.ERANGE));
        Assert.That(fs.Rename("/abc", "/xyz"), Is.EqualTo(0));
        Assert.That(fs.Chdir("/xyz/de"), Is.EqualTo(0));
        Assert.That(fs.Getcwd(), Is.EqualTo("/xyz/de"), "a renamed parent shows");
        Assert.That(fs.Chdir("/"), Is.EqualTo(0));
        var detached = FileSystemInstance.CreateTmpfs(DeviceNumber.Make(0, 77), 1 << 20, 10);
        Assert.That(PathName.OfDirectory(fs.Space, detached.Root, new byte[100]), Is.EqualTo(E.ENOENT), "not mounted in this namespace");
        Assert.That(fs.Rmdir("/xyz/de"), Is.EqualTo(0));
        Assert.That(PathName.OfDirectory(fs.Space, de, new byte[100]), Is.EqualTo(E.ENOENT), "removed");
    }

    [Test]
    public void AnUnlinkedOpenFileCannotBeLinkedBack()
    {
        var fs = OnTmpfs();
        Assert.That(fs.Open("/f", OpenFlags.Create | OpenFlags.ReadWrite, out Node node), Is.EqualTo(0));
        Assert.That(fs.Unlink("/f"), Is.EqualTo(0));
        Assert.That(fs.Space.Root.Link(B("again"), node), Is.EqualTo(E.ENOENT));
        node.Close();
    }

    [Test]
    public void MovingADirectoryMovesItsParentLink()
    {
        var fs = OnTmpfs();
        Assert.That(fs.Mkdir("/a"), Is.EqualTo(0));
        Assert.That(fs.Mkdir("/b"), Is.EqualTo(0));
        Assert.That(fs.Mkdir("/a/sub"), Is.EqualTo(0));
        Assert.That(fs.Rename("/a/sub", "/b/sub"), Is.EqualTo(0));
        Assert.That(fs.Get("/b/sub/.."), Is.SameAs(fs.Get("/b")));
        Assert.That(((DirectoryNode)fs.Get("/b/sub")).Parent, Is.SameAs(fs.Get("/b")));
        Assert.That((fs.Get("/a").LinkCount, fs.Get("/b").LinkCount), Is.EqualTo((2u, 3u)));
        Assert.That(fs.Rmdir("/a"), Is.EqualTo(0), "the old parent is empty and can go");
        Assert.That(fs.Rmdir("/b"), Is.EqualTo(E.ENOTEMPTY));
    }
}
