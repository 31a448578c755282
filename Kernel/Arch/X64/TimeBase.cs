// Clocks: the TSC for time stamps and the local APIC timer for one-shot deadlines, both calibrated at boot
// against the PIT. Under QEMU with -icount the TSC counts instructions, so figures are exact.
using Kitten.Kernel.Drivers;

namespace Kitten.Kernel.Arch.X64;

internal static class TimeBase
{
    private const uint CalibrationMs = 10;

    public static ulong TscHz { get; private set; }
    // Ticks of the APIC timer (after its divide-by-16) per second.
    public static ulong ApicTimerHz { get; private set; }
    public static bool InvariantTsc { get; private set; }

    public static void Calibrate()
    {
        // CPUID 0x80000007 EDX bit 8: the TSC runs at a constant rate in all power states.
        InvariantTsc = (Cpu.Cpuid(0x80000007).Edx & (1 << 8)) != 0;

        ushort pitTicks = (ushort)(Pit8254.FrequencyHz * CalibrationMs / 1000);
        LocalApic.StartCountingMasked(0xFFFFFFFF);
        Pit8254.StartCountdown(pitTicks);
        uint apicStart = LocalApic.TimerCurrentCount;
        ulong tscStart = Cpu.ReadTsc();
        while (!Pit8254.IsDone)
        {
        }
        ulong tscEnd = Cpu.ReadTsc();
        uint apicEnd = LocalApic.TimerCurrentCount;
        LocalApic.StopTimer();

        // Scale by the exact PIT interval rather than the nominal 10 ms.
        ulong elapsedNs = (ulong)pitTicks * 1_000_000_000UL / Pit8254.FrequencyHz;
        TscHz = (tscEnd - tscStart) * 1_000_000_000UL / elapsedNs;
        ApicTimerHz = (ulong)(apicStart - apicEnd) * 1_000_000_000UL / elapsedNs;
    }

    public static ulong TscToNanoseconds(ulong ticks) => TscHz == 0 ? 0 : ticks / TscHz * 1_000_000_000UL + ticks % TscHz * 1_000_000_000UL / TscHz;

    public static uint NanosecondsToApicTicks(ulong nanoseconds)
    {
        ulong ticks = nanoseconds * ApicTimerHz / 1_000_000_000UL;
        if (ticks == 0) return 1;
        return ticks > 0xFFFFFFFF ? 0xFFFFFFFF : (uint)ticks;
    }
}
