// Signals: rt_sigaction, rt_sigprocmask, rt_sigreturn, rt_sigpending, rt_sigsuspend, sigaltstack, pause,
// kill, tkill, tgkill. The semantics live in Kernel/Signals; these calls copy arguments and take locks.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Signals;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class SignalSyscalls
{
    public static void Register()
    {
        SyscallTable.Register(Sys.RtSigaction, &RtSigaction);
        SyscallTable.Register(Sys.RtSigprocmask, &RtSigprocmask);
        SyscallTable.Register(Sys.RtSigreturn, &RtSigreturn);
        SyscallTable.Register(127, &RtSigpending);      // rt_sigpending
        SyscallTable.Register(130, &RtSigsuspend);      // rt_sigsuspend
        SyscallTable.Register(Sys.Sigaltstack, &Sigaltstack);
        SyscallTable.Register(Sys.Pause, &Pause);
        SyscallTable.Register(Sys.Kill, &Kill);
        SyscallTable.Register(Sys.Tkill, &Tkill);
        SyscallTable.Register(Sys.Tgkill, &Tgkill);
    }

    private static Thread* Self => CpuLocal.Current->Running;

    // rt_sigaction(signum, act, oldact, sigsetsize) with the kernel's struct sigaction (32 bytes).
    private static long RtSigaction(InterruptContext* c)
    {
        Process process = Process.Current;
        SignalAction requested = default;
        bool hasNew = c->Rsi != 0;
        if (hasNew && Kitten.Kernel.Processes.UserMemory.CopyIn(&requested, c->Rsi, SignalAction.SizeInBytes) != 0)
            return -Errno.EFAULT;
        bool interrupts = process.SignalLock.Acquire();
        int status = process.Signals.SetAction((int)c->Rdi, hasNew, in requested, c->R10, out SignalAction old, out ulong discard);
        if (status == 0 && discard != 0)
            ThreadGroup.DiscardPending(process, discard);
        process.SignalLock.Release(interrupts);
        if (status != 0)
            return status;
        if (c->Rdx != 0 && Kitten.Kernel.Processes.UserMemory.CopyOut(c->Rdx, &old, SignalAction.SizeInBytes) != 0)
            return -Errno.EFAULT;
        return 0;
    }

    private static long RtSigprocmask(InterruptContext* c)
    {
        ulong newSet = 0;
        bool hasNew = c->Rsi != 0;
        if (c->R10 != 8)
            return -Errno.EINVAL;
        if (hasNew && !Kitten.Kernel.Processes.UserMemory.Read64(c->Rsi, out newSet))
            return -Errno.EFAULT;
        Process process = Process.Current;
        bool interrupts = process.SignalLock.Acquire();
        int status = Self->Signals.SigProcMask((int)c->Rdi, hasNew, newSet, c->R10, out ulong oldSet);
        process.SignalLock.Release(interrupts);
        if (status != 0)
            return status;
        if (c->Rdx != 0 && !Kitten.Kernel.Processes.UserMemory.Write64(c->Rdx, oldSet))
            return -Errno.EFAULT;
        return 0;
    }

    // The result is the restored RAX: the dispatcher stores the return value in RAX, so return it.
    private static long RtSigreturn(InterruptContext* c)
    {
        Signaling.Return(Self, c);
        return (long)c->Rax;
    }

    private static long RtSigpending(InterruptContext* c)
    {
        if (c->Rsi > 8)
            return -Errno.EINVAL;
        Process process = Process.Current;
        ulong pending = Self->Signals.PendingBlocked(in process.Signals);
        return Kitten.Kernel.Processes.UserMemory.CopyOut(c->Rdi, &pending, c->Rsi);
    }

    // Waits with a temporary mask until a signal is delivered; always "fails" with EINTR after the handler.
    private static long RtSigsuspend(InterruptContext* c)
    {
        if (c->Rsi != 8)
            return -Errno.EINVAL;
        if (!Kitten.Kernel.Processes.UserMemory.Read64(c->Rdi, out ulong mask))
            return -Errno.EFAULT;
        Process process = Process.Current;
        bool interrupts = process.SignalLock.Acquire();
        Self->Signals.UseTemporaryMask(mask);
        process.SignalLock.Release(interrupts);
        WaitForSignal();
        return -RestartErrno.RestartNoHand;
    }

    private static long Pause(InterruptContext* c)
    {
        WaitForSignal();
        return -RestartErrno.RestartNoHand;
    }

    private static void WaitForSignal()
    {
        while (!Signaling.InterruptPending())
            Scheduler.BlockCurrent(null, 0);
    }

    private static long Sigaltstack(InterruptContext* c)
    {
        UserSignalStack requested = default;
        bool hasNew = c->Rdi != 0;
        if (hasNew && Kitten.Kernel.Processes.UserMemory.CopyIn(&requested, c->Rdi, UserSignalStack.SizeInBytes) != 0)
            return -Errno.EFAULT;
        // The stack pointer at the call says whether the thread runs on its alternate stack now.
        int status = Self->Signals.AltStack.SigAltStack(hasNew, in requested, c->Rsp, out UserSignalStack old);
        if (status != 0)
            return status;
        if (c->Rsi != 0 && Kitten.Kernel.Processes.UserMemory.CopyOut(c->Rsi, &old, UserSignalStack.SizeInBytes) != 0)
            return -Errno.EFAULT;
        return 0;
    }

    // kill(pid, sig): pid > 0 one process, 0 the caller's group, -1 every process but init and the caller,
    // < -1 the group -pid. sig 0 only checks that the target exists.
    private static long Kill(InterruptContext* c)
    {
        int pid = (int)c->Rdi, signal = (int)c->Rsi;
        if (signal < 0 || signal > Signal.Count)
            return -Errno.EINVAL;
        Process self = Process.Current;
        SignalInfo info = SignalInfo.FromKill(signal, self.Pid, 0);
        if (pid > 0)
        {
            Process target = ProcessTable.Find(pid);
            if (target == null)
                return -Errno.ESRCH;
            return signal == 0 || Signaling.Send(target, in info) ? 0 : -Errno.EINVAL;
        }
        var request = new GroupRequest { Info = info, Group = pid == 0 ? self.ProcessGroup : -pid, All = pid == -1, Self = self.Pid };
        ProcessTable.ForEach(&SendMatching, &request);
        return request.Found ? 0 : -Errno.ESRCH;
    }

    private struct GroupRequest
    {
        public SignalInfo Info;
        public int Group;
        public bool All;
        public int Self;
        public bool Found;
    }

    private static void SendMatching(Process process, void* argument)
    {
        var request = (GroupRequest*)argument;
        bool matches = request->All ? process.Pid != 1 && process.Pid != request->Self : process.ProcessGroup == request->Group;
        if (!matches || process.State == ProcessState.Zombie)
            return;
        request->Found = true;
        if (request->Info.Signal != 0)
            Signaling.Send(process, in request->Info);
    }

    private static long Tkill(InterruptContext* c) => ThreadKill(0, anyGroup: true, (int)c->Rdi, (int)c->Rsi);

    private static long Tgkill(InterruptContext* c) => ThreadKill((int)c->Rdi, anyGroup: false, (int)c->Rsi, (int)c->Rdx);

    // tgkill(tgid, tid, sig) and tkill(tid, sig): to one thread; si_pid is the sender's process ID.
    private static long ThreadKill(int group, bool anyGroup, int tid, int signal)
    {
        if (tid <= 0 || (!anyGroup && group <= 0) || signal < 0 || signal > Signal.Count)
            return -Errno.EINVAL;
        Process target = ProcessTable.FindByTid(tid);
        if (target == null || (!anyGroup && target.Pid != group) || target.State == ProcessState.Zombie)
            return -Errno.ESRCH;
        if (signal == 0)
            return ThreadGroup.Find(target, tid) != null ? 0 : -Errno.ESRCH;
        return Signaling.SendToThread(target, tid, SignalInfo.FromThreadKill(signal, Process.Current.Pid, 0)) ? 0 : -Errno.ESRCH;
    }
}
