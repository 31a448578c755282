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

    private const int RegisterIcrLow = 0x300;
    private const int RegisterIcrHigh = 0x310;

    private const uint LvtMasked = 1 << 16;
    private const uint LvtDeliverNmi = 4 << 8; // delivery mode 100b (Intel SDM vol. 3, 11.5.1)
    private const uint LvtTimerTscDeadline = 2 << 17;
    private const uint TscDeadlineMsr = 0x6E0;
    private const uint IcrDeliveryPending = 1 << 12;
    private const uint IcrLevelAssert = 1 << 14;
    private const uint IcrInit = 5 << 8;
    private const uint IcrStartup = 6 << 8;
    private const uint SpuriousEnable = 1 << 8;
    private const uint TimerDivideBy16 = 0x3;

    private static byte* s_registers;

    public static bool IsInitialized => s_registers != null;
    public static ulong PhysicalBase { get; private set; }

    public static uint Id => Read(RegisterId) >> 24;
    public static uint Version => Read(RegisterVersion) & 0xFF;

    // Enables the APIC of the calling CPU with everything masked but the spurious vector. All CPUs'
    // APICs sit at the same physical address; each CPU sees its own there.
    public static void InitializeThisCpu()
    {
        ulong msr = Cpu.ReadMsr(ApicBaseMsr);
        PhysicalBase = msr & 0x000FFFFFFFFFF000;
        Cpu.WriteMsr(ApicBaseMsr, msr | ApicBaseEnable);
        s_registers = (byte*)PhysicalMemory.ToVirtual(PhysicalBase);

        Write(RegisterTaskPriority, 0);
        Write(RegisterLvtTimer, LvtMasked);
        Write(RegisterLvtLint0, LvtMasked);
        // LINT1 delivers NMIs, as on PC boards (MP spec, "virtual wire" mode): a debugger or QEMU's monitor
        // (`nmi`) reaches every CPU there, and the kernel reports where it was (Diagnostics/NmiReport).
        Write(RegisterLvtLint1, LvtDeliverNmi);
        Write(RegisterLvtError, LvtMasked);
        Write(RegisterTimerDivide, TimerDivideBy16);
        Write(RegisterSpurious, SpuriousEnable | InterruptVectors.Spurious);
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

    // TSC-deadline mode: the timer fires when the TSC reaches a value written to IA32_TSC_DEADLINE
    // (Intel SDM vol. 3, 11.5.4.1). Present when CPUID.01H:ECX[24] is set.
    public static bool HasTscDeadline => (Cpu.Cpuid(1).Ecx & (1 << 24)) != 0;

    public static void UseTscDeadline(byte vector) => Write(RegisterLvtTimer, LvtTimerTscDeadline | vector);

    // Arms the deadline; 0 disarms.
    public static void SetTscDeadline(ulong tsc) => Cpu.WriteMsr(TscDeadlineMsr, tsc);

    // Inter-processor interrupts (Intel SDM vol. 3, 11.6 "Issuing Interprocessor Interrupts").
    public static void SendIpi(uint apicId, byte vector) => SendCommand(apicId, vector);

    public static void SendInit(uint apicId) => SendCommand(apicId, IcrInit | IcrLevelAssert);

    public static void SendStartup(uint apicId, byte page) => SendCommand(apicId, IcrStartup | IcrLevelAssert | page);

    private static void SendCommand(uint apicId, uint command)
    {
        while ((Read(RegisterIcrLow) & IcrDeliveryPending) != 0)
            Cpu.Pause();
        Write(RegisterIcrHigh, apicId << 24);
        Write(RegisterIcrLow, command); // writing the low half sends
        while ((Read(RegisterIcrLow) & IcrDeliveryPending) != 0)
            Cpu.Pause();
    }

    // Starts the counter from count with its interrupt masked, for calibration.
    public static void StartCountingMasked(uint count)
    {
        Write(RegisterLvtTimer, LvtMasked);
        Write(RegisterTimerInitialCount, count);
    }

    private static uint Read(int register) => *(uint*)(s_registers + register);

    private static void Write(int register, uint value) => *(uint*)(s_registers + register) = value;
}
