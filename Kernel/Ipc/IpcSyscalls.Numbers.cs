// The IPC system call numbers and their names (README.md, "System call numbers"). Portable: the service
// policies (Kernel/Services) map manifests' `calls` words onto these numbers, and are unit-tested on the host.
namespace Kitten.Kernel.Ipc;

internal static partial class IpcSyscalls
{
    public const int First = 1024;
    public const int Count = 32;      // 1024..1055; 1046.. reserved

    public const int Call = 1024, Send = 1025, Receive = 1026, Reply = 1027, ReplyReceive = 1028, SaveReply = 1029,
        EndpointCreate = 1030, NotificationCreate = 1031, Close = 1032, Mint = 1033, Identify = 1034,
        Signal = 1035, Wait = 1036, GrantCreate = 1037, GrantMap = 1038, GrantUnmap = 1039, GrantRevoke = 1040,
        NameRegister = 1041, NameLookup = 1042, NameUnregister = 1043;

    // Kitten's calls beside IPC, in the same range: the free-memory view for the memory-policy service
    // (IpcMemoryView.cs), and exec with a physical placement (Kernel/Processes/PlacedExec.cs).
    public const int MemoryView = 1044, ExecPlaced = 1045;

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
        MemoryView => "kitten_memory_view",
        ExecPlaced => "kitten_exec_placed",
        _ => "kitten_ipc_reserved",
    };
}
