// How the kernel uses the 224 external interrupt vectors. The local APIC orders interrupts by vector
// (higher first) in classes of 16 (Intel SDM vol. 3, 11.8.3 "Interrupt, Task, and Processor Priority").
namespace Kitten.Kernel.Arch.X64;

internal static class InterruptVectors
{
    public const byte LegacyPicBase = 0x20;      // 0x20-0x2F: the 8259s, remapped here and masked
    public const byte Yield = 0x30;              // software INT: a kernel thread gives up the CPU
    public const byte Reschedule = 0x31;         // IPI: another CPU made a thread ready here
    public const byte StopCpu = 0x32;            // IPI: a panic elsewhere; halt
    public const byte TlbShootdown = 0x33;       // IPI: drop this CPU's user translations (or just a barrier)
    public const byte Serial = 0x34;             // COM1, through the I/O APIC
    public const byte SelfTestTimer = 0x40;
    public const byte SelfTestXmm = 0x41;
    public const byte Timer = 0xEF;              // local APIC timer: deadlines and time slices
    public const byte Spurious = 0xFF;
}
