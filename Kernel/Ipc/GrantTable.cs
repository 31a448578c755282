// Every live grant, for the questions address spaces ask: does unmapping this range of mine revoke a grant
// (the granter side), which mappings of grants are in this space (the grantee side). Grants are few and
// made rarely, so a list does. The kernel's own grant (the free-memory view) is on the list too, so that
// its grantees' mappings are found like any others; it is never revoked.
using System.Runtime.CompilerServices;
using Kitten.Kernel.LinuxAbi;

namespace Kitten.Kernel.Ipc;

internal static unsafe class GrantTable
{
    private static Grant* s_live;
    private static Grant* s_kernel;     // the kernel's own grant, or null
    private static Grant s_kernelStorage;
    private static ulong s_nextId = 1;

    // Whether unmapping memory, exec or exit could concern a grant: false when there is none, or only the
    // kernel's with no mapping anywhere, so that the process paths that ask (munmap, exit) stay as cheap as
    // before the kernel made its grant. Read without IpcLock, as before: a grant being made or mapped by
    // another process concerns this one's memory only once it maps it, which its own memory lock orders.
    public static bool HasLive => s_live != null && (s_live != s_kernel || s_live->NextLive != null || s_live->MappingCount != 0);

    // Unmaps a grant's pages from a grantee's space (no TLB flush yet): set by the kernel.
    public static delegate*<nint, ulong, ulong, void> UnmapFromSpace;

    public static Grant* Create(ProcessIpc* owner, nint granter, ulong start, ulong length, int maxProt)
    {
        var g = (Grant*)IpcObject.Allocate((ulong)sizeof(Grant), IpcObjectType.Grant, owner);
        if (g == null)
            return null;
        g->Id = s_nextId++;
        g->Granter = granter;
        g->Start = start;
        g->Length = length;
        g->MaxProt = maxProt;
        return g;
    }

    // The kernel's own read-only grant of [physical, physical + length), made once: granter KernelGranter,
    // owned by no process, published, and held by the kernel for good (a reference of its own besides the
    // list's), so that closing every handle to it frees nothing. It lives in a static, not on the kernel
    // heap: it is never freed, it is no leak for the checks that count live objects, and the heap's
    // layout (which the cost of every later allocation depends on) stays as it was without it.
    // Caller holds IpcLock.
    public static Grant* CreateKernelGrant(ulong physical, ulong length)
    {
        const int ProtRead = 1;
        var g = (Grant*)Unsafe.AsPointer(ref s_kernelStorage);
        g->Header.Type = IpcObjectType.Grant;
        g->Id = s_nextId++;
        g->Granter = Grant.KernelGranter;
        g->Start = 0;
        g->Length = length;
        g->MaxProt = ProtRead;
        g->AddRun(physical, length);
        Publish(g);
        IpcObject.Retain(&g->Header);
        s_kernel = g;
        return g;
    }

    // Makes a grant live once its runs are recorded (it holds a reference while live).
    public static void Publish(Grant* g)
    {
        IpcObject.Retain(&g->Header);
        g->NextLive = s_live;
        s_live = g;
    }

    // Unmaps it from every grantee and lets it die. The caller flushes the grantees' TLBs (every space
    // passed to UnmapFromSpace) before the granter's memory can be reused.
    public static void Revoke(Grant* g)
    {
        // The kernel's grant is never revoked: no handle to it carries REVOKE or owner rights, and no space
        // is its granter; this is the last line should a path ever get here.
        if (g->Header.Dead || g->Granter == Grant.KernelGranter)
            return;
        g->Header.Dead = true;
        g->Header.Owner = null;
        for (int i = 0; i < g->MappingCount; i++)
            UnmapFromSpace((nint)g->MappingSpace[i], g->MappingAddress[i], g->MappingLength[i]);
        g->MappingCount = 0;
        fixed (Grant** head = &s_live)
        {
            for (Grant** link = head; *link != null; link = &(*link)->NextLive)
            {
                if (*link == g)
                {
                    *link = g->NextLive;
                    g->NextLive = null;
                    IpcObject.Release(&g->Header);
                    break;
                }
            }
        }
    }

    // The granter is letting go of [start, end) of its space: grants overlapping it are revoked. Returns how
    // many.
    public static int RevokeOverlapping(nint granter, ulong start, ulong end)
    {
        int count = 0;
        Grant* g = s_live;
        while (g != null)
        {
            Grant* next = g->NextLive;
            if (g->Granter == granter && g->Overlaps(start, end))
            {
                Revoke(g);
                count++;
            }
            g = next;
        }
        return count;
    }

    // A grantee unmapped [start, end) of its space itself.
    public static void ForgetRange(nint space, ulong start, ulong end)
    {
        for (Grant* g = s_live; g != null; g = g->NextLive)
            g->ForgetRange(space, start, end);
    }

    // A space is going away: its grants are revoked and its mappings of others' grants forgotten (its page
    // tables go with it).
    public static void ForgetSpace(nint space)
    {
        RevokeOverlapping(space, 0, ulong.MaxValue);
        for (Grant* g = s_live; g != null; g = g->NextLive)
        {
            for (int i = g->MappingCount - 1; i >= 0; i--)
            {
                if (g->MappingSpace[i] == space)
                    g->RemoveMappingAt(i);
            }
        }
    }

    // Whether every grant mapping of the space in [start, end) allows prot (mprotect may narrow, not widen).
    public static bool Allows(nint space, ulong start, ulong end, int prot)
    {
        for (Grant* g = s_live; g != null; g = g->NextLive)
        {
            if (!g->Allows(space, start, end, prot))
                return false;
        }
        return true;
    }

    // The grant mapped at address in the space, or null.
    public static Grant* MappedAt(nint space, ulong address)
    {
        for (Grant* g = s_live; g != null; g = g->NextLive)
        {
            if (g->FindMapping(space, address) >= 0)
                return g;
        }
        return null;
    }

    public static int CheckProt(int prot, uint rights)
    {
        const int Read = 1, Write = 2;
        if (prot != Read && prot != (Read | Write))
            return -Errno.EINVAL;
        if ((rights & IpcRights.MapRead) == 0 || ((prot & Write) != 0 && (rights & IpcRights.MapWrite) == 0))
            return -Errno.EACCES;
        return 0;
    }

    // For the host tests: forget everything.
    public static void Reset()
    {
        s_live = null;
        s_kernel = null;
        s_nextId = 1;
    }
}
