// The 1, 5 and 15 minute load averages of /proc/loadavg and sysinfo(2): exponentially damped averages of
// the number of runnable threads, in Linux's fixed point (11 fraction bits) with its decay factors, one
// step per 5 s (calc_load in kernel/sched/loadavg.c). A tickless kernel has no periodic sampler, so the
// average is brought up to date when it is read: the steps missed since the last reading all see the
// count of runnable threads now, which is exact while that count has not changed in between.
namespace Kitten.Kernel.FileSystem.Proc;

internal struct LoadAverage
{
    public const int FractionBits = 11;                     // FSHIFT
    public const ulong One = 1UL << FractionBits;           // FIXED_1
    public const ulong StepNanoseconds = 5_000_000_000;     // LOAD_FREQ: 5 s
    private const ulong Decay1 = 1884, Decay5 = 2014, Decay15 = 2037;   // EXP_1, EXP_5, EXP_15
    // After this many steps every average is within one unit of the runnable count.
    private const ulong MaxSteps = 4096;

    private ulong _load1, _load5, _load15;
    private ulong _lastStep;    // the end of the last step counted, in nanoseconds since boot

    // Counts the 5 s steps that ended by `now` with `runnable` threads runnable.
    public void Update(ulong nowNanoseconds, int runnable)
    {
        ulong steps = (nowNanoseconds - _lastStep) / StepNanoseconds;
        if (nowNanoseconds < _lastStep || steps == 0)
            return;
        _lastStep += steps * StepNanoseconds;
        if (steps > MaxSteps)
            steps = MaxSteps;
        ulong active = (ulong)(runnable < 0 ? 0 : runnable) * One;
        for (ulong i = 0; i < steps; i++)
        {
            _load1 = Step(_load1, Decay1, active);
            _load5 = Step(_load5, Decay5, active);
            _load15 = Step(_load15, Decay15, active);
        }
    }

    // calc_load: load * e + active * (1 - e), rounded up while rising.
    private static ulong Step(ulong load, ulong decay, ulong active)
    {
        ulong next = load * decay + active * (One - decay);
        if (active >= load)
            next += One - 1;
        return next / One;
    }

    // Average `which` (0: 1 min, 1: 5 min, 2: 15 min) in hundredths, rounded as /proc/loadavg rounds it
    // (FIXED_1 / 200 added, then LOAD_INT and LOAD_FRAC).
    public readonly ulong Hundredths(int which)
    {
        ulong load = (which == 0 ? _load1 : which == 1 ? _load5 : _load15) + One / 200;
        return (load >> FractionBits) * 100 + ((load & (One - 1)) * 100 >> FractionBits);
    }

    // The fixed-point value sysinfo(2) reports (loads[], scaled by 1 << SI_LOAD_SHIFT = 65536).
    public readonly ulong SysinfoLoad(int which)
        => (which == 0 ? _load1 : which == 1 ? _load5 : _load15) << (16 - FractionBits);
}
