// What every IPC object (endpoint, notification, grant, saved reply) starts with. An object lives while
// something refers to it — a handle, a registry name, a thread waiting on it, a handle in flight in a
// message — and is freed when the last reference goes. It is *dead* once its owner let go (closed the owner
// handle, exited, revoked): it stays allocated for the handles still naming it, which then get EPIPE.
// All IPC state is under IpcLock in the kernel.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kitten.Kernel.Ipc;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IpcObject
{
    public IpcObjectType Type;
    public bool Dead;
    public int References;
    public ProcessIpc* Owner;    // the process holding the owner handle; null once dead

    // Objects allocated and not yet freed, for leak checks.
    public static int Live;

    // A new object of `size` bytes (its type's struct), with no references yet.
    public static IpcObject* Allocate(ulong size, IpcObjectType type, ProcessIpc* owner)
    {
        var o = (IpcObject*)IpcPlatform.AllocateZeroed(size);
        if (o == null)
            return null;
        o->Type = type;
        o->Owner = owner;
        Live++;
        return o;
    }

    // Frees an object that never got a reference (its creation failed half-way).
    public static void Discard(IpcObject* o)
    {
        Live--;
        IpcPlatform.Free(o);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Retain(IpcObject* o) => o->References++;

    // Drops one reference; frees the object with the last one.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Release(IpcObject* o)
    {
        if (--o->References > 0)
            return;
        LastReferenceGone(o);
    }

    private static void LastReferenceGone(IpcObject* o)
    {
        if (o->Type == IpcObjectType.Reply)
            SavedReply.LastReferenceGone((SavedReply*)o);
        Live--;
        IpcPlatform.Free(o);
    }
}
