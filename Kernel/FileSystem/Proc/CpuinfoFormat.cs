// /proc/cpuinfo in Linux's x86 format (proc_cpuinfo(5); show_cpuinfo in arch/x86/kernel/cpu/proc.c): one
// block of "name\t: value" lines per online CPU, each block ending with an empty line. The figures come
// from CPUID (KernelProcSource reads it); what this kernel does not know (microcode revision, bugs it
// mitigates) is left out or empty.
using System;

namespace Kitten.Kernel.FileSystem.Proc;

internal unsafe struct CpuDescription
{
    public int Processor;           // the kernel's CPU number
    public uint ApicId;
    public fixed byte Vendor[12];   // CPUID 0: EBX, EDX, ECX
    public fixed byte Brand[48];    // CPUID 0x80000002-4, NUL-padded
    public uint Signature;          // CPUID 1 EAX: stepping, model, family
    public uint MaxLeaf;            // cpuid level
    public ulong TscKilohertz;      // cpu MHz, with three decimals
    public uint CacheKilobytes;     // the last-level cache
    public int CpuCount;            // siblings, cpu cores: one thread per core, one package
    public uint ClflushBytes;
    public uint PhysicalAddressBits, VirtualAddressBits;
    public fixed uint FeatureWords[CpuFeatureNames.WordCount];

    // Linux's x86 family and model: the extended fields count from family 0xF (and model from family 6).
    public readonly int Family
    {
        get
        {
            int family = (int)((Signature >> 8) & 0xF);
            return family == 0xF ? family + (int)((Signature >> 20) & 0xFF) : family;
        }
    }

    public readonly int Model
    {
        get
        {
            int model = (int)((Signature >> 4) & 0xF);
            return Family >= 6 ? model | (int)(((Signature >> 16) & 0xF) << 4) : model;
        }
    }

    public readonly int Stepping => (int)(Signature & 0xF);
}

internal static unsafe class CpuinfoFormat
{
    public static void Write(ReadOnlySpan<CpuDescription> cpus, TextBuilder o)
    {
        for (int i = 0; i < cpus.Length; i++)
            Block(in cpus[i], o);
    }

    private static void Block(in CpuDescription cpu, TextBuilder o)
    {
        o.Append("processor\t: ").Signed(cpu.Processor);
        o.Append("\nvendor_id\t: ");
        fixed (byte* vendor = cpu.Vendor)
            AppendText(new ReadOnlySpan<byte>(vendor, 12), o);
        o.Append("\ncpu family\t: ").Signed(cpu.Family);
        o.Append("\nmodel\t\t: ").Signed(cpu.Model);
        o.Append("\nmodel name\t: ");
        fixed (byte* brand = cpu.Brand)
            AppendText(new ReadOnlySpan<byte>(brand, 48), o);
        o.Append("\nstepping\t: ").Signed(cpu.Stepping);
        o.Append("\ncpu MHz\t\t: ").Unsigned(cpu.TscKilohertz / 1000).Append('.').Unsigned(cpu.TscKilohertz % 1000 / 100)
            .Unsigned(cpu.TscKilohertz % 100 / 10).Unsigned(cpu.TscKilohertz % 10);
        if (cpu.CacheKilobytes != 0)
            o.Append("\ncache size\t: ").Unsigned(cpu.CacheKilobytes).Append(" KB");
        o.Append("\nphysical id\t: 0");
        o.Append("\nsiblings\t: ").Signed(cpu.CpuCount);
        o.Append("\ncore id\t\t: ").Signed(cpu.Processor);
        o.Append("\ncpu cores\t: ").Signed(cpu.CpuCount);
        o.Append("\napicid\t\t: ").Unsigned(cpu.ApicId);
        o.Append("\ninitial apicid\t: ").Unsigned(cpu.ApicId);
        o.Append("\nfpu\t\t: yes\nfpu_exception\t: yes");
        o.Append("\ncpuid level\t: ").Unsigned(cpu.MaxLeaf);
        o.Append("\nwp\t\t: yes");
        o.Append("\nflags\t\t:");
        for (int word = 0; word < CpuFeatureNames.WordCount; word++)
        {
            uint bits = cpu.FeatureWords[word];
            for (int bit = 0; bit < 32; bit++)
            {
                string name = (bits & (1u << bit)) != 0 ? CpuFeatureNames.Name(word, bit) : null;
                if (name != null)
                    o.Append(' ').Append(name);
            }
        }
        o.Append("\nbugs\t\t:");
        // BogoMIPS: Linux calibrates its delay loop against the TSC, which gives twice the TSC's MHz.
        ulong hundredths = cpu.TscKilohertz * 2 / 10;
        o.Append("\nbogomips\t: ").Hundredths(hundredths);
        o.Append("\nclflush size\t: ").Unsigned(cpu.ClflushBytes);
        o.Append("\ncache_alignment\t: ").Unsigned(cpu.ClflushBytes);
        o.Append("\naddress sizes\t: ").Unsigned(cpu.PhysicalAddressBits).Append(" bits physical, ")
            .Unsigned(cpu.VirtualAddressBits).Append(" bits virtual");
        o.Append("\npower management:\n\n");
    }

    // A CPUID string: up to the first NUL, without the leading spaces some brands have (Linux strips them).
    private static void AppendText(ReadOnlySpan<byte> text, TextBuilder o)
    {
        int start = 0, end = 0;
        while (end < text.Length && text[end] != 0)
            end++;
        while (start < end && text[start] == ' ')
            start++;
        while (end > start && text[end - 1] == ' ')
            end--;
        o.Append(text.Slice(start, end - start));
    }
}
