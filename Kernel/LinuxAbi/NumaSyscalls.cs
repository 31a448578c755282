// NUMA memory policy, as far as a program can ask: get_mempolicy(2). The kernel knows one memory node
// (node 0: it reads no ACPI SRAT yet), and every process has the default policy, so the answers are
// MPOL_DEFAULT and node 0 — which is what the .NET runtime asks at start-up to size its heaps per node.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class NumaSyscalls
{
    private const int NodeCount = 1;
    private const ulong MaxNodemaskBits = 4096 * 8;   // a page of mask (mm/mempolicy.c copy_nodes_to_user)
    private const int MPOL_DEFAULT = 0;
    private const ulong MPOL_F_NODE = 1, MPOL_F_ADDR = 2, MPOL_F_MEMS_ALLOWED = 4;

    public static void Register() => SyscallTable.Register(Sys.GetMempolicy, &GetMempolicy);

    // get_mempolicy(int *mode, unsigned long *nodemask, unsigned long maxnode, void *addr, unsigned long flags).
    // Errors as Linux (mm/mempolicy.c do_get_mempolicy): unknown flags, MPOL_F_MEMS_ALLOWED with another
    // flag, an address without MPOL_F_ADDR, a nodemask shorter than the node count: EINVAL; an address
    // that is not mapped: EFAULT.
    private static long GetMempolicy(InterruptContext* c)
    {
        ulong modePointer = c->Rdi, nodemask = c->Rsi, maxnode = c->Rdx, address = c->R10, flags = c->R8;
        if ((flags & ~(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED)) != 0)
            return -Errno.EINVAL;
        if (nodemask != 0 && maxnode < NodeCount)
            return -Errno.EINVAL;
        bool allowed = (flags & MPOL_F_MEMS_ALLOWED) != 0;
        if (allowed && (flags & (MPOL_F_NODE | MPOL_F_ADDR)) != 0)
            return -Errno.EINVAL;
        if ((flags & MPOL_F_ADDR) == 0 && address != 0 && !allowed)
            return -Errno.EINVAL;
        if ((flags & MPOL_F_ADDR) != 0 && !IsMapped(address))
            return -Errno.EFAULT;
        // MPOL_F_NODE alone names the next node of an interleave policy, which no process here has.
        if ((flags & (MPOL_F_NODE | MPOL_F_ADDR)) == MPOL_F_NODE)
            return -Errno.EINVAL;

        // MPOL_F_NODE | MPOL_F_ADDR: the node of the page at the address, node 0.
        int mode = (flags & MPOL_F_NODE) != 0 ? 0 : MPOL_DEFAULT;
        if (!allowed && modePointer != 0 && !UserMemory.Write32(modePointer, (uint)mode))
            return -Errno.EFAULT;
        if (nodemask != 0)
        {
            // ALIGN(maxnode - 1, 64) / 8 bytes, as Linux copies, and EINVAL (after the mode is written)
            // beyond a page; the default policy's mask is empty, the allowed nodes are node 0.
            ulong bytes = maxnode - 1 > MaxNodemaskBits ? MaxNodemaskBits / 8 + 8 : (maxnode - 1 + 63) / 64 * 8;
            if (bytes > MaxNodemaskBits / 8)
                return -Errno.EINVAL;
            if (bytes > 0 && UserMemory.Zero(nodemask, bytes) != 0)
                return -Errno.EFAULT;
            if (allowed && bytes > 0 && !UserMemory.Write64(nodemask, 1))
                return -Errno.EFAULT;
        }
        return 0;
    }

    private static bool IsMapped(ulong address)
    {
        Process process = Process.Current;
        process.MemoryLock.Acquire();
        bool mapped = process.Memory.Areas.Find(address) >= 0;
        process.MemoryLock.Release();
        return mapped;
    }
}
