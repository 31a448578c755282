// SIGNAL and WAIT.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Ipc;

internal static unsafe class IpcNotifications
{
    public static InterruptContext* Signal(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        if (c->Rsi == 0)
            return IpcKernel.Fail(c, -Errno.EINVAL);
        IpcLock.Acquire();
        int result = t->Process->Handles.Lookup((long)c->Rdi, IpcObjectType.Notification, IpcRights.Signal, out Capability* capability);
        if (result == 0)
            result = Notification.Signal((Notification*)capability->Object, c->Rsi);
        IpcLock.Release();
        return IpcKernel.Result(c, result);
    }

    // RAX 0 and the bits in RSI.
    public static InterruptContext* Wait(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out Thread* self);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        ulong timeout = c->Rdx;
        IpcLock.Acquire();
        int error = t->Process->Handles.Lookup((long)c->Rdi, IpcObjectType.Notification, IpcRights.Wait, out Capability* capability);
        if (error != 0)
        {
            IpcLock.Release();
            return IpcKernel.Fail(c, error);
        }
        Rendezvous outcome = Notification.Wait((Notification*)capability->Object, t, timeout != 0);
        if (outcome == Rendezvous.Queued)
            return IpcBlocking.Block(self, t, null, IpcKernel.DeadlineFor(timeout));
        IpcLock.Release();
        return IpcKernel.Result(c, outcome == Rendezvous.Delivered ? 0 : outcome == Rendezvous.Dead ? -Errno.EPIPE : -Errno.EAGAIN);
    }
}
