// The read-only pages of programs, kept once and shared by every process that runs them. A program of
// the initial archive cannot change (its file system refuses writes), so the bytes its code and
// read-only data pages hold are the same in every process: execve maps one physically contiguous copy
// instead of copying the image again, and fork maps the same pages instead of duplicating them. Only the
// writable pages (data, bss, heap, stack) are each process's own, as before.
//
// An entry stays when its last user goes, so that the next execve of the program finds it; unused
// entries go back to pmem when memory is short (DropUnused) and before the kernel accounts for memory at
// the end of a run.
using Kitten.Kernel.Memory;
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Processes;

internal sealed unsafe class ImageCacheEntry
{
    // The key: the program's bytes in place (an archive file's data never moves nor changes).
    public byte* File;
    public ulong FileLength;
    // The virtual range of the program's read-only pages this copy backs, and where the copy is.
    public ulong Start;
    public ulong End;
    public ulong Physical;
    public int Users;
    public ImageCacheEntry Next;

    public ulong Length => End - Start;
    public ulong PhysicalAt(ulong address) => Physical + (address - Start);
}

internal static unsafe class ImageCache
{
    private static SpinLock s_lock;
    private static ImageCacheEntry s_first;

    // The cached copy of [start, end) of the program in `file`, with one more user; null if there is none
    // yet (then the caller builds one: AllocateCopy, fill it, Insert).
    public static ImageCacheEntry Lookup(byte* file, ulong fileLength, ulong start, ulong end)
    {
        bool interrupts = s_lock.Acquire();
        ImageCacheEntry entry = Find(file, fileLength, start, end);
        if (entry != null)
            entry.Users++;
        s_lock.Release(interrupts);
        return entry;
    }

    // Physical memory for a copy of [start, end), aligned like start up to 2 MiB so that large pages can
    // map it; unused entries make room if memory is short. 0 if there is none.
    public static ulong AllocateCopy(ulong start, ulong end)
    {
        const ulong Large = 2UL << 20;
        ulong length = end - start;
        ulong alignment = length >= Large && (start & (Large - 1)) == 0 ? Large : ProcessMemory.PageSize;
        ulong physical = PhysicalMemoryManager.Allocate(length, alignment, RegionType.UserMemory, "program image", zero: false);
        if (physical == 0 && ReleaseKeptMemory() > 0)
            physical = PhysicalMemoryManager.Allocate(length, alignment, RegionType.UserMemory, "program image", zero: false);
        return physical;
    }

    // Adds a filled copy (from AllocateCopy) and returns its entry with one user. If another CPU added the
    // same copy meanwhile, that one is returned and this one freed.
    public static ImageCacheEntry Insert(byte* file, ulong fileLength, ulong start, ulong end, ulong physical)
    {
        var created = new ImageCacheEntry { File = file, FileLength = fileLength, Start = start, End = end, Physical = physical, Users = 1 };
        bool interrupts = s_lock.Acquire();
        ImageCacheEntry entry = Find(file, fileLength, start, end);
        if (entry != null)
        {
            entry.Users++;
        }
        else
        {
            created.Next = s_first;
            s_first = created;
        }
        s_lock.Release(interrupts);
        if (entry == null)
            return created;
        PhysicalMemoryManager.Free(physical);
        Runtime.ObjectMemory.Release(created);
        return entry;
    }

    private static ImageCacheEntry Find(byte* file, ulong fileLength, ulong start, ulong end)
    {
        for (ImageCacheEntry e = s_first; e != null; e = e.Next)
        {
            if (e.File == file && e.FileLength == fileLength && e.Start == start && e.End == end)
                return e;
        }
        return null;
    }

    // One more user of an entry already held (fork).
    public static void AddUser(ImageCacheEntry entry)
    {
        bool interrupts = s_lock.Acquire();
        entry.Users++;
        s_lock.Release(interrupts);
    }

    public static void Release(ImageCacheEntry entry)
    {
        bool interrupts = s_lock.Acquire();
        entry.Users--;
        s_lock.Release(interrupts);
    }

    // Memory kept for reuse goes back to pmem (when memory is short, and before the final account):
    // programs' cached pages no process uses, spare page-table pages and spare process chunks. Returns
    // the bytes freed.
    public static ulong ReleaseKeptMemory() => DropUnused() + PageTablePages.Drain() + SpareChunks.Drain();

    // Bytes of memory kept for reuse, that ReleaseKeptMemory would give back now (for /proc/meminfo's
    // MemAvailable, which counts what Linux could reclaim at once).
    public static ulong KeptBytes()
    {
        ulong bytes = 0;
        bool interrupts = s_lock.Acquire();
        for (ImageCacheEntry e = s_first; e != null; e = e.Next)
        {
            if (e.Users == 0)
                bytes += e.Length;
        }
        s_lock.Release(interrupts);
        return bytes + PageTablePages.KeptBytes + SpareChunks.KeptBytes;
    }

    // Every entry no process uses goes back to pmem; returns the bytes freed.
    public static ulong DropUnused()
    {
        ImageCacheEntry dropped = null;
        bool interrupts = s_lock.Acquire();
        ImageCacheEntry previous = null;
        for (ImageCacheEntry e = s_first; e != null;)
        {
            ImageCacheEntry next = e.Next;
            if (e.Users == 0)
            {
                if (previous == null)
                    s_first = next;
                else
                    previous.Next = next;
                e.Next = dropped;
                dropped = e;
            }
            else
            {
                previous = e;
            }
            e = next;
        }
        s_lock.Release(interrupts);

        ulong freed = 0;
        while (dropped != null)
        {
            ImageCacheEntry next = dropped.Next;
            freed += dropped.Length;
            PhysicalMemoryManager.Free(dropped.Physical);
            Runtime.ObjectMemory.Release(dropped);
            dropped = next;
        }
        return freed;
    }
}
