// Signal numbers, flag values and the 64-bit signal set of x86-64 Linux (include/uapi/asm-generic/signal.h,
// arch/x86/include/uapi/asm/signal.h, include/uapi/asm-generic/siginfo.h; signal(7), sigaction(2),
// sigaltstack(2), sigprocmask(2)). A signal set is a ulong: signal n is bit n-1, as the kernel's sigset_t
// is on x86-64 (_NSIG = 64, one word).
namespace Kitten.Kernel.Signals;

internal static class Signal
{
    public const int Count = 64;            // _NSIG: signals 1..64
    public const int SetSize = 8;           // sizeof(sigset_t) in the kernel: rt_* calls need sigsetsize == 8

    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGQUIT = 3;
    public const int SIGILL = 4;
    public const int SIGTRAP = 5;
    public const int SIGABRT = 6;
    public const int SIGBUS = 7;
    public const int SIGFPE = 8;
    public const int SIGKILL = 9;
    public const int SIGUSR1 = 10;
    public const int SIGSEGV = 11;
    public const int SIGUSR2 = 12;
    public const int SIGPIPE = 13;
    public const int SIGALRM = 14;
    public const int SIGTERM = 15;
    public const int SIGSTKFLT = 16;
    public const int SIGCHLD = 17;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;
    public const int SIGTSTP = 20;
    public const int SIGTTIN = 21;
    public const int SIGTTOU = 22;
    public const int SIGURG = 23;
    public const int SIGXCPU = 24;
    public const int SIGXFSZ = 25;
    public const int SIGVTALRM = 26;
    public const int SIGPROF = 27;
    public const int SIGWINCH = 28;
    public const int SIGIO = 29;
    public const int SIGPWR = 30;
    public const int SIGSYS = 31;
    // The kernel's SIGRTMIN. glibc keeps 32 and 33 for itself and reports SIGRTMIN as 34 (signal(7)).
    public const int SIGRTMIN = 32;
    public const int SIGRTMAX = 64;

    public static bool IsValid(int signal) => signal >= 1 && signal <= Count;
    public static bool IsRealTime(int signal) => signal >= SIGRTMIN && signal <= SIGRTMAX;
}

// Operations on a 64-bit signal set (bit n-1 = signal n).
internal static class SignalSet
{
    public const ulong Empty = 0;
    public const ulong Full = ulong.MaxValue;

    // SIGKILL and SIGSTOP can be neither caught, blocked nor ignored (signal(7)); the kernel removes them
    // from every mask it stores (set_current_blocked, do_sigaction, rt_sigreturn).
    public const ulong Unblockable = (1UL << (Signal.SIGKILL - 1)) | (1UL << (Signal.SIGSTOP - 1));

    // Faults the thread itself caused: dequeued before anything else (kernel/signal.c SYNCHRONOUS_MASK).
    public const ulong Synchronous = (1UL << (Signal.SIGSEGV - 1)) | (1UL << (Signal.SIGBUS - 1))
        | (1UL << (Signal.SIGILL - 1)) | (1UL << (Signal.SIGTRAP - 1)) | (1UL << (Signal.SIGFPE - 1))
        | (1UL << (Signal.SIGSYS - 1));

    // The stop signals (SIG_KERNEL_STOP_MASK) and the continue signal.
    public const ulong Stop = (1UL << (Signal.SIGSTOP - 1)) | (1UL << (Signal.SIGTSTP - 1))
        | (1UL << (Signal.SIGTTIN - 1)) | (1UL << (Signal.SIGTTOU - 1));
    public const ulong Continue = 1UL << (Signal.SIGCONT - 1);

    public static ulong Of(int signal) => Signal.IsValid(signal) ? 1UL << (signal - 1) : 0;
    public static bool Contains(ulong set, int signal) => (set & Of(signal)) != 0;

    // The lowest-numbered signal in the set, 0 if it is empty. No BitOperations in the core library.
    public static int Lowest(ulong set)
    {
        if (set == 0)
            return 0;
        int signal = 1;
        if ((set & 0xFFFF_FFFF) == 0) { set >>= 32; signal += 32; }
        if ((set & 0xFFFF) == 0) { set >>= 16; signal += 16; }
        if ((set & 0xFF) == 0) { set >>= 8; signal += 8; }
        if ((set & 0xF) == 0) { set >>= 4; signal += 4; }
        if ((set & 0x3) == 0) { set >>= 2; signal += 2; }
        if ((set & 0x1) == 0) signal += 1;
        return signal;
    }
}

// sa_flags (arch/x86/include/uapi/asm/signal.h and asm-generic/signal-defs.h).
internal static class SignalActionFlags
{
    public const ulong NoChildStop = 0x0000_0001;      // SA_NOCLDSTOP
    public const ulong NoChildWait = 0x0000_0002;      // SA_NOCLDWAIT
    public const ulong SigInfo = 0x0000_0004;          // SA_SIGINFO
    public const ulong Unsupported = 0x0000_0400;      // SA_UNSUPPORTED: never reported back (probe bit)
    public const ulong ExposeTagBits = 0x0000_0800;    // SA_EXPOSE_TAGBITS
    public const ulong Restorer = 0x0400_0000;         // SA_RESTORER
    public const ulong OnStack = 0x0800_0000;          // SA_ONSTACK
    public const ulong Restart = 0x1000_0000;          // SA_RESTART
    public const ulong NoDefer = 0x4000_0000;          // SA_NODEFER
    public const ulong ResetHandler = 0x8000_0000;     // SA_RESETHAND

    // UAPI_SA_FLAGS: the bits do_sigaction keeps; the rest are cleared so that user space can detect
    // unsupported flags (kernel/signal.c do_sigaction).
    public const ulong Known = NoChildStop | NoChildWait | SigInfo | OnStack | Restart | NoDefer | ResetHandler
        | ExposeTagBits | Restorer;
}

// Special handler values (asm-generic/signal-defs.h).
internal static class SignalHandler
{
    public const ulong Default = 0;     // SIG_DFL
    public const ulong Ignore = 1;      // SIG_IGN
}

// rt_sigprocmask's how (asm-generic/signal-defs.h).
internal static class SignalMaskHow
{
    public const int Block = 0;         // SIG_BLOCK
    public const int Unblock = 1;       // SIG_UNBLOCK
    public const int SetMask = 2;       // SIG_SETMASK
}

// si_code values (include/uapi/asm-generic/siginfo.h).
internal static class SignalCode
{
    public const int User = 0;          // SI_USER: kill(2)
    public const int Kernel = 0x80;     // SI_KERNEL: sent by the kernel (e.g. #GP as SIGSEGV)
    public const int Queue = -1;        // SI_QUEUE: sigqueue(3)
    public const int Timer = -2;        // SI_TIMER
    public const int ThreadKill = -6;   // SI_TKILL: tkill(2), tgkill(2)

    public const int SegvMapError = 1;  // SEGV_MAPERR: no mapping at the address
    public const int SegvAccessError = 2; // SEGV_ACCERR: mapped, but the access is not allowed
    public const int FpeIntDivide = 1;  // FPE_INTDIV: Linux reports every #DE (divide error) with this
    public const int IllOperand = 2;    // ILL_ILLOPN: what Linux reports for #UD (arch/x86/kernel/traps.c)
    public const int FpeInvalid = 7;    // FPE_FLTINV: an unmasked x87/SSE exception (#MF, #XM)
    public const int TrapBreakpoint = 1; // TRAP_BRKPT: INT3
    public const int BusAlignment = 1;  // BUS_ADRALN: #AC

    public const int ChildExited = 1;   // CLD_EXITED
    public const int ChildKilled = 2;   // CLD_KILLED
    public const int ChildDumped = 3;   // CLD_DUMPED
    public const int ChildTrapped = 4;  // CLD_TRAPPED
    public const int ChildStopped = 5;  // CLD_STOPPED
    public const int ChildContinued = 6; // CLD_CONTINUED
}

// sigaltstack(2) flags and limits.
internal static class SignalStackFlags
{
    public const int OnStack = 1;               // SS_ONSTACK
    public const int Disable = 2;               // SS_DISABLE
    public const int AutoDisarm = unchecked((int)0x8000_0000); // SS_AUTODISARM (SS_FLAG_BITS)
    public const ulong MinimumSize = 2048;      // MINSIGSTKSZ of the kernel ABI (uapi asm/signal.h)
}

// The codes an interrupted system call returns so that signal delivery can restart it or turn it into
// -EINTR (include/linux/errno.h). User space never sees them.
internal static class RestartErrno
{
    public const int RestartSys = 512;          // ERESTARTSYS: restart if SA_RESTART, else -EINTR
    public const int RestartNoIntr = 513;       // ERESTARTNOINTR: always restart
    public const int RestartNoHand = 514;       // ERESTARTNOHAND: restart only if no handler runs
    public const int RestartBlock = 516;        // ERESTART_RESTARTBLOCK: restart_syscall(2) if no handler

    // Whether a system call's result is one of these (never seen by user space).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static bool IsRestartCode(long result) => result >= -RestartBlock && result <= -RestartSys;
}
