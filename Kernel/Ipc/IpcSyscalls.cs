// The IPC system calls: their own number range beside the Linux table (README.md, "System call numbers").
// Each handler gets the caller's saved registers and returns the context to resume: the caller's own, or
// another thread's when the call switched to it. They run with interrupts off. The numbers and names are in
// IpcSyscalls.Numbers.cs (portable: service manifests name these calls, Kernel/Services).
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Ipc;

internal static unsafe partial class IpcSyscalls
{
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
        SyscallTable.RegisterKitten(MemoryView, &IpcMemoryView.MemoryView);
        SyscallTable.RegisterKitten(ExecPlaced, &Processes.PlacedExec.Call);
    }
}
