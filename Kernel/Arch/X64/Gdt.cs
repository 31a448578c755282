// The global descriptor table of one CPU: flat code and data segments for ring 0 and ring 3, and the
// CPU's TSS. The order is fixed by SYSCALL/SYSRET, which derive the segments from STAR (AMD APM vol. 2,
// 6.1.1 "SYSCALL and SYSRET"): kernel CS, kernel SS = CS + 8; user SS = base + 8, user CS = base + 16.
using System.Runtime.InteropServices;

namespace Kitten.Kernel.Arch.X64;

internal static class Selectors
{
    public const ushort KernelCode = 0x08;
    public const ushort KernelData = 0x10;
    public const ushort UserData = 0x18 | 3;
    public const ushort UserCode = 0x20 | 3;
    public const ushort Tss = 0x28;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Gdt
{
    private const int EntryCount = 7; // null, 4 segments, a 16-byte TSS descriptor

    private fixed ulong _entries[EntryCount];

    [StructLayout(LayoutKind.Sequential, Pack = 2)]
    private struct Pointer
    {
        public ushort Limit;
        public ulong Base;
    }

    // Access byte and flags: Intel SDM vol. 3, 3.4.5 "Segment Descriptors". L=1 for 64-bit code.
    private const ulong KernelCodeDescriptor = 0x00AF9A000000FFFF;
    private const ulong KernelDataDescriptor = 0x00CF92000000FFFF;
    private const ulong UserDataDescriptor = 0x00CFF2000000FFFF;
    private const ulong UserCodeDescriptor = 0x00AFFA000000FFFF;

    public void Build(TaskStateSegment* tss)
    {
        _entries[0] = 0;
        _entries[1] = KernelCodeDescriptor;
        _entries[2] = KernelDataDescriptor;
        _entries[3] = UserDataDescriptor;
        _entries[4] = UserCodeDescriptor;

        // A 64-bit TSS descriptor takes two slots (Intel SDM vol. 3, 8.2.3): type 0x9 (available), present.
        ulong address = (ulong)tss;
        ulong limit = (ulong)sizeof(TaskStateSegment) - 1;
        _entries[5] = (limit & 0xFFFF)
            | ((address & 0xFFFFFF) << 16)
            | (0x89UL << 40)
            | (((limit >> 16) & 0xF) << 48)
            | (((address >> 24) & 0xFF) << 56);
        _entries[6] = address >> 32;
    }

    public void Load()
    {
        fixed (ulong* entries = _entries)
        {
            Pointer pointer;
            pointer.Limit = (ushort)(EntryCount * 8 - 1);
            pointer.Base = (ulong)entries;
            Cpu.LoadGdt(&pointer, Selectors.KernelCode, Selectors.KernelData);
        }
        Cpu.LoadTaskRegister(Selectors.Tss);
    }
}
