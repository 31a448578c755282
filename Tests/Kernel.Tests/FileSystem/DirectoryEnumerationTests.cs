using CsCheck;
using Kitten.Kernel.FileSystem;
using NUnit.Framework;
using static Kitten.Kernel.Tests.FileSystem.FsHarness;
using FileMode = Kitten.Kernel.FileSystem.FileMode;

namespace Kitten.Kernel.Tests.FileSystem;

// getdents64 records and resumable positions, including while the directory changes.
public class DirectoryEnumerationTests
{
    private sealed class TestDevice(FileSystemInstance fs) : DeviceNode(fs, 1, 3, 0x1B6);

    [Test]
    public void RecordsCarryInodeTypeAndName()
    {
        var fs = OnTmpfs();
        Assert.That(fs.Mkdir("/d"), Is.EqualTo(0));
        Assert.That(fs.Mkdir("/d/sub"), Is.EqualTo(0));
        fs.Write("/d/file", "x");
        Assert.That(fs.Symlink("file", "/d/link"), Is.EqualTo(0));
        Assert.That(PathOperations.MakeNode(fs.Space, fs.Cwd, B("/d/pipe"), FileMode.Fifo | 0x1A4), Is.EqualTo(0));
        var d = (DirectoryNode)fs.Get("/d");
        Assert.That(d.Attach(B("null"), new TestDevice(fs.Root)), Is.EqualTo(0));
        var list = fs.List("/d", 4096);
        Assert.That(list.Select(e => (e.Name, e.Type)), Is.EqualTo(new[]
        {
            (".", FileMode.DtDir), ("..", FileMode.DtDir), ("sub", FileMode.DtDir), ("file", FileMode.DtReg),
            ("link", FileMode.DtLnk), ("pipe", FileMode.DtFifo), ("null", FileMode.DtChr),
        }));
        Assert.That(list[0].Inode, Is.EqualTo(d.Inode));
        Assert.That(list[1].Inode, Is.EqualTo(fs.Space.Root.Inode));
        Assert.That(list[3].Inode, Is.EqualTo(fs.Get("/d/file").Inode));
        Assert.That(list.Select(e => e.Inode).Distinct().Count(), Is.EqualTo(list.Count));
    }

    [TestCase(1, 24)]       // 19 bytes of header, the name, its NUL, rounded up to 8
    [TestCase(4, 24)]
    [TestCase(5, 32)]
    [TestCase(12, 32)]
    [TestCase(13, 40)]
    [TestCase(255, 280)]
    public void RecordLengthsAreAlignedToEight(int nameLength, int expected)
    {
        Assert.That(DirentEncoder.RecordLength(nameLength), Is.EqualTo(expected));
        var fs = OnTmpfs();
        fs.Write("/" + new string('n', nameLength), "");
        var buffer = new byte[expected];
        long cookie = DirectoryNode.FirstEntryCookie;
        Assert.That(DirentEncoder.Fill(fs.Space.Root, ref cookie, buffer), Is.EqualTo(expected), "exactly fits");
        cookie = DirectoryNode.FirstEntryCookie;
        Assert.That(DirentEncoder.Fill(fs.Space.Root, ref cookie, buffer.AsSpan(0, expected - 1)), Is.EqualTo(E.EINVAL));
        Assert.That(cookie, Is.EqualTo(DirectoryNode.FirstEntryCookie), "a refused call does not move the position");
    }

    [Test]
    public void AnySmallBufferListsTheSameAsOneBigCall()
    {
        var fs = OnTmpfs();
        for (int i = 0; i < 50; i++)
            fs.Write($"/file-{i}-{new string('x', i % 17)}", "");
        var whole = fs.List("/", 1 << 16);
        foreach (int size in new[] { 48, 56, 64, 100, 333 })
            Assert.That(fs.List("/", size), Is.EqualTo(whole), $"buffer of {size}");
        Assert.That(whole, Has.Count.EqualTo(52));
    }

    [Test]
    public void EachDOffResumesRightAfterItsEntry()
    {
        var fs = OnTmpfs();
        foreach (var name in new[] { "a", "b", "c", "d" })
            fs.Write("/" + name, "");
        var all = fs.List("/", 4096);
        for (int i = 0; i < all.Count; i++)
        {
            long cookie = all[i].Next;
            var buffer = new byte[4096];
            int count = DirentEncoder.Fill(fs.Space.Root, ref cookie, buffer);
            var rest = Dirents.Parse(buffer.AsSpan(0, count)).Select(e => e.Name);
            Assert.That(rest, Is.EqualTo(all.Skip(i + 1).Select(e => e.Name)));
        }
        long end = all[^1].Next;
        Assert.That(DirentEncoder.Fill(fs.Space.Root, ref end, new byte[100]), Is.EqualTo(0));
    }

    [Test]
    public void ARemovedDirectoryIsENOENT()
    {
        var fs = OnTmpfs();
        Assert.That(fs.Mkdir("/gone"), Is.EqualTo(0));
        Assert.That(fs.Chdir("/gone"), Is.EqualTo(0));
        Assert.That(fs.Rmdir("/gone"), Is.EqualTo(0));
        long cookie = 0;
        Assert.That(DirentEncoder.Fill(fs.Cwd, ref cookie, new byte[100]), Is.EqualTo(-LinuxAbi.Errno.ENOENT));
        Assert.That(fs.Cwd.LinkCount, Is.EqualTo(0u));
        Assert.That(fs.Resolve("."), Is.EqualTo(0), "\".\" of a removed directory is still itself");
        Assert.That(fs.Get(".."), Is.SameAs(fs.Space.Root), "\"..\" still leads to the old parent");
        Assert.That(fs.OpenClose("x", OpenFlags.Create | OpenFlags.WriteOnly), Is.EqualTo(E.ENOENT), "nothing can be made in it");
        Assert.That(fs.Mkdir("x"), Is.EqualTo(E.ENOENT));
    }

    // POSIX readdir(3): "If a file is removed from or added to the directory after the most recent call
    // to opendir() or rewinddir(), whether a subsequent call to readdir() returns an entry for that file
    // is unspecified" - and every other entry is returned exactly once.
    [Test]
    public void EntriesThatStayAreListedExactlyOnceWhileOthersComeAndGo()
    {
        Gen.Select(Gen.Int[1, 40], Gen.Int[0, 60], Gen.Int[0, 1000].Array[0, 30], Gen.Int[1, 5]).Sample((initial, readFirst, changes, perCall) =>
        {
            var fs = OnTmpfs();
            var names = Enumerable.Range(0, initial).Select(i => $"k{i}").ToList();
            foreach (var name in names)
                fs.Write("/" + name, "");
            var directory = fs.Space.Root;
            long cookie = 0;
            var seen = new List<string>();
            var buffer = new byte[perCall * 24];
            void Read(int calls)
            {
                for (int c = 0; c < calls; c++)
                {
                    int count = DirentEncoder.Fill(directory, ref cookie, buffer);
                    if (count <= 0)
                        return;
                    seen.AddRange(Dirents.Parse(buffer.AsSpan(0, count)).Select(e => e.Name));
                }
            }
            Read(readFirst / perCall);
            var touched = new HashSet<string>();
            int fresh = 0;
            foreach (int change in changes)
            {
                if (change % 2 == 0 && names.Count > 0)
                {
                    string victim = names[change / 2 % names.Count];
                    fs.Unlink("/" + victim);
                    names.Remove(victim);
                    touched.Add(victim);
                }
                else
                {
                    string added = $"new{fresh++}";
                    fs.Write("/" + added, "");
                    names.Add(added);
                    touched.Add(added);
                }
            }
            Read(1000);
            var stayed = names.Where(n => !touched.Contains(n));
            return seen.Count(n => n == ".") == 1 && seen.Count(n => n == "..") == 1
                && stayed.All(n => seen.Count(s => s == n) == 1)
                && seen.Distinct().Count() == seen.Count
                && seen.Where(n => n != "." && n != "..").All(n => n.StartsWith('k') && int.Parse(n[1..]) < initial || touched.Contains(n));
        }, iter: 500);
    }
}
