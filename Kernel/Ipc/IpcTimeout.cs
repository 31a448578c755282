// The timeout of a blocking call (README.md, "Timeouts"): 0 do not block, all ones forever, otherwise
// nanoseconds from now. The kernel keeps it as an absolute TSC deadline.
namespace Kitten.Kernel.Ipc;

internal static class IpcTimeout
{
    public const ulong Forever = ulong.MaxValue;
    public const ulong NoDeadline = 0;

    // The TSC deadline for a timeout (not 0): NoDeadline for Forever, or for one so long that the deadline
    // would wrap (a wait of centuries is a wait forever). Never returns a deadline at or before now.
    public static ulong Deadline(ulong timeoutNs, ulong nowTsc, ulong tscHz)
    {
        if (timeoutNs == Forever)
            return NoDeadline;
        ulong seconds = timeoutNs / 1_000_000_000, rest = timeoutNs % 1_000_000_000;
        if (seconds != 0 && seconds > ulong.MaxValue / tscHz)
            return NoDeadline;
        ulong ticks = seconds * tscHz;
        // rest < 10^9 and tscHz < 2^40 in practice; split to stay in 64 bits for any tscHz.
        ulong hzHigh = tscHz / 1_000_000_000, hzLow = tscHz % 1_000_000_000;
        ulong restTicks = rest * hzHigh + rest * hzLow / 1_000_000_000;
        if (ticks > ulong.MaxValue - restTicks)
            return NoDeadline;
        ticks += restTicks;
        if (ticks == 0)
            ticks = 1;
        if (nowTsc > ulong.MaxValue - ticks)
            return NoDeadline;
        return nowTsc + ticks;
    }
}
