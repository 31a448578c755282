// The words of a manifest's `calls` line and the IPC system calls each one opens, matching what the C#
// library inside a service refuses (Services/Ipc/IpcSystem.cs, KernelCall.cs), so that a manifest means
// the same to the library and to the kernel. Portable: unit-tested on the host.
//
//     ipc.call      CALL, SEND (and MINT)           call endpoints
//     ipc.receive   ENDPOINT_CREATE, RECEIVE, REPLY, REPLY_RECEIVE, SAVE_REPLY (and MINT)
//     ipc.notify    NOTIFICATION_CREATE, SIGNAL, WAIT
//     ipc.grant     GRANT_CREATE, GRANT_REVOKE      lend memory
//     ipc.map       GRANT_MAP, GRANT_UNMAP          map memory lent
//     ipc.register  NAME_REGISTER, NAME_UNREGISTER  of the names it offers
//     ipc.lookup    NAME_LOOKUP                     of its peers' names
//     memory.view   MEMORY_VIEW (kitten_memory_view) the kernel's free-memory view, to pass on
//     exec_placed   kitten_exec_placed              exec a program in a physical placement (a launcher)
//
// CLOSE and IDENTIFY are always allowed, and MINT with either ipc.call or ipc.receive: they only drop,
// inspect or narrow handles the process already holds (a client copies its own endpoint's handle before
// calling it; a server mints its clients' badged handles).
using System;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.Ipc;

namespace Kitten.Kernel.Services;

internal static class IpcCallWords
{
    public const uint Call = 1, Receive = 2, Notify = 4, Grant = 8, Map = 16, Register = 32, Lookup = 64, MemoryView = 128, ExecPlaced = 256;
    public const uint Always = 0;

    // The bit of one word, or 0 if it is not one.
    public static uint Parse(ReadOnlySpan<byte> word)
    {
        if (Bytes.Equal(word, "ipc.call"))
            return Call;
        if (Bytes.Equal(word, "ipc.receive"))
            return Receive;
        if (Bytes.Equal(word, "ipc.notify"))
            return Notify;
        if (Bytes.Equal(word, "ipc.grant"))
            return Grant;
        if (Bytes.Equal(word, "ipc.map"))
            return Map;
        if (Bytes.Equal(word, "ipc.register"))
            return Register;
        if (Bytes.Equal(word, "ipc.lookup"))
            return Lookup;
        if (Bytes.Equal(word, "memory.view"))
            return MemoryView;
        if (Bytes.Equal(word, "exec_placed"))
            return ExecPlaced;
        return 0;
    }

    // The words of which a call needs one (Always: none).
    public static uint NeededBy(int number) => number switch
    {
        IpcSyscalls.Call or IpcSyscalls.Send => Call,
        IpcSyscalls.Receive or IpcSyscalls.Reply or IpcSyscalls.ReplyReceive or IpcSyscalls.SaveReply
            or IpcSyscalls.EndpointCreate => Receive,
        IpcSyscalls.Mint => Call | Receive,
        IpcSyscalls.NotificationCreate or IpcSyscalls.Signal or IpcSyscalls.Wait => Notify,
        IpcSyscalls.GrantCreate or IpcSyscalls.GrantRevoke => Grant,
        IpcSyscalls.GrantMap or IpcSyscalls.GrantUnmap => Map,
        IpcSyscalls.NameRegister or IpcSyscalls.NameUnregister => Register,
        IpcSyscalls.NameLookup => Lookup,
        IpcSyscalls.MemoryView => MemoryView,
        IpcSyscalls.ExecPlaced => ExecPlaced,
        _ => Always,    // CLOSE, IDENTIFY; reserved numbers fail with ENOSYS anyway
    };

    public static bool Allows(uint words, int number)
    {
        uint needed = NeededBy(number);
        return needed == Always || (words & needed) != 0;
    }
}
