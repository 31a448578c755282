// The Linux x86-64 system call table: number -> handler. A handler reads its arguments from the saved
// user registers (RDI, RSI, RDX, R10, R8, R9, in that order; syscall(2)) and returns the result or a
// negative errno. Each family registers its own calls (ProcessSyscalls, MemorySyscalls, ...).
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class SyscallTable
{
    public const int Size = 512;

    private static delegate*<InterruptContext*, long>* s_handlers;

    public static void Initialize()
    {
        s_handlers = (delegate*<InterruptContext*, long>*)Memory.KernelHeap.AllocateZeroed(Size * 8);
        ProcessSyscalls.Register();
        MemorySyscalls.Register();
        FileSyscalls.Register();
        TransferSyscalls.Register();
        PathSyscalls.Register();
        DirectorySyscalls.Register();
        TimeSyscalls.Register();
        SystemSyscalls.Register();
        PollSyscalls.Register();
        SignalSyscalls.Register();
        FutexSyscalls.Register();
    }

    public static void Register(int number, delegate*<InterruptContext*, long> handler) => s_handlers[number] = handler;

    public static delegate*<InterruptContext*, long> Lookup(ulong number)
        => number < Size ? s_handlers[number] : null;
}
