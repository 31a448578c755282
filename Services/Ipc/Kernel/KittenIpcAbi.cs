using System.Runtime.InteropServices;

namespace Kitten.Ipc.Kernel;

// The kernel's IPC ABI, version 1 (Kernel/Ipc/README.md; Userland/Include/kitten_ipc.h is its C form):
// system call numbers, rights, the message info word, errors.
internal static class KittenIpcAbi
{
    public const int Version = 1;

    public const long Call = 1024;
    public const long Send = 1025;
    public const long Receive = 1026;
    public const long Reply = 1027;
    public const long ReplyReceive = 1028;
    public const long SaveReply = 1029;
    public const long EndpointCreate = 1030;
    public const long NotificationCreate = 1031;
    public const long Close = 1032;
    public const long Mint = 1033;
    public const long Identify = 1034;
    public const long Signal = 1035;
    public const long Wait = 1036;
    public const long GrantCreate = 1037;
    public const long GrantMap = 1038;
    public const long GrantUnmap = 1039;
    public const long GrantRevoke = 1040;
    public const long NameRegister = 1041;
    public const long NameLookup = 1042;
    public const long NameUnregister = 1043;
    public const long MemoryView = 1044;        // kitten_memory_view: the kernel's free-memory view, a grant

    // The free-memory view's size: the grant MemoryView hands out is of this many bytes.
    public const long MemoryViewBytes = 65536;

    public const int Words = 6;
    public const int MaxHandles = 4;
    public const int MaxLong = 65536;
    public const int MaxName = 32;
    public const ulong Forever = ulong.MaxValue;

    public const ulong RightSend = 0x01;
    public const ulong RightReceive = 0x02;
    public const ulong RightSignal = 0x04;
    public const ulong RightWait = 0x08;
    public const ulong RightMapRead = 0x10;
    public const ulong RightMapWrite = 0x20;
    public const ulong RightRevoke = 0x40;
    public const ulong RightTransfer = 0x80;

    public const ulong InfoCall = 1UL << 16;
    public const ulong InfoTruncated = 1UL << 17;
    public const ulong InfoHandleLost = 1UL << 18;

    public const int ProtRead = 1;
    public const int ProtWrite = 2;

    public const long EPERM = 1, ENOENT = 2, EINTR = 4, E2BIG = 7, EBADF = 9, EAGAIN = 11, ENOMEM = 12, EACCES = 13,
        EFAULT = 14, EEXIST = 17, EINVAL = 22, EMFILE = 24, ENOSPC = 28, EPIPE = 32, ENOSYS = 38, ECONNRESET = 104,
        ETIMEDOUT = 110;

    public static ulong Info(int words, int handles, int length)
        => (uint)(words & 0xff) | ((ulong)(uint)(handles & 0xff) << 8) | ((ulong)(uint)length << 32);

    public static int InfoWords(ulong info) => (int)(info & 0xff);

    public static int InfoHandles(ulong info) => (int)((info >> 8) & 0xff);

    public static int InfoLength(ulong info) => (int)(info >> 32);

    // A Deadline as the kernel's timeout: nanoseconds, Forever, or 0 (do not block) once expired.
    public static ulong Timeout(Deadline deadline)
    {
        if (deadline.IsInfinite)
            return Forever;
        long nanoseconds = deadline.RemainingNanoseconds;
        return nanoseconds <= 0 ? 0 : (ulong)nanoseconds;
    }
}

// struct kitten_ipc_msg: the info word, the badge (set by a receive) and the message registers MR0..MR5;
// then, this library's own, the sender's process ID (set by a receive; kitten_ipc.h returns it apart).
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KernelMessage
{
    public ulong Info;
    public ulong Badge;
    public fixed ulong Words[KittenIpcAbi.Words];
    public ulong Sender;
}
