// Clocks and the one-shot timer.
using Kitten.Kernel.SelfTest;

namespace Kitten.Kernel.Arch.X64;

internal static unsafe class TimeSelfTests
{

    public static void Register(SelfTestList tests)
    {
        tests.Add("time.tsc_monotonic", &TscMonotonic);
        tests.Add("time.tsc_frequency_plausible", &TscFrequencyPlausible);
        tests.Add("time.apic_timer_one_shot", &ApicTimerOneShot);
        tests.Add("time.apic_timer_fires_once", &ApicTimerFiresOnce);
    }

    private static void TscMonotonic(ref TestContext t)
    {
        ulong previous = Cpu.ReadTsc();
        bool monotonic = true;
        for (int i = 0; i < 10000; i++)
        {
            ulong now = Cpu.ReadTsc();
            monotonic &= now >= previous;
            previous = now;
        }
        t.Check(monotonic, "TSC went backwards");
    }

    private static void TscFrequencyPlausible(ref TestContext t)
    {
        t.InRange(TimeBase.TscHz, 10_000_000, 100_000_000_000, "TSC Hz");
        t.InRange(TimeBase.ApicTimerHz, 10_000, 10_000_000_000, "APIC timer Hz");
    }

    private static int s_timerHits;
    private static ulong s_timerTsc;
    private static int s_timerStack;

    private static InterruptContext* OnTimer(InterruptContext* context)
    {
        s_timerHits++;
        s_timerTsc = Cpu.ReadTsc();
        s_timerStack = CpuLocal.Current->Tables->IstContaining((ulong)context);
        return context;
    }

    // Spins with interrupts on until the timer has fired `hits` times or `timeoutTicks` of TSC have
    // passed. (Not HLT: if the timer never fired, nothing would wake the CPU to notice.)
    private static void WaitForHits(int hits, ulong timeoutTicks)
    {
        Cpu.EnableInterrupts();
        ulong start = Cpu.ReadTsc();
        while (s_timerHits < hits && Cpu.ReadTsc() - start < timeoutTicks)
            Cpu.Pause();
    }

    private static void ApicTimerOneShot(ref TestContext t)
    {
        s_timerHits = 0;
        InterruptDispatcher.Register(InterruptVectors.SelfTestTimer, &OnTimer);
        const ulong DelayNs = 2_000_000;
        ulong start = Cpu.ReadTsc();
        LocalApic.ArmOneShot(InterruptVectors.SelfTestTimer, TimeBase.NanosecondsToApicTicks(DelayNs));
        WaitForHits(1, TimeBase.TscHz); // give up after a second
        LocalApic.StopTimer();
        InterruptDispatcher.Unregister(InterruptVectors.SelfTestTimer);

        t.Equal(1, s_timerHits, "timer interrupts");
        ulong elapsedNs = TimeBase.TscToNanoseconds(s_timerTsc - start);
        // Not before the deadline (allow the calibration's 10% error), and not absurdly late.
        t.InRange(elapsedNs, DelayNs * 9 / 10, 1_000_000_000, "ns until the interrupt (late only if the host stalled)");
        t.Equal(InterruptStacks.ExternalInterrupt, s_timerStack, "IST slot the interrupt ran on");
    }

    private static void ApicTimerFiresOnce(ref TestContext t)
    {
        s_timerHits = 0;
        InterruptDispatcher.Register(InterruptVectors.SelfTestTimer, &OnTimer);
        LocalApic.ArmOneShot(InterruptVectors.SelfTestTimer, TimeBase.NanosecondsToApicTicks(500_000));
        // The first interrupt (however late a loaded host makes it), then ten more intervals in which a
        // periodic timer would fire about ten times.
        WaitForHits(1, TimeBase.TscHz);
        WaitForHits(2, TimeBase.TscHz / 200);
        LocalApic.StopTimer();
        InterruptDispatcher.Unregister(InterruptVectors.SelfTestTimer);
        t.Equal(1, s_timerHits, "interrupts from one one-shot arming");
    }
}
