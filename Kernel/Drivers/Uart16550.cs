// The PC serial port (a 16550-compatible UART) as the kernel console. Registers: National Semiconductor
// PC16550D data sheet, "Register Description"; COM1 sits at I/O port 0x3F8.
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Drivers;

internal static class Uart16550
{
    public const ushort Com1 = 0x3F8;

    private const ushort Data = 0;              // THR/RBR, or divisor low byte when DLAB=1
    private const ushort InterruptEnable = 1;   // or divisor high byte when DLAB=1
    private const ushort FifoControl = 2;       // write: FCR; read: IIR
    private const ushort LineControl = 3;
    private const ushort ModemControl = 4;
    private const ushort LineStatus = 5;

    private const byte LineStatusDataReady = 0x01;
    private const byte LineStatusTransmitterEmpty = 0x20;

    private static ushort s_port;

    public static bool IsInitialized => s_port != 0;

    // 115200 baud (divisor 1 from the 1.8432 MHz clock), 8 data bits, no parity, 1 stop bit.
    public static void Initialize(ushort port)
    {
        Cpu.OutByte((ushort)(port + InterruptEnable), 0x00);
        Cpu.OutByte((ushort)(port + LineControl), 0x80);     // DLAB: the next two writes set the divisor
        Cpu.OutByte((ushort)(port + Data), 0x01);
        Cpu.OutByte((ushort)(port + InterruptEnable), 0x00);
        Cpu.OutByte((ushort)(port + LineControl), 0x03);     // 8N1, DLAB off
        // What was typed ahead must survive, and changing FCR bit 0 clears both FIFOs (PC16550D data
        // sheet, "FIFO Control Register"; QEMU does the same): FIFOs the boot loader enabled are kept,
        // with nothing cleared, and a UART found without them stays so (one interrupt per received byte,
        // plenty for a console). Enabling them here would drop whatever arrived since the last read.
        if ((Cpu.InByte((ushort)(port + FifoControl)) & 0xC0) == 0xC0)
            Cpu.OutByte((ushort)(port + FifoControl), 0xC1); // FIFOs on, 14-byte trigger, nothing cleared
        Cpu.OutByte((ushort)(port + ModemControl), 0x03);    // DTR, RTS
        s_port = port;
    }

    public static void WriteByte(byte value)
    {
        if (s_port == 0)
            return;
        while ((Cpu.InByte((ushort)(s_port + LineStatus)) & LineStatusTransmitterEmpty) == 0)
            Cpu.Pause();
        Cpu.OutByte((ushort)(s_port + Data), value);
    }

    // Interrupt on received data. OUT2 in the modem control register gates the UART's interrupt line on PCs.
    public static void EnableReceiveInterrupt()
    {
        if (s_port == 0)
            return;
        Cpu.OutByte((ushort)(s_port + ModemControl), 0x0B);  // DTR, RTS, OUT2
        Cpu.OutByte((ushort)(s_port + InterruptEnable), 0x01);
    }

    // A received byte, or -1 if none is waiting.
    public static int TryReadByte()
    {
        if (s_port == 0 || (Cpu.InByte((ushort)(s_port + LineStatus)) & LineStatusDataReady) == 0)
            return -1;
        return Cpu.InByte((ushort)(s_port + Data));
    }
}
