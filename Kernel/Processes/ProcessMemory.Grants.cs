// An address space's side of IPC grants (Kernel/Ipc/Grant.cs). As a granter: the physical pieces behind a
// granted region, and revoking grants before any of their memory leaves the space (unmapped, given back,
// or the whole space destroyed). As a grantee: grant mappings, which live only in the grant window, a part
// of the user half that nothing else maps. The window's page tables are changed only under IpcLock, so
// that another process revoking a grant can clear its pages here without racing this process's own
// mmap/munmap, which never touch the window.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Ipc;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.Processes;

internal sealed unsafe partial class ProcessMemory
{
    public const ulong GrantWindowStart = 0x0000_007E_0000_0000;   // 504 GiB
    public const ulong GrantWindowEnd = 0x0000_007F_0000_0000;     // 508 GiB

    public static bool InGrantWindow(ulong start, ulong end) => start < GrantWindowEnd && GrantWindowStart < end;

    public nint Handle => (nint)System.Runtime.RuntimeHelpersEx.AddressOf(this);

    public static ProcessMemory FromHandle(nint handle)
        => System.Runtime.CompilerServices.Unsafe.As<ProcessMemory>(System.Runtime.RuntimeHelpersEx.ToObject((void*)handle));

    // ---- granter ----

    // Records the physical pieces behind [start, end) in the grant. The range must be committed memory of
    // this space's own (not a grant mapping) that allows prot: 0, -EFAULT (not all mapped), -EACCES (allows
    // less), -EINVAL (a grant mapping), -ENOMEM (too many pieces).
    public int DescribeForGrant(ulong start, ulong end, int prot, Grant* grant)
    {
        if (!Covered(start, end))
            return -Errno.EFAULT;
        for (int i = Areas.FirstEndingAfter(start); i < Areas.Count && Areas.At(i).Start < end; i++)
        {
            Vma vma = Areas.At(i);
            if (!vma.Committed)
                return -Errno.EFAULT;
            if (vma.Kind == VmaKind.Grant)
                return -Errno.EINVAL;
            if ((vma.Prot & prot) != prot)
                return -Errno.EACCES;
        }
        for (ulong at = start; at < end;)
        {
            if (!Tables.Translate(at, out ulong physical, out _, out ulong pageSize))
                return -Errno.EFAULT;
            ulong pageEnd = (at & ~(pageSize - 1)) + pageSize;
            ulong pieceEnd = pageEnd < end ? pageEnd : end;
            if (!grant->AddRun(physical, pieceEnd - at))
                return -Errno.ENOMEM;
            Tables.ForgetZeroed(at); // grantees write it through their own mappings
            at = pieceEnd;
        }
        return 0;
    }

    // Memory of [start, end) is about to leave this space: grants of it are revoked first, and every
    // grantee's TLBs flushed, so that no grantee can reach it once it is reused.
    private void RevokeGrantsIn(ulong start, ulong end)
    {
        if (!GrantTable.HasLive)
            return;
        IpcLock.Acquire();
        GrantTable.RevokeOverlapping(Handle, start, end);
        IpcGrants.UnlockAndFlush();
    }

    // The whole space goes: its grants are revoked, its mappings of others' grants forgotten.
    private void ForgetGrants()
    {
        if (!GrantTable.HasLive)
            return;
        IpcLock.Acquire();
        GrantTable.ForgetSpace(Handle);
        IpcGrants.UnlockAndFlush();
    }

    // ---- grantee ----

    // Maps the grant's memory at a free place of the grant window with prot (PROT_READ or PROT_READ|
    // PROT_WRITE; checked by the caller). Caller holds IpcLock. The address, or -ENOMEM.
    public long MapGrant(Grant* grant, int prot)
    {
        ulong length = grant->Length;
        ulong alignment = length >= (2UL << 20) ? 2UL << 20 : PageSize;
        ulong address = Areas.FindGapBelow(GrantWindowEnd, GrantWindowStart, length, alignment);
        if (address == 0)
            return -Errno.ENOMEM;
        var vma = new Vma { Start = address, End = address + length, Prot = prot, Kind = VmaKind.Grant, Committed = true };
        if (!Areas.Insert(vma))
            return -Errno.ENOMEM;
        ulong at = address;
        for (int i = 0; i < grant->RunCount; i++)
        {
            if (Tables.Map(at, grant->RunPhysical[i], grant->RunLength[i], FlagsFor(prot), KernelPageTables.LargestPages) != PageTableResult.Ok)
            {
                Tables.ClearLeaves(address, at - address);
                Areas.RemoveAt(Areas.Find(address));
                return -Errno.ENOMEM;
            }
            at += grant->RunLength[i];
        }
        if (!grant->AddMapping(Handle, address, length, prot))
        {
            Tables.ClearLeaves(address, length);
            Areas.RemoveAt(Areas.Find(address));
            return -Errno.ENOMEM;
        }
        return (long)address;
    }

    // munmap of (part of) a grant mapping: its pages go from the page tables, but stay the granter's.
    private void UnmapGrantArea(ulong start, ulong end)
    {
        IpcLock.Acquire();
        GrantTable.ForgetRange(Handle, start, end);
        Tables.Unmap(start, end - start);
        IpcLock.Release();
    }

    // mprotect of a grant mapping: it may narrow what the mapping allows, never widen it.
    private bool ProtectGrantArea(ulong start, ulong end, int prot)
    {
        IpcLock.Acquire();
        bool allowed = GrantTable.Allows(Handle, start, end, prot);
        if (allowed)
            Tables.Protect(start, end - start, FlagsFor(prot));
        IpcLock.Release();
        return allowed;
    }

    // Whether mprotect(prot) of [start, end) would widen a grant mapping (EACCES, as Linux for a shared
    // mapping of a file opened read-only).
    public bool WidensGrant(ulong start, ulong end, int prot)
    {
        if (!GrantTable.HasLive)
            return false;
        IpcLock.Acquire();
        bool allowed = GrantTable.Allows(Handle, start, end, prot);
        IpcLock.Release();
        return !allowed;
    }

    // Revoking: the grant's pages leave this space's page tables; the tables themselves stay until this
    // space unmaps the area or is destroyed (another CPU may still cache them until it is flushed).
    public void ClearGrantPages(ulong address, ulong length) => Tables.ClearLeaves(address, length);
}
