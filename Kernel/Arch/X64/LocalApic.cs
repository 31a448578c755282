// The local APIC of the running CPU, through its memory-mapped registers (xAPIC mode) in the direct map.
// Register offsets: Intel SDM vol. 3, table 11-1 "Local APIC Register Address Map".
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.Arch.X64;

internal static unsafe class LocalApic
{
    private const uint ApicBaseMsr = 0x1B;
    private const ulong ApicBaseEnable = 1 << 11;

    private const int RegisterId = 0x20;
    private const int RegisterVersion = 0x30;
    private const int RegisterTaskPriority = 0x80;
    private const int RegisterEoi = 0xB0;
    private const int RegisterSpurious = 0xF0;
    private const int RegisterLvtTimer = 0x320;
    private const int RegisterLvtLint0 = 0x350;
    private const int RegisterLvtLint1 = 0x360;
    private const int RegisterLvtError = 0x370;
    private const int RegisterTimerInitialCount = 0x380;
    private const int RegisterTimerCurrentCount = 0x390;
    private const int RegisterTimerDivide = 0x3E0;

    private const uint LvtMasked = 1 << 16;
    private const uint SpuriousEnable = 1 << 8;
    private const uint TimerDivideBy16 = 0x3;

    private static byte* s_registers;

    public static bool IsInitialized => s_registers != null;
    public static ulong PhysicalBase { get; private set; }

    public static uint Id => Read(RegisterId) >> 24;
    public static uint Version => Read(RegisterVersion) & 0xFF;

    // Enables the APIC of the calling CPU with everything masked but the spurious vector.
    public static void InitializeThisCpu()
    {
        ulong msr = Cpu.ReadMsr(ApicBaseMsr);
        PhysicalBase = msr & 0x000FFFFFFFFFF000;
        Cpu.WriteMsr(ApicBaseMsr, msr | ApicBaseEnable);
        s_registers = (byte*)PhysicalMemory.ToVirtual(PhysicalBase);

        Write(RegisterTaskPriority, 0);
        Write(RegisterLvtTimer, LvtMasked);
        Write(RegisterLvtLint0, LvtMasked);
        Write(RegisterLvtLint1, LvtMasked);
        Write(RegisterLvtError, LvtMasked);
        Write(RegisterTimerDivide, TimerDivideBy16);
        Write(RegisterSpurious, SpuriousEnable | InterruptDispatcher.SpuriousVector);
    }

    public static void EndOfInterrupt()
    {
        if (s_registers != null)
            Write(RegisterEoi, 0);
    }

    // One-shot timer: fires once on vector after count ticks of the divided bus clock; 0 stops it.
    public static void ArmOneShot(byte vector, uint count)
    {
        Write(RegisterLvtTimer, vector);
        Write(RegisterTimerInitialCount, count);
    }

    public static void StopTimer()
    {
        Write(RegisterTimerInitialCount, 0);
        Write(RegisterLvtTimer, LvtMasked);
    }

    public static uint TimerCurrentCount => Read(RegisterTimerCurrentCount);

    // Starts the counter from count with its interrupt masked, for calibration.
    public static void StartCountingMasked(uint count)
    {
        Write(RegisterLvtTimer, LvtMasked);
        Write(RegisterTimerInitialCount, count);
    }

    private static uint Read(int register) => *(uint*)(s_registers + register);

    private static void Write(int register, uint value) => *(uint*)(s_registers + register) = value;
}
