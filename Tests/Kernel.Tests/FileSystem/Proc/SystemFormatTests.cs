using System.Text;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.FileSystem.Proc;
using NUnit.Framework;
using static Kitten.Kernel.Tests.FileSystem.FsHarness;
using FileMode = Kitten.Kernel.FileSystem.FileMode;

namespace Kitten.Kernel.Tests.FileSystem.Proc;

// /proc/meminfo, cpuinfo, stat, uptime, loadavg, mounts and mountinfo against proc(5) and Linux's output.
public unsafe class SystemFormatTests
{
    private static string Format(Action<TextBuilder> write)
    {
        var text = new TextBuilder(8);
        write(text);
        return Encoding.ASCII.GetString(text.Text);
    }

    [Test]
    public void MeminfoLabelsAndColumnsAsLinux()
    {
        var info = new MemoryInfo
        {
            TotalBytes = 24683656UL * 1024,
            FreeBytes = 23415184UL * 1024,
            AvailableBytes = 24188324UL * 1024,
            ShmemBytes = 44064UL * 1024,
            AnonymousBytes = 90804UL * 1024,
            CommittedBytes = 455604UL * 1024,
            KernelStackBytes = 2064 * 1024,
            PageTableBytes = 3404 * 1024,
        };
        string[] lines = Format(o => MeminfoFormat.Write(info, o)).Split('\n');
        Assert.That(lines[0], Is.EqualTo("MemTotal:       24683656 kB"));
        Assert.That(lines[1], Is.EqualTo("MemFree:        23415184 kB"));
        Assert.That(lines[2], Is.EqualTo("MemAvailable:   24188324 kB"));
        Assert.That(lines, Does.Contain("Buffers:               0 kB"));
        Assert.That(lines, Does.Contain("Shmem:             44064 kB"));
        Assert.That(lines, Does.Contain("AnonPages:         90804 kB"));
        Assert.That(lines, Does.Contain("Committed_AS:     455604 kB"));
        Assert.That(lines, Does.Contain("Inactive(anon):    44064 kB"));
        Assert.That(lines, Does.Contain("HugePages_Total:       0"));
        Assert.That(lines, Does.Contain("Hugepagesize:       2048 kB"));
        foreach (string line in lines.Where(l => l.Length > 0 && !l.StartsWith("HugePages_")))
            Assert.That(line, Does.Match(@"^[A-Za-z_()0-9]+: +\d+ kB$"));
        string[] order = lines.Where(l => l.Length > 0).Select(l => l[..l.IndexOf(':')]).ToArray();
        Assert.That(order.Take(6), Is.EqualTo(new[] { "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached" }));
        Assert.That(Array.IndexOf(order, "SwapTotal"), Is.LessThan(Array.IndexOf(order, "SwapFree")));
    }

    private static CpuDescription Cpu(int processor)
    {
        var cpu = new CpuDescription
        {
            Processor = processor,
            ApicId = (uint)processor * 2,
            Signature = 0x00A00F11,
            MaxLeaf = 16,
            TscKilohertz = 2445406,
            CacheKilobytes = 512,
            CpuCount = 2,
            ClflushBytes = 64,
            PhysicalAddressBits = 48,
            VirtualAddressBits = 48,
        };
        Encoding.ASCII.GetBytes("AuthenticAMD").CopyTo(new Span<byte>(cpu.Vendor, 12));
        Encoding.ASCII.GetBytes("  AMD EPYC   ").CopyTo(new Span<byte>(cpu.Brand, 48));
        cpu.FeatureWords[0] = 1 | (1 << 25) | (1 << 26);     // fpu sse sse2
        cpu.FeatureWords[1] = (1 << 29) | (1 << 11) | 1;      // syscall lm; bit 0 repeats fpu: not shown twice
        cpu.FeatureWords[2] = 1 | (1 << 27);                  // pni; OSXSAVE has no cpuinfo name
        cpu.FeatureWords[4] = 1 << 5;                         // avx2
        return cpu;
    }

    [Test]
    public unsafe void CpuinfoBlockAsLinux()
    {
        string text = Format(o => CpuinfoFormat.Write(new[] { Cpu(0), Cpu(1) }, o));
        string[] blocks = text.Split("\n\n");
        Assert.That(blocks, Has.Length.EqualTo(3), "two blocks, each ending in an empty line");
        Assert.That(blocks[2], Is.EqualTo(""));
        string[] lines = blocks[1].Split('\n');
        Assert.That(lines, Does.Contain("processor\t: 1"));
        Assert.That(lines, Does.Contain("vendor_id\t: AuthenticAMD"));
        Assert.That(lines, Does.Contain("cpu family\t: 25"), "family 0xF + extended family 0xA");
        Assert.That(lines, Does.Contain("model\t\t: 1"));
        Assert.That(lines, Does.Contain("model name\t: AMD EPYC"));
        Assert.That(lines, Does.Contain("stepping\t: 1"));
        Assert.That(lines, Does.Contain("cpu MHz\t\t: 2445.406"));
        Assert.That(lines, Does.Contain("cache size\t: 512 KB"));
        Assert.That(lines, Does.Contain("apicid\t\t: 2"));
        Assert.That(lines, Does.Contain("flags\t\t: fpu sse sse2 syscall lm pni avx2"));
        Assert.That(lines, Does.Contain("bogomips\t: 4890.81"));
        Assert.That(lines, Does.Contain("address sizes\t: 48 bits physical, 48 bits virtual"));
        Assert.That(lines[^1], Is.EqualTo("power management:"));
        foreach (string line in lines)
            Assert.That(line, Does.Match(@"^[a-zA-Z_ ]+\t+: ?.*$|^power management:$"));
    }

    [Test]
    public void IntelFamilySixModelsUseTheExtendedModel()
    {
        var cpu = new CpuDescription { Signature = 0x000506E3 };
        Assert.That((cpu.Family, cpu.Model, cpu.Stepping), Is.EqualTo((6, 0x5E, 3)));
        cpu.Signature = 0x00000F29;     // family 15, extended 0: a Pentium 4
        Assert.That((cpu.Family, cpu.Model), Is.EqualTo((15, 2)));
    }

    [Test]
    public void StatAsLinux()
    {
        var cpus = new[] { new CpuTimes { User = 491335, System = 50591, Idle = 359285 }, new CpuTimes { User = 476240, Idle = 364948, IoWait = 2 } };
        var counters = new SystemCounters { Interrupts = 9626178, ContextSwitches = 28016486, BootTime = 1795729911, ProcessesCreated = 243414, Running = 10, Blocked = 0 };
        string[] lines = Format(o => SystemStatFormat.Stat(cpus, counters, o)).Split('\n');
        Assert.That(lines[0], Is.EqualTo("cpu  967575 0 50591 724233 2 0 0 0 0 0"));
        Assert.That(lines[1], Is.EqualTo("cpu0 491335 0 50591 359285 0 0 0 0 0 0"));
        Assert.That(lines[2], Is.EqualTo("cpu1 476240 0 0 364948 2 0 0 0 0 0"));
        Assert.That(lines[3..], Is.EqualTo(new[]
        {
            "intr 9626178", "ctxt 28016486", "btime 1795729911", "processes 243414", "procs_running 10", "procs_blocked 0",
            "softirq 0 0 0 0 0 0 0 0 0 0 0", "",
        }));
    }

    [Test]
    public void UptimeInSecondsWithTwoDecimals()
    {
        Assert.That(Format(o => SystemStatFormat.Uptime(9063_634_000_000, 7242_339_999_999, o)), Is.EqualTo("9063.63 7242.33\n"));
        Assert.That(Format(o => SystemStatFormat.Uptime(50_000_000, 0, o)), Is.EqualTo("0.05 0.00\n"));
    }

    // calc_load's arithmetic: from 0 with 1 runnable thread, the 1-minute average after one step is
    // (2048 * 1884 + 2048 * 164 + 2047) / 2048 ... = 164/2048 = 0.08; after a minute (12 steps) 0.63.
    [Test]
    public void LoadAverageDecaysAsLinuxsDoes()
    {
        var load = new LoadAverage();
        load.Update(4_999_999_999, 1);
        Assert.That(load.Hundredths(0), Is.EqualTo(0UL), "no step has ended");
        load.Update(5_000_000_000, 1);
        Assert.That(load.Hundredths(0), Is.EqualTo(8UL));
        load.Update(60_000_000_000, 1);
        Assert.That(load.Hundredths(0), Is.InRange(62UL, 64UL), "1 - e^-1 after a minute");
        Assert.That(load.Hundredths(1), Is.InRange(17UL, 19UL), "1 - e^-0.2 after a minute");
        load.Update(3_600_000_000_000, 1);
        Assert.That(load.Hundredths(0), Is.EqualTo(100UL));
        load.Update(3_720_000_000_000, 0);
        Assert.That(load.Hundredths(0), Is.InRange(12UL, 15UL), "e^-2 after two idle minutes");
        Assert.That(load.Hundredths(2), Is.InRange(85UL, 90UL), "the 15-minute average still remembers");
        Assert.That(load.SysinfoLoad(2), Is.InRange(85UL * 65536 / 100, 90UL * 65536 / 100), "sysinfo's scale: 1 << 16");
        string line = Format(o => SystemStatFormat.Loadavg(load, 1, 7, 42, o));
        Assert.That(line, Does.Match(@"^0\.1\d 0\.\d\d 0\.8\d 1/7 42\n$"));
    }

    [Test]
    public void MountsAndMountinfoFromTheMountTable()
    {
        var fs = FsHarness.OnArchive(new CpioWriter().Directory("mnt").Directory("mnt/with space").Build(), out _);
        var proc = new FileSystemInstance("proc", fs.Space.NewAnonymousDevice(), 0, 100, 0x16D) { ReadOnly = true, KernelGenerated = true };
        Assert.That(fs.Space.MountAt(B("/mnt/with space"), proc), Is.EqualTo(0));
        fs.Root.ReadOnly = true;
        string mounts = Format(o => MountsFormat.Mounts(fs.Space, o));
        Assert.That(mounts, Is.EqualTo("rootfs / rootfs ro 0 0\ntmpfs /tmp tmpfs rw 0 0\nproc /mnt/with\\040space proc rw 0 0\n"));
        string[] info = Format(o => MountsFormat.MountInfo(fs.Space, o)).Split('\n');
        Assert.That(info[0], Is.EqualTo("1 1 0:1 / / ro - rootfs rootfs ro"));
        Assert.That(info[1], Is.EqualTo($"2 1 0:{DeviceNumber.Minor(fs.Tmp.DeviceNumber)} / /tmp rw - tmpfs tmpfs rw"));
        Assert.That(info[2], Is.EqualTo($"3 1 0:{DeviceNumber.Minor(proc.DeviceNumber)} / /mnt/with\\040space rw - proc proc rw"));
        Assert.That(Format(MountsFormat.Filesystems), Does.Contain("nodev\tproc\n").And.Contain("nodev\ttmpfs\n"));
    }
}
