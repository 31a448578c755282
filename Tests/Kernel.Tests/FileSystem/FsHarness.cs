using System.Runtime.InteropServices;
using System.Text;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.LinuxAbi;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.FileSystem;

// A file-system namespace for one test (or one CsCheck sample): nothing is shared between instances.
// Paths are strings here for readability; the file system sees their UTF-8 bytes. The clock is a
// per-thread counter the test can set.
internal sealed unsafe class FsHarness
{
    [ThreadStatic] private static long t_now;

    public readonly FileSystemNamespace Space;
    public readonly FileSystemInstance Root;
    public FileSystemInstance Tmp;
    public DirectoryNode Cwd;
    private readonly byte[] _archive;   // pinned: ArchiveFiles point into it

    private FsHarness(FileSystemInstance root, byte[] archive)
    {
        FileTime.Source = &Clock;
        Root = root;
        _archive = archive;
        Space = new FileSystemNamespace(root);
        Cwd = Space.Root;
        Cwd.Open();     // a working directory is held open, as the kernel's process would hold it
    }

    public static long Now
    {
        get => t_now;
        set => t_now = value;
    }

    private static long Clock() => t_now;

    // A writable tmpfs as "/".
    public static FsHarness OnTmpfs(ulong capacity = 64 << 20, long nodes = 100_000)
        => new(FileSystemInstance.CreateTmpfs(DeviceNumber.Make(0, 1), capacity, nodes), null);

    // The initial file system from an archive as "/", and a tmpfs on /tmp.
    public static FsHarness OnArchive(byte[] archive, out InitialFileSystemReport report, bool mountTmp = true)
    {
        byte[] pinned = GC.AllocateArray<byte>(archive.Length, pinned: true);
        archive.CopyTo(pinned, 0);
        FileSystemInstance root;
        fixed (byte* start = pinned)
            root = InitialFileSystem.Build(start, (ulong)pinned.Length, DeviceNumber.Make(0, 1), out report);
        var harness = new FsHarness(root, pinned);
        if (mountTmp)
        {
            harness.Tmp = FileSystemInstance.CreateTmpfs(harness.Space.NewAnonymousDevice(), 16 << 20, 10_000);
            Assert.That(harness.Space.MountAt(B("/tmp"), harness.Tmp), Is.EqualTo(0));
        }
        return harness;
    }

    public static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    public static string S(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    public int Resolve(string path, bool follow, out Node node) => PathResolver.Resolve(Space, Cwd, B(path), follow, out node);

    public int Resolve(string path, bool follow = true) => Resolve(path, follow, out _);

    public Node Get(string path, bool follow = true)
    {
        int error = Resolve(path, follow, out Node node);
        Assert.That(error, Is.EqualTo(0), $"resolving {path}");
        return node;
    }

    public int Mkdir(string path, uint permissions = 0x1ED) => PathOperations.MakeDirectory(Space, Cwd, B(path), permissions);

    public int Symlink(string target, string path) => PathOperations.Symlink(Space, B(target), Cwd, B(path));

    public int Unlink(string path) => PathOperations.Unlink(Space, Cwd, B(path));

    public int Rmdir(string path) => PathOperations.RemoveDirectory(Space, Cwd, B(path));

    public int Rename(string from, string to, int flags = 0) => PathOperations.Rename(Space, Cwd, B(from), Cwd, B(to), flags);

    public int Link(string from, string to, bool follow = false) => PathOperations.Link(Space, Cwd, B(from), Cwd, B(to), follow);

    public int Open(string path, int flags, out Node node, uint permissions = 0x1A4)
        => PathOperations.Open(Space, Cwd, B(path), flags, permissions, out node);

    // Opens, and closes again at once: the error only.
    public int OpenClose(string path, int flags, uint permissions = 0x1A4)
    {
        int error = Open(path, flags, out Node node, permissions);
        node?.Close();
        return error;
    }

    // Creates (or truncates) a file holding `text`.
    public Node Write(string path, string text)
    {
        int error = Open(path, OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Truncate, out Node node);
        Assert.That(error, Is.EqualTo(0), $"creating {path}");
        Assert.That(node.Write(0, B(text)), Is.EqualTo(B(text).Length));
        node.Close();
        return node;
    }

    public string Read(string path)
    {
        Node node = Get(path);
        return S(ReadAll(node));
    }

    public static byte[] ReadAll(Node node)
    {
        var data = new byte[node.Size];
        long count = node.Read(0, data);
        Assert.That(count, Is.EqualTo(data.Length));
        return data;
    }

    public string ReadLink(string path)
    {
        var buffer = new byte[4096];
        int count = PathOperations.ReadLink(Space, Cwd, B(path), buffer);
        Assert.That(count, Is.GreaterThanOrEqualTo(0), $"readlink {path}");
        return S(buffer.AsSpan(0, count));
    }

    public int Chdir(string path)
    {
        int error = PathOperations.ChangeDirectory(Space, Cwd, B(path), out DirectoryNode directory);
        if (error == 0)
        {
            directory.Open();
            DirectoryNode old = Cwd;
            Cwd = directory;
            old.Close();
        }
        return error;
    }

    public string Getcwd()
    {
        var buffer = new byte[4096];
        int length = PathName.OfDirectory(Space, Cwd, buffer);
        Assert.That(length, Is.GreaterThan(0), "getcwd");
        Assert.That(buffer[length - 1], Is.EqualTo(0));
        return S(buffer.AsSpan(0, length - 1));
    }

    // The names in a directory, as getdents64 lists them, with a small buffer to exercise resumption.
    public List<(string Name, ulong Inode, byte Type, long Next)> List(string path, int bufferSize = 64)
    {
        var directory = (DirectoryNode)Get(path);
        var result = new List<(string, ulong, byte, long)>();
        long cookie = 0;
        var buffer = new byte[bufferSize];
        while (true)
        {
            int count = DirentEncoder.Fill(directory, ref cookie, buffer);
            Assert.That(count, Is.GreaterThanOrEqualTo(0));
            if (count == 0)
                return result;
            result.AddRange(Dirents.Parse(buffer.AsSpan(0, count)));
        }
    }

    public string[] Names(string path) => List(path).Select(e => e.Name).Where(n => n != "." && n != "..").Order(StringComparer.Ordinal).ToArray();
}

// Parses linux_dirent64 records independently of the encoder's constants (offsets from the C layout).
internal static class Dirents
{
    public static List<(string Name, ulong Inode, byte Type, long Next)> Parse(ReadOnlySpan<byte> data)
    {
        var result = new List<(string, ulong, byte, long)>();
        int offset = 0;
        while (offset < data.Length)
        {
            ulong inode = BitConverter.ToUInt64(data.Slice(offset, 8));
            long next = BitConverter.ToInt64(data.Slice(offset + 8, 8));
            ushort length = BitConverter.ToUInt16(data.Slice(offset + 16, 2));
            byte type = data[offset + 18];
            var name = data.Slice(offset + 19, length - 19);
            int nul = name.IndexOf((byte)0);
            Assert.That(nul, Is.GreaterThanOrEqualTo(0), "name not NUL-terminated");
            Assert.That(length % 8, Is.EqualTo(0), "record length not aligned");
            result.Add((Encoding.UTF8.GetString(name.Slice(0, nul)), inode, type, next));
            offset += length;
        }
        return result;
    }
}

internal static class E
{
    public const int ENOENT = -Errno.ENOENT, ENOTDIR = -Errno.ENOTDIR, ELOOP = -Errno.ELOOP, ENAMETOOLONG = -Errno.ENAMETOOLONG,
        EEXIST = -Errno.EEXIST, EISDIR = -Errno.EISDIR, EROFS = -Errno.EROFS, ENOTEMPTY = -Errno.ENOTEMPTY, EBUSY = -Errno.EBUSY,
        EINVAL = -Errno.EINVAL, EXDEV = -Errno.EXDEV, EPERM = -Errno.EPERM, ENOSPC = -Errno.ENOSPC, ERANGE = -Errno.ERANGE,
        EACCES = -Errno.EACCES, EFBIG = -Errno.EFBIG;
}
