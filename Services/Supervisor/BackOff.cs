namespace Kitten.Supervisor;

// When to start a service again after it died: after Initial, doubling with each death that follows a
// short life, up to Maximum; a service that ran for Stable before dying starts the count again. MINIX 3's
// reincarnation server backs off the same way, so that a service that cannot start does not take the
// machine with it.
public sealed class BackOff
{
    private readonly TimeSpan _initial, _maximum, _stable;

    public BackOff(TimeSpan initial, TimeSpan maximum, TimeSpan stable)
    {
        _initial = initial;
        _maximum = maximum;
        _stable = stable;
    }

    // Deaths in a row, each after a life shorter than Stable.
    public int ConsecutiveFailures { get; private set; }

    // The delay before the next start, given how long the service was up (running, heartbeats answered).
    public TimeSpan NextDelay(TimeSpan lived)
    {
        if (lived >= _stable)
            ConsecutiveFailures = 0;
        ConsecutiveFailures++;
        double factor = Math.Pow(2, Math.Min(ConsecutiveFailures - 1, 30));
        return TimeSpan.FromTicks((long)Math.Min(_initial.Ticks * factor, _maximum.Ticks));
    }
}
