// /proc/meminfo in Linux's format (proc_meminfo(5); meminfo_proc_show in fs/proc/meminfo.c): a label
// padded to 16 columns, the value in kB right-aligned in 8, " kB". Linux's fields in its order; those
// that name mechanisms this kernel has not (swap, page cache writeback, slab, vmalloc, huge-page pools)
// are 0, so that a parser finds every field it knows.
namespace Kitten.Kernel.FileSystem.Proc;

internal struct MemoryInfo
{
    public ulong TotalBytes;        // physical memory the kernel manages
    public ulong FreeBytes;         // not allocated to anything
    public ulong AvailableBytes;    // what programs could still get
    public ulong ShmemBytes;        // tmpfs file data (counted in Cached, as on Linux)
    public ulong AnonymousBytes;    // committed process memory
    public ulong KernelStackBytes;
    public ulong PageTableBytes;
    public ulong CommittedBytes;    // Committed_AS: memory processes have committed
}

internal static class MeminfoFormat
{
    public static void Write(in MemoryInfo m, TextBuilder o)
    {
        Line("MemTotal:", m.TotalBytes, o);
        Line("MemFree:", m.FreeBytes, o);
        Line("MemAvailable:", m.AvailableBytes, o);
        Line("Buffers:", 0, o);
        Line("Cached:", m.ShmemBytes, o);
        Line("SwapCached:", 0, o);
        Line("Active:", m.AnonymousBytes, o);
        Line("Inactive:", m.ShmemBytes, o);
        Line("Active(anon):", m.AnonymousBytes, o);
        Line("Inactive(anon):", m.ShmemBytes, o);
        Line("Active(file):", 0, o);
        Line("Inactive(file):", 0, o);
        Line("Unevictable:", 0, o);
        Line("Mlocked:", 0, o);
        Line("SwapTotal:", 0, o);
        Line("SwapFree:", 0, o);
        Line("Zswap:", 0, o);
        Line("Zswapped:", 0, o);
        Line("Dirty:", 0, o);
        Line("Writeback:", 0, o);
        Line("AnonPages:", m.AnonymousBytes, o);
        Line("Mapped:", 0, o);
        Line("Shmem:", m.ShmemBytes, o);
        Line("KReclaimable:", 0, o);
        Line("Slab:", 0, o);
        Line("SReclaimable:", 0, o);
        Line("SUnreclaim:", 0, o);
        Line("KernelStack:", m.KernelStackBytes, o);
        Line("PageTables:", m.PageTableBytes, o);
        Line("SecPageTables:", 0, o);
        Line("NFS_Unstable:", 0, o);
        Line("Bounce:", 0, o);
        Line("WritebackTmp:", 0, o);
        Line("CommitLimit:", m.TotalBytes, o);
        Line("Committed_AS:", m.CommittedBytes, o);
        Line("VmallocTotal:", 0, o);
        Line("VmallocUsed:", 0, o);
        Line("VmallocChunk:", 0, o);
        Line("Percpu:", 0, o);
        Line("AnonHugePages:", 0, o);
        Line("ShmemHugePages:", 0, o);
        Line("ShmemPmdMapped:", 0, o);
        Line("FileHugePages:", 0, o);
        Line("FilePmdMapped:", 0, o);
        // hugetlb_report_meminfo: counts without a unit, "%5lu" after the padded label.
        o.Append("HugePages_Total:   ").Unsigned(0, 5).Append('\n');
        o.Append("HugePages_Free:    ").Unsigned(0, 5).Append('\n');
        o.Append("HugePages_Rsvd:    ").Unsigned(0, 5).Append('\n');
        o.Append("HugePages_Surp:    ").Unsigned(0, 5).Append('\n');
        Line("Hugepagesize:", 2048 * 1024, o);
        Line("Hugetlb:", 0, o);
    }

    private static void Line(string label, ulong bytes, TextBuilder o)
        => o.Append(label).PadTo(16).Unsigned(bytes / 1024, 8).Append(" kB\n");
}
