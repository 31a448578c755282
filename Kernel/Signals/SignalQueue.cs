// Sending signals and choosing the next one to act on, with Linux's rules (kernel/signal.c prepare_signal,
// sig_ignored, send_signal_locked, force_sig_info_to_task, dequeue_signal, get_signal).
//
// Several threads: a process-wide operation may have to drop signals from the pending set of every thread.
// The functions here change the shared set and the one thread they are given, and return the rest as
// discardFromThreads: the caller removes that mask from each other thread's Pending (under its lock).
namespace Kitten.Kernel.Signals;

internal enum SendResult
{
    Queued,             // now pending: wake a thread that does not block it
    AlreadyPending,     // a standard signal already pending is not queued twice (the first siginfo stays)
    Ignored,            // discarded: its action is to ignore it and the target does not block it
    Invalid,            // not 1..64 (kill's signal 0 is a permission check, handled before this)
}

// What to do with the signal Dequeue took.
internal enum SignalDisposition
{
    None,               // nothing deliverable
    Handler,            // build a frame for the user handler (SignalDelivery.Deliver)
    Stop,               // stop the process (SIGSTOP, or SIGTSTP/SIGTTIN/SIGTTOU with SIG_DFL)
    Terminate,          // end the process with this signal
    CoreDump,           // end the process with this signal, reporting a core dump
}

internal static class SignalQueue
{
    // tgkill(2), tkill(2) and faults: the signal goes to this thread.
    public static SendResult SendToThread(ref ProcessSignals process, ref ThreadSignals thread, in SignalInfo info,
        out ulong discardFromThreads)
        => Send(ref process, ref thread.Pending, thread.Blocked, info, out discardFromThreads);

    // kill(2): the signal goes to the process; any thread that does not block it may take it. Linux decides
    // "ignored" against the blocked mask of the thread kill found (the thread-group leader): pass that.
    public static SendResult SendToProcess(ref ProcessSignals process, ulong leaderBlocked, in SignalInfo info,
        out ulong discardFromThreads)
        => Send(ref process, ref process.Shared, leaderBlocked, info, out discardFromThreads);

    // Whatever its action and mask, SIGCONT resumes a stopped process as it is sent (signal(7)); the caller
    // does that part. A stop signal cancels a pending SIGCONT and SIGCONT cancels pending stop signals.
    private static SendResult Send(ref ProcessSignals process, ref PendingSignals target, ulong targetBlocked,
        in SignalInfo info, out ulong discardFromThreads)
    {
        discardFromThreads = 0;
        int signal = info.Signal;
        if (!Signal.IsValid(signal))
            return SendResult.Invalid;
        if (SignalSet.Contains(SignalSet.Stop, signal))
            discardFromThreads = SignalSet.Continue;
        else if (signal == Signal.SIGCONT)
            discardFromThreads = SignalSet.Stop;
        process.Shared.Discard(discardFromThreads);
        target.Discard(discardFromThreads);

        // "Blocked signals are never ignored, since the signal handler may change by the time it is
        // unblocked" (sig_ignored).
        if (!SignalSet.Contains(targetBlocked, signal) && process.IsIgnored(signal))
            return SendResult.Ignored;
        return target.Add(info) ? SendResult.Queued : SendResult.AlreadyPending;
    }

    // force_sig_info_to_task: a signal the thread must take — a fault (SIGSEGV, SIGFPE...), or SIGSEGV for
    // a signal frame that could not be written or read. If the thread blocks it or ignores it, the action
    // becomes SIG_DFL and the signal is unblocked, so that it kills; fatal (force_fatal_sig: failing to
    // deliver SIGSEGV itself) resets to SIG_DFL even when a handler is installed.
    public static void Force(ref ProcessSignals process, ref ThreadSignals thread, in SignalInfo info, bool fatal)
    {
        int signal = info.Signal;
        if (!Signal.IsValid(signal))
            return;
        bool blocked = SignalSet.Contains(thread.Blocked, signal);
        if (blocked || process.Action(signal).IsIgnore || fatal)
        {
            process.SetHandler(signal, SignalHandler.Default);
            thread.Blocked &= ~SignalSet.Of(signal);
        }
        thread.Pending.Add(info);
    }

    // The next signal to act on before returning to user space (get_signal): SIGKILL, then the thread's own
    // pending signals, then the process's; synchronous faults first, then the lowest number. Ignored
    // signals are dropped on the way. For Handler, action is the action to deliver with (taken before
    // SA_RESETHAND reset the stored one to SIG_DFL).
    public static SignalDisposition Dequeue(ref ProcessSignals process, ref ThreadSignals thread, out SignalInfo info,
        out SignalAction action)
    {
        while (true)
        {
            action = default;
            // SIGKILL before anything: Linux ends the whole process as SIGKILL is sent (complete_signal).
            int signal;
            if (thread.Pending.Contains(Signal.SIGKILL))
                thread.Pending.Take(signal = Signal.SIGKILL, out info);
            else if (process.Shared.Contains(Signal.SIGKILL))
                process.Shared.Take(signal = Signal.SIGKILL, out info);
            else if ((signal = thread.Pending.Next(thread.Blocked)) != 0)
                thread.Pending.Take(signal, out info);
            else if ((signal = process.Shared.Next(thread.Blocked)) != 0)
                process.Shared.Take(signal, out info);
            else
            {
                info = default;
                return SignalDisposition.None;
            }

            action = process.Action(signal);
            if (action.IsIgnore)
                continue;
            if (action.HasHandler)
            {
                process.ResetIfOneShot(signal);
                return SignalDisposition.Handler;
            }
            switch (DefaultActions.Of(signal))
            {
                case DefaultAction.Stop:
                    return SignalDisposition.Stop;
                case DefaultAction.Terminate:
                    return SignalDisposition.Terminate;
                case DefaultAction.CoreDump:
                    return SignalDisposition.CoreDump;
                default:
                    continue;   // Ignore, and Continue (its effect happened when it was sent)
            }
        }
    }
}
