// Calls that a server took and has not answered yet. The caller waits (IpcWait.Reply); the call is held by
// the server thread that took it, or by a saved reply handle, and is listed in the server process's held
// calls so that the process's end can answer them all with ECONNRESET.
using System.Runtime.CompilerServices;
namespace Kitten.Kernel.Ipc;

internal static unsafe class HeldCalls
{
    // The server thread took the caller's call (its message is delivered).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Take(ThreadIpc* server, ThreadIpc* caller)
    {
        server->HeldCallGone = false;
        caller->Wait = IpcWait.Reply;
        caller->Completed = false;
        caller->HeldBy = server;
        caller->SavedAs = null;
        server->HeldCall = caller;
        ProcessIpc.LinkHeld(server->Process, caller);
    }

    // Whoever held the call lets go of it; the caller is no longer waiting for a reply. gone: because the
    // caller gave up (the server thread's REPLY will say ECONNRESET).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Detach(ThreadIpc* caller, bool gone)
    {
        if (caller->HeldBy != null)
        {
            caller->HeldBy->HeldCall = null;
            caller->HeldBy->HeldCallGone = gone;
        }
        caller->HeldBy = null;
        if (caller->SavedAs != null)
            caller->SavedAs->Caller = null;
        caller->SavedAs = null;
        ProcessIpc.UnlinkHeld(caller);
        caller->Wait = IpcWait.None;
    }

    // The reply in the replier's registers goes to the caller, whose call is then complete (not woken: the
    // replier switches to it or wakes it).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Answer(ThreadIpc* replier, Arch.X64.InterruptContext* registers, ThreadIpc* caller)
    {
        Detach(caller, gone: false);
        MessageTransfer.Deliver(replier, registers, caller, caller->Registers, 0, 0);
        caller->Completed = true;
    }

    // The call will not be answered: the caller gets ECONNRESET.
    public static void Drop(ThreadIpc* caller)
    {
        Detach(caller, gone: false);
        IpcWaits.Finish(caller, -LinuxAbi.Errno.ECONNRESET);
    }

    public static void DropAll(ProcessIpc* server)
    {
        while (server->HeldCalls != null)
            Drop(server->HeldCalls);
    }
}
