// The 64-bit TSS: in long mode it only holds stack pointers, the ring-0 stack for entries from user mode
// and the seven interrupt stacks (IST) (Intel SDM vol. 3, 8.7 "Task Management in 64-bit Mode").
using System.Runtime.InteropServices;

namespace Kitten.Kernel.Arch.X64;

[StructLayout(LayoutKind.Explicit, Size = 104)]
internal struct TaskStateSegment
{
    [FieldOffset(4)] public ulong Rsp0;
    [FieldOffset(12)] public ulong Rsp1;
    [FieldOffset(20)] public ulong Rsp2;
    [FieldOffset(36)] public ulong Ist1;
    [FieldOffset(44)] public ulong Ist2;
    [FieldOffset(52)] public ulong Ist3;
    [FieldOffset(60)] public ulong Ist4;
    [FieldOffset(68)] public ulong Ist5;
    [FieldOffset(76)] public ulong Ist6;
    [FieldOffset(84)] public ulong Ist7;
    // No I/O permission bitmap: the offset points past the segment's limit.
    [FieldOffset(102)] public ushort IoMapBase;

    public void SetIst(int index, ulong stackTop)
    {
        switch (index)
        {
            case 1: Ist1 = stackTop; break;
            case 2: Ist2 = stackTop; break;
            case 3: Ist3 = stackTop; break;
            case 4: Ist4 = stackTop; break;
            case 5: Ist5 = stackTop; break;
            case 6: Ist6 = stackTop; break;
            case 7: Ist7 = stackTop; break;
        }
    }

    public readonly ulong GetIst(int index) => index switch
    {
        1 => Ist1,
        2 => Ist2,
        3 => Ist3,
        4 => Ist4,
        5 => Ist5,
        6 => Ist6,
        7 => Ist7,
        _ => 0,
    };
}
