// The names /proc/cpuinfo gives CPUID feature bits, as Linux spells them (the quoted names of
// arch/x86/include/asm/cpufeatures.h), for the CPUID words Linux reads straight from the hardware, in
// Linux's word order. A bit without a name is not shown (reserved, or one Linux keeps out of cpuinfo).
// Bits: Intel SDM vol. 2A, CPUID; AMD APM vol. 3, appendix E.
namespace Kitten.Kernel.FileSystem.Proc;

internal static class CpuFeatureNames
{
    // The CPUID words of the flags line: leaf, subleaf and register (0 EAX, 1 EBX, 2 ECX, 3 EDX).
    public const int WordCount = 11;
    public static readonly uint[] Leaves = { 0x1, 0x80000001, 0x1, 0x80000001, 0x7, 0xD, 0x7, 0x80000008, 0x6, 0x7, 0x7 };
    public static readonly uint[] Subleaves = { 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0 };
    public static readonly int[] Registers = { 3, 3, 2, 2, 1, 0, 0, 1, 0, 2, 3 };

    // Names by word, then bit; null: not shown.
    public static string Name(int word, int bit)
    {
        string[] names = word switch
        {
            0 => s_leaf1Edx,
            1 => s_extendedEdx,
            2 => s_leaf1Ecx,
            3 => s_extendedEcx,
            4 => s_leaf7Ebx,
            5 => s_xsaveEax,
            6 => s_leaf7Sub1Eax,
            7 => s_extended8Ebx,
            8 => s_thermalEax,
            9 => s_leaf7Ecx,
            _ => s_leaf7Edx,
        };
        return names[bit];
    }

    private static readonly string[] s_leaf1Edx =
    {
        "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", null, "sep", "mtrr", "pge", "mca", "cmov",
        "pat", "pse36", "pn", "clflush", null, "dts", "acpi", "mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe",
    };

    // Only the bits that do not repeat leaf 1 EDX have names.
    private static readonly string[] s_extendedEdx =
    {
        null, null, null, null, null, null, null, null, null, null, null, "syscall", null, null, null, null,
        null, null, null, "mp", "nx", null, "mmxext", null, null, "fxsr_opt", "pdpe1gb", "rdtscp", null, "lm", "3dnowext", "3dnow",
    };

    private static readonly string[] s_leaf1Ecx =
    {
        "pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2", "ssse3", "cid", "sdbg", "fma", "cx16", "xtpr", "pdcm",
        null, "pcid", "dca", "sse4_1", "sse4_2", "x2apic", "movbe", "popcnt", "tsc_deadline_timer", "aes", "xsave", null, "avx", "f16c", "rdrand", "hypervisor",
    };

    private static readonly string[] s_extendedEcx =
    {
        "lahf_lm", "cmp_legacy", "svm", "extapic", "cr8_legacy", "abm", "sse4a", "misalignsse", "3dnowprefetch", "osvw", "ibs", "xop", "skinit", "wdt", null, "lwp",
        "fma4", "tce", null, "nodeid_msr", null, "tbm", "topoext", "perfctr_core", "perfctr_nb", null, "bpext", "ptsc", "perfctr_llc", "mwaitx", null, null,
    };

    private static readonly string[] s_leaf7Ebx =
    {
        "fsgsbase", "tsc_adjust", "sgx", "bmi1", "hle", "avx2", null, "smep", "bmi2", "erms", "invpcid", "rtm", "cqm", null, "mpx", "rdt_a",
        "avx512f", "avx512dq", "rdseed", "adx", "smap", "avx512ifma", null, "clflushopt", "clwb", "intel_pt", "avx512pf", "avx512er", "avx512cd", "sha_ni", "avx512bw", "avx512vl",
    };

    private static readonly string[] s_xsaveEax =
    {
        "xsaveopt", "xsavec", "xgetbv1", "xsaves", null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
    };

    private static readonly string[] s_leaf7Sub1Eax =
    {
        null, null, null, null, "avx_vnni", "avx512_bf16", null, null, null, null, null, null, null, null, null, null,
        null, "fred", null, null, null, null, null, null, null, null, "lam", null, null, null, null, null,
    };

    private static readonly string[] s_extended8Ebx =
    {
        "clzero", "irperf", "xsaveerptr", null, "rdpru", null, null, null, null, "wbnoinvd", null, null, null, null, null, null,
        null, null, null, null, null, null, null, "amd_ppin", null, "virt_ssbd", null, "cppc", null, null, null, "brs",
    };

    private static readonly string[] s_thermalEax =
    {
        "dtherm", "ida", "arat", null, "pln", null, "pts", "hwp", "hwp_notify", "hwp_act_window", "hwp_epp", "hwp_pkg_req", null, null, null, null,
        null, null, null, "hfi", null, null, null, null, null, null, null, null, null, null, null, null,
    };

    private static readonly string[] s_leaf7Ecx =
    {
        null, "avx512vbmi", "umip", "pku", "ospke", "waitpkg", "avx512_vbmi2", null, "gfni", "vaes", "vpclmulqdq", "avx512_vnni", "avx512_bitalg", "tme", "avx512_vpopcntdq", null,
        "la57", null, null, null, null, null, "rdpid", null, "bus_lock_detect", "cldemote", null, "movdiri", "movdir64b", "enqcmd", "sgx_lc", null,
    };

    private static readonly string[] s_leaf7Edx =
    {
        null, null, "avx512_4vnniw", "avx512_4fmaps", "fsrm", null, null, null, "avx512_vp2intersect", null, "md_clear", null, null, null, "serialize", null,
        "tsxldtrk", null, "pconfig", "arch_lbr", "ibt", null, "amx_bf16", "avx512_fp16", "amx_tile", "amx_int8", null, null, "flush_l1d", "arch_capabilities", null, null,
    };
}
