// The x86-64 Linux signal frame, byte for byte (arch/x86/include/asm/sigframe.h struct rt_sigframe,
// arch/x86/include/uapi/asm/ucontext.h, uapi/asm/sigcontext.h; the same offsets as glibc's ucontext_t in
// sys/ucontext.h, which the host tests check with gcc):
//
//   frame + 0    pretcode       the handler's return address: sa_restorer (glibc's __restore_rt, which
//                               does rt_sigreturn)                              <- RSP at handler entry
//   frame + 8    ucontext       uc_flags, uc_link, uc_stack, uc_mcontext (a sigcontext), uc_sigmask (8
//                               bytes: the kernel's sigset_t; glibc's ucontext_t has 128, the rest is
//                               not the kernel's)                               <- RDX
//   frame + 312  siginfo        128 bytes, written only with SA_SIGINFO          <- RSI
//   (padding)
//   fpstate      512 bytes, FXSAVE format, 64-byte aligned; uc_mcontext.fpregs points here
//   (128-byte red zone, when the interrupted stack is used)
using System.Runtime.InteropServices;

namespace Kitten.Kernel.Signals;

// struct sigcontext (64-bit) = glibc's mcontext_t: gregs[23] in the order R8..R15, RDI, RSI, RBP, RBX, RDX,
// RAX, RCX, RSP, RIP, EFL, CSGSFS (cs, gs, fs, ss as four 16-bit fields), ERR, TRAPNO, OLDMASK, CR2; then
// the fpstate pointer and 8 reserved words. 256 bytes.
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
internal struct SignalContext
{
    public const int SizeInBytes = 256;

    [FieldOffset(0)] public ulong R8;
    [FieldOffset(8)] public ulong R9;
    [FieldOffset(16)] public ulong R10;
    [FieldOffset(24)] public ulong R11;
    [FieldOffset(32)] public ulong R12;
    [FieldOffset(40)] public ulong R13;
    [FieldOffset(48)] public ulong R14;
    [FieldOffset(56)] public ulong R15;
    [FieldOffset(64)] public ulong Rdi;
    [FieldOffset(72)] public ulong Rsi;
    [FieldOffset(80)] public ulong Rbp;
    [FieldOffset(88)] public ulong Rbx;
    [FieldOffset(96)] public ulong Rdx;
    [FieldOffset(104)] public ulong Rax;
    [FieldOffset(112)] public ulong Rcx;
    [FieldOffset(120)] public ulong Rsp;
    [FieldOffset(128)] public ulong Rip;
    [FieldOffset(136)] public ulong Rflags;
    [FieldOffset(144)] public ushort Cs;
    [FieldOffset(146)] public ushort Gs;
    [FieldOffset(148)] public ushort Fs;
    [FieldOffset(150)] public ushort Ss;
    [FieldOffset(152)] public ulong ErrorCode;      // err
    [FieldOffset(160)] public ulong TrapNumber;     // trapno
    [FieldOffset(168)] public ulong OldMask;        // oldmask: the saved mask again
    [FieldOffset(176)] public ulong Cr2;            // cr2: the faulting address of a #PF
    [FieldOffset(184)] public ulong FpState;        // fpstate: user address of the FXSAVE image, or 0
}

// struct rt_sigframe. 440 bytes.
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
internal struct RtSignalFrame
{
    public const int SizeInBytes = 440;
    public const int UContextOffset = 8;
    public const int UContextSize = 304;
    public const int InfoOffset = 312;

    [FieldOffset(0)] public ulong ReturnAddress;            // pretcode
    [FieldOffset(8)] public ulong Flags;                    // uc_flags
    [FieldOffset(16)] public ulong Link;                    // uc_link: always 0
    [FieldOffset(24)] public UserSignalStack Stack;         // uc_stack
    [FieldOffset(48)] public SignalContext Context;         // uc_mcontext
    [FieldOffset(304)] public ulong Mask;                   // uc_sigmask
    [FieldOffset(312)] public UserSignalInfo Info;          // info
}

// uc_flags bits (arch/x86/include/uapi/asm/ucontext.h).
internal static class UContextFlags
{
    public const ulong FpXState = 0x1;          // UC_FP_XSTATE: an XSAVE area follows; never set here (FXSAVE only)
    public const ulong SigContextSs = 0x2;      // UC_SIGCONTEXT_SS: sigcontext.ss is meaningful
    public const ulong StrictRestoreSs = 0x4;   // UC_STRICT_RESTORE_SS: rt_sigreturn restores SS as given

    // What Linux writes for a 64-bit program on a CPU without XSAVE (frame_uc_flags).
    public const ulong Frame = SigContextSs | StrictRestoreSs;
}

// The 512-byte FXSAVE image (Intel SDM vol. 1, 10.5.1 "FXSAVE Area") and the words Linux keeps in its
// software-available bytes 464..511 (struct _fpx_sw_bytes, arch/x86/include/uapi/asm/sigcontext.h).
//
// The frame holds exactly what Linux writes on a CPU with FXSR but no XSAVE (save_sw_bytes called from
// copy_fpstate_to_sigframe): magic1 = FP_XSTATE_MAGIC1, extended_size = xstate_size = 512, xfeatures =
// FP|SSE (3), no FP_XSTATE_MAGIC2 after the image, and UC_FP_XSTATE clear in uc_flags. Readers that
// look for extended state (Linux's check_xstate_in_sigframe, the .NET runtime's FPREG_HasExtendedState)
// see magic1 but a size below an XSAVE header's and fall back to the legacy 512 bytes; readers that only
// want x87/SSE registers (glibc, .NET's CONTEXTFromNativeContext) find them at the FXSAVE offsets.
internal static unsafe class FxSaveImage
{
    public const int Size = 512;
    public const int ControlWordOffset = 0;         // FCW
    public const int MxcsrOffset = 24;
    public const int MxcsrMaskOffset = 28;
    public const int SoftwareBytesOffset = 464;     // _fpx_sw_bytes: magic1, extended_size, xfeatures, xstate_size
    public const uint Magic1 = 0x46505853;          // FP_XSTATE_MAGIC1 ("SXPF")
    public const ulong FeaturesFpSse = 3;           // XFEATURE_MASK_FPSSE

    public const ushort InitialControlWord = 0x037F; // FNINIT's control word: all exceptions masked, 64-bit precision
    public const uint InitialMxcsr = 0x1F80;         // MXCSR_DEFAULT: all SSE exceptions masked, round to nearest
    public const uint DefaultMxcsrMask = 0xFFBF;     // when FXSAVE reports MXCSR_MASK 0 (SDM vol. 1, 11.6.6)

    // The state a handler starts with (fpu__clear_user_states restores init_fpstate; fpstate_init_fx):
    // everything zero but FCW and MXCSR. MXCSR_MASK (ignored by FXRSTOR) is kept as it was.
    public static void WriteInitial(byte* image)
    {
        uint mask = *(uint*)(image + MxcsrMaskOffset);
        for (int i = 0; i < Size; i++)
            image[i] = 0;
        *(ushort*)(image + ControlWordOffset) = InitialControlWord;
        *(uint*)(image + MxcsrOffset) = InitialMxcsr;
        *(uint*)(image + MxcsrMaskOffset) = mask;
    }

    // The software bytes of a signal frame's image (see above); the 28 bytes after them are zero.
    public static void WriteSoftwareBytes(byte* image)
    {
        byte* sw = image + SoftwareBytesOffset;
        for (int i = 0; i < Size - SoftwareBytesOffset; i++)
            sw[i] = 0;
        *(uint*)sw = Magic1;
        *(uint*)(sw + 4) = Size;                    // extended_size
        *(ulong*)(sw + 8) = FeaturesFpSse;          // xfeatures
        *(uint*)(sw + 16) = Size;                   // xstate_size
    }

    // The MXCSR bits this CPU supports, from any image its FXSAVE wrote (Linux's mxcsr_feature_mask,
    // arch/x86/kernel/fpu/init.c): the MXCSR_MASK field, or 0xFFBF if the CPU leaves it 0. The kernel
    // computes it once at boot; setting any other MXCSR bit makes FXRSTOR raise #GP.
    public static uint MxcsrFeatureMask(byte* image)
    {
        uint mask = *(uint*)(image + MxcsrMaskOffset);
        return mask == 0 ? DefaultMxcsrMask : mask;
    }
}
