// A thread's signal state: its blocked mask, the signals sent to it alone, its alternate stack, and the
// mask to put back after rt_sigsuspend/ppoll/pselect (Linux's saved_sigmask and TIF_RESTORE_SIGMASK).
// Rules from kernel/signal.c (sigprocmask, set_current_blocked, restore_saved_sigmask) and
// rt_sigprocmask(2).
using System.Runtime.CompilerServices;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Signals;

internal struct ThreadSignals
{
    public ulong Blocked;               // never contains SIGKILL or SIGSTOP
    public PendingSignals Pending;
    public SignalStack AltStack;
    public ulong SavedMask;             // valid while RestoreSavedMask
    public bool RestoreSavedMask;

    // sigmask_to_save: the mask a signal frame records (and rt_sigreturn reinstates) — the one from before
    // rt_sigsuspend and friends changed it, if they did.
    public readonly ulong MaskToSave => RestoreSavedMask ? SavedMask : Blocked;

    // set_current_blocked: SIGKILL and SIGSTOP cannot be blocked.
    public void SetBlocked(ulong mask) => Blocked = mask & ~SignalSet.Unblockable;

    // rt_sigprocmask(2) once the caller has copied *set in (hasNewSet). 0 or -EINVAL (sigsetsize not 8; an
    // unknown `how` — checked only when a new set is given, as in Linux). oldSet is the mask before the
    // call, for *oldset (the caller copies it out).
    public int SigProcMask(int how, bool hasNewSet, ulong newSet, ulong setSize, out ulong oldSet)
    {
        oldSet = Blocked;
        if (setSize != Signal.SetSize)
            return -Errno.EINVAL;
        if (!hasNewSet)
            return 0;
        newSet &= ~SignalSet.Unblockable;
        switch (how)
        {
            case SignalMaskHow.Block:
                SetBlocked(Blocked | newSet);
                return 0;
            case SignalMaskHow.Unblock:
                SetBlocked(Blocked & ~newSet);
                return 0;
            case SignalMaskHow.SetMask:
                SetBlocked(newSet);
                return 0;
            default:
                return -Errno.EINVAL;
        }
    }

    // rt_sigsuspend(2) and the masks of ppoll/pselect/epoll_pwait: run with `mask` until a signal comes;
    // the old mask goes into the handler's frame, or back in place by RestoreMaskWithoutHandler.
    public void UseTemporaryMask(ulong mask)
    {
        SavedMask = Blocked;
        RestoreSavedMask = true;
        SetBlocked(mask);
    }

    // restore_saved_sigmask: on the way back to user space when no handler was set up.
    public void RestoreMaskWithoutHandler()
    {
        if (!RestoreSavedMask)
            return;
        RestoreSavedMask = false;
        SetBlocked(SavedMask);
    }

    // rt_sigpending(2): the signals pending for this thread or its process that are blocked.
    public readonly ulong PendingBlocked(in ProcessSignals process) => (Pending.Set | process.Shared.Set) & Blocked;

    // recalc_sigpending: is there anything to deliver (or act on) before returning to user space?
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool HasDeliverable(in ProcessSignals process) => ((Pending.Set | process.Shared.Set) & ~Blocked) != 0;

    // execve(2): the alternate stack goes (sigaltstack(2)); the blocked mask and pending signals stay.
    public void ResetForExec()
    {
        AltStack = SignalStack.None;
        RestoreSavedMask = false;
    }

    // A new task's signal state: the creator's blocked mask and nothing pending. isThread (clone(2) with
    // CLONE_VM and without CLONE_VFORK): no alternate stack (sas_ss_reset); fork and vfork keep it.
    public static void ForNewTask(in ThreadSignals creator, bool isThread, out ThreadSignals thread)
    {
        thread = default;
        thread.Blocked = creator.Blocked;
        thread.AltStack = isThread ? SignalStack.Disabled : creator.AltStack;
    }
}
