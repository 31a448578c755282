// What a handle allows (README.md, "Handles and rights"). Owner rights exist only in the handle that created
// the object, in the creating process: minting and passing a handle on always strip them, so that the
// creator stays the one server of an endpoint, the one waiter of a notification, the one granter of a grant.
namespace Kitten.Kernel.Ipc;

internal static class IpcRights
{
    public const uint Send = 0x01;
    public const uint Receive = 0x02;
    public const uint Signal = 0x04;
    public const uint Wait = 0x08;
    public const uint MapRead = 0x10;
    public const uint MapWrite = 0x20;
    public const uint Revoke = 0x40;
    public const uint Transfer = 0x80;

    public const uint Owner = Receive | Wait | Revoke;
    public const uint All = 0xFF;

    public const uint NewEndpoint = Send | Receive | Transfer;
    public const uint NewNotification = Signal | Wait | Transfer;
    public const uint NewGrant = MapRead | Revoke | Transfer; // | MapWrite for a writable grant
    public const uint LookedUp = Send | Transfer;             // what NAME_LOOKUP hands out
    public const uint KernelGrant = MapRead | Transfer;       // what kitten_memory_view hands out: no owner
}

internal enum IpcObjectType : byte
{
    None = 0,
    Endpoint = 1,
    Notification = 2,
    Grant = 3,
    Reply = 4,
}
