// Ending the machine. Under QEMU the isa-debug-exit device (iobase 0xf4) ends QEMU with status
// (value << 1) | 1, so the kernel's outcome reaches the `kitten` script; a triple fault ends it with
// status 0, which therefore never means success. On hardware without that device the CPU halts.
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Platform;

internal enum ShutdownReason : byte
{
    Success = 0x10,          // QEMU status 33
    SelfTestsFailed = 0x11,  // QEMU status 35
    Panic = 0x12,            // QEMU status 37
    ProgramExited = 0x13,    // QEMU status 39: the first program (--exec) ended; its status was printed
}

internal static class Shutdown
{
    private const ushort DebugExitPort = 0xF4;

    public static void PowerOff(ShutdownReason reason)
    {
        Cpu.DisableInterrupts();
        Cpu.OutDword(DebugExitPort, (uint)reason);
        Cpu.HaltForever();
    }
}
