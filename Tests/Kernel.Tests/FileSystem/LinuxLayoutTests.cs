using System.Diagnostics;
using Kitten.Kernel.FileSystem;
using NUnit.Framework;
using static Kitten.Kernel.Tests.FileSystem.FsHarness;

namespace Kitten.Kernel.Tests.FileSystem;

// struct stat, struct dirent64 and makedev as the machine's C compiler and C library define them: a C
// program reports the offsets, and decodes the bytes the encoders wrote with the C structures.
public class LinuxLayoutTests
{
    private const string Source = """
        #define _GNU_SOURCE
        #include <dirent.h>
        #include <stddef.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/stat.h>
        #include <sys/sysmacros.h>

        static long size_of(const char *path, char *buffer, long capacity)
        {
            FILE *f = fopen(path, "rb");
            long n = (long)fread(buffer, 1, capacity, f);
            fclose(f);
            return n;
        }

        int main(int argc, char **argv)
        {
            printf("sizeof %zu\n", sizeof(struct stat));
            printf("offsets %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu\n",
                offsetof(struct stat, st_dev), offsetof(struct stat, st_ino), offsetof(struct stat, st_nlink),
                offsetof(struct stat, st_mode), offsetof(struct stat, st_uid), offsetof(struct stat, st_gid),
                offsetof(struct stat, st_rdev), offsetof(struct stat, st_size), offsetof(struct stat, st_blksize),
                offsetof(struct stat, st_blocks), offsetof(struct stat, st_atim), offsetof(struct stat, st_mtim),
                offsetof(struct stat, st_ctim));
            printf("dirent %zu %zu %zu %zu %zu\n", offsetof(struct dirent64, d_ino), offsetof(struct dirent64, d_off),
                offsetof(struct dirent64, d_reclen), offsetof(struct dirent64, d_type), offsetof(struct dirent64, d_name));

            static char buffer[65536];
            size_of(argv[1], buffer, sizeof buffer);
            struct stat *st = (struct stat *)buffer;
            printf("stat %u %u %lu %lu %o %u %u %u %u %ld %ld %ld %ld.%09ld %ld.%09ld %ld.%09ld\n",
                major(st->st_dev), minor(st->st_dev), (unsigned long)st->st_ino, (unsigned long)st->st_nlink,
                st->st_mode, st->st_uid, st->st_gid, major(st->st_rdev), minor(st->st_rdev), (long)st->st_size,
                (long)st->st_blksize, (long)st->st_blocks, (long)st->st_atim.tv_sec, st->st_atim.tv_nsec,
                (long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, (long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);

            long length = size_of(argv[2], buffer, sizeof buffer);
            for (long offset = 0; offset < length;)
            {
                struct dirent64 *d = (struct dirent64 *)(buffer + offset);
                printf("entry %lu %ld %u %u %s\n", (unsigned long)d->d_ino, (long)d->d_off, d->d_reclen, d->d_type, d->d_name);
                offset += d->d_reclen;
            }

            for (int i = 3; i + 1 < argc; i += 2)
            {
                unsigned long long dev = makedev(strtoul(argv[i], 0, 0), strtoul(argv[i + 1], 0, 0));
                printf("makedev %llu %u %u\n", dev, major(dev), minor(dev));
            }
            return 0;
        }
        """;

    private static readonly Lazy<string> Program = new(() =>
    {
        string directory = Path.Combine(Path.GetTempPath(), $"kitten-layout-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "layout.c"), Source);
        Exec.TestPrograms.Run("gcc", $"-O2 -Wall -o {directory}/layout {directory}/layout.c");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(directory, true); } catch (IOException) { }
        };
        return Path.Combine(directory, "layout");
    });

    private static Dictionary<string, string[]> RunC(byte[] stat, byte[] dirents, params (uint Major, uint Minor)[] devices)
    {
        string statFile = Path.GetTempFileName(), direntFile = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(statFile, stat);
            File.WriteAllBytes(direntFile, dirents);
            string arguments = string.Join(' ', new[] { statFile, direntFile }.Concat(devices.SelectMany(d => new[] { $"{d.Major}", $"{d.Minor}" })));
            var lines = Exec.TestPrograms.Run(Program.Value, arguments).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.GroupBy(l => l.Split(' ')[0]).ToDictionary(g => g.Key, g => g.Select(l => l[(g.Key.Length + 1)..]).ToArray());
        }
        finally
        {
            File.Delete(statFile);
            File.Delete(direntFile);
        }
    }

    private static FsHarness Sample(out Node file, out byte[] dirents)
    {
        var fs = OnTmpfs();
        Assert.That(fs.Mkdir("/d"), Is.EqualTo(0));
        Now = 1_700_000_123_456_789_012;
        file = fs.Write("/d/a-file", new string('x', 1000));
        file.SetOwner(1234, 5678);
        file.SetPermissions(0x9ED);                    // 04755
        file.SetTimes(-1_500_000_000, 42);             // 1.5 s before the epoch; 42 ns after
        Assert.That(fs.Symlink("a-file", "/d/l"), Is.EqualTo(0));
        dirents = new byte[4096];
        long cookie = 0;
        int count = DirentEncoder.Fill((DirectoryNode)fs.Get("/d"), ref cookie, dirents);
        dirents = dirents[..count];
        return fs;
    }

    [Test]
    public void StatOffsetsMatchTheCLibrary()
    {
        Sample(out Node file, out byte[] dirents);
        var stat = new byte[StatEncoder.Size];
        StatEncoder.Encode(file, stat);
        var c = RunC(stat, dirents);
        Assert.That(c["sizeof"][0], Is.EqualTo("144"));
        Assert.That(c["offsets"][0], Is.EqualTo(string.Join(' ', StatEncoder.DeviceOffset, StatEncoder.InodeOffset,
            StatEncoder.LinkCountOffset, StatEncoder.ModeOffset, StatEncoder.UidOffset, StatEncoder.GidOffset,
            StatEncoder.RawDeviceOffset, StatEncoder.SizeOffset, StatEncoder.BlockSizeOffset, StatEncoder.BlocksOffset,
            StatEncoder.AccessTimeOffset, StatEncoder.ModifyTimeOffset, StatEncoder.ChangeTimeOffset)));
        Assert.That(c["dirent"][0], Is.EqualTo(string.Join(' ', DirentEncoder.InodeOffset, DirentEncoder.NextOffset,
            DirentEncoder.RecordLengthOffset, DirentEncoder.TypeOffset, DirentEncoder.NameOffset)));
    }

    [Test]
    public void TheCLibraryReadsTheEncodedStat()
    {
        var fs = Sample(out Node file, out byte[] dirents);
        var stat = Enumerable.Repeat((byte)0xCC, 200).ToArray();   // the encoder must write every field
        Assert.That(StatEncoder.Encode(file, stat), Is.EqualTo(0));
        Assert.That(stat[StatEncoder.Size], Is.EqualTo(0xCC), "nothing written past 144 bytes");
        var c = RunC(stat, dirents);
        Assert.That(c["stat"][0], Is.EqualTo(
            $"0 1 {file.Inode} 1 104755 1234 5678 0 0 1000 4096 {file.BlockCount} -2.500000000 0.000000042 1700000123.456789012"));

        var device = new TestDevice(fs.Root, 4, 1234567);
        StatEncoder.Encode(device, stat);
        Assert.That(RunC(stat, dirents)["stat"][0], Does.StartWith($"0 1 {device.Inode} 0 20620 0 0 4 1234567 0 4096 0 "));
        Assert.That(StatEncoder.Encode(file, new byte[143]), Is.EqualTo(E.EINVAL));
    }

    private sealed class TestDevice(FileSystemInstance fs, uint major, uint minor) : DeviceNode(fs, major, minor, 0x190);

    [Test]
    public void TheCLibraryWalksTheEncodedDirents()
    {
        var fs = Sample(out Node file, out byte[] dirents);
        var c = RunC(new byte[StatEncoder.Size], dirents);
        var d = fs.Get("/d");
        var symlink = fs.Get("/d/l", follow: false);
        Assert.That(c["entry"], Is.EqualTo(new[]
        {
            $"{d.Inode} 1 24 4 .",
            $"{fs.Space.Root.Inode} 2 24 4 ..",
            $"{file.Inode} 3 32 8 a-file",
            $"{symlink.Inode} 4 24 10 l",
        }));
    }

    [Test]
    public void DeviceNumbersMatchMakedev()
    {
        (uint, uint)[] devices = [(0, 1), (1, 3), (5, 1), (8, 17), (254, 255), (259, 65536), (4095, 1 << 20), (4096, 0), (0xFFFFFFFF, 0xFFFFFFFF)];
        var c = RunC(new byte[StatEncoder.Size], [], devices);
        for (int i = 0; i < devices.Length; i++)
        {
            var (major, minor) = devices[i];
            ulong ours = DeviceNumber.Make(major, minor);
            Assert.That(c["makedev"][i], Is.EqualTo($"{ours} {major} {minor}"), $"makedev({major}, {minor})");
            Assert.That((DeviceNumber.Major(ours), DeviceNumber.Minor(ours)), Is.EqualTo((major, minor)));
        }
    }
}
