using Kitten.MemoryManager;

namespace Kitten.Services.Tests.MemoryManager;

// Process images and free-memory maps for the memory manager's tests.
internal static class Images
{
    public const ulong GiB = 1UL << 30, MiB = 1UL << 20, KiB = 1UL << 10;

    // A statically linked HPC rank as `readelf -l` shows one (ELF header page, text, read-only data, data
    // and bss), with a 4 GiB heap and an 8 MiB stack.
    public static ImageRequest HpcRank(ulong heap = 4 * GiB, int node = -1) => new(new[]
    {
        new Segment(0x400000, 0x1000, Permissions.Read),
        new Segment(0x401000, 0x17F000, Permissions.Read | Permissions.Execute),
        new Segment(0x580000, 0x40000, Permissions.Read),
        new Segment(0x5C17B0, 0x11850, Permissions.Read | Permissions.Write),
    }, heap, 8 * MiB, node);

    // 64 GiB free from 4 GiB up, on node 0.
    public static List<FreeExtent> LargeFreeMemory() => new() { new FreeExtent(4 * GiB, 64 * GiB, 0) };

    // A random image: 1 to 6 segments (some not page-aligned), a heap of 0 to 3 GiB, a stack of 0 to 64 MiB.
    public static ImageRequest Random(Random random)
    {
        var segments = new List<Segment>();
        ulong cursor = (ulong)random.Next(1, 64) * 0x100000;
        int count = random.Next(1, 7);
        for (int i = 0; i < count; i++)
        {
            cursor += (ulong)random.Next(0, 3) * 0x1000 + (ulong)random.Next(0, 0x1000);
            ulong length = random.Next(4) switch
            {
                0 => (ulong)random.Next(1, 0x2000),
                1 => (ulong)random.Next(1, 0x400000),
                2 => (ulong)random.Next(1, 64) * MiB,
                _ => (ulong)random.Next(1, 3) * GiB + (ulong)random.Next(0, 0x1000000),
            };
            var permissions = (Permissions)random.Next(1, 8) | Permissions.Read;
            segments.Add(new Segment(cursor, length, permissions));
            cursor = VirtualLayout.PageUp(cursor + length);
        }
        ulong heap = random.Next(3) == 0 ? 0 : (ulong)random.NextInt64(1, (long)(3 * GiB));
        ulong stack = random.Next(3) == 0 ? 0 : (ulong)random.NextInt64(1, (long)(64 * MiB));
        return new ImageRequest(segments, heap, stack, random.Next(-1, 2));
    }

    // Free memory in 1 to 40 extents between 1 GiB and 200 GiB, on nodes 0 and 1, of random sizes and
    // alignments (so that some images fit only in pieces).
    public static List<FreeExtent> RandomFreeMemory(Random random)
    {
        var extents = new List<FreeExtent>();
        ulong cursor = GiB;
        int count = random.Next(1, 41);
        for (int i = 0; i < count; i++)
        {
            cursor += (ulong)random.Next(0, 1 << 16) * 0x1000;
            ulong length = random.Next(3) switch
            {
                0 => (ulong)random.Next(1, 1 << 12) * 0x1000,
                1 => (ulong)random.Next(1, 1 << 10) * 2 * MiB,
                _ => (ulong)random.Next(1, 8) * GiB + (ulong)random.Next(0, 1 << 16) * 0x1000,
            };
            extents.Add(new FreeExtent(cursor, length, random.Next(2)));
            cursor += length;
        }
        return extents;
    }
}
