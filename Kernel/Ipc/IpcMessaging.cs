// CALL, SEND, RECEIVE, REPLY, REPLY_RECEIVE and SAVE_REPLY (README.md, "Per call"). The fast path of a call
// to a waiting server on the same CPU: check the arguments, look the handle up, take the receiver off the
// endpoint, copy six registers into its saved registers, and switch to it (IpcBlocking.Block); the reply
// comes back the same way.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Ipc;

internal static unsafe class IpcMessaging
{
    public static InterruptContext* Call(InterruptContext* c) => SendMessage(c, call: true);

    public static InterruptContext* Send(InterruptContext* c) => SendMessage(c, call: false);

    public static InterruptContext* Receive(InterruptContext* c) => ReceiveMessage(c, reply: false);

    public static InterruptContext* ReplyReceive(InterruptContext* c) => ReceiveMessage(c, reply: true);

    private static InterruptContext* SendMessage(InterruptContext* c, bool call)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out Thread* self);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        ulong info = c->Rsi;
        int error = 0;
        // Words only, and no reply buffer: the common case, checked at once.
        if (!MessageInfo.IsWordsOnly(info) || (call && c->R10 != 0))
        {
            error = MessageInfo.Validate(info);
            if (error == 0 && call && !IpcKernel.BufferWritable(c))
                error = -Errno.EFAULT;
            if (error == 0)
                error = IpcKernel.CaptureLong(t, c, info);
            if (error != 0)
                return IpcKernel.Fail(c, error);
        }
        ulong timeout = c->Rdx;

        IpcLock.AcquireInCall();
        error = t->Process->Handles.Lookup((long)c->Rdi, IpcObjectType.Endpoint, IpcRights.Send, out Capability* capability);
        if (error == 0 && MessageInfo.Handles(info) != 0)
            error = MessageTransfer.CaptureHandles(t, c, MessageInfo.Handles(info));
        if (error != 0)
            return Abort(t, c, error);
        ThreadIpc* receiver = Endpoint.Send((Endpoint*)capability->Object, t, capability->Badge, call, timeout != 0, out Rendezvous outcome);
        switch (outcome)
        {
            case Rendezvous.Dead:
                return Abort(t, c, -Errno.EPIPE);
            case Rendezvous.WouldBlock:
                return Abort(t, c, -Errno.EAGAIN);
            case Rendezvous.Queued:
                return IpcBlocking.Block(self, t, null, timeout == 0 ? 0 : IpcKernel.DeadlineFor(timeout));
        }
        if (call)
            return IpcBlocking.Block(self, t, receiver, timeout == 0 ? 0 : IpcKernel.DeadlineFor(timeout));
        // A one-way message to a waiting receiver: the sender carries on, the receiver is woken.
        IpcPlatform.Wake(receiver);
        IpcLock.Release();
        return IpcKernel.Result(c, 0);
    }

    private static InterruptContext* Abort(ThreadIpc* t, InterruptContext* c, long error)
    {
        MessageTransfer.ReleaseOutgoing(t);
        IpcLock.Release();
        return IpcKernel.Fail(c, error);
    }

    private static InterruptContext* ReceiveMessage(InterruptContext* c, bool reply)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out Thread* self);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        ulong replyInfo = c->Rsi;
        int error = 0;
        if ((reply && !MessageInfo.IsWordsOnly(replyInfo)) || c->R10 != 0)
        {
            error = reply ? MessageInfo.Validate(replyInfo) : 0;
            if (error == 0 && !IpcKernel.BufferWritable(c))
                error = -Errno.EFAULT;
            if (error == 0 && reply && t->HeldCall != null)
                error = IpcKernel.CaptureLong(t, c, replyInfo);
            if (error != 0)
                return IpcKernel.Fail(c, error);
        }
        ulong timeout = c->Rdx;

        IpcLock.AcquireInCall();
        error = t->Process->Handles.Lookup((long)c->Rdi, IpcObjectType.Endpoint, IpcRights.Receive, out Capability* capability);
        ThreadIpc* answered = null;
        t->HeldCallGone = false;
        if (error == 0 && t->HeldCall != null)
        {
            if (reply)
            {
                if (MessageInfo.Handles(replyInfo) != 0)
                    error = MessageTransfer.CaptureHandles(t, c, MessageInfo.Handles(replyInfo));
                if (error == 0)
                {
                    answered = t->HeldCall;
                    HeldCalls.Answer(t, c, answered);
                }
            }
            else
            {
                // Receiving again without answering drops the call held.
                HeldCalls.Drop(t->HeldCall);
            }
        }
        if (t->OutHandleCount != 0 || t->OutLong != null)
            MessageTransfer.ReleaseOutgoing(t); // whatever of the reply did not go (no call held, or an error)
        if (error != 0)
        {
            IpcLock.Release();
            return IpcKernel.Fail(c, error);
        }

        Endpoint.Receive((Endpoint*)capability->Object, t, timeout != 0, out Rendezvous outcome);
        if (outcome == Rendezvous.Queued)
            return IpcBlocking.Block(self, t, answered, timeout == 0 ? 0 : IpcKernel.DeadlineFor(timeout));
        if (answered != null)
            IpcPlatform.Wake(answered);
        if (outcome == Rendezvous.Delivered)
        {
            IpcBlocking.Finish(self, t);
            IpcLock.Release();
            return c;
        }
        IpcLock.Release();
        return IpcKernel.Fail(c, outcome == Rendezvous.Dead ? -Errno.EPIPE : -Errno.EAGAIN);
    }

    // REPLY: RDI 0 answers the call this thread holds, or a saved reply handle (consumed).
    public static InterruptContext* Reply(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        ulong info = c->Rsi;
        int error = MessageInfo.Validate(info);
        if (error == 0)
            error = IpcKernel.CaptureLong(t, c, info);
        if (error != 0)
            return IpcKernel.Fail(c, error);

        IpcLock.Acquire();
        long handle = (long)c->Rdi;
        ThreadIpc* caller;
        SavedReply* saved = null;
        if (handle == 0)
        {
            caller = t->HeldCall;
            if (caller == null)
            {
                bool gone = t->HeldCallGone;
                t->HeldCallGone = false;
                return Abort(t, c, gone ? -Errno.ECONNRESET : -Errno.EINVAL);
            }
        }
        else
        {
            error = t->Process->Handles.Lookup(handle, IpcObjectType.Reply, 0, out _);
            if (error != 0)
                return Abort(t, c, error);
            t->Process->Handles.Remove(handle, out Capability removed);
            saved = (SavedReply*)removed.Object;
            caller = saved->Caller;
        }
        long result = -Errno.ECONNRESET;
        if (caller != null)
        {
            error = MessageTransfer.CaptureHandles(t, c, MessageInfo.Handles(info));
            if (error == 0)
            {
                HeldCalls.Answer(t, c, caller);
                IpcPlatform.Wake(caller);
            }
            result = error;
        }
        MessageTransfer.ReleaseOutgoing(t);
        if (saved != null)
            IpcObject.Release(&saved->Header); // unanswered (an error above): the caller gets ECONNRESET
        IpcLock.Release();
        return IpcKernel.Result(c, result);
    }

    public static InterruptContext* SaveReply(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        IpcLock.Acquire();
        long result;
        ThreadIpc* caller = t->HeldCall;
        SavedReply* saved = caller == null ? null : SavedReply.Save(t);
        if (caller == null)
        {
            result = -Errno.EINVAL;
        }
        else if (saved == null)
        {
            result = -Errno.ENOMEM;
        }
        else
        {
            result = t->Process->Handles.Install(new Capability { Object = &saved->Header });
            if (result < 0)
            {
                // Put the call back where it was.
                caller->SavedAs = null;
                caller->HeldBy = t;
                t->HeldCall = caller;
                IpcObject.Discard(&saved->Header);
            }
        }
        IpcLock.Release();
        return IpcKernel.Result(c, result);
    }
}
