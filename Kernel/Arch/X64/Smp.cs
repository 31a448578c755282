// Bringing up the other CPUs. The ACPI MADT lists the processors' local APIC IDs; each application
// processor is started with INIT and two STARTUP IPIs (Intel SDM vol. 3, 8.4.4.1 "Typical BSP
// Initialization Sequence") into ap_trampoline.asm, which lands in ApMain on its own stack.
using System;
using System.Runtime;
using System.Runtime.CompilerServices;
using Kitten.Kernel.Acpi;
using Kitten.Kernel.Boot;
using Kitten.Kernel.Diagnostics;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Arch.X64;

internal static unsafe class Smp
{
    public const int MaxCpus = 64;

    // The page the application processors start in (below 1 MiB, outside the kernel's usable memory).
    private const ulong TrampolinePhysical = 0x8000;
    private const ulong ApStackSize = 32 * 1024;

    private static CpuLocal** s_cpus;
    private static int s_count;

    public static int CpuCount => s_count;

    // From the MADT; 0 if there was none.
    public static ulong IoApicAddress { get; private set; }

    public static CpuLocal* CpuAt(int index) => s_cpus[index];

    [RuntimeImport("kitten_ap_trampoline")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern byte* TrampolineCode();

    [RuntimeImport("kitten_ap_trampoline_layout")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern ulong* TrampolineLayout();

    [RuntimeImport("kitten_ap_entry")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    private static extern ulong ApEntryAddress();

    private enum Field
    {
        Size, Gdt, Gdtr, FarPointer, LongMode, Cr3, Cr4, Efer, Stack, Entry, CpuIndex, KernelCr3,
    }

    // The boot CPU registers itself first, before interrupts are on.
    public static void RegisterBootCpu(CpuLocal* cpu)
    {
        s_cpus = (CpuLocal**)KernelHeap.AllocateZeroed(MaxCpus * (ulong)sizeof(CpuLocal*));
        s_cpus[0] = cpu;
        s_count = 1;
        cpu->Online = true;
    }

    // Starts every other processor the MADT lists, up to maxCpus in all; returns how many CPUs run.
    public static int StartApplicationProcessors(int maxCpus)
    {
        Span<ProcessorEntry> processors = stackalloc ProcessorEntry[MaxCpus];
        int found = FindProcessors(processors);
        if (found <= 1 || maxCpus <= 1)
            return s_count;

        ulong trampolineCr3 = BuildTrampolinePageTables();
        byte* code = TrampolineCode();
        ulong* layout = TrampolineLayout();
        byte* page = (byte*)PhysicalMemory.ToVirtual(TrampolinePhysical);
        Runtime.MemoryOps.Move(page, code, (nuint)layout[(int)Field.Size]);
        *(uint*)(page + layout[(int)Field.Gdtr] + 2) = (uint)(TrampolinePhysical + layout[(int)Field.Gdt]);
        *(uint*)(page + layout[(int)Field.FarPointer]) = (uint)(TrampolinePhysical + layout[(int)Field.LongMode]);
        *(uint*)(page + layout[(int)Field.Cr3]) = (uint)trampolineCr3;
        *(uint*)(page + layout[(int)Field.Cr4]) = (uint)Cpu.ReadCr4();
        *(uint*)(page + layout[(int)Field.Efer]) = (uint)Cpu.ReadMsr(0xC0000080) & ((1 << 8) | (1 << 11));
        *(ulong*)(page + layout[(int)Field.Entry]) = ApEntryAddress();
        *(ulong*)(page + layout[(int)Field.KernelCr3]) = Cpu.ReadCr3();

        uint bootApicId = LocalApic.Id;
        for (int i = 0; i < found && s_count < maxCpus && s_count < MaxCpus; i++)
        {
            if (processors[i].ApicId == bootApicId)
                continue;
            if (!StartOne(page, layout, processors[i].ApicId))
                Console.WriteLine($"smp: CPU with APIC id {processors[i].ApicId} did not start");
        }
        KernelHeap.Free(PhysicalMemory.ToVirtual(trampolineCr3));
        return s_count;
    }

    private static int FindProcessors(Span<ProcessorEntry> processors)
    {
        byte* rsdp = BootInfo.AcpiRsdp;
        if (!AcpiTables.TryOpen(rsdp, (byte*)PhysicalMemory.DirectMapBase, out AcpiTables tables, out string error))
        {
            Console.WriteLine($"smp: {error}; running on the boot CPU only");
            return 1;
        }
        ulong madt = tables.Find("APIC");
        if (madt == 0)
        {
            Console.WriteLine("smp: no ACPI MADT; running on the boot CPU only");
            return 1;
        }
        var table = new Madt(tables.Map(madt));
        IoApicAddress = table.FirstIoApicAddress;
        return table.GetProcessors(processors);
    }

    // The kernel's page tables plus an executable identity map of the first 2 MiB, where the trampoline
    // runs until it jumps to the higher half (the kernel's direct map of the same memory is no-execute).
    // Below 4 GiB, since the trampoline loads CR3 in 32-bit code. Three pages: PML4, PDPT, PD.
    private static ulong BuildTrampolinePageTables()
    {
        const ulong PresentWritable = 3;
        const ulong LargePage = 1 << 7;
        var tables = (ulong*)KernelHeap.AllocateZeroed(3 * 4096, 4096);
        ulong* pml4 = tables;
        ulong* pdpt = tables + 512;
        ulong* pd = tables + 1024;
        var kernelPml4 = (ulong*)PhysicalMemory.ToVirtual(Cpu.ReadCr3() & ~0xFFFUL);
        for (int i = 256; i < 512; i++)
            pml4[i] = kernelPml4[i];
        pd[0] = 0 | PresentWritable | LargePage;
        pdpt[0] = PhysicalMemory.ToPhysical(pd) | PresentWritable;
        pml4[0] = PhysicalMemory.ToPhysical(pdpt) | PresentWritable;
        ulong physical = PhysicalMemory.ToPhysical(pml4);
        if (physical >= 1UL << 32)
            Panic.Fail("trampoline page tables above 4 GiB");
        return physical;
    }

    private static bool StartOne(byte* page, ulong* layout, uint apicId)
    {
        int index = s_count;
        CpuLocal* cpu = CpuLocal.Create(index, apicId);
        cpu->Tables = ProcessorTables.Create();
        Thread* startThread = Threads.Allocate("idle", ApStackSize);
        cpu->Idle = startThread;
        s_cpus[index] = cpu;

        *(ulong*)(page + layout[(int)Field.Stack]) = startThread->StackTop;
        *(ulong*)(page + layout[(int)Field.CpuIndex]) = (ulong)index;

        LocalApic.SendInit(apicId);
        Delay(10_000_000);
        for (int attempt = 0; attempt < 2 && !cpu->Online; attempt++)
        {
            LocalApic.SendStartup(apicId, (byte)(TrampolinePhysical >> 12));
            Delay(200_000);
        }
        ulong deadline = Cpu.ReadTsc() + TimeBase.TscHz; // one second
        while (!cpu->Online && Cpu.ReadTsc() < deadline)
            Cpu.Pause();
        if (!cpu->Online)
        {
            s_cpus[index] = null;
            return false;
        }
        s_count++;
        return true;
    }

    private static void Delay(ulong nanoseconds)
    {
        ulong end = Cpu.ReadTsc() + nanoseconds * (TimeBase.TscHz / 1000) / 1_000_000;
        while (Cpu.ReadTsc() < end)
            Cpu.Pause();
    }

    [RuntimeExport("ApMain")]
    private static void ApMain(ulong index)
    {
        CpuLocal* cpu = s_cpus[(int)index];
        cpu->Tables->Load();
        Idt.Load();
        CpuLocal.Install(cpu);
        LocalApic.InitializeThisCpu();
        SyscallMsrs.InitializeThisCpu();
        Thread* self = cpu->Idle;
        Scheduler.StartOnThisCpu(self, self);
        cpu->Online = true;
        // This start-up thread is the CPU's idle thread from now on.
        Scheduler.IdleLoop();
    }
}
