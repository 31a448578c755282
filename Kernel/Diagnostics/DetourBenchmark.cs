// `bench=detour` on the kernel command line (what `./kitten bench detour` boots): one selfish-detour
// thread per CPU, all spinning at once, then a per-CPU report and one summary line.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Diagnostics;

internal static unsafe class DetourBenchmark
{
    private struct Job
    {
        public ulong Ticks;
        public DetourResult Result;
    }

    private static void Run(void* argument)
    {
        var job = (Job*)argument;
        SelfishDetour.Measure(job->Ticks, SelfishDetour.DefaultThreshold, &job->Result);
    }

    // Runs on every CPU at once and returns the results (one per CPU, heap-allocated).
    public static DetourResult* MeasureAllCpus(ulong ticks)
    {
        int count = Smp.CpuCount;
        var jobs = (Job*)KernelHeap.AllocateZeroed((ulong)(count * sizeof(Job)), 64);
        var threads = stackalloc Thread*[Smp.MaxCpus];
        for (int i = 0; i < count; i++)
        {
            jobs[i].Ticks = ticks;
            threads[i] = Threads.Create(&Run, &jobs[i], i, "detour");
        }
        for (int i = 0; i < count; i++)
            Threads.Join(threads[i]);
        var results = (DetourResult*)KernelHeap.AllocateZeroed((ulong)(count * sizeof(DetourResult)));
        for (int i = 0; i < count; i++)
            results[i] = jobs[i].Result;
        KernelHeap.Free(jobs);
        return results;
    }

    public static void RunAndReport(ulong ticks)
    {
        int count = Smp.CpuCount;
        Console.WriteLine($"detour: {count} CPUs spinning for {ticks} ticks each, threshold {SelfishDetour.DefaultThreshold} ticks");
        DetourResult* results = MeasureAllCpus(ticks);
        ulong detours = 0, maxDetour = 0, timerIrqs = 0, worstPpmMilli = 0, minTicks = ulong.MaxValue;
        for (int i = 0; i < count; i++)
        {
            DetourResult* r = &results[i];
            Console.WriteLine($"detour: cpu {r->Cpu} ticks={r->Ticks} detours={r->Detours} detour_ticks={r->DetourTicks} max_detour={r->MaxDetour} noise_ppm={r->NoisePpmMilli:milli} timer_irqs={r->TimerInterrupts} kernel_entries={r->KernelEntries} emulator_gaps={r->EmulatorGaps} emulator_gap_ticks={r->EmulatorGapTicks}");
            for (int k = 0; k < r->Recorded && k < 8; k++)
                Console.WriteLine($"detour: cpu {r->Cpu}   at +{r->Records[k * 2]} for {r->Records[k * 2 + 1]} ticks");
            detours += r->Detours;
            timerIrqs += r->TimerInterrupts;
            if (r->MaxDetour > maxDetour) maxDetour = r->MaxDetour;
            if (r->NoisePpmMilli > worstPpmMilli) worstPpmMilli = r->NoisePpmMilli;
            if (r->Ticks < minTicks) minTicks = r->Ticks;
        }
        Console.WriteLine($"bench detour: cpus={count} ticks={minTicks} detours={detours} max_detour={maxDetour} noise_ppm={worstPpmMilli:milli} timer_irqs={timerIrqs}");
        KernelHeap.Free(results);
    }
}
