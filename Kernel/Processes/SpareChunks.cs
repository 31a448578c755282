// Process memory chunks of the smallest size (one 2 MiB large page) that a destroyed address space gave
// back, kept for the next one instead of going back to pmem at once. Every fork, execve and exit takes or
// drops such a chunk, and each pmem allocation or free is several tree updates under pmem's lock; a chunk
// off this list is a pop. Like PageTablePages and the image cache, the list is bounded and goes back to
// pmem when memory is short and before the final account (ImageCache.ReleaseKeptMemory).
//
// A chunk stays a pmem region of type UserMemory named "process memory" while it is kept here; its
// contents are stale, as those of any chunk fresh from pmem: ProcessMemory zeroes or overwrites every
// page before mapping it.
using Kitten.Kernel.Sync;

namespace Kitten.Kernel.Processes;

internal static unsafe class SpareChunks
{
    public const ulong Size = 2UL << 20;
    private const int MostKept = 4;

    private static SpinLock s_lock;
    private static ChunkList s_chunks;
    private static int s_count;

    private struct ChunkList
    {
        public fixed ulong Items[MostKept];
    }

    // A kept chunk (Size bytes, Size-aligned), or 0 if there is none.
    public static ulong Take()
    {
        bool interrupts = s_lock.Acquire();
        ulong chunk = s_count > 0 ? s_chunks.Items[--s_count] : 0;
        s_lock.Release(interrupts);
        return chunk;
    }

    // Keeps a chunk of Size bytes that pmem allocated; false if the list is full (the caller frees it).
    public static bool Keep(ulong chunk)
    {
        bool interrupts = s_lock.Acquire();
        bool kept = s_count < MostKept;
        if (kept)
            s_chunks.Items[s_count++] = chunk;
        s_lock.Release(interrupts);
        return kept;
    }

    // Bytes kept now (for /proc/meminfo's MemAvailable: memory pmem gets back the moment it is short).
    public static ulong KeptBytes => (ulong)s_count * Size;

    // Every kept chunk back to pmem; returns the bytes freed.
    public static ulong Drain()
    {
        ulong freed = 0;
        for (ulong chunk = Take(); chunk != 0; chunk = Take())
        {
            Memory.PhysicalMemoryManager.Free(chunk);
            freed += Size;
        }
        return freed;
    }
}
