// The CPU's caches from CPUID: Intel's deterministic cache parameters (leaf 04H) or AMD's cache
// topology (Fn8000_001D, present with TOPOEXT, Fn8000_0001 ECX bit 22), which share a layout (Intel SDM
// vol. 2A, CPUID; AMD APM vol. 3, appendix E); failing both, AMD's older Fn8000_0005/6. Kernel only.
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.FileSystem.SysFs;

internal static class CpuCaches
{
    private const int MaxCaches = 8;

    // Subleaf `index` of whichever leaf this CPU has; false past the last cache or without either leaf.
    public static bool Get(int index, out CacheDescription cache)
    {
        cache = default;
        if (index < 0 || index >= MaxCaches)
            return false;
        uint leaf = Leaf();
        if (leaf != 0)
        {
            CpuidResult result = Cpu.Cpuid(leaf, (uint)index);
            return CacheDescription.Decode(result.Eax, result.Ebx, result.Ecx, out cache);
        }
        if (Cpu.Cpuid(0x80000000).Eax < 0x80000006)
            return false;
        CpuidResult l1 = Cpu.Cpuid(0x80000005), l2 = Cpu.Cpuid(0x80000006);
        return LegacyAmdCaches.Decode(index, l1.Ecx, l1.Edx, l2.Ecx, l2.Edx, out cache);
    }

    private static uint Leaf()
    {
        if (Cpu.Cpuid(0).Eax >= 4 && (Cpu.Cpuid(4).Eax & 0x1F) != 0)
            return 4;
        if (Cpu.Cpuid(0x80000000).Eax >= 0x8000001D && (Cpu.Cpuid(0x80000001).Ecx & (1u << 22)) != 0)
            return 0x8000001D;
        return 0;
    }

    // The size of the highest-level cache (cpuinfo's "cache size"), 0 if CPUID does not say.
    public static ulong LastLevelBytes()
    {
        ulong size = 0;
        int level = 0;
        for (int i = 0; Get(i, out CacheDescription cache); i++)
        {
            if (cache.Type == CacheType.Instruction || cache.Level < level)
                continue;
            level = cache.Level;
            size = cache.SizeBytes;
        }
        return size;
    }
}

internal sealed class KernelSysSource : SysSource
{
    public override int CpuCount => Smp.CpuCount;

    public override bool Cache(int index, out CacheDescription cache) => CpuCaches.Get(index, out cache);
}
