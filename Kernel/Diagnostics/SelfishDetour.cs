// The selfish-detour noise measurement (Beckman et al., "Operating System Issues for Petascale Systems",
// and the OS-noise work behind the 2009 Kitten talk): a thread spins reading the TSC; whenever two
// consecutive reads are further apart than a threshold, something took the CPU away — a detour.
//
// A detour counts as OS noise when the kernel was entered on this CPU during it (KernelEntries moved).
// Gaps during which this CPU took no interrupt cannot be the kernel's doing: under QEMU they are the
// emulator running the other virtual CPUs (with -icount, all CPUs share one instruction clock), on
// hardware they would be SMIs or a hypervisor. They are counted separately, not hidden.
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Diagnostics;

internal unsafe struct DetourRecord
{
    public ulong Start;
    public ulong Length;
}

internal unsafe struct DetourResult
{
    public const int MaxRecords = 256;

    public int Cpu;
    public ulong Ticks;                 // length of the measurement
    public ulong Detours;               // gaps over the threshold with a kernel entry on this CPU
    public ulong DetourTicks;
    public ulong MaxDetour;
    public ulong EmulatorGaps;          // gaps over the threshold without one
    public ulong EmulatorGapTicks;
    public ulong TimerInterrupts;
    public ulong KernelEntries;
    public int Recorded;
    public fixed ulong Records[MaxRecords * 2];

    // Parts per million of the run lost to the kernel, times 1000 (so 1500 means 1.5 ppm).
    public readonly ulong NoisePpmMilli => Ticks == 0 ? 0 : DetourTicks * 1_000_000_000UL / Ticks;
}

internal static unsafe class SelfishDetour
{
    public const ulong DefaultThreshold = 200;

    // Spins on the calling CPU for `ticks` of TSC and fills result.
    public static void Measure(ulong ticks, ulong threshold, DetourResult* result)
    {
        CpuLocal* cpu = CpuLocal.Current;
        result->Cpu = cpu->Index;
        ulong timerBefore = cpu->TimerInterrupts;
        ulong entriesBefore = cpu->KernelEntries;
        ulong entries = entriesBefore;
        ulong start = Cpu.ReadTsc();
        ulong last = start;
        ulong end = start + ticks;
        for (; ; )
        {
            ulong now = Cpu.ReadTsc();
            ulong gap = now - last;
            if (gap > threshold)
            {
                ulong current = cpu->KernelEntries;
                if (current != entries)
                {
                    entries = current;
                    result->Detours++;
                    result->DetourTicks += gap;
                    if (gap > result->MaxDetour)
                        result->MaxDetour = gap;
                    if (result->Recorded < DetourResult.MaxRecords)
                    {
                        result->Records[result->Recorded * 2] = last - start;
                        result->Records[result->Recorded * 2 + 1] = gap;
                        result->Recorded++;
                    }
                }
                else
                {
                    result->EmulatorGaps++;
                    result->EmulatorGapTicks += gap;
                }
            }
            last = now;
            if (now >= end)
                break;
        }
        result->Ticks = last - start;
        result->TimerInterrupts = cpu->TimerInterrupts - timerBefore;
        result->KernelEntries = cpu->KernelEntries - entriesBefore;
    }
}
