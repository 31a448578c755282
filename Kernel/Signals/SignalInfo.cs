// What the kernel records about one signal, and the 128-byte siginfo_t user space receives.
//
// The user layout is x86-64 Linux's (include/uapi/asm-generic/siginfo.h, checked against glibc's
// bits/types/siginfo_t.h by the host tests): si_signo at 0, si_errno at 4, si_code at 8, then a union at 16
// whose member depends on the signal and si_code (kernel/signal.c siginfo_layout):
//   kill (SI_USER, SI_KERNEL):      si_pid 16, si_uid 20
//   rt (si_code < 0: SI_TKILL...):  si_pid 16, si_uid 20, si_value 24
//   SIGCHLD from the kernel:        si_pid 16, si_uid 20, si_status 24, si_utime 32, si_stime 40
//   faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP from the kernel): si_addr 16
// Everything else in the 128 bytes is zero, as after the kernel's clear_siginfo. Timer, poll and seccomp
// layouts are not produced here.
using System.Runtime.InteropServices;

namespace Kitten.Kernel.Signals;

internal struct SignalInfo
{
    public int Signal;
    public int Errno;
    public int Code;
    public int Pid;             // the sender (kill, tgkill), or the child (SIGCHLD)
    public uint Uid;            // the sender's or the child's real user id
    public int Status;          // SIGCHLD: the exit code (CLD_EXITED) or the signal number (otherwise)
    public ulong Address;       // faults: the faulting address (CR2 for #PF, RIP for #DE/#UD, 0 for #GP)
    public ulong Value;         // rt layout: si_value (sigqueue's payload; 0 for tgkill)
    public long UserTime;       // SIGCHLD: user and system time of the child, in clock ticks
    public long SystemTime;

    // kill(2): SI_USER with the sender's process id and uid (kernel/signal.c prepare_kill_siginfo).
    public static SignalInfo FromKill(int signal, int senderPid, uint senderUid)
        => new SignalInfo { Signal = signal, Code = SignalCode.User, Pid = senderPid, Uid = senderUid };

    // tkill(2)/tgkill(2): SI_TKILL with the sender's process id and uid (do_tkill).
    public static SignalInfo FromThreadKill(int signal, int senderPid, uint senderUid)
        => new SignalInfo { Signal = signal, Code = SignalCode.ThreadKill, Pid = senderPid, Uid = senderUid };

    // Sent by the kernel itself, without details (SEND_SIG_PRIV: SI_KERNEL, pid and uid 0), e.g. SIGSEGV
    // for a general-protection fault or a bad signal frame, SIGKILL.
    public static SignalInfo FromKernel(int signal) => new SignalInfo { Signal = signal, Code = SignalCode.Kernel };

    // A hardware fault turned into a signal (force_sig_fault): code is SEGV_MAPERR, FPE_INTDIV...
    public static SignalInfo FromFault(int signal, int code, ulong address)
        => new SignalInfo { Signal = signal, Code = code, Address = address };

    // SIGCHLD to a parent (kernel/signal.c do_notify_parent): code is CLD_*, status the exit code for
    // CLD_EXITED and the signal number otherwise.
    public static SignalInfo FromChild(int code, int childPid, uint childUid, int status, long userTicks,
        long systemTicks)
        => new SignalInfo
        {
            Signal = Signals.Signal.SIGCHLD,
            Code = code,
            Pid = childPid,
            Uid = childUid,
            Status = status,
            UserTime = userTicks,
            SystemTime = systemTicks,
        };

    // Writes the user siginfo_t: all 128 bytes, unused ones zero.
    public readonly void WriteTo(ref UserSignalInfo user)
    {
        user = default;
        user.Signal = Signal;
        user.Errno = Errno;
        user.Code = Code;
        switch (Layout(Signal, Code))
        {
            case InfoLayout.Fault:
                user.Address = Address;
                break;
            case InfoLayout.Child:
                user.Pid = Pid;
                user.Uid = Uid;
                user.Status = Status;
                user.UserTime = UserTime;
                user.SystemTime = SystemTime;
                break;
            case InfoLayout.RealTime:
                user.Pid = Pid;
                user.Uid = Uid;
                user.Value = Value;
                break;
            default:
                user.Pid = Pid;
                user.Uid = Uid;
                break;
        }
    }

    private enum InfoLayout { Kill, RealTime, Child, Fault }

    // kernel/signal.c siginfo_layout, reduced to the layouts above: codes 1..0x7F are signal-specific
    // kernel codes; negative codes come from user space (SI_QUEUE, SI_TKILL...); 0 and SI_KERNEL are kill.
    private static InfoLayout Layout(int signal, int code)
    {
        if (code > SignalCode.User && code < SignalCode.Kernel)
        {
            if (signal == Signals.Signal.SIGCHLD)
                return InfoLayout.Child;
            if (signal == Signals.Signal.SIGSEGV || signal == Signals.Signal.SIGBUS
                || signal == Signals.Signal.SIGILL || signal == Signals.Signal.SIGFPE
                || signal == Signals.Signal.SIGTRAP)
                return InfoLayout.Fault;
            return InfoLayout.Kill;
        }
        return code < 0 ? InfoLayout.RealTime : InfoLayout.Kill;
    }
}

// siginfo_t as user space sees it on x86-64 (sizeof 128, alignment 8).
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
internal struct UserSignalInfo
{
    public const int SizeInBytes = 128;

    [FieldOffset(0)] public int Signal;         // si_signo
    [FieldOffset(4)] public int Errno;          // si_errno
    [FieldOffset(8)] public int Code;           // si_code
    [FieldOffset(16)] public int Pid;           // si_pid
    [FieldOffset(20)] public uint Uid;          // si_uid
    [FieldOffset(16)] public ulong Address;     // si_addr
    [FieldOffset(24)] public int Status;        // si_status
    [FieldOffset(24)] public ulong Value;       // si_value
    [FieldOffset(32)] public long UserTime;     // si_utime
    [FieldOffset(40)] public long SystemTime;   // si_stime
}
