// Where syscall.asm hands over: the system call number is in RAX and the arguments in RDI, RSI, RDX, R10,
// R8, R9 (the x86-64 Linux convention, syscall(2)); the result goes back in RAX, a negative errno on
// failure. Numbers without a handler return -ENOSYS.
using System.Runtime;
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class SyscallDispatcher
{
    [RuntimeExport("SyscallDispatch")]
    private static InterruptContext* Dispatch(InterruptContext* context)
    {
        CpuLocal.Current->KernelEntries++;
        context->Rax = unchecked((ulong)(long)-Errno.ENOSYS);
        return context;
    }
}
