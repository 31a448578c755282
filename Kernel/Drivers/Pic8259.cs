// The legacy 8259A interrupt controllers. The kernel uses the local APIC, so the PICs are moved off the
// exception vectors (a stray IRQ would otherwise look like a CPU fault) and fully masked.
// Initialisation words: Intel 8259A data sheet, "Initialization Command Words".
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Drivers;

internal static class Pic8259
{
    private const ushort MasterCommand = 0x20;
    private const ushort MasterData = 0x21;
    private const ushort SlaveCommand = 0xA0;
    private const ushort SlaveData = 0xA1;

    public static void RemapAndMaskAll(byte masterVector, byte slaveVector)
    {
        Cpu.OutByte(MasterCommand, 0x11);       // ICW1: initialise, ICW4 follows
        Cpu.OutByte(SlaveCommand, 0x11);
        Cpu.OutByte(MasterData, masterVector);  // ICW2: vector base
        Cpu.OutByte(SlaveData, slaveVector);
        Cpu.OutByte(MasterData, 0x04);          // ICW3: slave on IRQ2
        Cpu.OutByte(SlaveData, 0x02);
        Cpu.OutByte(MasterData, 0x01);          // ICW4: 8086 mode
        Cpu.OutByte(SlaveData, 0x01);
        Cpu.OutByte(MasterData, 0xFF);          // mask everything
        Cpu.OutByte(SlaveData, 0xFF);
    }

    public static ushort Mask => (ushort)(Cpu.InByte(MasterData) | (Cpu.InByte(SlaveData) << 8));
}
