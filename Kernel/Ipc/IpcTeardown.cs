// A process's IPC state goes when it execs or exits (README.md, "fork, execve, exit"): the calls its threads
// hold are answered with ECONNRESET, every handle is closed (which kills the objects it owns: their waiters
// get EPIPE, their names go, its grants are revoked).
using Kitten.Kernel.Processes;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Ipc;

internal static unsafe class IpcTeardown
{
    public static void ProcessEnding(Process process)
    {
        ProcessIpc* p = process.Ipc;
        if (p == null)
            return;
        IpcLock.Acquire();
        p->TornDown = true;
        HeldCalls.DropAll(p);
        for (int handle = p->Handles.Next(0); handle != 0; handle = p->Handles.Next(handle))
        {
            p->Handles.Remove(handle, out Capability capability);
            IpcHandles.CloseCapability(capability);
        }
        p->Handles.FreeStorage();
        process.Ipc = null;
        IpcGrants.UnlockAndFlush();
        IpcPlatform.Free(p);
        if (process.Pid == 1)
            Console.WriteLine($"ipc: {IpcObject.Live} objects left, {NameRegistry.Count} names");
    }

    // A thread ends while its process goes on (a thread of a multi-threaded process): the call it holds is
    // answered with ECONNRESET and what it still carries is let go. It is not waiting in a call (a thread
    // ends only by running).
    public static void ThreadEnding(Thread* thread)
    {
        ThreadIpc* t = &thread->Ipc;
        IpcLock.Acquire();
        if (t->HeldCall != null)
            HeldCalls.Drop(t->HeldCall);
        MessageTransfer.ReleaseOutgoing(t);
        if (t->InLong != null)
            IpcPlatform.Free(t->InLong);
        t->InLong = null;
        IpcLock.Release();
    }
}
