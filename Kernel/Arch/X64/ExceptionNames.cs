// Names of the architectural exception vectors (Intel SDM vol. 3, table 6-1).
namespace Kitten.Kernel.Arch.X64;

internal static class ExceptionNames
{
    public const int DivideError = 0;
    public const int Debug = 1;
    public const int Nmi = 2;
    public const int Breakpoint = 3;
    public const int InvalidOpcode = 6;
    public const int DoubleFault = 8;
    public const int GeneralProtection = 13;
    public const int PageFault = 14;
    public const int MachineCheck = 18;
    public const int FirstExternal = 32;

    public static string Of(ulong vector) => vector switch
    {
        0 => "#DE divide error",
        1 => "#DB debug",
        2 => "NMI",
        3 => "#BP breakpoint",
        4 => "#OF overflow",
        5 => "#BR bound range exceeded",
        6 => "#UD invalid opcode",
        7 => "#NM device not available",
        8 => "#DF double fault",
        9 => "coprocessor segment overrun",
        10 => "#TS invalid TSS",
        11 => "#NP segment not present",
        12 => "#SS stack-segment fault",
        13 => "#GP general protection",
        14 => "#PF page fault",
        16 => "#MF x87 floating-point error",
        17 => "#AC alignment check",
        18 => "#MC machine check",
        19 => "#XM SIMD floating-point exception",
        20 => "#VE virtualization exception",
        21 => "#CP control protection",
        28 => "#HV hypervisor injection",
        29 => "#VC VMM communication",
        30 => "#SX security exception",
        _ => vector < 32 ? "reserved" : "external interrupt",
    };
}
