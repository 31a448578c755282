// What a signal does when its handler is SIG_DFL (signal(7), "Standard signals"; the kernel's
// SIG_KERNEL_*_MASK sets in include/linux/signal.h), and how the end of a child is encoded for wait4.
namespace Kitten.Kernel.Signals;

internal enum DefaultAction : byte
{
    Terminate,      // Term: the process ends, killed by the signal
    CoreDump,       // Core: ends as Term, and reports a core dump in the wait status (no core file is written)
    Ignore,         // Ign
    Stop,           // Stop: the process stops until SIGCONT
    Continue,       // Cont: resumes a stopped process (at send time); otherwise ignored
}

internal static class DefaultActions
{
    // Real-time signals (32..64) terminate (signal(7): "The default action for an unhandled real-time
    // signal is to terminate the receiving process"); so do numbers outside 1..64 (never asked).
    public static DefaultAction Of(int signal) => signal switch
    {
        Signal.SIGQUIT or Signal.SIGILL or Signal.SIGTRAP or Signal.SIGABRT or Signal.SIGBUS or Signal.SIGFPE
            or Signal.SIGSEGV or Signal.SIGXCPU or Signal.SIGXFSZ or Signal.SIGSYS => DefaultAction.CoreDump,
        Signal.SIGCHLD or Signal.SIGURG or Signal.SIGWINCH => DefaultAction.Ignore,
        Signal.SIGCONT => DefaultAction.Continue,
        Signal.SIGSTOP or Signal.SIGTSTP or Signal.SIGTTIN or Signal.SIGTTOU => DefaultAction.Stop,
        _ => DefaultAction.Terminate,
    };

    // SIG_KERNEL_IGNORE_MASK: with SIG_DFL the signal is discarded, never delivered. SIGCONT is in it: its
    // "continue" effect happens when it is sent (kernel/signal.c prepare_signal), not when it is delivered.
    public static bool IgnoredByDefault(int signal)
    {
        DefaultAction action = Of(signal);
        return action == DefaultAction.Ignore || action == DefaultAction.Continue;
    }
}

// The status word wait4(2) stores, as glibc's macros decode it (bits/waitstatus.h):
//   exited:    exit code << 8                  WIFEXITED, WEXITSTATUS
//   killed:    signal number, | 0x80 for core  WIFSIGNALED, WTERMSIG, WCOREDUMP
//   stopped:   signal number << 8 | 0x7F       WIFSTOPPED, WSTOPSIG
//   continued: 0xFFFF                          WIFCONTINUED
internal static class WaitStatus
{
    public const int CoreFlag = 0x80;
    public const int StoppedMarker = 0x7F;
    public const int Continued = 0xFFFF;

    public static int Exited(int exitCode) => (exitCode & 0xFF) << 8;

    public static int Killed(int signal, bool coreDumped) => (signal & 0x7F) | (coreDumped ? CoreFlag : 0);

    public static int Stopped(int signal) => ((signal & 0xFF) << 8) | StoppedMarker;

    // A process ended by a signal's default action: Core signals carry the core flag. (Linux sets it only
    // when a core file was really written, which this kernel never does; we report it as signal(7)
    // describes the action, so that shells print "core dumped" for SIGSEGV and SIGABRT.)
    public static int KilledBy(int signal) => Killed(signal, DefaultActions.Of(signal) == DefaultAction.CoreDump);

    // The si_code of the SIGCHLD a parent receives when a child is killed by `signal`.
    public static int ChildCodeForKill(int signal)
        => DefaultActions.Of(signal) == DefaultAction.CoreDump ? SignalCode.ChildDumped : SignalCode.ChildKilled;
}
