using System.Runtime.InteropServices;

namespace Kitten.Supervisor;

// Process.Kill sends SIGKILL; stopping a service politely needs SIGTERM (kill(2)).
internal static class Signals
{
    private const int SIGTERM = 15;

    public static void Terminate(int pid) => Kill(pid, SIGTERM);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
