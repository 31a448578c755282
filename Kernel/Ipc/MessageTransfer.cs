// Moving a message from one thread to another: the words register to register, the passed handles from
// the sender's table into the receiver's, the long part (already in kernel memory) handed over for the
// receiver to copy into its buffer when it runs in its own address space.
using System.Runtime.CompilerServices;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Ipc;

internal static unsafe class MessageTransfer
{
    // Message register i (README.md: MR0..MR5 = R8, R9, R12, R13, R14, R15).
    public static ulong* Word(InterruptContext* r, int i) => i switch
    {
        0 => &r->R8,
        1 => &r->R9,
        2 => &r->R12,
        3 => &r->R13,
        4 => &r->R14,
        _ => &r->R15,
    };

    // Takes the handles a message passes (the first `count` words of the sender's registers are handle
    // numbers) out of the sender's table as transferable copies, one reference each. 0, -EBADF, -EPERM.
    public static int CaptureHandles(ThreadIpc* sender, InterruptContext* registers, int count)
    {
        Capability* captured = ThreadIpc.OutHandles(sender);
        for (int i = 0; i < count; i++)
        {
            Capability* source = sender->Process->Handles.At((long)*Word(registers, i));
            int error = source == null ? -Errno.EBADF : source->Derive(IpcRights.All, 0, out captured[i]);
            if (error != 0)
            {
                captured[i] = default;
                ReleaseOutgoing(sender);
                return error;
            }
            IpcObject.Retain(captured[i].Object);
            sender->OutHandleCount = i + 1;
        }
        return 0;
    }

    // Lets go of an undelivered message's handles and long part.
    public static void ReleaseOutgoing(ThreadIpc* t)
    {
        Capability* captured = ThreadIpc.OutHandles(t);
        for (int i = 0; i < t->OutHandleCount; i++)
        {
            IpcObject.Release(captured[i].Object);
            captured[i] = default;
        }
        t->OutHandleCount = 0;
        if (t->OutLong != null)
            IpcPlatform.Free(t->OutLong);
        t->OutLong = null;
    }

    // Delivers the message in `from`'s registers and parts into `to`'s registers: its result becomes 0,
    // RDI the badge, RSI the info word (flags added), MR0..MR5 the words with passed handles renumbered
    // in `to`'s table. The long part goes to `to` cut to its capacity (R10 of its registers).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deliver(ThreadIpc* from, InterruptContext* fromRegisters, ThreadIpc* to, InterruptContext* toRegisters,
        ulong badge, ulong flags)
    {
        ulong info = fromRegisters->Rsi;
        toRegisters->R8 = fromRegisters->R8;
        toRegisters->R9 = fromRegisters->R9;
        toRegisters->R12 = fromRegisters->R12;
        toRegisters->R13 = fromRegisters->R13;
        toRegisters->R14 = fromRegisters->R14;
        toRegisters->R15 = fromRegisters->R15;
        if (from->OutHandleCount == 0 && MessageInfo.LongLength(info) == 0)
            toRegisters->Rsi = MessageInfo.Compose(MessageInfo.Words(info), 0, 0, flags); // words only
        else
            DeliverParts(from, to, toRegisters, info, flags);
        toRegisters->Rdi = badge;
        toRegisters->Rax = 0;
    }

    // The handles and the long part of a message, and its info word.
    private static void DeliverParts(ThreadIpc* from, ThreadIpc* to, InterruptContext* toRegisters, ulong info, ulong flags)
    {
        int handles = from->OutHandleCount;
        if (handles > 0)
        {
            Capability* captured = ThreadIpc.OutHandles(from);
            for (int i = 0; i < handles; i++)
            {
                int handle = to->Process->TornDown ? -Errno.EPIPE : to->Process->Handles.Install(captured[i]);
                *Word(toRegisters, i) = handle > 0 ? (ulong)handle : 0;
                if (handle <= 0)
                    flags |= MessageInfo.HandleLostFlag;
                IpcObject.Release(captured[i].Object);
                captured[i] = default;
            }
            from->OutHandleCount = 0;
        }

        uint length = MessageInfo.LongLength(info), delivered = 0;
        if (length > 0)
        {
            ulong capacity = toRegisters->R10;
            delivered = capacity < length ? (uint)capacity : length;
            if (delivered < length)
                flags |= MessageInfo.TruncatedFlag;
            if (to->InLong != null)
                IpcPlatform.Free(to->InLong);
            to->InLong = null;
            to->InLength = 0;
            if (delivered > 0)
            {
                to->InLong = from->OutLong;
                to->InLength = delivered;
            }
            else if (from->OutLong != null)
            {
                IpcPlatform.Free(from->OutLong);
            }
            from->OutLong = null;
        }
        toRegisters->Rsi = MessageInfo.Compose(MessageInfo.Words(info), handles, delivered, flags);
    }
}
