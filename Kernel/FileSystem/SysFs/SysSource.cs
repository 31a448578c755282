// What /sys shows of the machine: how many CPUs there are and what caches each has. The kernel's
// implementation (KernelSysSource) asks CPUID; the host tests describe a made-up machine.
namespace Kitten.Kernel.FileSystem.SysFs;

internal enum CacheType : byte
{
    None = 0,
    Data = 1,
    Instruction = 2,
    Unified = 3,
}

// One cache as CPUID's deterministic cache parameters describe it (Intel SDM vol. 2A, CPUID leaf 04H;
// AMD APM vol. 3, CPUID Fn8000_001D, with the same layout).
internal struct CacheDescription
{
    public CacheType Type;
    public int Level;
    public int LineBytes;
    public int Ways;
    public int Sets;
    public int Partitions;
    public int SharedBy;     // logical processors sharing it, at most

    public readonly ulong SizeBytes => (ulong)LineBytes * (ulong)Ways * (ulong)Sets * (ulong)Partitions;

    // Decodes EAX, EBX, ECX of one subleaf; false for the "no more caches" subleaf.
    public static bool Decode(uint eax, uint ebx, uint ecx, out CacheDescription cache)
    {
        cache = default;
        cache.Type = (CacheType)(eax & 0x1F);
        if (cache.Type == CacheType.None || (int)cache.Type > 3)
            return false;
        cache.Level = (int)((eax >> 5) & 0x7);
        cache.SharedBy = (int)((eax >> 14) & 0xFFF) + 1;
        cache.LineBytes = (int)(ebx & 0xFFF) + 1;
        cache.Partitions = (int)((ebx >> 12) & 0x3FF) + 1;
        cache.Ways = (int)((ebx >> 22) & 0x3FF) + 1;
        cache.Sets = (int)ecx + 1;
        return true;
    }
}

// The older AMD cache leaves (AMD APM vol. 3, CPUID Fn8000_0005 and Fn8000_0006), for CPUs without the
// deterministic leaves (QEMU's TCG CPU is one): L1 data and instruction caches, L2 and L3, in the order
// the deterministic leaves list them. Sizes are in KB (L3 in 512 KB units); L2 and L3 associativity is a
// code.
internal static class LegacyAmdCaches
{
    // l1Data, l1Instruction: Fn8000_0005 ECX and EDX; l2, l3: Fn8000_0006 ECX and EDX.
    public static bool Decode(int index, uint l1Data, uint l1Instruction, uint l2, uint l3, out CacheDescription cache)
    {
        cache = default;
        cache.Partitions = 1;
        cache.SharedBy = 1;
        ulong bytes;
        switch (index)
        {
            case 0:
            case 1:
                uint l1 = index == 0 ? l1Data : l1Instruction;
                cache.Type = index == 0 ? CacheType.Data : CacheType.Instruction;
                cache.Level = 1;
                bytes = (ulong)(l1 >> 24) * 1024;
                cache.LineBytes = (int)(l1 & 0xFF);
                cache.Ways = (int)((l1 >> 16) & 0xFF);
                if (cache.Ways == 0xFF && cache.LineBytes != 0)
                    cache.Ways = (int)(bytes / (ulong)cache.LineBytes);
                break;
            case 2:
                cache.Type = CacheType.Unified;
                cache.Level = 2;
                bytes = (ulong)(l2 >> 16) * 1024;
                cache.LineBytes = (int)(l2 & 0xFF);
                cache.Ways = Ways((l2 >> 12) & 0xF, bytes, cache.LineBytes);
                break;
            case 3:
                cache.Type = CacheType.Unified;
                cache.Level = 3;
                cache.SharedBy = 64;
                bytes = (ulong)(l3 >> 18) * 512 * 1024;
                cache.LineBytes = (int)(l3 & 0xFF);
                cache.Ways = Ways((l3 >> 12) & 0xF, bytes, cache.LineBytes);
                break;
            default:
                return false;
        }
        if (bytes == 0 || cache.LineBytes == 0 || cache.Ways == 0)
            return false;
        cache.Sets = (int)(bytes / ((ulong)cache.Ways * (ulong)cache.LineBytes));
        return cache.Sets > 0;
    }

    // The L2/L3 associativity codes; "fully associative" is one set of every line.
    private static int Ways(uint code, ulong bytes, int lineBytes) => code switch
    {
        1 => 1,
        2 => 2,
        3 => 3,
        4 => 4,
        5 => 6,
        6 => 8,
        8 => 16,
        0xA => 32,
        0xB => 48,
        0xC => 64,
        0xD => 96,
        0xE => 128,
        0xF => lineBytes == 0 ? 0 : (int)(bytes / (ulong)lineBytes),
        _ => 0,
    };
}

internal abstract class SysSource
{
    // CPUs 0..CpuCount-1 are possible, present and online.
    public abstract int CpuCount { get; }

    // The caches of a CPU (all CPUs alike), index 0 up; false past the last.
    public abstract bool Cache(int index, out CacheDescription cache);
}
