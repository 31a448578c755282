// An endpoint: where calls meet receivers (seL4's endpoint object, src/object/endpoint.c, is the model).
// At any time at most one of its queues is non-empty: senders wait while no receiver does, and receivers
// while no sender does. A sender that finds a receiver waiting hands its message over at once; so does a
// receiver that finds a sender. The process that created it is its server (the only RECEIVE handle).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kitten.Kernel.Ipc;

internal enum Rendezvous
{
    Delivered,   // the message went across (to the waiting receiver, or from the waiting sender)
    Queued,      // the caller now waits in the endpoint's queue
    WouldBlock,  // it would have had to wait and the timeout was 0
    Dead,        // the endpoint is dead: EPIPE
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Endpoint
{
    public IpcObject Header;
    public ThreadQueue Senders;
    public ThreadQueue Receivers;

    public static Endpoint* Create(ProcessIpc* owner)
    {
        return (Endpoint*)IpcObject.Allocate((ulong)sizeof(Endpoint), IpcObjectType.Endpoint, owner);
    }

    // A message, with the receive's results: the badge and call flag, and in RDX the sender's PID (README:
    // RECEIVE). A reply goes by MessageTransfer.Deliver alone: its receiver knows whom it called.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DeliverToReceiver(ThreadIpc* sender, ThreadIpc* receiver, ulong badge, bool call)
    {
        MessageTransfer.Deliver(sender, sender->Registers, receiver, receiver->Registers, badge, call ? MessageInfo.CallFlag : 0);
        receiver->Registers->Rdx = (ulong)(uint)sender->Process->Pid;
    }

    // A sender (its message in its Registers, its parts captured) meets the endpoint. On Delivered, returns
    // the receiver, which has its result (not yet woken: the caller switches to it or wakes it); for a call
    // the receiver now holds the call and the sender waits for the reply.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ThreadIpc* Send(Endpoint* e, ThreadIpc* sender, ulong badge, bool call, bool mayBlock, out Rendezvous outcome)
    {
        if (e->Header.Dead)
        {
            outcome = Rendezvous.Dead;
            return null;
        }
        ThreadIpc* receiver = e->Receivers.RemoveFirst();
        if (receiver != null)
        {
            IpcWaits.Leave(receiver);
            DeliverToReceiver(sender, receiver, badge, call);
            receiver->Completed = true;
            if (call)
                HeldCalls.Take(receiver, sender);
            outcome = Rendezvous.Delivered;
            return receiver;
        }
        if (!mayBlock)
        {
            outcome = Rendezvous.WouldBlock;
            return null;
        }
        IpcWaits.Enter(sender, &e->Header, call ? IpcWait.Call : IpcWait.Send);
        sender->SendBadge = badge;
        e->Senders.Append(sender);
        outcome = Rendezvous.Queued;
        return null;
    }

    // A receiver (holding no call) meets the endpoint. On Delivered, returns the sender whose message the
    // receiver now has: a caller now waits for the reply (the receiver holds its call); a one-way sender is
    // finished and woken.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ThreadIpc* Receive(Endpoint* e, ThreadIpc* receiver, bool mayBlock, out Rendezvous outcome)
    {
        if (e->Header.Dead)
        {
            outcome = Rendezvous.Dead;
            return null;
        }
        ThreadIpc* sender = e->Senders.RemoveFirst();
        if (sender != null)
        {
            bool call = sender->Wait == IpcWait.Call;
            ulong badge = sender->SendBadge;
            IpcWaits.Leave(sender);
            DeliverToReceiver(sender, receiver, badge, call);
            if (call)
                HeldCalls.Take(receiver, sender);
            else
                IpcWaits.Finish(sender, 0);
            outcome = Rendezvous.Delivered;
            return sender;
        }
        if (!mayBlock)
        {
            outcome = Rendezvous.WouldBlock;
            return null;
        }
        IpcWaits.Enter(receiver, &e->Header, IpcWait.Receive);
        e->Receivers.Append(receiver);
        outcome = Rendezvous.Queued;
        return null;
    }

    // The server let go (closed its handle, exited): every waiting sender gets EPIPE (nothing was delivered),
    // every waiting receiver too, and the endpoint's names go. The caller holds a reference across this.
    public static void Kill(Endpoint* e)
    {
        if (e->Header.Dead)
            return;
        e->Header.Dead = true;
        e->Header.Owner = null;
        ThreadIpc* t;
        while ((t = e->Senders.RemoveFirst()) != null)
        {
            IpcWaits.Leave(t);
            MessageTransfer.ReleaseOutgoing(t);
            IpcWaits.Finish(t, -LinuxAbi.Errno.EPIPE);
        }
        while ((t = e->Receivers.RemoveFirst()) != null)
        {
            IpcWaits.Leave(t);
            IpcWaits.Finish(t, -LinuxAbi.Errno.EPIPE);
        }
        NameRegistry.RemoveEndpoint(e);
    }
}
