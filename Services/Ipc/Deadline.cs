using System.Diagnostics;

namespace Kitten.Ipc;

// A timeout turned into a point in time, so that an operation made of several waits (send, then receive;
// retried after EINTR) keeps to the one timeout it was given. Timeout.InfiniteTimeSpan never expires.
internal readonly struct Deadline
{
    private readonly long _end;     // Stopwatch ticks; long.MaxValue: never

    public Deadline(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            _end = long.MaxValue;
            return;
        }
        if (timeout < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a timeout is zero, positive or Timeout.InfiniteTimeSpan");
        long ticks = (long)Math.Min(timeout.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 2.0);
        _end = Stopwatch.GetTimestamp() + ticks;
    }

    public bool IsInfinite => _end == long.MaxValue;

    public bool HasExpired => !IsInfinite && Stopwatch.GetTimestamp() >= _end;

    // What poll(2) takes: -1 for ever, else the milliseconds left, rounded up so a wait never ends early.
    public int RemainingMilliseconds
    {
        get
        {
            if (IsInfinite)
                return -1;
            long left = _end - Stopwatch.GetTimestamp();
            if (left <= 0)
                return 0;
            long ms = (left * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency;
            return ms > int.MaxValue ? int.MaxValue : (int)ms;
        }
    }

    // Nanoseconds left (for futex timeouts); 0 once expired, long.MaxValue if infinite.
    public long RemainingNanoseconds
    {
        get
        {
            if (IsInfinite)
                return long.MaxValue;
            long left = _end - Stopwatch.GetTimestamp();
            if (left <= 0)
                return 0;
            return (long)(left * (1_000_000_000.0 / Stopwatch.Frequency));
        }
    }
}
