// The IPC system calls: their own number range beside the Linux table (README.md, "System call numbers").
// Each handler gets the caller's saved registers and returns the context to resume: the caller's own, or
// another thread's when the call switched to it. They run with interrupts off.
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Ipc;

internal static unsafe class IpcSyscalls
{
    public const int First = 1024;
    public const int Count = 32;      // 1024..1055; 1044.. reserved

    public const int Call = 1024, Send = 1025, Receive = 1026, Reply = 1027, ReplyReceive = 1028, SaveReply = 1029,
        EndpointCreate = 1030, NotificationCreate = 1031, Close = 1032, Mint = 1033, Identify = 1034,
        Signal = 1035, Wait = 1036, GrantCreate = 1037, GrantMap = 1038, GrantUnmap = 1039, GrantRevoke = 1040,
        NameRegister = 1041, NameLookup = 1042, NameUnregister = 1043;

    public static void Register()
    {
        IpcKernel.Initialize();
        SyscallTable.RegisterKitten(Call, &IpcMessaging.Call);
        SyscallTable.RegisterKitten(Send, &IpcMessaging.Send);
        SyscallTable.RegisterKitten(Receive, &IpcMessaging.Receive);
        SyscallTable.RegisterKitten(Reply, &IpcMessaging.Reply);
        SyscallTable.RegisterKitten(ReplyReceive, &IpcMessaging.ReplyReceive);
        SyscallTable.RegisterKitten(SaveReply, &IpcMessaging.SaveReply);
        SyscallTable.RegisterKitten(EndpointCreate, &IpcHandles.CreateEndpoint);
        SyscallTable.RegisterKitten(NotificationCreate, &IpcHandles.CreateNotification);
        SyscallTable.RegisterKitten(Close, &IpcHandles.Close);
        SyscallTable.RegisterKitten(Mint, &IpcHandles.Mint);
        SyscallTable.RegisterKitten(Identify, &IpcHandles.Identify);
        SyscallTable.RegisterKitten(Signal, &IpcNotifications.Signal);
        SyscallTable.RegisterKitten(Wait, &IpcNotifications.Wait);
        SyscallTable.RegisterKitten(GrantCreate, &IpcGrants.Create);
        SyscallTable.RegisterKitten(GrantMap, &IpcGrants.Map);
        SyscallTable.RegisterKitten(GrantUnmap, &IpcGrants.Unmap);
        SyscallTable.RegisterKitten(GrantRevoke, &IpcGrants.Revoke);
        SyscallTable.RegisterKitten(NameRegister, &IpcNames.Register);
        SyscallTable.RegisterKitten(NameLookup, &IpcNames.Lookup);
        SyscallTable.RegisterKitten(NameUnregister, &IpcNames.Unregister);
    }

    public static string NameOf(long number) => number switch
    {
        Call => "kitten_ipc_call",
        Send => "kitten_ipc_send",
        Receive => "kitten_ipc_receive",
        Reply => "kitten_ipc_reply",
        ReplyReceive => "kitten_ipc_reply_receive",
        SaveReply => "kitten_ipc_save_reply",
        EndpointCreate => "kitten_ipc_endpoint_create",
        NotificationCreate => "kitten_ipc_notification_create",
        Close => "kitten_ipc_close",
        Mint => "kitten_ipc_mint",
        Identify => "kitten_ipc_identify",
        Signal => "kitten_ipc_signal",
        Wait => "kitten_ipc_wait",
        GrantCreate => "kitten_ipc_grant_create",
        GrantMap => "kitten_ipc_grant_map",
        GrantUnmap => "kitten_ipc_grant_unmap",
        GrantRevoke => "kitten_ipc_grant_revoke",
        NameRegister => "kitten_ipc_name_register",
        NameLookup => "kitten_ipc_name_lookup",
        NameUnregister => "kitten_ipc_name_unregister",
        _ => "kitten_ipc_reserved",
    };
}
