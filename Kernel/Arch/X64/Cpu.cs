// Privileged instructions, implemented in cpu.asm and called with the SysV ABI.
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kitten.Kernel.Arch.X64;

internal static unsafe class Cpu
{
    [RuntimeImport("cpu_inb")][MethodImpl(MethodImplOptions.InternalCall)] public static extern byte InByte(ushort port);
    [RuntimeImport("cpu_inw")][MethodImpl(MethodImplOptions.InternalCall)] public static extern ushort InWord(ushort port);
    [RuntimeImport("cpu_ind")][MethodImpl(MethodImplOptions.InternalCall)] public static extern uint InDword(ushort port);
    [RuntimeImport("cpu_outb")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void OutByte(ushort port, byte value);
    [RuntimeImport("cpu_outw")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void OutWord(ushort port, ushort value);
    [RuntimeImport("cpu_outd")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void OutDword(ushort port, uint value);

    [RuntimeImport("cpu_rdmsr")][MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadMsr(uint msr);
    [RuntimeImport("cpu_wrmsr")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void WriteMsr(uint msr, ulong value);

    [RuntimeImport("cpu_rdtsc")][MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadTsc();
    [RuntimeImport("cpu_rdtscp")][MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadTscOrdered();

    [RuntimeImport("cpu_cpuid")][MethodImpl(MethodImplOptions.InternalCall)] private static extern void CpuidRaw(uint leaf, uint subleaf, uint* result);

    [RuntimeImport("cpu_read_cr0")][MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadCr0();
    [RuntimeImport("cpu_read_cr2")][MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadCr2();
    [RuntimeImport("cpu_read_cr3")][MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadCr3();
    [RuntimeImport("cpu_write_cr3")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void WriteCr3(ulong value);
    [RuntimeImport("cpu_read_cr4")][MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadCr4();
    [RuntimeImport("cpu_write_cr4")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void WriteCr4(ulong value);
    [RuntimeImport("cpu_read_rflags")][MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadFlags();
    [RuntimeImport("cpu_read_rsp")][MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadStackPointer();

    [RuntimeImport("cpu_invlpg")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void InvalidatePage(ulong virtualAddress);

    [RuntimeImport("cpu_enable_interrupts")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void EnableInterrupts();
    [RuntimeImport("cpu_disable_interrupts")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void DisableInterrupts();
    [RuntimeImport("cpu_halt")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void Halt();
    [RuntimeImport("cpu_enable_interrupts_and_halt")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void EnableInterruptsAndHalt();
    [RuntimeImport("cpu_pause")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void Pause();

    [RuntimeImport("cpu_load_gdt")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void LoadGdt(void* pointer, ushort codeSelector, ushort dataSelector);
    [RuntimeImport("cpu_load_idt")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void LoadIdt(void* pointer);
    [RuntimeImport("cpu_load_tr")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void LoadTaskRegister(ushort selector);
    [RuntimeImport("cpu_raise_invalid_opcode")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void RaiseInvalidOpcode();

    public const ulong InterruptFlag = 1 << 9;

    public static bool InterruptsEnabled => (ReadFlags() & InterruptFlag) != 0;

    public static CpuidResult Cpuid(uint leaf, uint subleaf = 0)
    {
        CpuidResult result;
        CpuidRaw(leaf, subleaf, (uint*)&result);
        return result;
    }

    // Stop this CPU for good.
    public static void HaltForever()
    {
        DisableInterrupts();
        for (; ; )
            Halt();
    }
}

internal struct CpuidResult
{
    public uint Eax, Ebx, Ecx, Edx;
}

internal static unsafe class CpuTestHooks
{
    [RuntimeImport("cpu_read_cs")][MethodImpl(MethodImplOptions.InternalCall)] public static extern ushort ReadCodeSegment();
    [RuntimeImport("cpu_read_tr")][MethodImpl(MethodImplOptions.InternalCall)] public static extern ushort ReadTaskRegister();
    [RuntimeImport("cpu_breakpoint")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void Breakpoint();
    [RuntimeImport("cpu_test_xmm_preserved")][MethodImpl(MethodImplOptions.InternalCall)] public static extern int TestXmmPreserved();
    [RuntimeImport("cpu_clobber_xmm")][MethodImpl(MethodImplOptions.InternalCall)] public static extern void ClobberXmm();
}
