using Kitten.Kernel.FileSystem;
using NUnit.Framework;
using static Kitten.Kernel.Tests.FileSystem.FsHarness;
using FileMode = Kitten.Kernel.FileSystem.FileMode;

namespace Kitten.Kernel.Tests.FileSystem;

// The mount table: a tmpfs on /tmp over the read-only initial file system, crossing mount points both
// ways, stacking, and what a mount point refuses.
public class MountTests
{
    private static FsHarness WithTmp(bool archiveHasTmp)
    {
        var writer = new CpioWriter().Directory("etc").File("etc/motd", "hi").File("hidden", "x");
        if (archiveHasTmp)
            writer.Directory("tmp").File("tmp/under", "covered");
        return OnArchive(writer.Build(), out _);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void TmpIsAWritableTmpfsOverTheReadOnlyRoot(bool archiveHasTmp)
    {
        var fs = WithTmp(archiveHasTmp);
        Node tmp = fs.Get("/tmp");
        Assert.That(tmp, Is.SameAs(fs.Tmp.Root));
        Assert.That(tmp.Mode, Is.EqualTo(FileSystemMode.StickyDirectory), "tmpfs root is drwxrwxrwt");
        Assert.That(fs.Names("/tmp"), Is.Empty, "the mount hides what is under it");
        Assert.That(fs.Resolve("/tmp/under"), Is.EqualTo(E.ENOENT));
        fs.Write("/tmp/new", "written");
        Assert.That(fs.Read("/tmp/new"), Is.EqualTo("written"));
        Assert.That(fs.Get("/tmp/new").FileSystem, Is.SameAs(fs.Tmp));
        Assert.That(fs.Get("/tmp/new").FileSystem.DeviceNumber, Is.Not.EqualTo(fs.Get("/etc").FileSystem.DeviceNumber));
        Assert.That(fs.Mkdir("/etc/new"), Is.EqualTo(E.EROFS));
        Assert.That(fs.Names("/"), Does.Contain("tmp"));
    }

    [Test]
    public void DotDotLeavesAMountedRootForTheMountPointsParent()
    {
        var fs = WithTmp(true);
        Assert.That(fs.Mkdir("/tmp/a"), Is.EqualTo(0));
        Assert.That(fs.Get("/tmp/.."), Is.SameAs(fs.Space.Root));
        Assert.That(fs.Get("/tmp/a/../../etc/motd"), Is.SameAs(fs.Get("/etc/motd")));
        Assert.That(fs.Chdir("/tmp/a"), Is.EqualTo(0));
        Assert.That(fs.Get("../../hidden"), Is.SameAs(fs.Get("/hidden")));
        Assert.That(fs.Get("../.."), Is.SameAs(fs.Space.Root));
        Assert.That(fs.Getcwd(), Is.EqualTo("/tmp/a"));
        // The mounted root lists itself as its own "..", as Linux's tmpfs root does.
        var dotdot = fs.List("/tmp").Single(e => e.Name == "..");
        Assert.That(dotdot.Inode, Is.EqualTo(fs.Tmp.Root.Inode));
    }

    [Test]
    public void SymlinksCrossMountsBothWays()
    {
        var fs = WithTmp(true);
        Assert.That(fs.Symlink("/etc/motd", "/tmp/motd"), Is.EqualTo(0));
        Assert.That(fs.Symlink("../etc", "/tmp/etc"), Is.EqualTo(0));
        Assert.That(fs.Get("/tmp/motd"), Is.SameAs(fs.Get("/etc/motd")));
        Assert.That(fs.Get("/tmp/etc/motd"), Is.SameAs(fs.Get("/etc/motd")));
    }

    [Test]
    public void StackedMountsAndMountsInsideMounts()
    {
        var fs = WithTmp(true);
        var second = FileSystemInstance.CreateTmpfs(fs.Space.NewAnonymousDevice(), 1 << 20, 100);
        var inner = FileSystemInstance.CreateTmpfs(fs.Space.NewAnonymousDevice(), 1 << 20, 100);
        Assert.That(fs.Space.MountAt(B("/tmp"), second), Is.EqualTo(0), "mounting on a mounted root stacks");
        Assert.That(fs.Get("/tmp"), Is.SameAs(second.Root));
        Assert.That(fs.Get("/tmp/.."), Is.SameAs(fs.Space.Root), ".. climbs through both mounts");
        Assert.That(fs.Space.MountAt(B("/tmp/x/y"), inner), Is.EqualTo(0), "missing directories are made");
        Assert.That(fs.Get("/tmp/x/y"), Is.SameAs(inner.Root));
        Assert.That(fs.Get("/tmp/x/y/.."), Is.SameAs(fs.Get("/tmp/x")));
        Assert.That(fs.Chdir("/tmp/x/y"), Is.EqualTo(0));
        Assert.That(fs.Getcwd(), Is.EqualTo("/tmp/x/y"));
        Assert.That(fs.Space.MountCount, Is.EqualTo(4));
        Assert.That(fs.Space.Unmount(second), Is.EqualTo(E.EBUSY), "something is mounted inside it");
        Assert.That(fs.Space.Unmount(inner), Is.EqualTo(E.EBUSY), "the working directory is inside it");
        Assert.That(fs.Chdir("/"), Is.EqualTo(0));
        Assert.That(fs.Space.Unmount(inner), Is.EqualTo(0));
        Assert.That(fs.Space.Unmount(inner), Is.EqualTo(E.EINVAL), "not mounted any more");
        Assert.That(fs.Get("/tmp/x/y").FileSystem, Is.SameAs(second), "the covered directory shows again");
        Assert.That(fs.Space.Unmount(second), Is.EqualTo(0));
        Assert.That(fs.Get("/tmp"), Is.SameAs(fs.Tmp.Root));
        Assert.That(inner.Destroy(), Is.EqualTo(0));
        Assert.That(second.Destroy(), Is.EqualTo(0));
    }

    [Test]
    public void AMountPointCannotBeRemovedOrRenamedAndNamesDoNotCrossDevices()
    {
        var fs = OnTmpfs();
        Assert.That(fs.Mkdir("/mnt"), Is.EqualTo(0));
        var other = FileSystemInstance.CreateTmpfs(fs.Space.NewAnonymousDevice(), 1 << 20, 100);
        Assert.That(fs.Space.MountAt(B("/mnt"), other), Is.EqualTo(0));
        Assert.That(fs.Space.Mount(fs.Space.Root, other), Is.EqualTo(E.EBUSY), "already mounted");
        fs.Write("/file", "f");
        fs.Write("/mnt/inside", "i");
        Assert.That(fs.Rmdir("/mnt"), Is.EqualTo(E.EBUSY));
        Assert.That(fs.Rename("/mnt", "/elsewhere"), Is.EqualTo(E.EBUSY));
        Assert.That(fs.Rename("/file", "/mnt/file"), Is.EqualTo(E.EXDEV));
        Assert.That(fs.Rename("/mnt/inside", "/inside"), Is.EqualTo(E.EXDEV));
        Assert.That(fs.Link("/file", "/mnt/file"), Is.EqualTo(E.EXDEV));
        Assert.That(fs.Rmdir("/mnt/."), Is.EqualTo(E.EINVAL));
        Assert.That(fs.Rmdir("/"), Is.EqualTo(E.EBUSY));
        Assert.That(fs.Space.Unmount(other), Is.EqualTo(0));
        Assert.That(fs.Rmdir("/mnt"), Is.EqualTo(0), "an unmounted directory is an ordinary one");
    }

    [Test]
    public void MountAtRefusesAFileInThePath()
    {
        var fs = WithTmp(true);
        var other = FileSystemInstance.CreateTmpfs(fs.Space.NewAnonymousDevice(), 1 << 20, 100);
        Assert.That(fs.Space.MountAt(B("/etc/motd"), other), Is.EqualTo(E.ENOTDIR));
        Assert.That(fs.Space.MountAt(B("/etc/motd/x"), other), Is.EqualTo(E.ENOTDIR));
        Assert.That(fs.Space.MountAt(B("relative"), other), Is.EqualTo(E.EINVAL));
        Assert.That(fs.Get("/etc").FileSystem.ReadOnly, Is.True, "MountAt restores the read-only flag");
    }

    [Test]
    public void DestroyFreesEveryNodeOfATreeAndRefusesWhileBusy()
    {
        var fs = OnTmpfs();
        string deep = string.Concat(Enumerable.Repeat("/d", 300));
        for (int i = 1; i <= 300; i++)
            Assert.That(fs.Mkdir(deep[..(i * 2)]), Is.EqualTo(0));
        fs.Write(deep + "/f", new string('x', 100_000));
        Assert.That(fs.Open("/d/d/file", OpenFlags.Create | OpenFlags.WriteOnly, out Node open), Is.EqualTo(0));
        Assert.That(fs.Root.Destroy(), Is.EqualTo(E.EBUSY));
        open.Close();
        fs.Cwd.Close();
        int releasedBefore = NodeMemory.ReleasedNodes;
        Assert.That(fs.Root.Destroy(), Is.EqualTo(0));
        Assert.That(NodeMemory.ReleasedNodes - releasedBefore, Is.EqualTo(300 + 2 + 1), "directories, files and the root");
        Assert.That(fs.Root.NodeCount, Is.EqualTo(0));
        Assert.That(fs.Root.UsedBytes, Is.EqualTo(0));
    }
}

internal static class FileSystemMode
{
    public const uint StickyDirectory = FileMode.Directory | 0x3FF;
}
