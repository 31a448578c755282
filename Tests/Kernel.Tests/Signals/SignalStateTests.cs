using CsCheck;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Signals;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Signals;

// Masks, actions, pending sets, the choice of the next signal, sigaltstack, exec/fork, SIGCHLD and system
// call restart: the rules of signal(7), sigaction(2), sigprocmask(2), sigaltstack(2) and kernel/signal.c.
public unsafe class SignalStateTests
{
    private static SignalAction Caught(ulong flags = SignalActionFlags.SigInfo, ulong mask = 0)
        => new() { Handler = 0x401000, Flags = flags | SignalActionFlags.Restorer, Restorer = 0x402000, Mask = mask };

    private static readonly SignalAction Ignore = new() { Handler = SignalHandler.Ignore };

    [Test]
    public void SigprocmaskBlockUnblockSetmask()
    {
        ThreadSignals t = default;
        Assert.That(t.SigProcMask(SignalMaskHow.Block, true, SignalSet.Of(1) | SignalSet.Of(40), 8, out ulong old), Is.EqualTo(0));
        Assert.That(old, Is.EqualTo(0UL));
        Assert.That(t.SigProcMask(SignalMaskHow.Block, true, SignalSet.Of(2), 8, out old), Is.EqualTo(0));
        Assert.That(old, Is.EqualTo(SignalSet.Of(1) | SignalSet.Of(40)));
        Assert.That(t.SigProcMask(SignalMaskHow.Unblock, true, SignalSet.Of(1), 8, out _), Is.EqualTo(0));
        Assert.That(t.Blocked, Is.EqualTo(SignalSet.Of(2) | SignalSet.Of(40)));
        Assert.That(t.SigProcMask(SignalMaskHow.SetMask, true, SignalSet.Full, 8, out _), Is.EqualTo(0));
        Assert.That(t.Blocked, Is.EqualTo(SignalSet.Full & ~SignalSet.Unblockable), "SIGKILL and SIGSTOP never blocked");
        Assert.That(t.SigProcMask(SignalMaskHow.Block, false, 0, 8, out old), Is.EqualTo(0), "query only");
        Assert.That(old, Is.EqualTo(SignalSet.Full & ~SignalSet.Unblockable));
    }

    [Test]
    public void SigprocmaskInvalidArguments()
    {
        ThreadSignals t = default;
        t.SetBlocked(SignalSet.Of(5));
        Assert.That(t.SigProcMask(SignalMaskHow.Block, true, SignalSet.Of(1), 16, out _), Is.EqualTo(-Errno.EINVAL), "sigsetsize 16");
        Assert.That(t.SigProcMask(SignalMaskHow.Block, false, 0, 4, out _), Is.EqualTo(-Errno.EINVAL), "sigsetsize 4");
        Assert.That(t.SigProcMask(3, true, SignalSet.Of(1), 8, out _), Is.EqualTo(-Errno.EINVAL), "how 3");
        Assert.That(t.SigProcMask(-1, false, 0, 8, out _), Is.EqualTo(0), "a bad how without a set is not checked");
        Assert.That(t.Blocked, Is.EqualTo(SignalSet.Of(5)));
    }

    [Test]
    public void MaskOperationsNeverBlockKillOrStop()
    {
        Gen.Select(Gen.Int[-1, 3], Gen.ULong, Gen.ULong).Sample((how, initial, set) =>
        {
            ThreadSignals t = default;
            t.SetBlocked(initial);
            t.SigProcMask(how, true, set, 8, out _);
            Assert.That(t.Blocked & SignalSet.Unblockable, Is.EqualTo(0UL));
        });
    }

    [Test]
    public void SigactionRules()
    {
        ProcessSignals p = default;
        Assert.That(p.SetAction(Signal.SIGKILL, true, Caught(), 8, out _, out _), Is.EqualTo(-Errno.EINVAL));
        Assert.That(p.SetAction(Signal.SIGSTOP, true, Ignore, 8, out _, out _), Is.EqualTo(-Errno.EINVAL));
        Assert.That(p.SetAction(Signal.SIGKILL, false, default, 8, out SignalAction old, out _), Is.EqualTo(0),
            "reading SIGKILL's action is allowed");
        Assert.That(old.Handler, Is.EqualTo(SignalHandler.Default));
        Assert.That(p.SetAction(0, false, default, 8, out _, out _), Is.EqualTo(-Errno.EINVAL));
        Assert.That(p.SetAction(65, false, default, 8, out _, out _), Is.EqualTo(-Errno.EINVAL));
        Assert.That(p.SetAction(Signal.SIGUSR1, true, Caught(), 16, out _, out _), Is.EqualTo(-Errno.EINVAL), "sigsetsize");

        SignalAction weird = Caught(SignalActionFlags.SigInfo | SignalActionFlags.Unsupported | 0x100,
            SignalSet.Full);
        Assert.That(p.SetAction(Signal.SIGUSR1, true, weird, 8, out old, out _), Is.EqualTo(0));
        Assert.That(old.Handler, Is.EqualTo(SignalHandler.Default));
        SignalAction stored = p.Action(Signal.SIGUSR1);
        Assert.That(stored.Flags, Is.EqualTo(SignalActionFlags.SigInfo | SignalActionFlags.Restorer), "unknown bits dropped");
        Assert.That(stored.Mask, Is.EqualTo(SignalSet.Full & ~SignalSet.Unblockable));
        Assert.That(p.SetAction(Signal.SIGUSR1, false, default, 8, out old, out _), Is.EqualTo(0));
        Assert.That((old.Handler, old.Restorer), Is.EqualTo((0x401000UL, 0x402000UL)));
    }

    [Test]
    public void IgnoringAPendingSignalDiscardsItBlockedOrNot()
    {
        ProcessSignals p = default;
        ThreadSignals t = default;
        t.SetBlocked(SignalSet.Of(Signal.SIGUSR1));
        Assert.That(SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromKill(Signal.SIGUSR1, 1, 0), out _),
            Is.EqualTo(SendResult.Queued));
        Assert.That(SignalQueue.SendToProcess(ref p, t.Blocked, SignalInfo.FromKill(Signal.SIGUSR1, 1, 0), out _),
            Is.EqualTo(SendResult.Queued));
        Assert.That(p.SetAction(Signal.SIGUSR1, true, Ignore, 8, out _, out ulong discard), Is.EqualTo(0));
        Assert.That(discard, Is.EqualTo(SignalSet.Of(Signal.SIGUSR1)), "every thread must drop it");
        Assert.That(p.Shared.Set, Is.EqualTo(0UL), "dropped from the process set");
        t.Pending.Discard(discard);
        Assert.That(t.PendingBlocked(p), Is.EqualTo(0UL));

        // SIG_DFL for a signal ignored by default discards it too (POSIX); for others it does not.
        SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromKill(Signal.SIGUSR1, 1, 0), out _);
        t.SetBlocked(SignalSet.Of(Signal.SIGCHLD));
        p.SetAction(Signal.SIGCHLD, true, Caught(), 8, out _, out _);
        SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromChild(SignalCode.ChildExited, 5, 0, 0, 0, 0), out _);
        Assert.That(p.SetAction(Signal.SIGCHLD, true, default, 8, out _, out discard), Is.EqualTo(0));
        Assert.That(discard, Is.EqualTo(SignalSet.Of(Signal.SIGCHLD)));
        Assert.That(p.SetAction(Signal.SIGUSR2, true, default, 8, out _, out discard), Is.EqualTo(0));
        Assert.That(discard, Is.EqualTo(0UL));
    }

    [Test]
    public void SendingIgnoredSignalsDropsThemUnlessBlocked()
    {
        ProcessSignals p = default;
        ThreadSignals t = default;
        Assert.That(SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromKill(Signal.SIGCHLD, 1, 0), out _),
            Is.EqualTo(SendResult.Ignored), "SIGCHLD's default is to ignore it");
        Assert.That(SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromKill(Signal.SIGWINCH, 1, 0), out _),
            Is.EqualTo(SendResult.Ignored));
        p.SetAction(Signal.SIGTERM, true, Ignore, 8, out _, out _);
        Assert.That(SignalQueue.SendToProcess(ref p, 0, SignalInfo.FromKill(Signal.SIGTERM, 1, 0), out _),
            Is.EqualTo(SendResult.Ignored));
        t.SetBlocked(SignalSet.Of(Signal.SIGTERM));
        Assert.That(SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromKill(Signal.SIGTERM, 1, 0), out _),
            Is.EqualTo(SendResult.Queued), "blocked signals are never ignored");
        Assert.That(SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromKill(Signal.SIGTERM, 2, 0), out _),
            Is.EqualTo(SendResult.AlreadyPending));
        Assert.That(SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromKill(0, 1, 0), out _), Is.EqualTo(SendResult.Invalid));
        Assert.That(SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromKill(65, 1, 0), out _), Is.EqualTo(SendResult.Invalid));
        // Unblocked later while still ignored: dropped when dequeued.
        t.SetBlocked(0);
        Assert.That(SignalQueue.Dequeue(ref p, ref t, out _, out _), Is.EqualTo(SignalDisposition.None));
        Assert.That(t.Pending.Set, Is.EqualTo(0UL));
    }

    [Test]
    public void StopAndContinueCancelEachOther()
    {
        ProcessSignals p = default;
        ThreadSignals t = default;
        t.SetBlocked(SignalSet.Of(Signal.SIGCONT) | SignalSet.Of(Signal.SIGTSTP));
        SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromKill(Signal.SIGCONT, 1, 0), out _);
        SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromKill(Signal.SIGTSTP, 1, 0), out ulong discard);
        Assert.That(discard, Is.EqualTo(SignalSet.Continue));
        Assert.That(t.Pending.Set, Is.EqualTo(SignalSet.Of(Signal.SIGTSTP)), "SIGTSTP cancelled the pending SIGCONT");
        SignalQueue.SendToProcess(ref p, t.Blocked, SignalInfo.FromKill(Signal.SIGCONT, 1, 0), out discard);
        Assert.That(discard, Is.EqualTo(SignalSet.Stop), "every thread must drop its stop signals");
        Assert.That(t.Pending.Set, Is.EqualTo(SignalSet.Of(Signal.SIGTSTP)), "other threads' sets are the caller's");
        t.Pending.Discard(discard);
        Assert.That(t.Pending.Set, Is.EqualTo(0UL), "SIGCONT cancelled the pending SIGTSTP");
        Assert.That(p.Shared.Set, Is.EqualTo(SignalSet.Of(Signal.SIGCONT)));
    }

    [Test]
    public void NextSignalIsSynchronousFirstThenLowestThreadBeforeProcess()
    {
        Assert.That(PendingSignals.Choose(SignalSet.Of(3) | SignalSet.Of(11) | SignalSet.Of(40)), Is.EqualTo(11));
        Assert.That(PendingSignals.Choose(SignalSet.Of(8) | SignalSet.Of(4)), Is.EqualTo(4), "lowest synchronous");
        Assert.That(PendingSignals.Choose(SignalSet.Of(64) | SignalSet.Of(33)), Is.EqualTo(33));
        Assert.That(PendingSignals.Choose(SignalSet.Of(64)), Is.EqualTo(64));
        Assert.That(PendingSignals.Choose(0), Is.EqualTo(0));
        Gen.ULong.Sample(set =>
        {
            int expected = 0;
            for (int s = 1; s <= 64 && expected == 0; s++)
                if ((set >> (s - 1) & 1) != 0)
                    expected = s;
            Assert.That(SignalSet.Lowest(set), Is.EqualTo(expected));
        });

        ProcessSignals p = default;
        ThreadSignals t = default;
        p.SetAction(Signal.SIGHUP, true, Caught(), 8, out _, out _);
        p.SetAction(Signal.SIGINT, true, Caught(), 8, out _, out _);
        p.SetAction(Signal.SIGFPE, true, Caught(), 8, out _, out _);
        SignalQueue.SendToProcess(ref p, 0, SignalInfo.FromKill(Signal.SIGHUP, 7, 70), out _);
        SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromThreadKill(Signal.SIGINT, 8, 80), out _);
        SignalQueue.Force(ref p, ref t, SignalInfo.FromFault(Signal.SIGFPE, SignalCode.FpeIntDivide, 0x400123), false);
        var order = new List<(int, int)>();
        while (SignalQueue.Dequeue(ref p, ref t, out SignalInfo info, out _) == SignalDisposition.Handler)
            order.Add((info.Signal, info.Code));
        Assert.That(order, Is.EqualTo(new[]
        {
            (Signal.SIGFPE, SignalCode.FpeIntDivide), (Signal.SIGINT, SignalCode.ThreadKill), (Signal.SIGHUP, SignalCode.User),
        }));
    }

    [Test]
    public void DequeueFollowsActionsAndDefaults()
    {
        ProcessSignals p = default;
        ThreadSignals t = default;
        p.SetAction(Signal.SIGUSR1, true, Caught(SignalActionFlags.SigInfo | SignalActionFlags.ResetHandler), 8, out _, out _);
        p.SetAction(Signal.SIGPIPE, true, Ignore, 8, out _, out _);
        t.SetBlocked(SignalSet.Full);   // queue everything first
        foreach (int s in new[] { Signal.SIGUSR1, Signal.SIGPIPE, Signal.SIGCONT, Signal.SIGTSTP, Signal.SIGSEGV, Signal.SIGTERM, 40 })
            SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromKill(s, 1, 0), out _);
        t.SetBlocked(0);
        var seen = new List<(int, SignalDisposition)>();
        SignalDisposition d;
        while ((d = SignalQueue.Dequeue(ref p, ref t, out SignalInfo info, out SignalAction action)) != SignalDisposition.None)
        {
            seen.Add((info.Signal, d));
            if (info.Signal == Signal.SIGUSR1)
                Assert.That(action.Handler, Is.EqualTo(0x401000UL), "delivered with the handler");
        }
        Assert.That(seen, Is.EqualTo(new[]
        {
            (Signal.SIGSEGV, SignalDisposition.CoreDump), (Signal.SIGUSR1, SignalDisposition.Handler),
            (Signal.SIGTERM, SignalDisposition.Terminate), (Signal.SIGTSTP, SignalDisposition.Stop),
            (40, SignalDisposition.Terminate),
        }), "SIGSEGV first; SIGPIPE ignored; SIGCONT cancelled by the later SIGTSTP");
        Assert.That(p.Action(Signal.SIGUSR1).Handler, Is.EqualTo(SignalHandler.Default), "SA_RESETHAND");
        Assert.That(p.Action(Signal.SIGUSR1).Flags & SignalActionFlags.SigInfo, Is.Not.EqualTo(0UL), "flags stay");
    }

    [Test]
    public void SigkillComesBeforeEvenAFault()
    {
        ProcessSignals p = default;
        ThreadSignals t = default;
        SignalQueue.Force(ref p, ref t, SignalInfo.FromFault(Signal.SIGSEGV, 1, 0), false);
        SignalQueue.SendToProcess(ref p, 0, SignalInfo.FromKill(Signal.SIGKILL, 1, 0), out _);
        Assert.That(SignalQueue.Dequeue(ref p, ref t, out SignalInfo info, out _), Is.EqualTo(SignalDisposition.Terminate));
        Assert.That(info.Signal, Is.EqualTo(Signal.SIGKILL));
    }

    [Test]
    public void FatalSignalsAreThoseWhoseDefaultEndsTheProcess()
    {
        ProcessSignals p = default;
        Assert.That(p.IsFatal(Signal.SIGTERM), Is.True);
        Assert.That(p.IsFatal(Signal.SIGSEGV), Is.True);
        Assert.That(p.IsFatal(40), Is.True);
        Assert.That(p.IsFatal(Signal.SIGCHLD), Is.False);
        Assert.That(p.IsFatal(Signal.SIGTSTP), Is.False);
        Assert.That(p.IsFatal(Signal.SIGCONT), Is.False);
        p.SetAction(Signal.SIGTERM, true, Caught(), 8, out _, out _);
        Assert.That(p.IsFatal(Signal.SIGTERM), Is.False, "caught");
        p.SetAction(Signal.SIGTERM, true, Ignore, 8, out _, out _);
        Assert.That(p.IsFatal(Signal.SIGTERM), Is.False, "ignored");
    }

    [Test]
    public void StopSignalsStopWithTheDefaultAction()
    {
        ProcessSignals p = default;
        ThreadSignals t = default;
        SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromKill(Signal.SIGTTIN, 1, 0), out _);
        Assert.That(SignalQueue.Dequeue(ref p, ref t, out SignalInfo info, out _), Is.EqualTo(SignalDisposition.Stop));
        Assert.That(info.Signal, Is.EqualTo(Signal.SIGTTIN));
    }

    [Test]
    public void ForcedFaultsOverrideBlockingAndIgnoring()
    {
        ProcessSignals p = default;
        ThreadSignals t = default;
        p.SetAction(Signal.SIGSEGV, true, Ignore, 8, out _, out _);
        t.SetBlocked(SignalSet.Of(Signal.SIGFPE));
        SignalQueue.Force(ref p, ref t, SignalInfo.FromFault(Signal.SIGSEGV, 1, 0), false);
        SignalQueue.Force(ref p, ref t, SignalInfo.FromFault(Signal.SIGFPE, 1, 0), false);
        Assert.That(p.Action(Signal.SIGSEGV).IsDefault, Is.True);
        Assert.That(p.Action(Signal.SIGFPE).IsDefault, Is.True);
        Assert.That(t.Blocked, Is.EqualTo(0UL));
        Assert.That(t.Pending.Set, Is.EqualTo(SignalSet.Of(Signal.SIGSEGV) | SignalSet.Of(Signal.SIGFPE)));

        p.SetAction(Signal.SIGBUS, true, Caught(), 8, out _, out _);
        SignalQueue.Force(ref p, ref t, SignalInfo.FromFault(Signal.SIGBUS, 1, 0), false);
        Assert.That(p.Action(Signal.SIGBUS).HasHandler, Is.True, "a caught, unblocked fault keeps its handler");
        SignalQueue.Force(ref p, ref t, SignalInfo.FromKernel(Signal.SIGBUS), true);
        Assert.That(p.Action(Signal.SIGBUS).IsDefault, Is.True, "fatal: SIG_DFL even with a handler");
    }

    [Test]
    public void PendingKeepsTheFirstSiginfo()
    {
        PendingSignals pending = default;
        Assert.That(pending.Add(SignalInfo.FromChild(SignalCode.ChildKilled, 77, 1000, 9, 5, 6)), Is.True);
        Assert.That(pending.Add(SignalInfo.FromChild(SignalCode.ChildExited, 78, 1000, 0, 0, 0)), Is.False);
        Assert.That(pending.Take(Signal.SIGCHLD, out SignalInfo info), Is.True);
        Assert.That((info.Code, info.Pid, info.Uid, info.Status, info.UserTime, info.SystemTime),
            Is.EqualTo((SignalCode.ChildKilled, 77, 1000u, 9, 5L, 6L)));
        Assert.That(pending.Take(Signal.SIGCHLD, out _), Is.False);
    }

    [Test]
    public void SigaltstackRules()
    {
        SignalStack s = default;
        ulong sp = 0x7000_0000;
        Assert.That(s.SigAltStack(false, default, sp, out UserSignalStack old), Is.EqualTo(0));
        Assert.That((old.Pointer, old.Size, old.Flags), Is.EqualTo((0UL, 0UL, SignalStackFlags.Disable)), "none yet");
        var small = new UserSignalStack { Pointer = 0x1000_0000, Size = 2047 };
        Assert.That(s.Change(small, sp), Is.EqualTo(-Errno.ENOMEM), "below MINSIGSTKSZ");
        var bad = new UserSignalStack { Pointer = 0x1000_0000, Size = 0x4000, Flags = 4 };
        Assert.That(s.Change(bad, sp), Is.EqualTo(-Errno.EINVAL));
        var good = new UserSignalStack { Pointer = 0x1000_0000, Size = 0x4000, Flags = SignalStackFlags.OnStack };
        Assert.That(s.Change(good, sp), Is.EqualTo(0), "SS_ONSTACK is accepted as 0");
        Assert.That(s.Query(sp).Flags, Is.EqualTo(0));
        Assert.That(s.Query(0x1000_2000).Flags, Is.EqualTo(SignalStackFlags.OnStack), "reported while on it");
        Assert.That(s.Query(0x1000_4000).Flags, Is.EqualTo(SignalStackFlags.OnStack), "the top counts as on it");
        Assert.That(s.Query(0x1000_0000).Flags, Is.EqualTo(0), "the base does not");
        Assert.That(s.Change(new UserSignalStack { Flags = SignalStackFlags.Disable }, 0x1000_2000), Is.EqualTo(-Errno.EPERM),
            "no change while on it");
        Assert.That(s.Change(new UserSignalStack { Pointer = 5, Size = 5, Flags = SignalStackFlags.Disable }, sp), Is.EqualTo(0));
        Assert.That((s.Base, s.Size, s.Flags), Is.EqualTo((0UL, 0UL, SignalStackFlags.Disable)), "SS_DISABLE clears");
        var armed = new UserSignalStack { Pointer = 0x1000_0000, Size = 0x4000, Flags = SignalStackFlags.AutoDisarm };
        Assert.That(s.Change(armed, sp), Is.EqualTo(0));
        Assert.That(s.Query(0x1000_2000).Flags, Is.EqualTo(SignalStackFlags.AutoDisarm), "never 'on' with SS_AUTODISARM");
        Assert.That(s.Change(good, 0x1000_2000), Is.EqualTo(0), "so it may be changed from it");
    }

    [Test]
    public void ExecResetsCaughtSignalsButKeepsIgnoredOnesMaskAndPending()
    {
        ProcessSignals p = default;
        ThreadSignals t = default;
        p.SetAction(Signal.SIGUSR1, true, Caught(SignalActionFlags.OnStack, SignalSet.Of(3)), 8, out _, out _);
        p.SetAction(Signal.SIGCHLD, true, new SignalAction { Handler = SignalHandler.Ignore, Flags = SignalActionFlags.NoChildWait }, 8, out _, out _);
        t.SetBlocked(SignalSet.Of(Signal.SIGUSR2));
        SignalQueue.SendToThread(ref p, ref t, SignalInfo.FromKill(Signal.SIGUSR2, 1, 0), out _);
        t.AltStack = new SignalStack { Base = 0x1000, Size = 0x4000 };
        p.ResetForExec();
        t.ResetForExec();
        Assert.That(p.Action(Signal.SIGUSR1), Is.EqualTo(default(SignalAction)));
        Assert.That(p.Action(Signal.SIGCHLD), Is.EqualTo(new SignalAction { Handler = SignalHandler.Ignore }));
        Assert.That(t.Blocked, Is.EqualTo(SignalSet.Of(Signal.SIGUSR2)));
        Assert.That(t.Pending.Contains(Signal.SIGUSR2), Is.True);
        Assert.That(t.AltStack.Size, Is.EqualTo(0UL));
    }

    [Test]
    public void ForkAndThreads()
    {
        ProcessSignals parent = default;
        parent.SetAction(Signal.SIGUSR1, true, Caught(), 8, out _, out _);
        parent.Shared.Add(SignalInfo.FromKill(Signal.SIGUSR1, 1, 0));
        ProcessSignals.ForkFrom(parent, out ProcessSignals child);
        Assert.That(child.Action(Signal.SIGUSR1).HasHandler, Is.True);
        Assert.That(child.Shared.Set, Is.EqualTo(0UL));

        ThreadSignals creator = default;
        creator.SetBlocked(SignalSet.Of(7));
        creator.Pending.Add(SignalInfo.FromKill(7, 1, 0));
        creator.AltStack = new SignalStack { Base = 0x1000, Size = 0x4000 };
        ThreadSignals.ForNewTask(creator, true, out ThreadSignals thread);
        Assert.That((thread.Blocked, thread.Pending.Set), Is.EqualTo((SignalSet.Of(7), 0UL)));
        Assert.That((thread.AltStack.Size, thread.AltStack.Flags), Is.EqualTo((0UL, SignalStackFlags.Disable)));
        ThreadSignals.ForNewTask(creator, false, out ThreadSignals forked);
        Assert.That(forked.AltStack.Size, Is.EqualTo(0x4000UL), "fork keeps the alternate stack");
    }

    [Test]
    public void SigchldPolicy()
    {
        ProcessSignals p = default;
        p.ChildExitPolicy(out bool reap, out bool send);
        Assert.That((reap, send), Is.EqualTo((false, true)), "SIG_DFL: zombie, SIGCHLD (then discarded)");
        p.SetAction(Signal.SIGCHLD, true, Ignore, 8, out _, out _);
        p.ChildExitPolicy(out reap, out send);
        Assert.That((reap, send), Is.EqualTo((true, false)), "SIG_IGN: no zombie, no signal");
        p.SetAction(Signal.SIGCHLD, true, Caught(SignalActionFlags.NoChildWait | SignalActionFlags.NoChildStop), 8, out _, out _);
        p.ChildExitPolicy(out reap, out send);
        Assert.That((reap, send), Is.EqualTo((true, true)), "SA_NOCLDWAIT with a handler: no zombie, signal sent");
        Assert.That(p.NotifyChildStop, Is.False);
    }
}
