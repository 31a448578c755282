// What a signal does to a system call it interrupted (arch/x86/kernel/signal.c handle_signal and
// arch_do_signal_or_restart; signal(7), "Interruption of system calls and library functions by signal
// handlers"). A blocking call that a signal wakes returns one of the RestartErrno codes; on the way back
// to user space it becomes -EINTR, or the call is made again by backing RIP up over the 2-byte SYSCALL
// instruction and putting the call number back in RAX.
//
// syscallNumber is the number the call was made with (Linux's orig_ax; the dispatcher must keep it, since
// RAX then holds the result), or -1 when the context is not a system call — an interrupt or exception, or
// a context rt_sigreturn just restored (restore_sigcontext sets orig_ax = -1 so that a restored RAX that
// happens to equal -ERESTARTSYS is left alone).
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Signals;

internal static unsafe class SyscallRestart
{
    public const ulong SyscallInstructionLength = 2;    // 0F 05
    public const ulong RestartSyscall = 219;            // __NR_restart_syscall on x86-64

    // Before Deliver sets up a handler: ERESTARTNOHAND and ERESTART_RESTARTBLOCK become -EINTR;
    // ERESTARTSYS restarts with SA_RESTART and is -EINTR without; ERESTARTNOINTR always restarts.
    public static void BeforeHandler(InterruptContext* context, long syscallNumber, in SignalAction action)
    {
        if (syscallNumber < 0)
            return;
        switch ((long)context->Rax)
        {
            case -RestartErrno.RestartBlock:
            case -RestartErrno.RestartNoHand:
                SetResult(context, -Errno.EINTR);
                break;
            case -RestartErrno.RestartSys:
                if ((action.Flags & SignalActionFlags.Restart) == 0)
                    SetResult(context, -Errno.EINTR);
                else
                    Again(context, (ulong)syscallNumber);
                break;
            case -RestartErrno.RestartNoIntr:
                Again(context, (ulong)syscallNumber);
                break;
        }
    }

    // When no handler runs (the signal was ignored, stopped the process, or there was none): the call is
    // made again; ERESTART_RESTARTBLOCK makes it restart_syscall(2) instead.
    public static void WithoutHandler(InterruptContext* context, long syscallNumber)
    {
        if (syscallNumber < 0)
            return;
        switch ((long)context->Rax)
        {
            case -RestartErrno.RestartNoHand:
            case -RestartErrno.RestartSys:
            case -RestartErrno.RestartNoIntr:
                Again(context, (ulong)syscallNumber);
                break;
            case -RestartErrno.RestartBlock:
                Again(context, RestartSyscall);
                break;
        }
    }

    private static void SetResult(InterruptContext* context, long result) => context->Rax = (ulong)result;

    private static void Again(InterruptContext* context, ulong number)
    {
        context->Rax = number;
        context->Rip -= SyscallInstructionLength;
    }
}
