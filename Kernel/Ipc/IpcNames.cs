// NAME_REGISTER, NAME_LOOKUP and NAME_UNREGISTER.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Ipc;

internal static unsafe class IpcNames
{
    // RDI name, RSI length, RDX endpoint handle (RECEIVE).
    public static InterruptContext* Register(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        byte* name = stackalloc byte[NameEntry.MaxLength];
        int length = IpcKernel.CopyName(c, name);
        if (length < 0)
            return IpcKernel.Fail(c, length);
        int allowed = Services.ServiceEnforcement.CheckRegister(name, length);
        if (allowed < 0)
            return IpcKernel.Fail(c, allowed);
        IpcLock.Acquire();
        int result = t->Process->Handles.Lookup((long)c->Rdx, IpcObjectType.Endpoint, IpcRights.Receive, out Capability* capability);
        if (result == 0)
        {
            Endpoint* endpoint = (Endpoint*)capability->Object;
            result = endpoint->Header.Dead ? -Errno.EPIPE : NameRegistry.Register(name, length, endpoint);
        }
        IpcLock.Release();
        return IpcKernel.Result(c, result);
    }

    public static InterruptContext* Lookup(InterruptContext* c) => Lookup(c, 0, again: false);

    // A lookup, first time (the timeout from RDX) or again after a registration woke it (deadline: the one
    // it had, 0 for none). A new handle, or -ENOENT (timeout 0), or it waits.
    public static InterruptContext* Lookup(InterruptContext* c, ulong deadline, bool again)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out Thread* self);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        byte* name = stackalloc byte[NameEntry.MaxLength];
        int length = IpcKernel.CopyName(c, name);
        if (length < 0)
            return IpcKernel.Fail(c, length);
        int allowed = Services.ServiceEnforcement.CheckLookup(name, length);
        if (allowed < 0)
            return IpcKernel.Fail(c, allowed);
        ulong timeout = c->Rdx;
        if (!again)
            deadline = timeout == 0 ? 0 : IpcKernel.DeadlineFor(timeout);
        IpcLock.Acquire();
        Endpoint* endpoint = NameRegistry.Lookup(name, length);
        long result;
        if (endpoint != null)
        {
            result = t->Process->Handles.Install(new Capability { Object = &endpoint->Header, Rights = IpcRights.LookedUp });
        }
        else if (timeout == 0)
        {
            result = -Errno.ENOENT;
        }
        else
        {
            IpcWaits.Enter(t, null, IpcWait.Name);
            NameRegistry.Waiters.Append(t);
            return IpcBlocking.Block(self, t, null, deadline);
        }
        IpcLock.Release();
        return IpcKernel.Result(c, result);
    }

    public static InterruptContext* Unregister(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        byte* name = stackalloc byte[NameEntry.MaxLength];
        int length = IpcKernel.CopyName(c, name);
        if (length < 0)
            return IpcKernel.Fail(c, length);
        IpcLock.Acquire();
        int result = NameRegistry.Unregister(name, length, t->Process);
        IpcLock.Release();
        return IpcKernel.Result(c, result);
    }
}
