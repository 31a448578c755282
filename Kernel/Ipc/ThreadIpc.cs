// A thread's IPC state, kept in its Thread. While the thread is in an IPC call its user registers lie at
// the top of its kernel stack (Registers): a message is read from the sender's and written into the
// receiver's registers there, whether or not the thread is running, so a blocked thread needs no kernel
// stack frames of its own (seL4's way) and can be switched to directly.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Ipc;

internal enum IpcWait : byte
{
    None,
    Send,          // queued on an endpoint with a one-way message
    Call,          // queued on an endpoint with a call
    Receive,       // queued on an endpoint for a message
    Reply,         // its call was taken; waiting for the answer
    Notification,  // queued on a notification for bits
    Name,          // waiting for a name to be registered
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ThreadIpc
{
    public nint Thread;                 // the Thread this is part of (opaque here)
    public ProcessIpc* Process;
    public InterruptContext* Registers; // its user registers while in an IPC call

    public IpcWait Wait;
    public bool Completed;              // a waiting call has its result (in Registers); no longer queued
    public ThreadIpc* Next;             // link in the queue it waits in
    public IpcObject* WaitingOn;        // the object whose queue holds it (a reference)
    public ulong Deadline;              // TSC; 0 for none
    public ulong SendBadge;             // queued as a sender: the badge of the handle it used

    // As a server: the call this thread took and has not answered (the caller's state); HeldCallGone once
    // its caller stopped waiting (a REPLY then says ECONNRESET rather than EINVAL), until the next receive.
    public ThreadIpc* HeldCall;
    public bool HeldCallGone;

    // As a caller whose call was taken: who holds it (a server thread, or a saved reply) and the server
    // process, in whose list of held calls it is linked.
    public ThreadIpc* HeldBy;
    public SavedReply* SavedAs;
    public ProcessIpc* Server;
    public ThreadIpc* ServerPrevious;
    public ThreadIpc* ServerNext;

    // The outgoing message's parts that do not live in registers: the long part, copied into kernel memory
    // when the call was made, and the handles it passes (one reference each).
    public byte* OutLong;
    public int OutHandleCount;
    public Capability Out0, Out1, Out2, Out3;

    // An incoming long part, copied into the thread's buffer when it resumes in its own address space.
    public byte* InLong;
    public uint InLength;

    public static Capability* OutHandles(ThreadIpc* t) => &t->Out0;
}

internal static unsafe class IpcWaits
{
    // Queues a thread on an object (taking a reference to it) for a wait of the given kind.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Enter(ThreadIpc* t, IpcObject* on, IpcWait wait)
    {
        t->Wait = wait;
        t->Completed = false;
        t->WaitingOn = on;
        if (on != null)
            IpcObject.Retain(on);
    }

    // The thread is out of the queue it waited in (the caller unlinked it).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Leave(ThreadIpc* t)
    {
        t->Wait = IpcWait.None;
        IpcObject* on = t->WaitingOn;
        t->WaitingOn = null;
        if (on != null)
            IpcObject.Release(on);
    }

    // A waiting thread's call ends with this result (RAX) and the thread is made runnable.
    public static void Finish(ThreadIpc* t, long result)
    {
        t->Registers->Rax = (ulong)result;
        t->Completed = true;
        IpcPlatform.Wake(t);
    }

    // The thread itself gives up waiting (its timeout expired, or a signal came): it leaves whatever queue
    // holds it; a caller whose call was already taken is forgotten by the server (a later reply gets
    // ECONNRESET). Parts of an undelivered message are let go.
    public static void Abandon(ThreadIpc* t)
    {
        switch (t->Wait)
        {
            case IpcWait.Send:
            case IpcWait.Call:
                ((Endpoint*)t->WaitingOn)->Senders.Remove(t);
                Leave(t);
                MessageTransfer.ReleaseOutgoing(t);
                break;
            case IpcWait.Receive:
                ((Endpoint*)t->WaitingOn)->Receivers.Remove(t);
                Leave(t);
                break;
            case IpcWait.Notification:
                ((Notification*)t->WaitingOn)->Waiters.Remove(t);
                Leave(t);
                break;
            case IpcWait.Name:
                NameRegistry.Waiters.Remove(t);
                Leave(t);
                break;
            case IpcWait.Reply:
                HeldCalls.Detach(t, gone: true);
                break;
        }
    }
}
