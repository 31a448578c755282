using System.Diagnostics;
using System.Text;
using CsCheck;
using Kitten.Kernel.FileSystem;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.FileSystem;

public unsafe class CpioArchiveTests
{
    private static List<(string Name, uint Mode, string Data)> ReadAll(byte[] archive, out string error)
    {
        var result = new List<(string, uint, string)>();
        fixed (byte* start = archive)
        {
            var reader = new CpioArchive(start, (ulong)archive.Length);
            while (reader.Next(out var entry, out error))
            {
                result.Add((Encoding.ASCII.GetString(entry.Name, entry.NameLength), entry.Mode,
                    Encoding.ASCII.GetString(entry.Data, (int)entry.Size)));
            }
        }
        return result;
    }

    [Test]
    public void ReadsEntriesInOrder()
    {
        var archive = new CpioWriter().Directory("etc").File("etc/hello.txt", "hello kitten\n").File("./bin/x", "12345").Build();
        var entries = ReadAll(archive, out var error);
        Assert.That(error, Is.Null);
        Assert.That(entries.Select(e => e.Name), Is.EqualTo(new[] { "etc", "etc/hello.txt", "bin/x" }));
        Assert.That(entries[1].Data, Is.EqualTo("hello kitten\n"));
        Assert.That(entries[0].Mode & 0xF000, Is.EqualTo(0x4000u));
        Assert.That(entries[2].Data, Is.EqualTo("12345"));
    }

    [Test]
    public void EmptyInputHasNoEntriesAndNoError()
    {
        Assert.That(ReadAll(Array.Empty<byte>(), out var error), Is.Empty);
        Assert.That(error, Is.Null);
    }

    [Test]
    public void ReadsWhatTheCpioToolWrites()
    {
        Assert.That(System.IO.File.Exists("/usr/bin/cpio"), Is.True, "the cpio tool is not installed (./kitten setup installs it)");
        var root = Directory.CreateTempSubdirectory();
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "sbin"));
            System.IO.File.WriteAllText(Path.Combine(root.FullName, "sbin", "init"), new string('x', 1001));
            var start = new ProcessStartInfo("sh", "-c \"find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet\"")
            {
                WorkingDirectory = root.FullName,
                RedirectStandardOutput = true,
            };
            using var process = Process.Start(start)!;
            using var output = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(output);
            process.WaitForExit();
            var entries = ReadAll(output.ToArray(), out var error);
            Assert.That(error, Is.Null);
            Assert.That(entries.Select(e => e.Name), Is.EqualTo(new[] { "sbin", "sbin/init" }));
            Assert.That(entries[1].Data.Length, Is.EqualTo(1001));
        }
        finally
        {
            root.Delete(true);
        }
    }

    [TestCase(0, "bad magic")]
    [TestCase(20, "hexadecimal")]
    public void CorruptHeadersAreReported(int offset, string expected)
    {
        var archive = new CpioWriter().File("a", "b").Build();
        archive[offset] = (byte)'z';
        ReadAll(archive, out var error);
        Assert.That(error, Does.Contain(expected));
    }

    [Test]
    public void TruncatedDataIsReported()
    {
        var archive = new CpioWriter().File("big", new string('q', 400)).Build();
        ReadAll(archive[..300], out var error);
        Assert.That(error, Does.Contain("past the archive"));
    }

    // Fuzz: any mutation of a valid archive is read to an end or refused with a reason, within bounds and
    // without looping.
    [Test]
    public void MutatedArchivesNeverCrashOrLoop()
    {
        var valid = new CpioWriter().Directory("d").File("d/one", "1111").File("two", new string('2', 77)).Build();
        Gen.Select(Gen.Int[0, valid.Length - 1].Array[1, 8], Gen.Byte.Array[8], Gen.Int[0, valid.Length]).Sample((positions, values, cut) =>
        {
            var copy = (byte[])valid.Clone();
            for (int i = 0; i < positions.Length; i++)
                copy[positions[i]] = values[i];
            copy = copy[..cut];
            fixed (byte* start = copy)
            {
                var reader = new CpioArchive(start, (ulong)copy.Length);
                int count = 0;
                while (reader.Next(out var entry, out _))
                {
                    if (entry.Data < start || entry.Data + entry.Size > start + copy.Length) return false;
                    if (entry.Name < start || entry.Name + entry.NameLength > start + copy.Length) return false;
                    if (++count > copy.Length) return false;
                }
            }
            return true;
        }, iter: 20000);
    }
}
