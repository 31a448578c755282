// kitten_memory_view (1044): the kernel's free-memory view (Kernel/Memory/KernelFreeMemoryView.cs) as a
// read-only grant, which a client passes to the memory manager (Services/MemoryManager) in its Attach
// message and the manager maps with GRANT_MAP.
//
// The grant is the kernel's, not any process's: its granter is Grant.KernelGranter, it has no owner handle
// (every handle to it has MAP_READ and TRANSFER only: GRANT_MAP with write fails with EACCES and
// GRANT_REVOKE with EPERM, as for a read-only grant passed on), and the kernel holds a reference to it for
// good, so that it survives every process and every handle closed. It is made once, at boot with the rest
// of IPC, rather than on the first call: its pages are then the kernel's from before the first program, and
// the memory a program leaves behind (what the tests check at exit) is the same whether or not it asked
// for the view.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.Ipc;

internal static unsafe class IpcMemoryView
{
    private static Grant* s_grant;

    public static void Initialize()
    {
        if (!KernelFreeMemoryView.Initialize())
        {
            Console.WriteLine("ipc: no memory for the free-memory view: kitten_memory_view will fail with ENOMEM");
            return;
        }
        IpcLock.Acquire();
        s_grant = GrantTable.CreateKernelGrant(KernelFreeMemoryView.Physical, KernelFreeMemoryView.Bytes);
        IpcLock.Release();
    }

    // No arguments. Rewrites the view from pmem as it is now; RAX a new handle to the grant, or -errno
    // (ENOMEM: no view; EMFILE: the handle table is full).
    public static InterruptContext* MemoryView(InterruptContext* c)
    {
        ThreadIpc* t = IpcKernel.Begin(c, out _);
        if (t == null || s_grant == null)
            return IpcKernel.Fail(c, -Errno.ENOMEM);
        KernelFreeMemoryView.Refresh();
        IpcLock.Acquire();
        long result = t->Process->Handles.Install(new Capability { Object = &s_grant->Header, Rights = IpcRights.KernelGrant });
        IpcLock.Release();
        return IpcKernel.Result(c, result);
    }
}
