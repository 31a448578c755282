using CsCheck;
using Kitten.Kernel.FileSystem;
using NUnit.Framework;
using static Kitten.Kernel.Tests.FileSystem.FsHarness;

namespace Kitten.Kernel.Tests.FileSystem;

// Random sequences of create, write, truncate, unlink, rename and link by path, and of writes and reads
// through files kept open across those, agree with a plain model: a map from path to a shared byte list.
// Afterwards every name's bytes and link count, every open file's bytes, and each directory's listing
// agree; and once everything is closed and unlinked, the file system is back to its empty state (no
// bytes charged, no nodes but the directories). Every sample has its own file system and model.
public class FileSystemPropertyTests
{
    private sealed class Model
    {
        public readonly Dictionary<string, List<byte>> Files = new();
        public readonly List<(Node Node, List<byte> Data)> Open = new();
    }

    private enum Kind { Create, Write, Truncate, Unlink, Rename, Link, OpenFile, WriteOpen, CloseOpen }

    private sealed record Op(Kind Kind, string Path, string Other, int Offset, int Length, byte Seed)
    {
        public override string ToString() => $"{Kind} {Path} {Other} {Offset} {Length} {Seed}";
    }

    private static readonly string[] Directories = ["/", "/d/", "/e/"];
    private static readonly Gen<string> PathGen = Gen.Select(Gen.OneOfConst(Directories), Gen.OneOfConst("a", "b", "c"), (d, n) => d + n);
    private static readonly Gen<int> OffsetGen = Gen.OneOfConst(0, 1, 100, 65535, 65536, 200_000);
    private static readonly Gen<int> LengthGen = Gen.OneOfConst(0, 1, 10, 5000, 70_000);
    private static readonly Gen<Op> OpGen = Gen.Select(Gen.Enum<Kind>(), PathGen, PathGen, OffsetGen, LengthGen, Gen.Byte,
        (kind, path, other, offset, length, seed) => new Op(kind, path, other, offset, length, seed));

    private static byte[] Bytes(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + seed)).ToArray();

    private static void Put(List<byte> data, int offset, byte[] bytes)
    {
        if (bytes.Length == 0)
            return;
        while (data.Count < offset + bytes.Length)
            data.Add(0);
        for (int i = 0; i < bytes.Length; i++)
            data[offset + i] = bytes[i];
    }

    // Applies one operation to both; false if they disagree.
    private static bool Apply(FsHarness fs, Model model, Op op)
    {
        bool exists = model.Files.TryGetValue(op.Path, out var data);
        switch (op.Kind)
        {
            case Kind.Create:
                if (fs.OpenClose(op.Path, OpenFlags.WriteOnly | OpenFlags.Create) != 0)
                    return false;
                if (!exists)
                    model.Files[op.Path] = new List<byte>();
                return true;
            case Kind.Write:
                {
                    int error = fs.Open(op.Path, OpenFlags.WriteOnly, out Node node);
                    if (!exists)
                        return error == E.ENOENT;
                    byte[] bytes = Bytes(op.Length, op.Seed);
                    bool ok = error == 0 && node.Write((ulong)op.Offset, bytes) == bytes.Length;
                    node?.Close();
                    Put(data, op.Offset, bytes);
                    return ok;
                }
            case Kind.Truncate:
                {
                    int error = PathOperations.Truncate(fs.Space, fs.Cwd, B(op.Path), op.Offset);
                    if (!exists)
                        return error == E.ENOENT;
                    if (data.Count > op.Offset)
                        data.RemoveRange(op.Offset, data.Count - op.Offset);
                    while (data.Count < op.Offset)
                        data.Add(0);
                    return error == 0;
                }
            case Kind.Unlink:
                return fs.Unlink(op.Path) == (exists ? 0 : E.ENOENT) && (!exists || model.Files.Remove(op.Path));
            case Kind.Rename:
                {
                    int error = fs.Rename(op.Path, op.Other);
                    if (!exists)
                        return error == E.ENOENT;
                    // rename(2): two links to the same file: nothing happens, successfully.
                    if (!(model.Files.TryGetValue(op.Other, out var target) && ReferenceEquals(target, data)))
                    {
                        model.Files.Remove(op.Path);
                        model.Files[op.Other] = data;
                    }
                    return error == 0;
                }
            case Kind.Link:
                {
                    int error = fs.Link(op.Path, op.Other);
                    if (!exists)
                        return error == E.ENOENT;
                    if (model.Files.ContainsKey(op.Other))
                        return error == E.EEXIST;
                    model.Files[op.Other] = data;
                    return error == 0;
                }
            case Kind.OpenFile:
                {
                    int error = fs.Open(op.Path, OpenFlags.ReadWrite, out Node node);
                    if (!exists)
                        return error == E.ENOENT;
                    model.Open.Add((node, data));
                    return error == 0;
                }
            case Kind.WriteOpen:
                {
                    if (model.Open.Count == 0)
                        return true;
                    var (node, openData) = model.Open[op.Seed % model.Open.Count];
                    byte[] bytes = Bytes(op.Length, op.Seed);
                    Put(openData, op.Offset, bytes);
                    return node.Write((ulong)op.Offset, bytes) == bytes.Length;
                }
            default:
                {
                    if (model.Open.Count == 0)
                        return true;
                    int index = op.Seed % model.Open.Count;
                    model.Open[index].Node.Close();
                    model.Open.RemoveAt(index);
                    return true;
                }
        }
    }

    private static bool Agrees(FsHarness fs, Model model)
    {
        foreach (var (path, data) in model.Files)
        {
            if (fs.Resolve(path, true, out Node node) != 0 || !ReadAll(node).SequenceEqual(data))
                return false;
            if (node.LinkCount != model.Files.Values.Count(d => ReferenceEquals(d, data)))
                return false;
        }
        foreach (var (node, data) in model.Open)
            if (!ReadAll(node).SequenceEqual(data))
                return false;
        foreach (var directory in Directories)
        {
            var expected = model.Files.Keys.Where(p => p.StartsWith(directory, StringComparison.Ordinal) && p.LastIndexOf('/') == directory.Length - 1)
                .Select(p => p[directory.Length..]).Concat(directory == "/" ? ["d", "e"] : []).Order(StringComparer.Ordinal);
            if (!fs.Names(directory).SequenceEqual(expected))
                return false;
        }
        return true;
    }

    [Test]
    public void RandomSequencesAgreeWithAModel()
    {
        OpGen.Array[1, 60].Sample(ops =>
        {
            var fs = OnTmpfs(capacity: 256 << 20);
            Assert.That(fs.Mkdir("/d"), Is.EqualTo(0));
            Assert.That(fs.Mkdir("/e"), Is.EqualTo(0));
            var model = new Model();
            foreach (var op in ops)
                if (!Apply(fs, model, op))
                    return false;
            if (!Agrees(fs, model))
                return false;
            foreach (var (node, _) in model.Open)
                node.Close();
            foreach (var path in model.Files.Keys)
                if (fs.Unlink(path) != 0)
                    return false;
            return fs.Root.UsedBytes == 0 && fs.Root.NodeCount == 3 && fs.Root.OpenNodes == 1;   // the working directory
        }, iter: 2000, print: ops => string.Join(" | ", ops));
    }
}
