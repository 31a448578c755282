using Kitten.Kernel.FileSystem;
using NUnit.Framework;
using static Kitten.Kernel.Tests.FileSystem.FsHarness;

namespace Kitten.Kernel.Tests.FileSystem;

// Each rule of path_resolution(7) and symlink(7), on a tmpfs root.
public class PathResolutionTests
{
    private FsHarness _fs;

    [SetUp]
    public void SetUp()
    {
        _fs = OnTmpfs();
        Assert.That(_fs.Mkdir("/a"), Is.EqualTo(0));
        Assert.That(_fs.Mkdir("/a/b"), Is.EqualTo(0));
        _fs.Write("/a/b/file", "data");
        _fs.Write("/top", "top");
    }

    [TestCase("/a/b/file")]
    [TestCase("//a///b//file")]
    [TestCase("/./a/./b/./file")]
    [TestCase("/a/b/../b/file")]
    [TestCase("/../../a/b/file")]           // ".." at the root stays at the root
    [TestCase("/a/../../../a/b/file")]
    public void AbsolutePathsWithDotsAndSlashes(string path)
    {
        Assert.That(_fs.Get(path), Is.SameAs(_fs.Get("/a/b/file")));
    }

    [Test]
    public void RelativePathsStartAtTheWorkingDirectory()
    {
        Assert.That(_fs.Chdir("/a"), Is.EqualTo(0));
        Assert.That(_fs.Get("b/file"), Is.SameAs(_fs.Get("/a/b/file")));
        Assert.That(_fs.Get("./b/../b/file"), Is.SameAs(_fs.Get("/a/b/file")));
        Assert.That(_fs.Get(".."), Is.SameAs(_fs.Space.Root));
        Assert.That(_fs.Get("../../.."), Is.SameAs(_fs.Space.Root));
        Assert.That(_fs.Get("."), Is.SameAs(_fs.Get("/a")));
        Assert.That(_fs.Resolve("top"), Is.EqualTo(E.ENOENT));
        Assert.That(_fs.Get("/top"), Is.Not.Null);
    }

    [Test]
    public void MissingComponentsAndNonDirectories()
    {
        Assert.That(_fs.Resolve(""), Is.EqualTo(E.ENOENT));
        Assert.That(_fs.Resolve("/nope"), Is.EqualTo(E.ENOENT));
        Assert.That(_fs.Resolve("/nope/file"), Is.EqualTo(E.ENOENT));
        Assert.That(_fs.Resolve("/top/x"), Is.EqualTo(E.ENOTDIR));
        Assert.That(_fs.Resolve("/top/."), Is.EqualTo(E.ENOTDIR));
        Assert.That(_fs.Resolve("/top/.."), Is.EqualTo(E.ENOTDIR));
        Assert.That(_fs.Resolve("/a/b/file/nope"), Is.EqualTo(E.ENOTDIR));
    }

    [Test]
    public void TrailingSlashRequiresADirectory()
    {
        Assert.That(_fs.Resolve("/a/"), Is.EqualTo(0));
        Assert.That(_fs.Resolve("/a//"), Is.EqualTo(0));
        Assert.That(_fs.Resolve("/top/"), Is.EqualTo(E.ENOTDIR));
        Assert.That(_fs.Resolve("/nope/"), Is.EqualTo(E.ENOENT));
        Assert.That(_fs.Symlink("/a", "/to-dir"), Is.EqualTo(0));
        Assert.That(_fs.Symlink("/top", "/to-file"), Is.EqualTo(0));
        // A slash after a link follows it even when the caller would not (lstat("link/")).
        Assert.That(_fs.Get("/to-dir/", follow: false), Is.SameAs(_fs.Get("/a")));
        Assert.That(_fs.Get("/to-dir", follow: false), Is.InstanceOf<SymlinkNode>());
        Assert.That(_fs.Resolve("/to-file/", follow: false), Is.EqualTo(E.ENOTDIR));
    }

    [Test]
    public void RootIsOnlySlashes()
    {
        Assert.That(_fs.Get("/"), Is.SameAs(_fs.Space.Root));
        Assert.That(_fs.Get("///"), Is.SameAs(_fs.Space.Root));
        Assert.That(PathResolver.ResolveParent(_fs.Space, _fs.Cwd, B("//"), out PathParent parent), Is.EqualTo(0));
        Assert.That(parent.Kind, Is.EqualTo(LastComponent.Root));
    }

    [TestCase("/a/b/file", "file", (int)LastComponent.Normal, false)]
    [TestCase("/a/b/new/", "new", (int)LastComponent.Normal, true)]
    [TestCase("/a/b/.", ".", (int)LastComponent.Dot, false)]
    [TestCase("/a/b/..//", "..", (int)LastComponent.DotDot, true)]
    [TestCase("name", "name", (int)LastComponent.Normal, false)]
    public void ParentAndLastComponent(string path, string name, int kind, bool slash)
    {
        Assert.That(PathResolver.ResolveParent(_fs.Space, _fs.Cwd, B(path), out PathParent parent), Is.EqualTo(0));
        Assert.That(S(parent.Name), Is.EqualTo(name));
        Assert.That(parent.Kind, Is.EqualTo((LastComponent)kind));
        Assert.That(parent.TrailingSlash, Is.EqualTo(slash));
        Assert.That(parent.Directory, Is.SameAs(path.StartsWith('/') ? _fs.Get(path[..path.LastIndexOf(name)]) : _fs.Cwd));
    }

    [Test]
    public void SymlinkTargetsAreRelativeToTheLinksDirectory()
    {
        Assert.That(_fs.Symlink("b/file", "/a/rel"), Is.EqualTo(0));
        Assert.That(_fs.Symlink("/a/b/file", "/a/b/abs"), Is.EqualTo(0));
        Assert.That(_fs.Symlink("../top", "/a/up"), Is.EqualTo(0));
        Assert.That(_fs.Chdir("/a/b"), Is.EqualTo(0));
        Assert.That(_fs.Get("/a/rel"), Is.SameAs(_fs.Get("/a/b/file")));
        Assert.That(_fs.Get("../rel"), Is.SameAs(_fs.Get("/a/b/file")));
        Assert.That(_fs.Get("abs"), Is.SameAs(_fs.Get("/a/b/file")));
        Assert.That(_fs.Get("../up"), Is.SameAs(_fs.Get("/top")));
        Assert.That(_fs.Get("/a/rel", follow: false), Is.InstanceOf<SymlinkNode>());
    }

    [Test]
    public void SymlinksInTheMiddleAreAlwaysFollowedAndDotDotIsPhysical()
    {
        Assert.That(_fs.Symlink("a/b", "/ab"), Is.EqualTo(0));
        Assert.That(_fs.Get("/ab/file", follow: false), Is.SameAs(_fs.Get("/a/b/file")));
        // ".." after a link to /a/b is /a (the target's parent), not "/" (the link's).
        Assert.That(_fs.Get("/ab/.."), Is.SameAs(_fs.Get("/a")));
        Assert.That(_fs.Symlink("ab", "/ab2"), Is.EqualTo(0));
        Assert.That(_fs.Get("/ab2/file"), Is.SameAs(_fs.Get("/a/b/file")));
        Assert.That(_fs.Symlink("top", "/tl"), Is.EqualTo(0));
        Assert.That(_fs.Resolve("/tl/x"), Is.EqualTo(E.ENOTDIR));
    }

    [Test]
    public void DanglingLinks()
    {
        Assert.That(_fs.Symlink("/nowhere", "/dangling"), Is.EqualTo(0));
        Assert.That(_fs.Resolve("/dangling"), Is.EqualTo(E.ENOENT));
        Assert.That(_fs.Get("/dangling", follow: false), Is.InstanceOf<SymlinkNode>());
        Assert.That(_fs.Resolve("/dangling/x"), Is.EqualTo(E.ENOENT));
    }

    [Test]
    public void AnEmptyLinkTargetNamesNothing()
    {
        Assert.That(_fs.Symlink("", "/empty"), Is.EqualTo(E.ENOENT), "symlink(2) refuses an empty target");
        Assert.That(_fs.Space.Root.CreateSymlink(B("empty"), default, out _), Is.EqualTo(0));
        Assert.That(_fs.Resolve("/empty"), Is.EqualTo(E.ENOENT));
        Assert.That(_fs.Resolve("/empty/x"), Is.EqualTo(E.ENOENT));
    }

    // MAXSYMLINKS: 40 links in one resolution are followed, the 41st is ELOOP.
    [TestCase(40, 0)]
    [TestCase(41, E.ELOOP)]
    public void AtMostFortyLinksPerResolution(int links, int expected)
    {
        for (int i = 1; i <= links; i++)
            Assert.That(_fs.Symlink(i == links ? "/top" : $"/l{i + 1}", $"/l{i}"), Is.EqualTo(0));
        Assert.That(_fs.Resolve("/l1"), Is.EqualTo(expected));
        Assert.That(_fs.Resolve("/l1", follow: false), Is.EqualTo(0));
    }

    [Test]
    public void TheLimitCountsLinksInTheMiddleToo()
    {
        // Each of d1..d40 is a link "dN+1/.." style chain through directories: 20 middle links + 21 final.
        for (int i = 1; i <= 20; i++)
            Assert.That(_fs.Symlink(i == 20 ? "/a" : $"/m{i + 1}", $"/m{i}"), Is.EqualTo(0));
        for (int i = 1; i <= 21; i++)
            Assert.That(_fs.Symlink(i == 21 ? "/top" : $"/f{i + 1}", $"/f{i}"), Is.EqualTo(0));
        Assert.That(_fs.Symlink("/f2", "/a/f1"), Is.EqualTo(0));
        Assert.That(_fs.Resolve("/m1/b"), Is.EqualTo(0));                    // 20 links
        Assert.That(_fs.Resolve("/f1"), Is.EqualTo(0));                      // 21 links
        Assert.That(_fs.Resolve("/m1/f1"), Is.EqualTo(E.ELOOP));             // 20 + 21 = 41
    }

    [TestCase("/self", "/self")]
    [TestCase("/ping", "/pong")]
    public void LoopsAreELOOP(string link, string other)
    {
        Assert.That(_fs.Symlink(other, link), Is.EqualTo(0));
        if (other != link)
            Assert.That(_fs.Symlink(link, other), Is.EqualTo(0));
        Assert.That(_fs.Resolve(link), Is.EqualTo(E.ELOOP));
        Assert.That(_fs.Resolve(link + "/x"), Is.EqualTo(E.ELOOP));
        Assert.That(_fs.Resolve(link + "/"), Is.EqualTo(E.ELOOP));
        Assert.That(_fs.Resolve(link, follow: false), Is.EqualTo(0));
    }

    [Test]
    public void ALoopInTheMiddleOfALinkTarget()
    {
        Assert.That(_fs.Symlink("loop/x", "/loop"), Is.EqualTo(0));
        Assert.That(_fs.Resolve("/loop"), Is.EqualTo(E.ELOOP));
    }

    [Test]
    public void ComponentAndPathLengthLimits()
    {
        string name255 = new('n', 255), name256 = new('n', 256);
        Assert.That(_fs.Resolve("/" + name255), Is.EqualTo(E.ENOENT));
        Assert.That(_fs.Resolve("/" + name256), Is.EqualTo(E.ENAMETOOLONG));
        Assert.That(_fs.Resolve("/a/" + name256 + "/x"), Is.EqualTo(E.ENAMETOOLONG));
        // Errors come left to right: a missing directory before a long name after it.
        Assert.That(_fs.Resolve("/nope/" + name256), Is.EqualTo(E.ENOENT));
        Assert.That(_fs.Write("/" + name255, "x"), Is.Not.Null);
        Assert.That(_fs.Read("/" + name255), Is.EqualTo("x"));
        // 4095 bytes is a path; 4096 is not (PATH_MAX counts the NUL).
        string path4095 = "/" + string.Concat(Enumerable.Repeat("./", 2046)) + "top";
        Assert.That(path4095.Length, Is.EqualTo(4096));
        Assert.That(_fs.Resolve(path4095[1..]), Is.EqualTo(0));
        Assert.That(_fs.Resolve(path4095), Is.EqualTo(E.ENAMETOOLONG));
    }

    [Test]
    public void LinkTargetsMayBeLongerThanTheRestOfThePath()
    {
        string target = "/" + string.Concat(Enumerable.Repeat("a/../", 800)) + "top";
        Assert.That(target.Length, Is.LessThan(4096));
        Assert.That(_fs.Symlink(target, "/long"), Is.EqualTo(0));
        Assert.That(_fs.Symlink(target, "/long2"), Is.EqualTo(0));
        Assert.That(_fs.Get("/long"), Is.SameAs(_fs.Get("/top")));
        Assert.That(_fs.ReadLink("/long"), Is.EqualTo(target));
    }
}
