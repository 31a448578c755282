// A set of CPUs as Linux's sysfs and /proc print it ("%*pbl", bitmap_print_to_pagebuf with list=true):
// ranges of consecutive numbers as "first-last", single ones alone, separated by commas: "0-3,6,8-9".
// Also used for /sys/devices/system/cpu/online and Cpus_allowed_list.
namespace Kitten.Kernel.FileSystem.Proc;

internal static class CpuListFormat
{
    public static void Write(ulong mask, TextBuilder o)
    {
        bool first = true;
        int cpu = 0;
        while (cpu < 64)
        {
            if ((mask & (1UL << cpu)) == 0)
            {
                cpu++;
                continue;
            }
            int last = cpu;
            while (last + 1 < 64 && (mask & (1UL << (last + 1))) != 0)
                last++;
            if (!first)
                o.Append(',');
            o.Unsigned((ulong)cpu);
            if (last > cpu)
                o.Append('-').Unsigned((ulong)last);
            first = false;
            cpu = last + 1;
        }
    }

    // The mask of CPUs 0..count-1.
    public static ulong FirstCpus(int count) => count >= 64 ? ulong.MaxValue : (1UL << count) - 1;

    // The set as a hexadecimal mask of `bits` bits ("%*pb"): 32-bit groups separated by commas, most
    // significant first, the first group as wide as its bits need and the others 8 digits wide.
    public static void WriteMask(ulong mask, int bits, TextBuilder o)
    {
        if (bits < 1)
            bits = 1;
        if (bits > 64)
            bits = 64;
        int groups = (bits + 31) / 32;
        for (int group = groups - 1; group >= 0; group--)
        {
            int groupBits = group == groups - 1 ? bits - 32 * group : 32;
            o.Hex((mask >> (32 * group)) & 0xFFFFFFFF, (groupBits + 3) / 4);
            if (group > 0)
                o.Append(',');
        }
    }
}
