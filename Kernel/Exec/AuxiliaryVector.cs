// The auxiliary vector: (type, value) pairs above envp on a new program's stack, through which the kernel
// tells the C library where its program headers are, the page size, the random seed and the like. Types
// are from Linux include/uapi/linux/auxvec.h and arch/x86/include/uapi/asm/auxvec.h (and the psABI's
// section 3.4.3 "Auxiliary Vector"). InitialStack writes them; this file says what goes in.
namespace Kitten.Kernel.Exec;

internal static class AuxiliaryVectorType
{
    public const ulong Null = 0;                 // AT_NULL: end of the vector
    public const ulong ProgramHeaders = 3;       // AT_PHDR
    public const ulong ProgramHeaderSize = 4;    // AT_PHENT
    public const ulong ProgramHeaderCount = 5;   // AT_PHNUM
    public const ulong PageSize = 6;             // AT_PAGESZ
    public const ulong InterpreterBase = 7;      // AT_BASE
    public const ulong Flags = 8;                // AT_FLAGS
    public const ulong Entry = 9;                // AT_ENTRY
    public const ulong UserId = 11;              // AT_UID
    public const ulong EffectiveUserId = 12;     // AT_EUID
    public const ulong GroupId = 13;             // AT_GID
    public const ulong EffectiveGroupId = 14;    // AT_EGID
    public const ulong Platform = 15;            // AT_PLATFORM: address of "x86_64"
    public const ulong HardwareCapabilities = 16; // AT_HWCAP
    public const ulong ClockTicks = 17;          // AT_CLKTCK
    public const ulong Secure = 23;              // AT_SECURE
    public const ulong Random = 25;              // AT_RANDOM: address of 16 random bytes
    public const ulong HardwareCapabilities2 = 26; // AT_HWCAP2
    public const ulong RseqFeatureSize = 27;     // AT_RSEQ_FEATURE_SIZE
    public const ulong RseqAlignment = 28;       // AT_RSEQ_ALIGN
    public const ulong ExecutableName = 31;      // AT_EXECFN: address of the path given to execve
    public const ulong VdsoBase = 33;            // AT_SYSINFO_EHDR: the vDSO's ELF header
    public const ulong MinimumSignalStackSize = 51; // AT_MINSIGSTKSZ
}

// The values the kernel chooses; the addresses of the strings and random bytes on the stack are filled in
// by InitialStack. Optional entries (zero: left out, as Linux leaves them out when absent) are marked.
internal struct AuxiliaryValues
{
    public ulong ProgramHeaders;             // AT_PHDR: user address of the program header table
    public ulong ProgramHeaderCount;         // AT_PHNUM
    public ulong Entry;                      // AT_ENTRY: the program's entry point (biased)
    public ulong InterpreterBase;            // AT_BASE: 0, there is no interpreter for static programs
    public ulong Flags;                      // AT_FLAGS: 0
    public ulong PageSize;                   // AT_PAGESZ: 4096
    public ulong ClockTicks;                 // AT_CLKTCK: times() ticks per second, Linux USER_HZ = 100
    // AT_HWCAP: on x86 Linux gives CPUID.1:EDX (arch/x86/include/asm/elf.h ELF_HWCAP).
    public ulong HardwareCapabilities;
    // AT_HWCAP2: x86 bit 0 HWCAP2_RING3MWAIT, bit 1 HWCAP2_FSGSBASE (arch/x86/include/uapi/asm/hwcap2.h).
    public ulong HardwareCapabilities2;
    public ulong UserId;                     // AT_UID
    public ulong EffectiveUserId;            // AT_EUID
    public ulong GroupId;                    // AT_GID
    public ulong EffectiveGroupId;           // AT_EGID
    public ulong Secure;                     // AT_SECURE: 1 for set-user-ID-like execs, else 0
    public ulong VdsoBase;                   // AT_SYSINFO_EHDR, optional
    public ulong MinimumSignalStackSize;     // AT_MINSIGSTKSZ, optional
    public ulong RseqFeatureSize;            // AT_RSEQ_FEATURE_SIZE, optional (with RseqAlignment)
    public ulong RseqAlignment;              // AT_RSEQ_ALIGN

    public const ulong LinuxClockTicks = 100;

    // The values for a static program loaded at link-time address + bias; the rest stay zero.
    public static AuxiliaryValues ForImage(in ElfImage image, ulong bias)
    {
        return new AuxiliaryValues
        {
            ProgramHeaders = image.ProgramHeaderAddress + bias,
            ProgramHeaderCount = (ulong)image.ProgramHeaderCount,
            Entry = image.Entry + bias,
            PageSize = ElfSegment.PageSize,
            ClockTicks = LinuxClockTicks,
        };
    }
}
