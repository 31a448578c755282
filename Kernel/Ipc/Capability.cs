// One handle's worth: which object, what it allows, and (endpoints) the badge a receiver sees.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kitten.Kernel.Ipc;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Capability
{
    public IpcObject* Object;
    public ulong Badge;
    public uint Rights;

    public readonly bool IsEmpty => Object == null;
    public readonly IpcObjectType Type => Object == null ? IpcObjectType.None : Object->Type;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool Has(uint rights) => (Rights & rights) == rights;

    // The copy that MINT makes, or that a message carries (mask All, badge 0): owner rights stripped, other
    // rights narrowed by the mask; an unbadged endpoint handle may get a badge, a badged one keeps its own.
    // 0, or -EPERM (no TRANSFER right; re-badging).
    public readonly int Derive(uint mask, ulong badge, out Capability copy)
    {
        copy = default;
        if (!Has(IpcRights.Transfer))
            return -LinuxAbi.Errno.EPERM;
        if (badge != 0 && (Type != IpcObjectType.Endpoint || (Badge != 0 && Badge != badge)))
            return -LinuxAbi.Errno.EPERM;
        copy.Object = Object;
        copy.Rights = Rights & mask & ~IpcRights.Owner;
        copy.Badge = badge != 0 ? badge : Badge;
        return 0;
    }
}
