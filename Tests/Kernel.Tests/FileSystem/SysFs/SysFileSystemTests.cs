using System.Text;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.FileSystem.SysFs;
using NUnit.Framework;
using static Kitten.Kernel.Tests.FileSystem.FsHarness;

namespace Kitten.Kernel.Tests.FileSystem.SysFs;

// The /sys subset over a made-up machine, and the CPUID cache decoding behind its cache files.
public class SysFileSystemTests
{
    private sealed class FakeMachine(int cpus, params CacheDescription[] caches) : SysSource
    {
        public override int CpuCount => cpus;

        public override bool Cache(int index, out CacheDescription cache)
        {
            cache = index < caches.Length ? caches[index] : default;
            return index < caches.Length;
        }
    }

    private static string Read(FsHarness fs, string path)
    {
        var text = new TextBuilder();
        Assert.That(((GeneratedFile)fs.Get(path)).Generate(text), Is.EqualTo(0), path);
        return Encoding.ASCII.GetString(text.Text);
    }

    [Test]
    public void CpusCachesAndTheNode()
    {
        var fs = FsHarness.OnTmpfs();
        var l1 = new CacheDescription { Type = CacheType.Data, Level = 1, LineBytes = 64, Ways = 8, Sets = 64, Partitions = 1, SharedBy = 2 };
        var l3 = new CacheDescription { Type = CacheType.Unified, Level = 3, LineBytes = 64, Ways = 16, Sets = 32768, Partitions = 1, SharedBy = 64 };
        Assert.That(fs.Space.MountAt(B("/sys"), SysFileSystem.Create(new FakeMachine(4, l1, l3), fs.Space.NewAnonymousDevice())), Is.EqualTo(0));
        Assert.That(Read(fs, "/sys/devices/system/cpu/online"), Is.EqualTo("0-3\n"));
        Assert.That(Read(fs, "/sys/devices/system/cpu/possible"), Is.EqualTo("0-3\n"));
        Assert.That(fs.Names("/sys/devices/system/cpu"), Is.EqualTo(new[] { "cpu0", "cpu1", "cpu2", "cpu3", "kernel_max", "online", "possible", "present" }));
        Assert.That(fs.Names("/sys/devices/system/cpu/cpu2/cache"), Is.EqualTo(new[] { "index0", "index1" }));
        Assert.That(Read(fs, "/sys/devices/system/cpu/cpu2/cache/index0/size"), Is.EqualTo("32K\n"));
        Assert.That(Read(fs, "/sys/devices/system/cpu/cpu2/cache/index0/type"), Is.EqualTo("Data\n"));
        Assert.That(Read(fs, "/sys/devices/system/cpu/cpu2/cache/index0/shared_cpu_list"), Is.EqualTo("2\n"));
        Assert.That(Read(fs, "/sys/devices/system/cpu/cpu2/cache/index1/level"), Is.EqualTo("3\n"));
        Assert.That(Read(fs, "/sys/devices/system/cpu/cpu2/cache/index1/size"), Is.EqualTo("32768K\n"));
        Assert.That(Read(fs, "/sys/devices/system/cpu/cpu2/cache/index1/shared_cpu_map"), Is.EqualTo("f\n"));
        Assert.That(Read(fs, "/sys/devices/system/cpu/cpu3/topology/core_id"), Is.EqualTo("3\n"));
        Assert.That(Read(fs, "/sys/devices/system/node/node0/cpulist"), Is.EqualTo("0-3\n"));
        Assert.That(Read(fs, "/sys/devices/system/node/online"), Is.EqualTo("0\n"));
        Assert.That(fs.Get("/sys/devices/system/cpu/online").Size, Is.EqualTo(4096UL), "sysfs attributes are a page");
        Assert.That(fs.Mkdir("/sys/devices/x"), Is.EqualTo(-LinuxAbi.Errno.EROFS));
    }

    // CPUID leaf 4 of a 48 KiB, 12-way L1 data cache with 64-byte lines shared by 2 threads (Intel SDM vol. 2A).
    [Test]
    public void DeterministicCacheParameters()
    {
        uint eax = 1 | (1 << 5) | (1 << 14), ebx = 63 | (0 << 12) | (11u << 22), ecx = 63;
        Assert.That(CacheDescription.Decode(eax, ebx, ecx, out CacheDescription cache), Is.True);
        Assert.That((cache.Type, cache.Level, cache.LineBytes, cache.Ways, cache.Sets, cache.SharedBy), Is.EqualTo((CacheType.Data, 1, 64, 12, 64, 2)));
        Assert.That(cache.SizeBytes, Is.EqualTo(48UL * 1024));
        Assert.That(CacheDescription.Decode(0, ebx, ecx, out _), Is.False, "type 0: no more caches");
    }

    // Fn8000_0005/6 as QEMU's TCG CPU reports them: 64 KiB 2-way L1s, 512 KiB 16-way L2, 16 MiB 16-way L3.
    [Test]
    public void LegacyAmdCacheLeaves()
    {
        uint l1 = (64u << 24) | (2 << 16) | (1 << 8) | 64, l2 = (512u << 16) | (8 << 12) | (1 << 8) | 64, l3 = (32u << 18) | (8 << 12) | 64;
        Assert.That(LegacyAmdCaches.Decode(0, l1, l1, l2, l3, out CacheDescription d), Is.True);
        Assert.That((d.Type, d.Level, d.SizeBytes, d.Ways), Is.EqualTo((CacheType.Data, 1, 65536UL, 2)));
        Assert.That(LegacyAmdCaches.Decode(1, l1, l1, l2, l3, out CacheDescription i), Is.True);
        Assert.That(i.Type, Is.EqualTo(CacheType.Instruction));
        Assert.That(LegacyAmdCaches.Decode(2, l1, l1, l2, l3, out CacheDescription c2), Is.True);
        Assert.That((c2.Level, c2.SizeBytes, c2.Ways, c2.Sets), Is.EqualTo((2, 512UL * 1024, 16, 512)));
        Assert.That(LegacyAmdCaches.Decode(3, l1, l1, l2, l3, out CacheDescription c3), Is.True);
        Assert.That((c3.Level, c3.SizeBytes), Is.EqualTo((3, 16UL << 20)));
        Assert.That(LegacyAmdCaches.Decode(3, l1, l1, l2, 0, out _), Is.False, "no L3");
        Assert.That(LegacyAmdCaches.Decode(4, l1, l1, l2, l3, out _), Is.False);
    }
}
