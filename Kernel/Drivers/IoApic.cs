// The I/O APIC, which routes device interrupt lines to local APICs (Intel 82093AA I/O APIC data sheet,
// sections 3.1 "IOREGSEL/IOWIN" and 3.2.4 "Redirection Table"). The kernel routes the few device lines it
// uses to the boot CPU, keeping the other CPUs free of device interrupts.
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.Drivers;

internal static unsafe class IoApic
{
    public const ulong DefaultAddress = 0xFEC00000;

    private const uint RegisterVersion = 0x01;
    private const uint RedirectionBase = 0x10;
    private const ulong Masked = 1UL << 16;

    private static uint* s_registers;
    private static int s_lines;

    public static bool IsPresent => s_registers != null;

    public static void Initialize(ulong physicalAddress)
    {
        s_registers = (uint*)PhysicalMemory.ToVirtual(physicalAddress == 0 ? DefaultAddress : physicalAddress);
        s_lines = (int)((Read(RegisterVersion) >> 16) & 0xFF) + 1;
        for (int line = 0; line < s_lines; line++)
            WriteEntry(line, Masked);
    }

    // Edge-triggered, active high (ISA lines), fixed delivery to one local APIC.
    public static void Route(int line, byte vector, uint apicId)
    {
        if (line < 0 || line >= s_lines)
            return;
        WriteEntry(line, vector | ((ulong)apicId << 56));
    }

    public static void Mask(int line) => WriteEntry(line, Masked);

    private static void WriteEntry(int line, ulong entry)
    {
        Write(RedirectionBase + (uint)line * 2, (uint)entry);
        Write(RedirectionBase + (uint)line * 2 + 1, (uint)(entry >> 32));
    }

    private static uint Read(uint register)
    {
        s_registers[0] = register;
        return s_registers[4]; // IOWIN at offset 0x10
    }

    private static void Write(uint register, uint value)
    {
        s_registers[0] = register;
        s_registers[4] = value;
    }
}
