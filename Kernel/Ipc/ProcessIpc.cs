// A process's IPC state: its handle table and the calls its threads took and have not answered yet (so
// that when the process goes, each of those callers learns it with ECONNRESET instead of waiting forever).
// Allocated on the process's first IPC call.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kitten.Kernel.Ipc;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ProcessIpc
{
    public HandleTable Handles;
    public ThreadIpc* HeldCalls;   // callers, linked through ServerNext/ServerPrevious
    public nint Process;           // the Process this belongs to (opaque here)
    public int Pid;                // its process ID, which receivers of its messages learn (RDX)
    public bool TornDown;          // exit or exec closed everything; no new handles

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LinkHeld(ProcessIpc* server, ThreadIpc* caller)
    {
        caller->Server = server;
        caller->ServerPrevious = null;
        caller->ServerNext = server->HeldCalls;
        if (server->HeldCalls != null)
            server->HeldCalls->ServerPrevious = caller;
        server->HeldCalls = caller;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UnlinkHeld(ThreadIpc* caller)
    {
        ProcessIpc* server = caller->Server;
        if (server == null)
            return;
        if (caller->ServerPrevious != null)
            caller->ServerPrevious->ServerNext = caller->ServerNext;
        else
            server->HeldCalls = caller->ServerNext;
        if (caller->ServerNext != null)
            caller->ServerNext->ServerPrevious = caller->ServerPrevious;
        caller->Server = null;
        caller->ServerPrevious = caller->ServerNext = null;
    }
}
