// A notification: a word of bits that SIGNAL ORs into and WAIT reads and clears in one step, waking one
// waiter (seL4's notification object). Signals never block; several signals before a wait merge into one.
using System.Runtime.InteropServices;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Ipc;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Notification
{
    public IpcObject Header;
    public ulong Word;
    public ThreadQueue Waiters;

    public static Notification* Create(ProcessIpc* owner)
    {
        return (Notification*)IpcObject.Allocate((ulong)sizeof(Notification), IpcObjectType.Notification, owner);
    }

    // 0, or -EPIPE if the waiter's side is gone. A waiting thread gets the word (in RSI) and is woken.
    public static int Signal(Notification* n, ulong bits)
    {
        if (n->Header.Dead)
            return -Errno.EPIPE;
        n->Word |= bits;
        ThreadIpc* waiter = n->Waiters.RemoveFirst();
        if (waiter != null)
        {
            IpcWaits.Leave(waiter);
            waiter->Registers->Rsi = n->Word;
            n->Word = 0;
            IpcWaits.Finish(waiter, 0);
        }
        return 0;
    }

    // Takes the bits if there are any (into the thread's RSI; true). Otherwise queues the thread if it may
    // block (Queued) or not (WouldBlock).
    public static Rendezvous Wait(Notification* n, ThreadIpc* t, bool mayBlock)
    {
        if (n->Header.Dead)
            return Rendezvous.Dead;
        if (n->Word != 0)
        {
            t->Registers->Rsi = n->Word;
            n->Word = 0;
            return Rendezvous.Delivered;
        }
        if (!mayBlock)
            return Rendezvous.WouldBlock;
        IpcWaits.Enter(t, &n->Header, IpcWait.Notification);
        n->Waiters.Append(t);
        return Rendezvous.Queued;
    }

    public static void Kill(Notification* n)
    {
        if (n->Header.Dead)
            return;
        n->Header.Dead = true;
        n->Header.Owner = null;
        ThreadIpc* t;
        while ((t = n->Waiters.RemoveFirst()) != null)
        {
            IpcWaits.Leave(t);
            IpcWaits.Finish(t, -Errno.EPIPE);
        }
    }
}
