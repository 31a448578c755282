// The LWK promise, as a test: spinning threads on every CPU at once see no kernel detour and no timer
// interrupt.
using Kitten.Kernel.Memory;
using Kitten.Kernel.SelfTest;

namespace Kitten.Kernel.Diagnostics;

internal static unsafe class NoiseSelfTests
{
    public static void Register(SelfTestList tests)
    {
        tests.Add("noise.no_kernel_detours_on_any_cpu", &NoKernelDetours);
    }

    private static void NoKernelDetours(ref TestContext t)
    {
        int count = Arch.X64.Smp.CpuCount;
        DetourResult* results = DetourBenchmark.MeasureAllCpus(20_000_000);
        for (int i = 0; i < count; i++)
        {
            t.Equal(0, results[i].Detours, "kernel detours");
            t.Equal(0, results[i].TimerInterrupts, "timer interrupts");
            t.Check(results[i].Ticks >= 20_000_000, "measurement shorter than asked");
        }
        KernelHeap.Free(results);
    }
}
