// Runs the in-kernel tests and reports in KTAP (the kernel's test format: Documentation/dev-tools/ktap.rst
// in Linux): a version line, a plan, one `ok N name` / `not ok N name # reason` line per test, and a
// summary. `selftest=PREFIX` runs only the tests whose names start with PREFIX.
using System;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Boot;

namespace Kitten.Kernel.SelfTest;

internal unsafe struct SelfTestCase
{
    public string Name;
    public delegate*<ref TestContext, void> Body;
}

internal static unsafe class SelfTestRunner
{
    public static bool Run(ReadOnlySpan<byte> prefix)
    {
        SelfTestCase[] all = SelfTestCatalog.All();
        int planned = 0;
        for (int i = 0; i < all.Length; i++)
            if (Matches(all[i].Name, prefix))
                planned++;

        Console.WriteLine("KTAP version 1");
        Console.WriteLine($"1..{planned}");
        int number = 0;
        int failed = 0;
        ulong start = Cpu.ReadTsc();
        for (int i = 0; i < all.Length; i++)
        {
            if (!Matches(all[i].Name, prefix))
                continue;
            number++;
            TestContext context = default;
            all[i].Body(ref context);
            if (context.Failed)
            {
                failed++;
                Console.WriteLine($"not ok {number} {all[i].Name} # {context.Reason}");
            }
            else
            {
                Console.WriteLine($"ok {number} {all[i].Name}");
            }
        }
        ulong end = Cpu.ReadTsc();
        Console.WriteLine($"# selftest: {number - failed} passed, {failed} failed, {end - start} ticks");
        Console.WriteLine($"# selftest done at tsc={end}");
        return failed == 0 && planned > 0;
    }

    private static bool Matches(string name, ReadOnlySpan<byte> prefix)
    {
        if (prefix.Length > name.Length)
            return false;
        for (int i = 0; i < prefix.Length; i++)
            if (name[i] != prefix[i])
                return false;
        return true;
    }
}
