// A call a server thread turned into a handle (SAVE_REPLY) so that it can answer it later, from any of its
// threads. One-shot: REPLY through it consumes the handle. If it goes without a reply (closed, or the
// process ended), the caller gets ECONNRESET.
using System.Runtime.InteropServices;

namespace Kitten.Kernel.Ipc;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SavedReply
{
    public IpcObject Header;
    public ThreadIpc* Caller;   // null once the caller stopped waiting (timeout, signal) or was answered

    // Moves the call the thread holds into a new saved reply. Null if it holds none or memory is short.
    public static SavedReply* Save(ThreadIpc* server)
    {
        ThreadIpc* caller = server->HeldCall;
        if (caller == null)
            return null;
        var reply = (SavedReply*)IpcObject.Allocate((ulong)sizeof(SavedReply), IpcObjectType.Reply, server->Process);
        if (reply == null)
            return null;
        reply->Caller = caller;
        server->HeldCall = null;
        caller->HeldBy = null;
        caller->SavedAs = reply;
        return reply;
    }

    public static void LastReferenceGone(SavedReply* reply)
    {
        if (reply->Caller != null)
            HeldCalls.Drop(reply->Caller);
    }
}
