// ENDPOINT_CREATE, NOTIFICATION_CREATE, CLOSE, MINT, IDENTIFY, and closing a capability: letting go of an
// owner handle kills its object (README.md, "Lifetime").
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Ipc;

internal static unsafe class IpcHandles
{
    public static InterruptContext* CreateEndpoint(InterruptContext* c) => Create(c, IpcObjectType.Endpoint);

    public static InterruptContext* CreateNotification(InterruptContext* c) => Create(c, IpcObjectType.Notification);

    private static InterruptContext* Create(InterruptContext* c, IpcObjectType type)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        if (c->Rdi != 0)
            return IpcKernel.Fail(c, -Errno.EINVAL);
        IpcLock.Acquire();
        IpcObject* o = type == IpcObjectType.Endpoint
            ? &Endpoint.Create(t->Process)->Header
            : &Notification.Create(t->Process)->Header;
        long result = -Errno.ENOMEM;
        if (o != null)
        {
            uint rights = type == IpcObjectType.Endpoint ? IpcRights.NewEndpoint : IpcRights.NewNotification;
            result = t->Process->Handles.Install(new Capability { Object = o, Rights = rights });
            if (result < 0)
                IpcObject.Discard(o);
        }
        IpcLock.Release();
        return IpcKernel.Result(c, result);
    }

    public static InterruptContext* Close(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        IpcLock.Acquire();
        if (!t->Process->Handles.Remove((long)c->Rdi, out Capability capability))
        {
            IpcLock.Release();
            return IpcKernel.Fail(c, -Errno.EBADF);
        }
        CloseCapability(capability);
        IpcGrants.UnlockAndFlush();
        return IpcKernel.Result(c, 0);
    }

    // Drops a capability taken out of a table (with the reference it held). An owner handle kills its
    // object first; revoking a grant leaves TLB flushes for IpcGrants.UnlockAndFlush. Caller holds IpcLock.
    public static void CloseCapability(in Capability capability)
    {
        IpcObject* o = capability.Object;
        if ((capability.Rights & IpcRights.Owner) != 0)
        {
            switch (o->Type)
            {
                case IpcObjectType.Endpoint:
                    Endpoint.Kill((Endpoint*)o);
                    break;
                case IpcObjectType.Notification:
                    Notification.Kill((Notification*)o);
                    break;
                case IpcObjectType.Grant:
                    GrantTable.Revoke((Grant*)o);
                    break;
            }
        }
        IpcObject.Release(o);
    }

    public static InterruptContext* Mint(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        IpcLock.Acquire();
        long result;
        Capability* source = t->Process->Handles.At((long)c->Rdi);
        if (source == null)
        {
            result = -Errno.EBADF;
        }
        else
        {
            result = source->Derive((uint)c->Rsi, c->Rdx, out Capability copy);
            if (result == 0)
                result = t->Process->Handles.Install(copy);
        }
        IpcLock.Release();
        return IpcKernel.Result(c, result);
    }

    // RAX type | rights << 8, RDI badge.
    public static InterruptContext* Identify(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        IpcLock.Acquire();
        Capability* capability = t->Process->Handles.At((long)c->Rdi);
        long result = -Errno.EBADF;
        if (capability != null)
        {
            result = (long)capability->Type | ((long)capability->Rights << 8);
            c->Rdi = capability->Badge;
        }
        IpcLock.Release();
        return IpcKernel.Result(c, result);
    }
}
