// The interrupt descriptor table, shared by all CPUs: one interrupt gate per vector, pointing at the
// stubs in interrupts.asm, each on its interrupt stack (Intel SDM vol. 3, 6.14.1 "64-Bit Mode IDT").
// Interrupt gates clear IF on entry, so handlers run with interrupts off.
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kitten.Kernel.Arch.X64;

internal static unsafe class Idt
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Gate
    {
        public ushort OffsetLow;
        public ushort Selector;
        public byte Ist;
        public byte TypeAttributes;
        public ushort OffsetMiddle;
        public uint OffsetHigh;
        public uint Reserved;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 2)]
    private struct Pointer
    {
        public ushort Limit;
        public ulong Base;
    }

    private const byte InterruptGate = 0x8E;        // present, DPL 0, type 0xE
    private const byte UserInterruptGate = 0xEE;    // present, DPL 3: reachable by INT n from ring 3

    private static Gate* s_gates;

    [RuntimeImport("kitten_isr_stub_table")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern ulong* StubTable();

    public static void Initialize()
    {
        s_gates = (Gate*)Memory.KernelHeap.AllocateZeroed(256 * (ulong)sizeof(Gate), 4096);
        ulong* stubs = StubTable();
        for (int vector = 0; vector < 256; vector++)
        {
            ulong handler = stubs[vector];
            Gate* gate = &s_gates[vector];
            gate->OffsetLow = (ushort)handler;
            gate->Selector = Selectors.KernelCode;
            gate->Ist = (byte)InterruptStacks.For(vector);
            gate->TypeAttributes = vector == ExceptionNames.Breakpoint ? UserInterruptGate : InterruptGate;
            gate->OffsetMiddle = (ushort)(handler >> 16);
            gate->OffsetHigh = (uint)(handler >> 32);
            gate->Reserved = 0;
        }
        Load();
    }

    // Each CPU loads the same table.
    public static void Load()
    {
        Pointer pointer;
        pointer.Limit = (ushort)(256 * sizeof(Gate) - 1);
        pointer.Base = (ulong)s_gates;
        Cpu.LoadIdt(&pointer);
    }

    public static int IstOf(int vector) => s_gates[vector].Ist;
}
