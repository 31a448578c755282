// The 8254 programmable interval timer, used only as a known clock to calibrate the TSC and the local
// APIC timer at boot. Channel 2 is gated by port 0x61 and its output can be read back there, so it can be
// polled without interrupts (Intel 8254 data sheet; port 0x61 is the PC/AT "system control port B").
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Drivers;

internal static class Pit8254
{
    public const uint FrequencyHz = 1193182;

    private const ushort Channel2Data = 0x42;
    private const ushort ModeCommand = 0x43;
    private const ushort ControlPortB = 0x61;

    private const byte Gate2 = 0x01;
    private const byte Speaker = 0x02;
    private const byte Out2 = 0x20;

    // Arms channel 2 to count down `ticks` (at most 65535) in mode 0; Started/IsDone poll it.
    public static void StartCountdown(ushort ticks)
    {
        byte control = Cpu.InByte(ControlPortB);
        Cpu.OutByte(ControlPortB, (byte)((control & ~(Speaker | Gate2)) & 0xFF));
        Cpu.OutByte(ModeCommand, 0xB0);         // channel 2, low then high byte, mode 0, binary
        Cpu.OutByte(Channel2Data, (byte)ticks);
        Cpu.OutByte(Channel2Data, (byte)(ticks >> 8));
        // Counting starts on the rising edge of the gate.
        Cpu.OutByte(ControlPortB, (byte)(((control & ~Speaker) | Gate2) & 0xFF));
    }

    // In mode 0, OUT2 goes high when the count reaches zero.
    public static bool IsDone => (Cpu.InByte(ControlPortB) & Out2) != 0;
}
