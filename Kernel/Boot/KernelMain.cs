// The kernel's first managed code. multiboot2.asm calls KernelMain on the boot stack, in long mode, with
// interrupts off. The order matters: nothing may allocate before the heap exists, and nothing may touch
// a static field of reference type before ModuleInitializer has run.
using System;
using System.Runtime;
using Internal.Runtime;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Diagnostics;
using Kitten.Kernel.Drivers;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Platform;
using Kitten.Kernel.SelfTest;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Boot;

internal static unsafe class KernelMain
{
    public const string Version = "0.1";

    // Vectors the PIC is moved to, so that a stray legacy IRQ cannot look like a CPU exception.
    private const byte PicVectorBase = 0x20;

    private const int MaxFirmwareEntries = 128;
    private const int MaxUsableRanges = 128;
    private const ulong HeapMaxBytes = 64UL << 20;
    private const ulong LowMemoryEnd = 1UL << 20;

    [RuntimeExport("KernelMain")]
    private static void Main(ulong multibootInfoPhysical, uint magic)
    {
        Uart16550.Initialize(Uart16550.Com1);
        ulong firstLineTsc = Cpu.ReadTsc();
        Console.WriteLine($"Kitten.Cosmos {Version}: x86-64 lightweight kernel in C# (first line at tsc={firstLineTsc})");

        if (magic != Multiboot2Info.BootloaderMagic)
            Panic.Fail("not started by a Multiboot2 boot loader (bad magic in EAX)");
        if (!Multiboot2Info.TryOpen((byte*)PhysicalMemory.ToVirtual(multibootInfoPhysical), out Multiboot2Info info, out string error))
            Panic.Fail2("unreadable Multiboot2 boot information: ", error);

        Console.WriteLine($"boot: loader \"{info.BootloaderName}\", command line \"{info.CommandLine}\", boot information at 0x{multibootInfoPhysical:x} ({info.TotalSize} bytes)");

        // Usable RAM: the firmware's available ranges minus the first MiB, the kernel image, the boot
        // information and the modules.
        Span<MemoryMapEntry> firmwareMap = stackalloc MemoryMapEntry[MaxFirmwareEntries];
        int firmwareCount = info.MemoryMapCount < MaxFirmwareEntries ? info.MemoryMapCount : MaxFirmwareEntries;
        ulong firmwareAvailable = 0;
        for (int i = 0; i < firmwareCount; i++)
        {
            firmwareMap[i] = info.GetMemoryMapEntry(i);
            MemoryMapEntry e = firmwareMap[i];
            if (e.Type == MemoryType.Available)
                firmwareAvailable += e.Length;
            Console.WriteLine($"boot: memory 0x{e.Base:x12}-0x{e.End - 1:x12} {MemoryTypeName(e.Type)} ({e.Length:size})");
        }
        if (firmwareCount == 0)
            Panic.Fail("the boot loader passed no memory map");

        int moduleCount = info.ModuleCount;
        Span<PhysicalRange> reserved = stackalloc PhysicalRange[3 + moduleCount];
        reserved[0] = new PhysicalRange(0, LowMemoryEnd);
        reserved[1] = new PhysicalRange(ImagePhysicalStart(), ImagePhysicalEnd());
        reserved[2] = new PhysicalRange(multibootInfoPhysical, multibootInfoPhysical + info.TotalSize);
        for (int i = 0; i < moduleCount; i++)
        {
            BootModule module = info.GetModule(i);
            reserved[3 + i] = new PhysicalRange(module.Start, module.End);
            Console.WriteLine($"boot: module {i} at 0x{module.Start:x}-0x{module.End:x} ({module.End - module.Start} bytes)");
        }

        Span<PhysicalRange> usable = stackalloc PhysicalRange[MaxUsableRanges];
        int usableCount = MemoryMap.BuildUsable(firmwareMap.Slice(0, firmwareCount), reserved, usable);
        if (usableCount <= 0)
            Panic.Fail("no usable memory after reserving the kernel and boot modules");
        usable = usable.Slice(0, usableCount);

        PhysicalRange heapRange = ChooseHeapRange(usable);
        KernelHeap.Initialize(heapRange.Base, heapRange.Length);
        Console.WriteLine($"memory: {MemoryMap.TotalLength(usable):size} usable in {usableCount} ranges; kernel image 0x{reserved[1].Base:x}-0x{reserved[1].End:x}; heap {heapRange.Length:size} at 0x{heapRange.Base:x}");

        ModuleInitializer.InitializeModules();
        Console.WriteLine($"runtime: {ModuleInitializer.StaticBlocksInitialized} static blocks, {ModuleInitializer.EagerConstructorsRun} eager constructors");

        SaveBootInfo(info, firmwareCount, firmwareAvailable, usable, multibootInfoPhysical, firstLineTsc);
        InitialFiles.Load();

        CpuLocal* bootCpu = CpuLocal.Create(0, 0);
        bootCpu->Tables = ProcessorTables.Create();
        bootCpu->Tables->Load();
        CpuLocal.Install(bootCpu);
        Smp.RegisterBootCpu(bootCpu);
        InterruptDispatcher.Initialize();
        Idt.Initialize();
        Console.WriteLine($"cpu: GDT, TSS and IDT loaded; interrupts on {InterruptStacks.Count} IST stacks of {InterruptStacks.StackSize:size}");

        KernelPageTables.BuildAndSwitch(BootInfo.UsableMemory);
        PhysicalMemoryManager.Initialize(BootInfo.UsableMemory, ImagePhysicalStart(), ImagePhysicalEnd(),
            multibootInfoPhysical, multibootInfoPhysical + info.TotalSize);
        for (int i = 0; i < BootInfo.Modules.Length; i++)
            PhysicalMemoryManager.Reserve(BootInfo.Modules[i].Start, BootInfo.Modules[i].End - BootInfo.Modules[i].Start,
                RegionType.BootModule, "boot module");
        Console.WriteLine($"memory: kernel page tables: direct map of all RAM with {(KernelPageTables.HasGigabytePages ? "1 GiB" : "2 MiB")} pages, W^X kernel image; pmem {PhysicalMemoryManager.FreeBytes:size} free of {PhysicalMemoryManager.TotalBytes:size}");

        Pic8259.RemapAndMaskAll(PicVectorBase, PicVectorBase + 8);
        LocalApic.InitializeThisCpu();
        bootCpu->ApicId = LocalApic.Id;
        TimeBase.Calibrate();
        Console.WriteLine($"cpu: local APIC id {LocalApic.Id} at 0x{LocalApic.PhysicalBase:x}, PIC masked");
        Scheduler.Initialize();
        TlbShootdown.Initialize();
        Console.WriteLine($"time: TSC {TimeBase.TscHz / 1000} kHz{(TimeBase.InvariantTsc ? " (invariant)" : "")}, APIC timer {TimeBase.ApicTimerHz / 1000} kHz, {(Scheduler.UsesTscDeadline ? "TSC-deadline" : "one-shot")} mode, tickless");

        // From here on the boot code is a thread like any other, on CPU 0.
        Thread* bootThread = Threads.Allocate("boot", 0);
        bootThread->StackBase = BootStackBottom();
        bootThread->StackSize = BootStackSize;
        Scheduler.StartOnThisCpu(bootThread, Threads.Allocate("idle0", Threads.DefaultStackSize));
        Cpu.EnableInterrupts();
        SyscallMsrs.InitializeThisCpu();
        int cpus = Smp.StartApplicationProcessors(Smp.MaxCpus);
        Console.WriteLine($"smp: {cpus} CPU{(cpus == 1 ? "" : "s")} online");
        StartUserSpaceSupport();

        CommandLine commandLine = BootInfo.CommandLine;
        if (commandLine.HasWord("crashtest"))
            CrashTest();

        if (commandLine.TryGetValue("bench", out ReadOnlySpan<byte> benchmark))
            RunBenchmark(commandLine, benchmark);

        if (commandLine.HasWord("selftest") || commandLine.TryGetValue("selftest", out _))
        {
            commandLine.TryGetValue("selftest", out ReadOnlySpan<byte> prefix);
            bool passed = SelfTestRunner.Run(prefix);
            Shutdown.PowerOff(passed ? ShutdownReason.Success : ShutdownReason.SelfTestsFailed);
        }

        LinuxAbi.SyscallDispatcher.Tracing = commandLine.HasWord("strace");
        if (BootServices.Wanted(commandLine) && !BootServices.Start(commandLine))
            Shutdown.PowerOff(ShutdownReason.Panic);
        if (InitProgram.HasProgram(commandLine))
        {
            if (!InitProgram.Start(commandLine))
                Shutdown.PowerOff(ShutdownReason.Panic);
            Console.WriteLine($"kitten: boot complete at tsc={Cpu.ReadTsc()}");
            Threads.Exit();
        }
        Console.WriteLine($"kitten: boot complete at tsc={Cpu.ReadTsc()}; idle (no program given: boot with -- PATH ARGS)");
        for (; ; )
            Cpu.EnableInterruptsAndHalt();
    }

    // What user programs need from the kernel: system calls, the clock, entropy, the terminal.
    private static void StartUserSpaceSupport()
    {
        Devices.Entropy.Initialize();
        LinuxAbi.TimeSyscalls.Initialize(CmosClock.ReadUnixTime());
        LinuxAbi.SyscallTable.Initialize();
        Processes.ProcessTable.Initialize();
        Processes.Signaling.Initialize();
        IoApic.Initialize(Smp.IoApicAddress);
        Devices.SerialTerminal.Initialize(Devices.SerialTerminal.DefaultIrqLine);
        FileSystem.Vfs.Initialize();
        Services.ServiceBinding.BindAll();
    }

    // `bench=NAME`: in-kernel benchmarks that `./kitten bench` boots; the machine stops afterwards.
    private static void RunBenchmark(CommandLine commandLine, ReadOnlySpan<byte> name)
    {
        if (CommandLine.Equals(name, "detour"))
        {
            ulong ticks = 1_000_000_000;
            if (commandLine.TryGetValue("detour.ticks", out ReadOnlySpan<byte> text))
                Text.NumberFormat.TryParseUnsigned(AsciiToChars(text), out ticks);
            DetourBenchmark.RunAndReport(ticks);
            Shutdown.PowerOff(ShutdownReason.Success);
        }
        if (CommandLine.Equals(name, "memory"))
            Shutdown.PowerOff(MemoryBenchmark.Run() ? ShutdownReason.Success : ShutdownReason.Panic);
        Console.WriteLine($"kitten: unknown benchmark \"{name}\"");
        Shutdown.PowerOff(ShutdownReason.Panic);
    }

    private static ReadOnlySpan<char> AsciiToChars(ReadOnlySpan<byte> text)
    {
        var chars = new char[text.Length];
        for (int i = 0; i < text.Length; i++)
            chars[i] = (char)text[i];
        return chars;
    }

    // The heap goes in the largest usable range below the end of the boot direct map.
    private static PhysicalRange ChooseHeapRange(Span<PhysicalRange> usable)
    {
        PhysicalRange best = default;
        for (int i = 0; i < usable.Length; i++)
        {
            PhysicalRange r = usable[i];
            if (r.Base >= PhysicalMemory.BootDirectMapLimit)
                continue;
            if (r.End > PhysicalMemory.BootDirectMapLimit)
                r.End = PhysicalMemory.BootDirectMapLimit;
            if (r.Length > best.Length)
                best = r;
        }
        if (best.Length < (4UL << 20))
            Panic.Fail("less than 4 MiB of contiguous RAM below 4 GiB for the kernel heap");
        ulong size = best.Length / 2 < HeapMaxBytes ? best.Length / 2 : HeapMaxBytes;
        return new PhysicalRange(best.Base, best.Base + (size & ~0xFFFUL));
    }

    private static void SaveBootInfo(Multiboot2Info info, int firmwareCount, ulong firmwareAvailable,
        Span<PhysicalRange> usable, ulong multibootInfoPhysical, ulong firstLineTsc)
    {
        BootInfo.CommandLineText = info.CommandLine.ToArray();
        BootInfo.UsableMemory = new PhysicalRange[usable.Length];
        for (int i = 0; i < usable.Length; i++)
            BootInfo.UsableMemory[i] = usable[i];
        BootInfo.Modules = new BootModule[info.ModuleCount];
        for (int i = 0; i < BootInfo.Modules.Length; i++)
            BootInfo.Modules[i] = info.GetModule(i);
        BootInfo.FirmwareMapEntries = firmwareCount;
        BootInfo.FirmwareAvailableBytes = firmwareAvailable;
        BootInfo.FirstLineTsc = firstLineTsc;
        BootInfo.MultibootInfoPhysical = multibootInfoPhysical;
        BootInfo.AcpiRsdp = info.AcpiRsdp;
    }

    // The `crashtest` word: a read from an unmapped kernel address must end in a panic report.
    private static void CrashTest()
    {
        Console.WriteLine("kitten: crashtest: reading unmapped address 0xdead0000 in ring 0");
        ulong value = *(ulong*)0xDEAD0000;
        Console.WriteLine($"kitten: crashtest: the read returned 0x{value:x} instead of faulting");
    }

    private static string MemoryTypeName(MemoryType type) => type switch
    {
        MemoryType.Available => "available",
        MemoryType.Reserved => "reserved",
        MemoryType.AcpiReclaimable => "ACPI reclaimable",
        MemoryType.AcpiNvs => "ACPI NVS",
        MemoryType.Defective => "defective",
        _ => "unknown",
    };

    private const ulong BootStackSize = 64 * 1024;

    [RuntimeImport("kitten_boot_stack_bottom")]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
    private static extern ulong BootStackBottom();

    [RuntimeImport("kitten_image_physical_start")]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
    private static extern ulong ImagePhysicalStart();

    [RuntimeImport("kitten_image_physical_end")]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
    private static extern ulong ImagePhysicalEnd();
}
