// Waiting for file descriptors to become ready (poll, select): one wait queue for the whole system,
// woken whenever some file's readiness may have changed (terminal input, a pipe read or written, a
// pipe end closed). Waiters re-check their own descriptors; on an LWK node few processes poll at once.
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.FileSystem;

internal static class Readiness
{
    private static WaitQueue s_waiters;

    public static ref WaitQueue Waiters => ref s_waiters;

    public static void Changed()
    {
        if (s_waiters.HasWaiters)
            s_waiters.WakeAll();
    }
}
