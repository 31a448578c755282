// A set of pending signals with the siginfo of each: Linux's struct sigpending, one per thread (signals
// sent to that thread: tgkill, faults) and one per process (kill). Fixed size, no allocation.
//
// A standard signal that is already pending is not queued again (kernel/signal.c legacy_queue): the first
// instance and its siginfo stay. Real-time signals (32..64) queue: each instance is delivered, as on
// Linux, up to MaxQueued per signal (Linux bounds them by RLIMIT_SIGPENDING); the later instances carry the
// first one's siginfo (Linux keeps each instance's own, which only sigqueue(3) payloads would show).
namespace Kitten.Kernel.Signals;

internal unsafe struct PendingSignals
{
    public ulong Set;
    public const int FirstRealTime = 32;
    public const int MaxQueued = 1024;

    private fixed int _extra[Signal.Count];  // further queued instances of a real-time signal

    private fixed int _errno[Signal.Count];
    private fixed int _code[Signal.Count];
    private fixed int _pid[Signal.Count];
    private fixed uint _uid[Signal.Count];
    private fixed int _status[Signal.Count];
    private fixed ulong _address[Signal.Count];
    private fixed ulong _value[Signal.Count];
    private fixed long _userTime[Signal.Count];
    private fixed long _systemTime[Signal.Count];

    public readonly bool Contains(int signal) => SignalSet.Contains(Set, signal);

    // Records the signal; false (and nothing changed) if it was pending already or is not 1..64.
    public bool Add(in SignalInfo info)
    {
        int signal = info.Signal;
        if (!Signal.IsValid(signal))
            return false;
        if (Contains(signal))
        {
            if (signal < FirstRealTime || _extra[signal - 1] >= MaxQueued)
                return false;
            _extra[signal - 1]++;
            return true;
        }
        int i = signal - 1;
        _errno[i] = info.Errno;
        _code[i] = info.Code;
        _pid[i] = info.Pid;
        _uid[i] = info.Uid;
        _status[i] = info.Status;
        _address[i] = info.Address;
        _value[i] = info.Value;
        _userTime[i] = info.UserTime;
        _systemTime[i] = info.SystemTime;
        Set |= SignalSet.Of(signal);
        return true;
    }

    // Removes the signal and returns its siginfo; false if it was not pending.
    public bool Take(int signal, out SignalInfo info)
    {
        info = default;
        if (!Contains(signal))
            return false;
        int i = signal - 1;
        info.Signal = signal;
        info.Errno = _errno[i];
        info.Code = _code[i];
        info.Pid = _pid[i];
        info.Uid = _uid[i];
        info.Status = _status[i];
        info.Address = _address[i];
        info.Value = _value[i];
        info.UserTime = _userTime[i];
        info.SystemTime = _systemTime[i];
        if (_extra[i] > 0)
            _extra[i]--;
        else
            Set &= ~SignalSet.Of(signal);
        return true;
    }

    // flush_sigqueue_mask: drops every pending signal in mask.
    public void Discard(ulong mask)
    {
        Set &= ~mask;
        for (int i = 0; i < Signal.Count; i++)
            if ((mask & (1UL << i)) != 0)
                _extra[i] = 0;
    }

    public void Clear()
    {
        Set = 0;
        for (int i = 0; i < Signal.Count; i++)
            _extra[i] = 0;
    }

    // kernel/signal.c next_signal: the signal to deliver first among those pending and not blocked — a
    // synchronous fault (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS) if there is one, else the lowest
    // number. 0 if none.
    public readonly int Next(ulong blocked) => Choose(Set & ~blocked);

    public static int Choose(ulong deliverable)
    {
        ulong synchronous = deliverable & SignalSet.Synchronous;
        return SignalSet.Lowest(synchronous != 0 ? synchronous : deliverable);
    }
}
