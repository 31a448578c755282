// A process's handles: numbers 1..Capacity naming capabilities, the lowest free number first (as file
// descriptors are handed out). The table holds one object reference per handle. Its storage is allocated
// on the process's first IPC call.
using System.Runtime.CompilerServices;
namespace Kitten.Kernel.Ipc;

internal unsafe struct HandleTable
{
    public const int Capacity = 512;

    private Capability* _slots;   // _slots[h - 1] for handle h
    private int _count;
    private int _lowestFree;      // no free slot below this index

    public readonly int Count => _count;
    public readonly bool IsAllocated => _slots != null;

    public bool Allocate()
    {
        if (_slots != null)
            return true;
        _slots = (Capability*)IpcPlatform.AllocateZeroed((ulong)(Capacity * sizeof(Capability)));
        return _slots != null;
    }

    // Puts a capability in the lowest free slot, taking a reference. Its handle, or -EMFILE / -ENOMEM.
    public int Install(in Capability capability)
    {
        if (!Allocate())
            return -LinuxAbi.Errno.ENOMEM;
        for (int i = _lowestFree; i < Capacity; i++)
        {
            if (!_slots[i].IsEmpty)
                continue;
            _slots[i] = capability;
            IpcObject.Retain(capability.Object);
            _count++;
            _lowestFree = i + 1;
            return i + 1;
        }
        _lowestFree = Capacity;
        return -LinuxAbi.Errno.EMFILE;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Capability* At(long handle)
        => _slots == null || handle < 1 || handle > Capacity || _slots[handle - 1].IsEmpty ? null : &_slots[handle - 1];

    // The capability behind a handle of the given type that has the given rights: 0, -EBADF (no such handle,
    // or of another type), -EPERM (the rights are missing).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Lookup(long handle, IpcObjectType type, uint rights, out Capability* capability)
    {
        capability = At(handle);
        if (capability == null || capability->Type != type)
        {
            capability = null;
            return -LinuxAbi.Errno.EBADF;
        }
        if (!capability->Has(rights))
        {
            capability = null;
            return -LinuxAbi.Errno.EPERM;
        }
        return 0;
    }

    // Empties a slot; the caller gets its capability and with it the reference the table held.
    public bool Remove(long handle, out Capability capability)
    {
        Capability* slot = At(handle);
        if (slot == null)
        {
            capability = default;
            return false;
        }
        capability = *slot;
        *slot = default;
        _count--;
        if (handle - 1 < _lowestFree)
            _lowestFree = (int)(handle - 1);
        return true;
    }

    // The handle numbers in use, one by one: start with 0, returns 0 after the last.
    public readonly int Next(int after)
    {
        if (_slots == null)
            return 0;
        for (int i = after; i < Capacity; i++)
        {
            if (!_slots[i].IsEmpty)
                return i + 1;
        }
        return 0;
    }

    public void FreeStorage()
    {
        if (_slots != null)
            IpcPlatform.Free(_slots);
        _slots = null;
        _count = 0;
        _lowestFree = 0;
    }
}
