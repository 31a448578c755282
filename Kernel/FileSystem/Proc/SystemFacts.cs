// What /proc's system-wide files show of the running kernel: memory from pmem and the process table, CPU
// time from each CPU's idle thread, CPU descriptions from CPUID. Kernel only (the formats are portable).
using System;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.FileSystem.Proc;

internal static unsafe class SystemFacts
{
    private const ulong NanosecondsPerTick = 1_000_000_000 / ProcessInfo.TicksPerSecond;
    private static LoadAverage s_load;

    public static void Meminfo(TextBuilder output)
    {
        var info = new MemoryInfo
        {
            TotalBytes = PhysicalMemoryManager.TotalBytes,
            FreeBytes = PhysicalMemoryManager.FreeBytes,
            // Free memory and what the kernel keeps for reuse but gives back when memory is short
            // (proc_meminfo(5): "available for starting new applications, without swapping").
            AvailableBytes = PhysicalMemoryManager.FreeBytes + ImageCache.KeptBytes(),
        };
        for (int i = 0; i < Vfs.Namespace.MountCount; i++)
        {
            FileSystemInstance mount = Vfs.Namespace.MountedInstance(i);
            if (mount.Type == "tmpfs")
                info.ShmemBytes += mount.UsedBytes;
        }
        ulong committed = 0;
        ProcessTable.ForEach(&AddCommittedBytes, &committed);
        info.AnonymousBytes = committed;
        info.CommittedBytes = committed;
        MeminfoFormat.Write(in info, output);
    }

    private static void AddCommittedBytes(Process process, void* sum)
    {
        ProcessMemory memory = process.Memory;
        if (memory != null)
            *(ulong*)sum += memory.CommittedBytes;
    }

    public static void Cpuinfo(TextBuilder output)
    {
        int count = Smp.CpuCount;
        var cpus = new CpuDescription[count];
        Describe(ref cpus[0], count);
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
                cpus[i] = cpus[0];
            cpus[i].Processor = i;
            cpus[i].ApicId = Smp.CpuAt(i)->ApicId;
        }
        CpuinfoFormat.Write(cpus, output);
        NodeMemory.Release(cpus);
    }

    // The CPUs are alike (one machine model, as QEMU and real nodes give): CPUID of this one describes all.
    private static void Describe(ref CpuDescription cpu, int count)
    {
        CpuidResult leaf0 = Cpu.Cpuid(0);
        cpu.MaxLeaf = leaf0.Eax;
        fixed (byte* vendor = cpu.Vendor)
        {
            *(uint*)vendor = leaf0.Ebx;
            *(uint*)(vendor + 4) = leaf0.Edx;
            *(uint*)(vendor + 8) = leaf0.Ecx;
        }
        CpuidResult leaf1 = Cpu.Cpuid(1);
        cpu.Signature = leaf1.Eax;
        cpu.ClflushBytes = ((leaf1.Ebx >> 8) & 0xFF) * 8;
        uint maxExtended = Cpu.Cpuid(0x80000000).Eax;
        fixed (byte* brand = cpu.Brand)
        {
            for (uint i = 0; i < 3 && maxExtended >= 0x80000004; i++)
            {
                CpuidResult part = Cpu.Cpuid(0x80000002 + i);
                uint* words = (uint*)(brand + 16 * i);
                words[0] = part.Eax;
                words[1] = part.Ebx;
                words[2] = part.Ecx;
                words[3] = part.Edx;
            }
        }
        if (maxExtended >= 0x80000008)
        {
            uint sizes = Cpu.Cpuid(0x80000008).Eax;
            cpu.PhysicalAddressBits = sizes & 0xFF;
            cpu.VirtualAddressBits = (sizes >> 8) & 0xFF;
        }
        cpu.TscKilohertz = TimeBase.TscHz / 1000;
        cpu.CpuCount = count;
        cpu.CacheKilobytes = (uint)(SysFs.CpuCaches.LastLevelBytes() / 1024);
        for (int word = 0; word < CpuFeatureNames.WordCount; word++)
        {
            uint leaf = CpuFeatureNames.Leaves[word];
            bool present = leaf >= 0x80000000 ? leaf <= maxExtended : leaf <= cpu.MaxLeaf;
            if (!present)
                continue;
            CpuidResult result = Cpu.Cpuid(leaf, CpuFeatureNames.Subleaves[word]);
            cpu.FeatureWords[word] = CpuFeatureNames.Registers[word] switch
            {
                0 => result.Eax,
                1 => result.Ebx,
                2 => result.Ecx,
                _ => result.Edx,
            };
        }
    }

    // Busy and idle time of each CPU since boot: its idle thread's running time is its idle time.
    private static void CpuTimesOf(int index, ulong now, out ulong busyNanoseconds, out ulong idleNanoseconds)
    {
        CpuLocal* cpu = Smp.CpuAt(index);
        Thread* idle = cpu->Idle;
        ulong idleTsc = idle == null ? 0 : idle->CpuTicks;
        if (idle != null && cpu->Running == idle && now > idle->LastStart)
            idleTsc += now - idle->LastStart;
        ulong total = TimeSyscalls.MonotonicNanoseconds;
        idleNanoseconds = TimeBase.TscToNanoseconds(idleTsc);
        if (idleNanoseconds > total)
            idleNanoseconds = total;
        busyNanoseconds = total - idleNanoseconds;
    }

    public static void Stat(TextBuilder output)
    {
        int count = Smp.CpuCount;
        var times = new CpuTimes[count];
        var counters = new SystemCounters();
        ulong now = Cpu.ReadTsc();
        for (int i = 0; i < count; i++)
        {
            CpuTimesOf(i, now, out ulong busy, out ulong idle);
            times[i].User = busy / NanosecondsPerTick;
            times[i].Idle = idle / NanosecondsPerTick;
            CpuLocal* cpu = Smp.CpuAt(i);
            counters.Interrupts += cpu->TimerInterrupts + cpu->RescheduleIpis;
            counters.ContextSwitches += cpu->ContextSwitches;
        }
        counters.BootTime = (TimeSyscalls.RealtimeNanoseconds - TimeSyscalls.MonotonicNanoseconds) / 1_000_000_000;
        counters.ProcessesCreated = ProcessTable.Created;
        counters.Running = CountProcesses(out _);
        SystemStatFormat.Stat(times, in counters, output);
        NodeMemory.Release(times);
    }

    public static void Uptime(TextBuilder output)
    {
        ulong now = Cpu.ReadTsc();
        ulong idleTotal = 0;
        for (int i = 0; i < Smp.CpuCount; i++)
        {
            CpuTimesOf(i, now, out _, out ulong idle);
            idleTotal += idle;
        }
        SystemStatFormat.Uptime(TimeSyscalls.MonotonicNanoseconds, idleTotal, output);
    }

    public static void Loadavg(TextBuilder output)
    {
        int running = CountProcesses(out int all);
        s_load.Update(TimeSyscalls.MonotonicNanoseconds, running);
        SystemStatFormat.Loadavg(in s_load, running, all, ProcessTable.LastPid, output);
    }

    // Threads running or ready to run; `all` gets every thread of a live process.
    private static int CountProcesses(out int all)
    {
        var counts = new ThreadCounts();
        ProcessTable.ForEach(&CountThreads, &counts);
        all = counts.All;
        return counts.Running;
    }

    private struct ThreadCounts
    {
        public int Running, All;
    }

    private static void CountThreads(Process process, void* argument)
    {
        var counts = (ThreadCounts*)argument;
        if (process.State == ProcessState.Zombie)
            return;
        bool threads = process.ThreadLock.Acquire();
        for (Thread* thread = process.FirstThread; thread != null; thread = thread->GroupNext)
        {
            counts->All++;
            if (thread->State == ThreadState.Running || thread->State == ThreadState.Ready)
                counts->Running++;
        }
        process.ThreadLock.Release(threads);
    }

    public static void Version(TextBuilder output)
        => output.Append(SystemIdentity.SystemName).Append(" version ").Append(SystemIdentity.Release)
            .Append(" (kitten@kitten) (C#, ILC NativeAOT) ").Append(SystemIdentity.Version).Append('\n');
}
