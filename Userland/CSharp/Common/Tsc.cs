using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kitten.Userland;

// Reads the time stamp counter: the clock by which the benchmarks compare Kitten with Linux. Under QEMU with
// `-icount shift=0,sleep=off` it advances one tick per instruction, on both kernels alike, and the C
// benchmark programs (Userland/Include/bench.h) and the harness read the same counter, so a TSC value
// printed here can be compared with one they print. Stopwatch cannot serve: it is CLOCK_MONOTONIC, whose
// origin and rate are each kernel's own.
//
// C# has no RDTSC intrinsic, so the 13 bytes of bench_ticks() are put in a page of their own, made
// executable, and called through an unmanaged function pointer: `lfence; rdtsc; shl rdx, 32;
// or rax, rdx; ret`. That costs one mmap and one mprotect, the first time only.
internal static unsafe class Tsc
{
    private const int ProtRead = 0x1, ProtWrite = 0x2, ProtExec = 0x4;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20;
    private const nuint PageSize = 4096;

    private static readonly byte[] s_code =
    {
        0x0F, 0xAE, 0xE8,       // lfence: wait until earlier instructions have completed
        0x0F, 0x31,             // rdtsc: edx:eax = TSC
        0x48, 0xC1, 0xE2, 0x20, // shl rdx, 32
        0x48, 0x09, 0xD0,       // or rax, rdx
        0xC3,                   // ret
    };

    // SuppressGCTransition: the stub touches no managed state and takes a few cycles, so the call needs no
    // switch to preemptive mode (which would add more work than the read itself).
    private static delegate* unmanaged[SuppressGCTransition]<ulong> s_read;

    public static ulong Read()
    {
        if (s_read == null)
            s_read = CreateStub();
        return s_read();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static delegate* unmanaged[SuppressGCTransition]<ulong> CreateStub()
    {
        nint page = Mmap(0, PageSize, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (page == -1)
            throw new InvalidOperationException($"mmap for the TSC stub failed: errno {Marshal.GetLastPInvokeError()}");
        s_code.CopyTo(new Span<byte>((void*)page, s_code.Length));
        if (Mprotect(page, PageSize, ProtRead | ProtExec) != 0)
            throw new InvalidOperationException($"mprotect of the TSC stub failed: errno {Marshal.GetLastPInvokeError()}");
        return (delegate* unmanaged[SuppressGCTransition]<ulong>)page;
    }

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static extern int Mprotect(nint address, nuint length, int protection);
}
