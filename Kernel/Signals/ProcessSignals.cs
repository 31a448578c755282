// A process's signal state: the action of each signal (shared by its threads, Linux's sighand) and the
// signals sent to the process as a whole (signal->shared_pending). Rules from kernel/signal.c
// (do_sigaction, flush_signal_handlers, do_notify_parent) and sigaction(2), signal(7).
using System.Runtime.InteropServices;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Signals;

// struct sigaction as rt_sigaction(2) takes it on x86-64 (the kernel's layout, not glibc's): handler,
// flags, restorer, then the 8-byte mask. 32 bytes.
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
internal struct SignalAction
{
    public const int SizeInBytes = 32;

    [FieldOffset(0)] public ulong Handler;      // SIG_DFL (0), SIG_IGN (1) or a user address
    [FieldOffset(8)] public ulong Flags;        // SA_*
    [FieldOffset(16)] public ulong Restorer;    // sa_restorer: the handler's return address (SA_RESTORER)
    [FieldOffset(24)] public ulong Mask;        // sa_mask: blocked while the handler runs

    public readonly bool IsDefault => Handler == SignalHandler.Default;
    public readonly bool IsIgnore => Handler == SignalHandler.Ignore;
    public readonly bool HasHandler => Handler > SignalHandler.Ignore;
}

internal unsafe struct ProcessSignals
{
    private fixed ulong _handler[Signal.Count];
    private fixed ulong _flags[Signal.Count];
    private fixed ulong _restorer[Signal.Count];
    private fixed ulong _mask[Signal.Count];

    public PendingSignals Shared;

    // The action of a signal 1..64 (all zero, i.e. SIG_DFL, for anything else).
    public readonly SignalAction Action(int signal)
    {
        if (!Signal.IsValid(signal))
            return default;
        int i = signal - 1;
        return new SignalAction { Handler = _handler[i], Flags = _flags[i], Restorer = _restorer[i], Mask = _mask[i] };
    }

    private void Store(int signal, in SignalAction action)
    {
        int i = signal - 1;
        _handler[i] = action.Handler;
        _flags[i] = action.Flags;
        _restorer[i] = action.Restorer;
        _mask[i] = action.Mask;
    }

    // sig_handler_ignored: SIG_IGN, or SIG_DFL for a signal whose default is to be ignored (SIGCHLD,
    // SIGURG, SIGWINCH, SIGCONT). Such a signal is discarded when sent (unless blocked) and when it becomes
    // ignored while pending.
    public readonly bool IsIgnored(int signal)
    {
        SignalAction action = Action(signal);
        return action.IsIgnore || (action.IsDefault && DefaultActions.IgnoredByDefault(signal));
    }

    // rt_sigaction(2) once the caller has copied *act in (hasNew). Returns 0 or -EINVAL: sigsetsize not 8,
    // a signal outside 1..64, or a new action for SIGKILL or SIGSTOP (reading theirs is allowed). On 0,
    // old holds the previous action for *oact (the caller copies it out; EFAULT there is the caller's),
    // and discardFromThreads the signals to drop from every thread's pending set: POSIX wants a pending
    // signal discarded when its action becomes "ignore", blocked or not (done here for the shared set).
    // Unknown flag bits are cleared in what is stored and in what is reported, as Linux does, so that a
    // program can probe for flags (glibc tests SA_UNSUPPORTED this way).
    public int SetAction(int signal, bool hasNew, in SignalAction requested, ulong setSize,
        out SignalAction old, out ulong discardFromThreads)
    {
        old = default;
        discardFromThreads = 0;
        if (setSize != Signal.SetSize)
            return -Errno.EINVAL;
        if (!Signal.IsValid(signal) || (hasNew && SignalSet.Contains(SignalSet.Unblockable, signal)))
            return -Errno.EINVAL;
        old = Action(signal);
        old.Flags &= SignalActionFlags.Known;
        if (!hasNew)
            return 0;
        SignalAction stored = requested;
        stored.Flags &= SignalActionFlags.Known;
        stored.Mask &= ~SignalSet.Unblockable;
        Store(signal, stored);
        if (IsIgnored(signal))
        {
            discardFromThreads = SignalSet.Of(signal);
            Shared.Discard(discardFromThreads);
        }
        return 0;
    }

    // sig_fatal: the signal would end the process (its action is SIG_DFL and the default terminates or
    // dumps core). Linux ends the whole process as soon as such a signal is sent to a thread or process
    // that does not block it (complete_signal), rather than waiting for a thread to dequeue it.
    public readonly bool IsFatal(int signal)
    {
        if (!Action(signal).IsDefault)
            return false;
        DefaultAction action = DefaultActions.Of(signal);
        return action == DefaultAction.Terminate || action == DefaultAction.CoreDump;
    }

    // Installs an action without the syscall's checks (the kernel's own use, e.g. force_sig resetting a
    // blocked or ignored fault signal to SIG_DFL).
    public void SetHandler(int signal, ulong handler)
    {
        if (Signal.IsValid(signal))
            _handler[signal - 1] = handler;
    }

    // SA_RESETHAND: a caught signal's handler becomes SIG_DFL as it is delivered (get_signal). The flags
    // and mask stay, as in Linux.
    public void ResetIfOneShot(int signal)
    {
        if (Signal.IsValid(signal) && (_flags[signal - 1] & SignalActionFlags.ResetHandler) != 0)
            _handler[signal - 1] = SignalHandler.Default;
    }

    // execve(2) (flush_signal_handlers(t, 0)): caught signals go back to SIG_DFL, ignored ones stay
    // ignored; every flag, restorer and mask is cleared. Pending signals and the blocked mask survive
    // (kept in ThreadSignals and Shared, untouched here).
    public void ResetForExec()
    {
        for (int i = 0; i < Signal.Count; i++)
        {
            if (_handler[i] != SignalHandler.Ignore)
                _handler[i] = SignalHandler.Default;
            _flags[i] = 0;
            _restorer[i] = 0;
            _mask[i] = 0;
        }
    }

    // fork(2): the child gets the parent's actions and nothing pending.
    public static void ForkFrom(in ProcessSignals parent, out ProcessSignals child)
    {
        child = parent;
        child.Shared.Clear();
    }

    // What happens when a child of this process ends (do_notify_parent). If SIGCHLD is set to SIG_IGN, or
    // has SA_NOCLDWAIT, the child is reaped at once — no zombie, and wait4 finds nothing (once no child is
    // left it fails with ECHILD). With SIG_IGN no SIGCHLD is sent at all; with SA_NOCLDWAIT and a handler
    // it still is. SIG_DFL without SA_NOCLDWAIT keeps the zombie (the SIGCHLD is then discarded, since
    // its default is to be ignored).
    public readonly void ChildExitPolicy(out bool reapAtOnce, out bool sendSignal)
    {
        SignalAction action = Action(Signal.SIGCHLD);
        bool ignore = action.IsIgnore;
        reapAtOnce = ignore || (action.Flags & SignalActionFlags.NoChildWait) != 0;
        sendSignal = !ignore;
    }

    // SA_NOCLDSTOP: no SIGCHLD when a child stops or continues (do_notify_parent_cldstop).
    public readonly bool NotifyChildStop => (Action(Signal.SIGCHLD).Flags & SignalActionFlags.NoChildStop) == 0;
}
