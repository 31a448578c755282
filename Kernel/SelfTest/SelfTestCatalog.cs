// Every in-kernel test, in the order they run. Each subsystem registers its own.
namespace Kitten.Kernel.SelfTest;

internal static class SelfTestCatalog
{
    public static SelfTestCase[] All()
    {
        var tests = new SelfTestList();
        Runtime.RuntimeSelfTests.Register(tests);
        Text.TextSelfTests.Register(tests);
        Boot.BootSelfTests.Register(tests);
        Memory.MemorySelfTests.Register(tests);
        Memory.PmemSelfTests.Register(tests);
        Memory.AddressSpaceSelfTests.Register(tests);
        Arch.X64.ArchSelfTests.Register(tests);
        Arch.X64.TimeSelfTests.Register(tests);
        Tasks.TaskSelfTests.Register(tests);
        Diagnostics.NoiseSelfTests.Register(tests);
        Exec.ExecSelfTests.Register(tests);
        Signals.SignalSelfTests.Register(tests);
        FileSystem.FileSystemSelfTests.Register(tests);
        return tests.ToArray();
    }
}
