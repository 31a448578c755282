// Sending signals to processes. Until processes can install handlers, every signal takes its default
// action from signal(7): ignored (SIGCHLD, SIGURG, SIGWINCH, SIGCONT) or terminating the process.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Processes;

internal static unsafe class Signals
{
    public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGPIPE = 13, SIGTERM = 15, SIGCHLD = 17,
        SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGURG = 23, SIGWINCH = 28, Count = 64;

    public static bool IsIgnoredByDefault(int signal)
        => signal == SIGCHLD || signal == SIGURG || signal == SIGWINCH || signal == SIGCONT;

    // Returns false if the signal number is not valid (1..64).
    public static bool Send(Process process, int signal)
    {
        if (signal < 1 || signal > Count)
            return false;
        if (process.State == ProcessState.Zombie || IsIgnoredByDefault(signal) || signal == SIGSTOP || signal == SIGTSTP)
            return true;
        Thread* thread = process.MainThread;
        UserReturn.Kill(thread, ProcessLifecycle.SignaledStatus(signal));
        // A thread blocked in the kernel wakes up to notice (its wait returns EINTR).
        Scheduler.Wake(thread);
        return true;
    }

    public static void SendToGroup(int group, int signal)
    {
        if (group <= 0)
            return;
        ProcessTable.ForEach(&SendIfInGroup, (void*)(((ulong)(uint)group << 8) | (uint)signal));
    }

    private static void SendIfInGroup(Process process, void* packed)
    {
        int group = (int)((ulong)packed >> 8);
        if (process.ProcessGroup == group)
            Send(process, (int)((ulong)packed & 0xFF));
    }

    // Whether the current thread must stop what it waits for and go back towards user space.
    public static bool HasPendingForCurrent()
    {
        Thread* thread = CpuLocal.Current->Running;
        return thread->KillStatus != 0;
    }
}
