// The free-memory view: how the owner of physical memory (the kernel) shows the memory-policy service
// (Services/MemoryManager) what is free, in pages it grants read-only (kitten_memory_view,
// Kernel/Ipc/IpcMemoryView.cs). The layout is the service's, Services/MemoryManager/Core/FreeMemoryView.cs,
// which reads it (little endian):
//
//     0    magic "KFREEMEM"
//     8    sequence: odd while the kernel writes, +2 per update (a seqlock: a reader copies, then retries
//          if the sequence was odd or changed meanwhile)
//     16   extent count (u32), CPU count (u32)
//     24   reserved (0)
//     32   NUMA node of each CPU: 256 bytes (0xFF: unknown, or no such CPU)
//     288  extents: { start u64, length u64, node u32, reserved u32 } each, in address order
//
// Portable: writing the contents from a Pmem takes no lock and no fence. The kernel's view
// (KernelFreeMemoryView.cs) holds pmem's lock while the extents are read, serializes its writers, and
// fences between the steps: BeginWrite, fence, WriteContents, fence, EndWrite.
using System;

namespace Kitten.Kernel.Memory;

internal static unsafe class FreeMemoryView
{
    public const ulong Magic = 0x4D454D454552464B;   // "KFREEMEM" read as a little-endian u64
    public const int MaxCpus = 256;
    public const byte UnknownNode = 0xFF;
    public const int SequenceOffset = 8, ExtentCountOffset = 16, CpuCountOffset = 20, ReservedOffset = 24;
    public const int CpuNodesOffset = 32, ExtentsOffset = 288, ExtentSize = 24;

    // How many extents a view of this many bytes holds.
    public static int Capacity(int bytes) => bytes < ExtentsOffset ? 0 : (bytes - ExtentsOffset) / ExtentSize;

    // Marks the view as being written (odd sequence); returns the value EndWrite needs.
    public static ulong BeginWrite(byte* view)
    {
        ulong* sequence = (ulong*)(view + SequenceOffset);
        ulong writing = *sequence | 1;
        *sequence = writing;
        return writing;
    }

    // Consistent again: the sequence is even and 2 past what it was before BeginWrite.
    public static void EndWrite(byte* view, ulong writing) => *(ulong*)(view + SequenceOffset) = writing + 1;

    // Everything but the sequence: the magic, the CPUs' nodes (cpuNodes, at most MaxCpus; the rest
    // unknown), and pmem's free extents, each on NUMA node `node`, in address order. If more are free than
    // the view holds, the largest ones are written (by length; of equal lengths, those higher in memory):
    // what a placement policy can least do without, and a view that is short only of small holes. The
    // number of extents written.
    public static int WriteContents(byte* view, int bytes, ref Pmem pmem, ReadOnlySpan<byte> cpuNodes, byte node)
    {
        int capacity = Capacity(bytes);
        int cpus = cpuNodes.Length < MaxCpus ? cpuNodes.Length : MaxCpus;
        *(ulong*)view = Magic;
        *(ulong*)(view + ReservedOffset) = 0;
        for (int i = 0; i < MaxCpus; i++)
            view[CpuNodesOffset + i] = i < cpus ? cpuNodes[i] : UnknownNode;
        *(uint*)(view + CpuCountOffset) = (uint)cpus;

        // Extents below this (length, base) key are left out: it is the smallest of the `capacity` largest.
        ulong minimumLength = 0, minimumBase = 0;
        if (pmem.FreeExtentCount > capacity)
        {
            if (capacity == 0 || !pmem.RankedFreeExtent(capacity - 1, out PmemRegion smallest))
            {
                *(uint*)(view + ExtentCountOffset) = 0;
                return 0;
            }
            minimumLength = smallest.Length;
            minimumBase = smallest.Base;
        }
        int count = 0;
        for (ulong at = 0; count < capacity && pmem.NextRegion(at, RegionType.Free, out PmemRegion free); at = free.End)
        {
            if (free.Length > minimumLength || (free.Length == minimumLength && free.Base >= minimumBase))
            {
                byte* entry = view + ExtentsOffset + count * ExtentSize;
                *(ulong*)entry = free.Base;
                *(ulong*)(entry + 8) = free.Length;
                *(uint*)(entry + 16) = node;
                *(uint*)(entry + 20) = 0;
                count++;
            }
            if (free.End == 0)
                break;  // an extent that ends at the top of the address space: nothing follows
        }
        *(uint*)(view + ExtentCountOffset) = (uint)count;
        return count;
    }
}
