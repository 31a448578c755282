// GRANT_CREATE, GRANT_MAP, GRANT_UNMAP, GRANT_REVOKE, and the TLB flushes revoking needs: pages leave a
// grantee's page tables under IpcLock (UnmapFromSpace records the space), and once the lock is let go every
// CPU that may cache them is flushed (UnlockAndFlush) before the revoking call returns.
//
// The calls that read or change the caller's own address space (CREATE reads its areas and page tables,
// MAP and UNMAP change them) hold its process's memory lock, taken before IpcLock as mmap and munmap take
// it before they revoke: another thread of the process may be mapping or unmapping at the same time.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.Ipc;

internal static unsafe class IpcGrants
{
    private const int PendingCapacity = 32;
    private const int ProtRead = 1, ProtWrite = 2;

    // Page-table roots whose TLBs need a flush (0: flush every CPU running a user thread); under IpcLock.
    private static ulong* s_pending;
    private static int s_pendingCount;
    private static bool s_pendingOverflow;

    public static void Initialize()
    {
        s_pending = (ulong*)IpcPlatform.AllocateZeroed(PendingCapacity * sizeof(ulong));
    }

    public static void UnmapFromSpace(nint space, ulong address, ulong length)
    {
        ProcessMemory memory = ProcessMemory.FromHandle(space);
        memory.ClearGrantPages(address, length);
        ulong root = memory.Cr3;
        for (int i = 0; i < s_pendingCount; i++)
        {
            if (s_pending[i] == root)
                return;
        }
        if (s_pending != null && s_pendingCount < PendingCapacity)
            s_pending[s_pendingCount++] = root;
        else
            s_pendingOverflow = true;
    }

    // Releases IpcLock, then flushes the TLBs that revocations made stale, everywhere.
    public static void UnlockAndFlush()
    {
        int count = s_pendingCount;
        bool overflow = s_pendingOverflow;
        ulong* roots = stackalloc ulong[PendingCapacity];
        for (int i = 0; i < count; i++)
            roots[i] = s_pending[i];
        s_pendingCount = 0;
        s_pendingOverflow = false;
        IpcLock.Release();
        if (overflow)
        {
            TlbShootdown.FlushEverywhere(0);
            return;
        }
        for (int i = 0; i < count; i++)
            TlbShootdown.FlushEverywhere(roots[i]);
    }

    // RDI address, RSI length (page-aligned), RDX PROT_READ or PROT_READ|PROT_WRITE.
    public static InterruptContext* Create(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        ulong start = c->Rdi, length = c->Rsi;
        int prot = (int)c->Rdx;
        if (c->Rdx > 3 || (prot != ProtRead && prot != (ProtRead | ProtWrite)) || length == 0
            || ((start | length) & (ProcessMemory.PageSize - 1)) != 0 || !UserMemory.IsUserRange(start, length))
            return IpcKernel.Fail(c, -Errno.EINVAL);
        Process process = Process.Current;
        process.MemoryLock.Acquire();
        ProcessMemory memory = process.Memory;
        IpcLock.Acquire();
        long result = -Errno.ENOMEM;
        Grant* grant = GrantTable.Create(t->Process, memory.Handle, start, length, prot);
        if (grant != null)
        {
            result = memory.DescribeForGrant(start, start + length, prot, grant);
            if (result == 0)
            {
                uint rights = IpcRights.NewGrant | ((prot & ProtWrite) != 0 ? IpcRights.MapWrite : 0);
                result = t->Process->Handles.Install(new Capability { Object = &grant->Header, Rights = rights });
            }
            if (result < 0)
                IpcObject.Discard(&grant->Header);
            else
                GrantTable.Publish(grant);
        }
        IpcLock.Release();
        process.MemoryLock.Release();
        return IpcKernel.Result(c, result);
    }

    // RDI grant handle, RSI prot. The address.
    public static InterruptContext* Map(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        Process process = Process.Current;
        process.MemoryLock.Acquire();
        ProcessMemory memory = process.Memory;
        IpcLock.Acquire();
        long result = t->Process->Handles.Lookup((long)c->Rdi, IpcObjectType.Grant, 0, out Capability* capability);
        if (result == 0)
        {
            Grant* grant = (Grant*)capability->Object;
            result = c->Rsi > 3 ? -Errno.EINVAL : GrantTable.CheckProt((int)c->Rsi, capability->Rights);
            if (result == 0)
                result = grant->Header.Dead ? -Errno.EPIPE : memory.MapGrant(grant, (int)c->Rsi);
        }
        IpcLock.Release();
        process.MemoryLock.Release();
        return IpcKernel.Result(c, result);
    }

    // RDI grant handle, RSI the address GRANT_MAP returned.
    public static InterruptContext* Unmap(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        Process process = Process.Current;
        process.MemoryLock.Acquire();
        ProcessMemory memory = process.Memory;
        IpcLock.Acquire();
        int error = t->Process->Handles.Lookup((long)c->Rdi, IpcObjectType.Grant, 0, out Capability* capability);
        ulong length = 0;
        if (error == 0)
        {
            Grant* grant = (Grant*)capability->Object;
            int mapping = grant->FindMapping(memory.Handle, c->Rsi);
            if (mapping < 0)
                error = -Errno.EINVAL;
            else
                length = grant->MappingLength[mapping];
        }
        IpcLock.Release();
        // As munmap: the area goes (ProcessMemory.UnmapGrantArea forgets the mapping under IpcLock).
        if (error == 0 && !memory.RemoveRange(c->Rsi, c->Rsi + length))
            error = -Errno.ENOMEM;
        process.MemoryLock.Release();
        return IpcKernel.Result(c, error);
    }

    public static InterruptContext* Revoke(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        IpcLock.Acquire();
        int result = t->Process->Handles.Lookup((long)c->Rdi, IpcObjectType.Grant, IpcRights.Revoke, out Capability* capability);
        if (result == 0)
        {
            Grant* grant = (Grant*)capability->Object;
            if (grant->Header.Dead)
                result = -Errno.EPIPE;
            else
                GrantTable.Revoke(grant);
        }
        UnlockAndFlush();
        return IpcKernel.Result(c, result);
    }
}
