using Kitten.Kernel.FileSystem;
using NUnit.Framework;
using static Kitten.Kernel.Tests.FileSystem.FsHarness;
using FileMode = Kitten.Kernel.FileSystem.FileMode;

namespace Kitten.Kernel.Tests.FileSystem;

// tmpfs files: growth, holes, truncation, space accounting, lifetime, time stamps.
public class TmpfsTests
{
    private const int Block = MemoryFile.BlockSize;

    private static (FsHarness Fs, MemoryFile File) NewFile(ulong capacity = 64 << 20)
    {
        var fs = OnTmpfs(capacity);
        Assert.That(fs.Open("/f", OpenFlags.ReadWrite | OpenFlags.Create, out Node node), Is.EqualTo(0));
        return (fs, (MemoryFile)node);
    }

    private static byte[] Pattern(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 13 + seed)).ToArray();

    private static byte[] ReadRange(Node node, ulong offset, int length)
    {
        var buffer = Enumerable.Repeat((byte)0xEE, length).ToArray();
        long count = node.Read(offset, buffer);
        Assert.That(count, Is.GreaterThanOrEqualTo(0));
        return buffer[..(int)count];
    }

    [TestCase(0, 10)]
    [TestCase(Block - 3, 10)]               // across a block boundary
    [TestCase(5, 3 * Block + 100)]          // several blocks in one write
    [TestCase(2 * Block, Block)]            // a whole block, aligned
    public void WritesReadBackAcrossBlocks(int offset, int length)
    {
        var (_, file) = NewFile();
        byte[] data = Pattern(length, 1);
        Assert.That(file.Write((ulong)offset, data), Is.EqualTo(length));
        Assert.That(file.Size, Is.EqualTo((ulong)(offset + length)));
        Assert.That(ReadRange(file, (ulong)offset, length), Is.EqualTo(data));
        Assert.That(ReadRange(file, 0, offset), Is.EqualTo(new byte[offset]), "the gap before the write reads as zeros");
        Assert.That(ReadRange(file, (ulong)(offset + length), 10), Is.Empty, "nothing past the end");
        Assert.That(ReadRange(file, (ulong)(offset + length - 1), 10), Has.Length.EqualTo(1), "a short read at the end");
    }

    [Test]
    public void HolesReadAsZerosAndCostNothing()
    {
        var (fs, file) = NewFile();
        Assert.That(file.Write(10L * Block + 7, "end"u8.ToArray()), Is.EqualTo(3));
        Assert.That(ReadRange(file, 0, 10 * Block + 7), Is.EqualTo(new byte[10 * Block + 7]));
        Assert.That(file.AllocatedBytes, Is.LessThan(2 * Block), "only the written block is allocated");
        Assert.That(fs.Root.UsedBytes, Is.EqualTo(file.AllocatedBytes));
        Assert.That(file.BlockCount, Is.EqualTo(file.AllocatedBytes / 512), "st_blocks counts what is allocated");
    }

    [Test]
    public void ASmallFileHasASmallFirstBlockThatGrows()
    {
        var (_, file) = NewFile();
        file.Write(0, "ten bytes!"u8.ToArray());
        ulong small = file.AllocatedBytes;
        Assert.That(small, Is.LessThan(1024));
        byte[] more = Pattern(5000, 3);
        file.Write(10, more);
        Assert.That(file.AllocatedBytes, Is.GreaterThan(small).And.LessThan(16 * 1024));
        Assert.That(ReadRange(file, 0, 5010), Is.EqualTo("ten bytes!"u8.ToArray().Concat(more).ToArray()));
        file.Write(Block, [1]);
        Assert.That(ReadRange(file, 5010, Block - 5010), Is.EqualTo(new byte[Block - 5010]), "past the small block's capacity: zeros");
    }

    [Test]
    public void TruncateDownThenUpShowsZerosNotOldData()
    {
        var (_, file) = NewFile();
        byte[] data = Pattern(3 * Block, 5);
        file.Write(0, data);
        Assert.That(file.Truncate(Block + 100), Is.EqualTo(0));
        Assert.That(file.Size, Is.EqualTo((ulong)Block + 100));
        Assert.That(file.AllocatedBytes, Is.LessThan(2 * (ulong)Block + 1024), "blocks past the end are freed");
        Assert.That(file.Truncate(3 * Block), Is.EqualTo(0));
        byte[] back = ReadRange(file, 0, 3 * Block);
        Assert.That(back[..(Block + 100)], Is.EqualTo(data[..(Block + 100)]));
        Assert.That(back[(Block + 100)..], Is.EqualTo(new byte[2 * Block - 100]));
        // Writing past the end after a truncate also exposes zeros in between.
        file.Truncate(10);
        file.Write(20, [9]);
        Assert.That(ReadRange(file, 0, 21), Is.EqualTo(data[..10].Concat(new byte[10]).Append((byte)9).ToArray()));
        Assert.That(file.Truncate(0), Is.EqualTo(0));
        Assert.That(file.AllocatedBytes, Is.EqualTo(0));
    }

    // 100 MB in one file: no allocation larger than a block and its table.
    [Test]
    public void AHundredMegabyteFile()
    {
        var (fs, file) = NewFile(capacity: 128 << 20);
        byte[] chunk = Pattern(1 << 20, 7);
        for (int i = 0; i < 100; i++)
            Assert.That(file.Write((ulong)i << 20, chunk), Is.EqualTo(chunk.Length));
        Assert.That(file.Size, Is.EqualTo(100UL << 20));
        ulong blocks = (100UL << 20) / Block;
        Assert.That(file.AllocatedBytes, Is.InRange(blocks * Block, blocks * Block + blocks * 8 * 2));
        Assert.That(ReadRange(file, (99UL << 20) + 12345, 1000), Is.EqualTo(chunk[12345..13345]));
        file.Close();
        Assert.That(fs.Unlink("/f"), Is.EqualTo(0));
        Assert.That(fs.Root.UsedBytes, Is.EqualTo(0));
    }

    [Test]
    public void CapacityIsENOSPCWithShortWritesFirst()
    {
        var (fs, file) = NewFile(capacity: 4 * Block);
        byte[] data = Pattern(10 * Block, 1);
        long written = file.Write(0, data);
        Assert.That(written, Is.GreaterThan(0).And.LessThan(4 * Block), "a short write up to the capacity");
        Assert.That(file.Write((ulong)written, data), Is.EqualTo(E.ENOSPC));
        Assert.That(ReadRange(file, 0, (int)written), Is.EqualTo(data[..(int)written]));
        file.Truncate(0);
        Assert.That(file.Write(0, data[..Block]), Is.EqualTo(Block), "space comes back after truncate");
        Assert.That(fs.Root.UsedBytes, Is.LessThanOrEqualTo(fs.Root.CapacityBytes));
    }

    [Test]
    public void SizeLimitsAreEFBIG()
    {
        var (_, file) = NewFile();
        Assert.That(file.Write(MemoryFile.MaxSize, [1]), Is.EqualTo(E.EFBIG));
        Assert.That(file.Truncate(MemoryFile.MaxSize + 1), Is.EqualTo(E.EFBIG));
        Assert.That(file.Truncate(MemoryFile.MaxSize), Is.EqualTo(0), "a sparse size costs nothing");
        Assert.That(ReadRange(file, MemoryFile.MaxSize - 4, 100), Is.EqualTo(new byte[4]));
        Assert.That(file.Write(1UL << 39, [1]), Is.EqualTo(E.ENOSPC), "the block table for a far write is charged too");
    }

    [Test]
    public void NodeLimitIsENOSPC()
    {
        var fs = OnTmpfs(nodes: 3);  // the root and two more
        Assert.That(fs.Mkdir("/a"), Is.EqualTo(0));
        Assert.That(fs.OpenClose("/b", OpenFlags.Create), Is.EqualTo(0));
        Assert.That(fs.Symlink("a", "/c"), Is.EqualTo(E.ENOSPC));
        Assert.That(fs.Unlink("/b"), Is.EqualTo(0));
        Assert.That(fs.Symlink("a", "/c"), Is.EqualTo(0));
    }

    [Test]
    public void AnUnlinkedOpenFileKeepsItsDataUntilTheLastClose()
    {
        var (fs, file) = NewFile();
        byte[] data = Pattern(3 * Block, 2);
        file.Write(0, data);
        Assert.That(fs.Open("/f", OpenFlags.ReadOnly, out Node second), Is.EqualTo(0));
        int released = NodeMemory.Released;
        Assert.That(fs.Unlink("/f"), Is.EqualTo(0));
        Assert.That(fs.Resolve("/f"), Is.EqualTo(E.ENOENT));
        Assert.That(file.LinkCount, Is.EqualTo(0u));
        Assert.That(NodeMemory.Released - released, Is.EqualTo(1), "only the name was released");
        Assert.That(file.Write(3 * Block, [1, 2]), Is.EqualTo(2), "still writable through the open file");
        file.Close();
        Assert.That(ReadRange(second, 0, 3 * Block), Is.EqualTo(data));
        Assert.That(fs.Root.UsedBytes, Is.GreaterThan(0));
        int nodes = NodeMemory.ReleasedNodes;
        second.Close();
        Assert.That(NodeMemory.ReleasedNodes - nodes, Is.EqualTo(1), "the node goes with the last close");
        Assert.That(fs.Root.UsedBytes, Is.EqualTo(0));
        Assert.That(fs.Root.NodeCount, Is.EqualTo(1));
    }

    [Test]
    public void AHardLinkKeepsTheFileAfterUnlinkingTheOtherName()
    {
        var fs = OnTmpfs();
        fs.Write("/a", "shared");
        Assert.That(fs.Link("/a", "/b"), Is.EqualTo(0));
        Assert.That(fs.Get("/a").LinkCount, Is.EqualTo(2));
        int nodes = NodeMemory.ReleasedNodes;
        Assert.That(fs.Unlink("/a"), Is.EqualTo(0));
        Assert.That(NodeMemory.ReleasedNodes, Is.EqualTo(nodes));
        Assert.That(fs.Read("/b"), Is.EqualTo("shared"));
        Assert.That(fs.Get("/b").LinkCount, Is.EqualTo(1));
        Assert.That(fs.Unlink("/b"), Is.EqualTo(0));
        Assert.That(NodeMemory.ReleasedNodes, Is.EqualTo(nodes + 1));
    }

    [Test]
    public void TimesFollowLinux()
    {
        var fs = OnTmpfs();
        Now = 1_000;
        Assert.That(fs.Mkdir("/d"), Is.EqualTo(0));
        Now = 2_000;
        Node file = fs.Write("/d/f", "x");
        Assert.That((file.AccessTime, file.ModifyTime, file.ChangeTime), Is.EqualTo((2_000L, 2_000L, 2_000L)));
        Assert.That(fs.Get("/d").ModifyTime, Is.EqualTo(2_000L), "creating a name changes the directory");
        Now = 3_000;
        file.Write(1, "y"u8.ToArray());
        Assert.That((file.AccessTime, file.ModifyTime, file.ChangeTime), Is.EqualTo((2_000L, 3_000L, 3_000L)));
        Now = 4_000;
        file.Read(0, new byte[1]);
        Assert.That(file.AccessTime, Is.EqualTo(4_000L), "relatime: read after a write updates atime");
        Now = 5_000;
        file.Read(0, new byte[1]);
        Assert.That(file.AccessTime, Is.EqualTo(4_000L), "relatime: a second read does not");
        Now = 6_000;
        Assert.That(fs.Link("/d/f", "/d/g"), Is.EqualTo(0));
        Assert.That((file.ModifyTime, file.ChangeTime), Is.EqualTo((3_000L, 6_000L)), "a new link changes ctime only");
        Now = 7_000;
        Assert.That(fs.Rename("/d/g", "/h"), Is.EqualTo(0));
        Assert.That(fs.Get("/d").ModifyTime, Is.EqualTo(7_000L));
        Assert.That(fs.Space.Root.ModifyTime, Is.EqualTo(7_000L));
        Now = 8_000;
        file.Truncate(0);
        Assert.That((file.ModifyTime, file.ChangeTime), Is.EqualTo((8_000L, 8_000L)));
        Now = 9_000;
        file.SetPermissions(0x180);
        Assert.That((file.Mode, file.ModifyTime, file.ChangeTime), Is.EqualTo((FileMode.Regular | 0x180, 8_000L, 9_000L)));
    }

    [Test]
    public void DirectoryLinkCountsAndSizes()
    {
        var fs = OnTmpfs();
        Assert.That(fs.Mkdir("/d"), Is.EqualTo(0));
        Assert.That(fs.Get("/d").LinkCount, Is.EqualTo(2u));
        Assert.That(fs.Mkdir("/d/a"), Is.EqualTo(0));
        Assert.That(fs.Mkdir("/d/b"), Is.EqualTo(0));
        fs.Write("/d/f", "");
        Assert.That(fs.Get("/d").LinkCount, Is.EqualTo(4u), "2 + one per subdirectory");
        Assert.That(fs.Rename("/d/a", "/a"), Is.EqualTo(0));
        Assert.That(fs.Get("/d").LinkCount, Is.EqualTo(3u));
        Assert.That(fs.Space.Root.LinkCount, Is.EqualTo(4u));
        Assert.That(fs.Rmdir("/d/b"), Is.EqualTo(0));
        Assert.That(fs.Get("/d").LinkCount, Is.EqualTo(2u));
    }
}
