// The Linux x86-64 system call table: number -> handler. A handler reads its arguments from the saved
// user registers (RDI, RSI, RDX, R10, R8, R9, in that order; syscall(2)) and returns the result or a
// negative errno. Each family registers its own calls (ProcessSyscalls, MemorySyscalls, ...).
//
// Beside it, Kitten's own calls (IPC, Kernel/Ipc/README.md) in their range 1024..1055, above every Linux
// number and without the x32 bit: their handlers return the context to resume, because a call may switch
// straight to another thread.
using System.Runtime.CompilerServices;
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.LinuxAbi;

internal static unsafe class SyscallTable
{
    public const int Size = 512;

    private static delegate*<InterruptContext*, long>* s_handlers;

    public const ulong KittenFirst = (ulong)Ipc.IpcSyscalls.First;
    public const ulong KittenCount = (ulong)Ipc.IpcSyscalls.Count;
    private static delegate*<InterruptContext*, InterruptContext*>* s_kittenHandlers;

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
        NumaSyscalls.Register();
        s_kittenHandlers = (delegate*<InterruptContext*, InterruptContext*>*)Memory.KernelHeap.AllocateZeroed(KittenCount * 8);
        Ipc.IpcSyscalls.Register();
    }

    public static void RegisterKitten(int number, delegate*<InterruptContext*, InterruptContext*> handler)
        => s_kittenHandlers[(ulong)number - KittenFirst] = handler;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static delegate*<InterruptContext*, InterruptContext*> LookupKitten(ulong number)
        => number - KittenFirst < KittenCount ? s_kittenHandlers[number - KittenFirst] : null;

    public static void Register(int number, delegate*<InterruptContext*, long> handler) => s_handlers[number] = handler;

    // The table every unrestricted thread uses (Thread.SyscallHandlers). A process under a service manifest
    // has its policy's copy instead, with the calls it may not make pointing at the refusal (Kernel/Services):
    // the check costs the system call path nothing.
    public static delegate*<InterruptContext*, long>* Handlers => s_handlers;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // every system call: ILC does not inline on its own
    public static delegate*<InterruptContext*, long> Lookup(delegate*<InterruptContext*, long>* table, ulong number)
        => number < Size ? table[number] : null;
}
