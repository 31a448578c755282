// What the kernel read from the boot loader.
using Kitten.Kernel.Memory;
using Kitten.Kernel.SelfTest;

namespace Kitten.Kernel.Boot;

internal static unsafe class BootSelfTests
{
    public static void Register(SelfTestList tests)
    {
        tests.Add("boot.command_line_has_selftest", &CommandLineHasSelftest);
        tests.Add("boot.usable_memory_is_sane", &UsableMemoryIsSane);
    }

    private static void CommandLineHasSelftest(ref TestContext t)
    {
        CommandLine line = BootInfo.CommandLine;
        t.Check(line.HasWord("selftest") || line.TryGetValue("selftest", out _), "the command line does not name selftest");
        t.Check(line.WordCount >= 1, "the command line has no words");
    }

    private static void UsableMemoryIsSane(ref TestContext t)
    {
        PhysicalRange[] ranges = BootInfo.UsableMemory;
        t.Check(ranges.Length > 0, "no usable ranges");
        ulong imageStart = 0x100000;
        for (int i = 0; i < ranges.Length; i++)
        {
            PhysicalRange r = ranges[i];
            t.Check(!r.IsEmpty, "empty usable range");
            t.Check((r.Base & 0xFFF) == 0 && (r.End & 0xFFF) == 0, "usable range not page-aligned");
            t.Check(r.Base >= 0x100000, "usable range inside the first MiB");
            t.Check(!r.Contains(imageStart), "usable range covers the kernel image");
            if (i > 0)
                t.Check(ranges[i - 1].End < r.Base, "usable ranges overlap, touch or are unsorted");
        }
        t.Check(BootInfo.UsableBytes <= BootInfo.FirmwareAvailableBytes, "more usable than the firmware offered");
        t.Check(BootInfo.UsableBytes >= (16UL << 20), "less than 16 MiB usable");
    }
}
