// The part of sysfs (sysfs(5)) that programs read to learn the machine, mounted at /sys: which CPUs
// exist (devices/system/cpu: online, possible, present, and per CPU its caches and topology) and the one
// memory node (devices/system/node). The .NET runtime reads these at start-up (CPU count, cache sizes
// for the GC's budget). Static: built once at boot; the files' text is made when read.
using System;

namespace Kitten.Kernel.FileSystem.SysFs;

internal static class SysFileSystem
{
    private const uint ReadExecuteAll = 0x1ED;  // 0755, as sysfs directories are

    public static FileSystemInstance Create(SysSource source, ulong deviceNumber)
    {
        var fileSystem = new FileSystemInstance("sysfs", deviceNumber, 0, long.MaxValue, ReadExecuteAll)
        {
            ReadOnly = true,
            KernelGenerated = true,
        };
        DirectoryNode system = Directory(Directory(fileSystem.Root, "devices"u8), "system"u8);

        DirectoryNode cpu = Directory(system, "cpu"u8);
        File(cpu, "online"u8, source, SysFileKind.CpusOnline);
        File(cpu, "possible"u8, source, SysFileKind.CpusOnline);
        File(cpu, "present"u8, source, SysFileKind.CpusOnline);
        File(cpu, "kernel_max"u8, source, SysFileKind.KernelMax);
        Span<byte> name = stackalloc byte[16];
        for (int n = 0; n < source.CpuCount; n++)
            AddCpu(Directory(cpu, Numbered("cpu"u8, n, name)), source, n, name);

        DirectoryNode node = Directory(system, "node"u8);
        File(node, "online"u8, source, SysFileKind.NodesOnline);
        File(node, "possible"u8, source, SysFileKind.NodesOnline);
        File(node, "has_cpu"u8, source, SysFileKind.NodesOnline);
        File(node, "has_memory"u8, source, SysFileKind.NodesOnline);
        DirectoryNode node0 = Directory(node, "node0"u8);
        File(node0, "cpulist"u8, source, SysFileKind.CpusOnline);
        File(node0, "cpumap"u8, source, SysFileKind.NodeCpuMap);
        return fileSystem;
    }

    private static void AddCpu(DirectoryNode directory, SysSource source, int cpu, Span<byte> scratch)
    {
        DirectoryNode topology = Directory(directory, "topology"u8);
        File(topology, "core_id"u8, source, SysFileKind.CoreId, cpu);
        File(topology, "physical_package_id"u8, source, SysFileKind.PackageId, cpu);
        File(topology, "core_cpus_list"u8, source, SysFileKind.ThisCpuList, cpu);
        File(topology, "thread_siblings_list"u8, source, SysFileKind.ThisCpuList, cpu);
        File(topology, "package_cpus_list"u8, source, SysFileKind.CpusOnline, cpu);
        DirectoryNode caches = Directory(directory, "cache"u8);
        for (int index = 0; source.Cache(index, out _); index++)
        {
            DirectoryNode cache = Directory(caches, Numbered("index"u8, index, scratch));
            File(cache, "level"u8, source, SysFileKind.CacheLevel, cpu, index);
            File(cache, "type"u8, source, SysFileKind.CacheType, cpu, index);
            File(cache, "size"u8, source, SysFileKind.CacheSize, cpu, index);
            File(cache, "coherency_line_size"u8, source, SysFileKind.CacheLineSize, cpu, index);
            File(cache, "ways_of_associativity"u8, source, SysFileKind.CacheWays, cpu, index);
            File(cache, "number_of_sets"u8, source, SysFileKind.CacheSets, cpu, index);
            File(cache, "shared_cpu_list"u8, source, SysFileKind.CacheSharedCpuList, cpu, index);
            File(cache, "shared_cpu_map"u8, source, SysFileKind.CacheSharedCpuMap, cpu, index);
        }
    }

    private static DirectoryNode Directory(DirectoryNode parent, ReadOnlySpan<byte> name)
    {
        var directory = new DirectoryNode(parent.FileSystem, ReadExecuteAll);
        parent.Attach(name, directory);
        return directory;
    }

    private static void File(DirectoryNode parent, ReadOnlySpan<byte> name, SysSource source, SysFileKind kind, int cpu = 0, int cache = 0)
        => parent.Attach(name, new SysFile(parent.FileSystem, source, kind, cpu, cache));

    // "cpu3", "index0" into scratch.
    private static ReadOnlySpan<byte> Numbered(ReadOnlySpan<byte> prefix, int number, Span<byte> scratch)
    {
        Bytes.Copy(prefix, scratch);
        int length = prefix.Length;
        Span<byte> digits = stackalloc byte[10];
        int count = 0;
        do
        {
            digits[count++] = (byte)('0' + number % 10);
            number /= 10;
        } while (number != 0);
        while (count > 0)
            scratch[length++] = digits[--count];
        return scratch.Slice(0, length);
    }
}
