// Enables SYSCALL and points it at syscall.asm (AMD APM vol. 2, 6.1.1 "SYSCALL and SYSRET"; the MSRs
// are listed in Intel SDM vol. 4). Every CPU does this for itself.
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kitten.Kernel.Arch.X64;

internal static class SyscallMsrs
{
    private const uint Efer = 0xC0000080;
    private const uint Star = 0xC0000081;
    private const uint Lstar = 0xC0000082;
    private const uint Fmask = 0xC0000084;

    private const ulong EferSystemCallEnable = 1;

    // Cleared on entry: TF, IF, DF, AC.
    private const ulong MaskedFlags = (1 << 8) | (1 << 9) | (1 << 10) | (1 << 18);

    [RuntimeImport("kitten_syscall_entry")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern ulong EntryAddress();

    public static void InitializeThisCpu()
    {
        Cpu.WriteMsr(Efer, Cpu.ReadMsr(Efer) | EferSystemCallEnable);
        // SYSCALL loads CS from STAR[47:32] (SS = CS + 8); SYSRET derives the user segments from
        // STAR[63:48] (Gdt.cs orders the descriptors to match).
        Cpu.WriteMsr(Star, ((ulong)(Selectors.KernelData) << 48) | ((ulong)Selectors.KernelCode << 32));
        Cpu.WriteMsr(Lstar, EntryAddress());
        Cpu.WriteMsr(Fmask, MaskedFlags);
    }
}
