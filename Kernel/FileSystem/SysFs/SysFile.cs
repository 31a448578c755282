// The attribute files of the /sys subset, their text in sysfs's formats (Documentation/ABI/testing/
// sysfs-devices-system-cpu and sysfs-devices-system-node in Linux; cacheinfo.c, topology.c, node.c):
// one value and a newline. st_size is 4096, as for every sysfs attribute.
using Kitten.Kernel.FileSystem.Proc;

namespace Kitten.Kernel.FileSystem.SysFs;

internal enum SysFileKind
{
    CpusOnline,             // cpu/online, possible, present and node0/cpulist: "0-N"
    KernelMax,              // cpu/kernel_max: the highest CPU number the kernel could have
    NodesOnline,            // node/online, possible, has_cpu, has_memory: "0"
    NodeCpuMap,             // node0/cpumap: the CPUs as a hexadecimal mask
    CoreId,                 // cpuN/topology/core_id, core_cpus_list, ...
    PackageId,              // cpuN/topology/physical_package_id: "0"
    ThisCpuList,            // cpuN/topology/thread_siblings_list, core_cpus_list: "N"
    CacheLevel,             // cpuN/cache/indexM/level
    CacheType,              // type: Data, Instruction, Unified
    CacheSize,              // size: "32K"
    CacheLineSize,          // coherency_line_size
    CacheWays,              // ways_of_associativity
    CacheSets,              // number_of_sets
    CacheSharedCpuList,     // shared_cpu_list
    CacheSharedCpuMap,      // shared_cpu_map
}

internal sealed class SysFile : GeneratedFile
{
    public const ulong AttributeSize = 4096;
    private readonly SysSource _source;
    private readonly SysFileKind _kind;
    private readonly int _cpu, _cache;

    public SysFile(FileSystemInstance fileSystem, SysSource source, SysFileKind kind, int cpu = 0, int cache = 0)
        : base(fileSystem, 0x124 /* 0444 */, AttributeSize)
    {
        _source = source;
        _kind = kind;
        _cpu = cpu;
        _cache = cache;
    }

    public override int Generate(TextBuilder o)
    {
        int count = _source.CpuCount;
        ulong all = CpuListFormat.FirstCpus(count);
        switch (_kind)
        {
            case SysFileKind.CpusOnline:
                CpuListFormat.Write(all, o);
                break;
            case SysFileKind.KernelMax:
                o.Unsigned(63);
                break;
            case SysFileKind.NodesOnline:
            case SysFileKind.PackageId:
                o.Append('0');
                break;
            case SysFileKind.NodeCpuMap:
                CpuListFormat.WriteMask(all, count, o);
                break;
            case SysFileKind.CoreId:
                o.Unsigned((ulong)_cpu);
                break;
            case SysFileKind.ThisCpuList:
                o.Unsigned((ulong)_cpu);
                break;
            default:
                if (!_source.Cache(_cache, out CacheDescription cache))
                    return -LinuxAbi.Errno.ENOENT;
                WriteCache(in cache, all, count, o);
                break;
        }
        o.Append('\n');
        return 0;
    }

    private void WriteCache(in CacheDescription cache, ulong all, int count, TextBuilder o)
    {
        // A cache shared by more logical processors than one core has is the package's: every CPU's here.
        ulong shared = cache.SharedBy > 2 ? all : 1UL << _cpu;
        switch (_kind)
        {
            case SysFileKind.CacheLevel: o.Unsigned((ulong)cache.Level); break;
            case SysFileKind.CacheType: o.Append(cache.Type == SysFs.CacheType.Data ? "Data" : cache.Type == SysFs.CacheType.Instruction ? "Instruction" : "Unified"); break;
            case SysFileKind.CacheSize: o.Unsigned(cache.SizeBytes / 1024).Append('K'); break;
            case SysFileKind.CacheLineSize: o.Unsigned((ulong)cache.LineBytes); break;
            case SysFileKind.CacheWays: o.Unsigned((ulong)cache.Ways); break;
            case SysFileKind.CacheSets: o.Unsigned((ulong)cache.Sets); break;
            case SysFileKind.CacheSharedCpuList: CpuListFormat.Write(shared, o); break;
            default: CpuListFormat.WriteMask(shared, count, o); break;
        }
    }
}
