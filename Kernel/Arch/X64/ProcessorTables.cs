// Per-CPU descriptor state: a GDT, a TSS and the interrupt stacks the TSS points at. Each CPU builds and
// loads its own at start-up; the IDT is shared.
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.Arch.X64;

internal unsafe struct ProcessorTables
{
    public Gdt Gdt;
    public TaskStateSegment Tss;
    public ulong IstStackBase;

    public static ProcessorTables* Create()
    {
        var tables = (ProcessorTables*)KernelHeap.AllocateZeroed((ulong)sizeof(ProcessorTables), 64);
        ulong stacks = (ulong)KernelHeap.AllocateZeroed(InterruptStacks.Count * InterruptStacks.StackSize, 4096);
        tables->IstStackBase = stacks;
        for (int ist = 1; ist <= InterruptStacks.Count; ist++)
            tables->Tss.SetIst(ist, stacks + (ulong)ist * InterruptStacks.StackSize);
        tables->Tss.IoMapBase = (ushort)sizeof(TaskStateSegment);
        tables->Gdt.Build(&tables->Tss);
        return tables;
    }

    public void Load() => Gdt.Load();

    // Whether an address lies on one of this CPU's interrupt stacks, and which.
    public readonly int IstContaining(ulong address)
    {
        if (address < IstStackBase || address >= IstStackBase + InterruptStacks.Count * InterruptStacks.StackSize)
            return 0;
        return (int)((address - IstStackBase) / InterruptStacks.StackSize) + 1;
    }
}
