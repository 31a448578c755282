// The register state saved on every interrupt and exception, in the order interrupts.asm lays it out.
using System.Runtime.InteropServices;

namespace Kitten.Kernel.Arch.X64;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct InterruptContext
{
    public const int FxSaveSize = 512;

    public fixed byte FxSave[FxSaveSize];
    public ulong R15, R14, R13, R12, R11, R10, R9, R8;
    public ulong Rbp, Rdi, Rsi, Rdx, Rcx, Rbx, Rax;
    public ulong Vector;
    public ulong ErrorCode;
    // Pushed by the CPU (Intel SDM vol. 3, 6.14.1 "64-Bit Mode Stack Frame").
    public ulong Rip, Cs, Rflags, Rsp, Ss;

    public readonly bool FromUserMode => (Cs & 3) != 0;
}
