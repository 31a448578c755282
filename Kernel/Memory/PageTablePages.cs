// Pages for page tables, kept on a free list instead of going back to pmem each time. Every fork, execve
// and exit makes and drops a handful of tables, and a pmem region per table costs tree updates in both
// directions; a page off this list costs a pop and zeroing. The list is bounded, and drained back to pmem
// when memory is short and before the kernel accounts for memory at the end of a run.
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Memory;

internal static unsafe class PageTablePages
{
    // At most this many free pages are kept (1 MiB): enough for the tables of dozens of processes.
    private const int MostKept = 256;

    private static SpinLock s_lock;
    private static ulong s_first; // physical address of the first free page; each holds the next's
    private static int s_count;

    // Bytes kept now (for /proc/meminfo's MemAvailable).
    public static ulong KeptBytes => (ulong)s_count * 4096;

    // A zeroed page, or 0 if memory is out.
    public static ulong Allocate()
    {
        bool interrupts = s_lock.Acquire();
        ulong page = s_first;
        if (page != 0)
        {
            s_first = *(ulong*)PhysicalMemory.ToVirtual(page);
            s_count--;
        }
        s_lock.Release(interrupts);
        if (page == 0)
            return PhysicalMemoryManager.Allocate(Pmem.PageSize, Pmem.PageSize, RegionType.PageTables, "page table", zero: true);
        Runtime.MemoryOps.Zero(PhysicalMemory.ToVirtual(page), (nuint)Pmem.PageSize);
        return page;
    }

    public static void Free(ulong page)
    {
        bool interrupts = s_lock.Acquire();
        if (s_count < MostKept)
        {
            *(ulong*)PhysicalMemory.ToVirtual(page) = s_first;
            s_first = page;
            s_count++;
            page = 0;
        }
        s_lock.Release(interrupts);
        if (page != 0)
            PhysicalMemoryManager.Free(page);
    }

    // Every kept page back to pmem; returns the bytes freed.
    public static ulong Drain()
    {
        bool interrupts = s_lock.Acquire();
        ulong first = s_first;
        int count = s_count;
        s_first = 0;
        s_count = 0;
        s_lock.Release(interrupts);
        for (ulong page = first; page != 0;)
        {
            ulong next = *(ulong*)PhysicalMemory.ToVirtual(page);
            PhysicalMemoryManager.Free(page);
            page = next;
        }
        return (ulong)count * Pmem.PageSize;
    }
}
