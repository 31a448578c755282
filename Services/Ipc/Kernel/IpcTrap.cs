using System.Runtime.InteropServices;

namespace Kitten.Ipc.Kernel;

// The one way into the kernel's IPC calls. They take arguments in registers that neither a C# call nor
// glibc's syscall(2) wrapper can set (RBX, R10 and R12..R15 besides the usual; Kernel/Ipc/README.md,
// Registers), so the call goes through a small stub of machine code, the same register convention as
// kitten_ipc_message_call in Userland/Include/kitten_ipc.h, put in a page of its own and made executable
// (as Userland/CSharp/Common/Tsc.cs does for RDTSC). As a System V function:
//
//     long kitten_ipc_trap(long number, long handle, struct kitten_ipc_msg *m, u64 timeout, void *buffer, u64 capacity)
//
// in: RAX number, RDI handle, RSI m->info, RDX timeout, RBX buffer, R10 capacity, R8, R9, R12..R15 m->w[0..5];
// out: RAX the result; m->info from RSI, m->badge from RDI, m->w[] from the message registers, m->sender
// from RDX (the sending process's ID after a receive; otherwise whatever RDX held). The calls
// that take up to three plain arguments (RDI, RSI, RDX) use it too, with m->info as RSI; their second and
// third results come back in m->info (RSI) and m->badge (RDI).
internal static unsafe class IpcTrap
{
    private static readonly byte[] s_code =
    {
        0x53,                   // push rbx                 (callee-saved registers the call uses)
        0x55,                   // push rbp
        0x41, 0x54,             // push r12
        0x41, 0x55,             // push r13
        0x41, 0x56,             // push r14
        0x41, 0x57,             // push r15
        0x48, 0x89, 0xD5,       // mov rbp, rdx             m
        0x48, 0x89, 0xF8,       // mov rax, rdi             number
        0x48, 0x89, 0xF7,       // mov rdi, rsi             handle
        0x48, 0x8B, 0x75, 0x00, // mov rsi, [rbp]           info
        0x48, 0x89, 0xCA,       // mov rdx, rcx             timeout
        0x4C, 0x89, 0xC3,       // mov rbx, r8              buffer
        0x4D, 0x89, 0xCA,       // mov r10, r9              capacity
        0x4C, 0x8B, 0x45, 0x10, // mov r8,  [rbp + 16]      MR0
        0x4C, 0x8B, 0x4D, 0x18, // mov r9,  [rbp + 24]      MR1
        0x4C, 0x8B, 0x65, 0x20, // mov r12, [rbp + 32]      MR2
        0x4C, 0x8B, 0x6D, 0x28, // mov r13, [rbp + 40]      MR3
        0x4C, 0x8B, 0x75, 0x30, // mov r14, [rbp + 48]      MR4
        0x4C, 0x8B, 0x7D, 0x38, // mov r15, [rbp + 56]      MR5
        0x0F, 0x05,             // syscall
        0x48, 0x89, 0x75, 0x00, // mov [rbp], rsi           info
        0x48, 0x89, 0x7D, 0x08, // mov [rbp + 8], rdi       badge
        0x48, 0x89, 0x55, 0x40, // mov [rbp + 64], rdx      sender (RECEIVE, REPLY_RECEIVE)
        0x4C, 0x89, 0x45, 0x10, // mov [rbp + 16], r8
        0x4C, 0x89, 0x4D, 0x18, // mov [rbp + 24], r9
        0x4C, 0x89, 0x65, 0x20, // mov [rbp + 32], r12
        0x4C, 0x89, 0x6D, 0x28, // mov [rbp + 40], r13
        0x4C, 0x89, 0x75, 0x30, // mov [rbp + 48], r14
        0x4C, 0x89, 0x7D, 0x38, // mov [rbp + 56], r15
        0x41, 0x5F,             // pop r15
        0x41, 0x5E,             // pop r14
        0x41, 0x5D,             // pop r13
        0x41, 0x5C,             // pop r12
        0x5D,                   // pop rbp
        0x5B,                   // pop rbx
        0xC3,                   // ret
    };

    private const int ProtRead = 0x1, ProtWrite = 0x2, ProtExec = 0x4;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20;
    private const nuint PageSize = 4096;

    // Not SuppressGCTransition: calls block (for as long as their timeout), and a thread blocked in
    // cooperative mode would hold up every garbage collection.
    private static delegate* unmanaged<long, long, KernelMessage*, ulong, void*, ulong, long> s_trap;
    private static readonly Lock s_lock = new();

    public static long Invoke(long number, long handle, KernelMessage* message, ulong timeout, void* buffer, ulong capacity)
    {
        if (s_trap == null)
            CreateStub();
        return s_trap(number, handle, message, timeout, buffer, capacity);
    }

    // A call with plain arguments in RDI, RSI, RDX; its other results in rsi and rdi.
    public static long Invoke(long number, ulong rdi, ulong rsi, ulong rdx, out ulong rsiOut, out ulong rdiOut)
    {
        var message = new KernelMessage { Info = rsi };
        long result = Invoke(number, (long)rdi, &message, rdx, null, 0);
        rsiOut = message.Info;
        rdiOut = message.Badge;
        return result;
    }

    public static long Invoke(long number, ulong rdi = 0, ulong rsi = 0, ulong rdx = 0)
        => Invoke(number, rdi, rsi, rdx, out _, out _);

    private static void CreateStub()
    {
        lock (s_lock)
        {
            if (s_trap != null)
                return;
            nint page = Mmap(0, PageSize, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            if (page == -1)
                throw new IpcException($"mmap for the IPC stub failed: errno {Marshal.GetLastPInvokeError()}");
            s_code.CopyTo(new Span<byte>((void*)page, s_code.Length));
            if (Mprotect(page, PageSize, ProtRead | ProtExec) != 0)
                throw new IpcException($"mprotect of the IPC stub failed: errno {Marshal.GetLastPInvokeError()}");
            s_trap = (delegate* unmanaged<long, long, KernelMessage*, ulong, void*, ulong, long>)page;
        }
    }

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static extern int Mprotect(nint address, nuint length, int protection);
}
