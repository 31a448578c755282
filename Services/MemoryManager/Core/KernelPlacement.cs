using System.Buffers.Binary;

namespace Kitten.MemoryManager;

// A layout in the form the kernel installs it: the argument of kitten_exec_placed (system call 1045,
// Kernel/Ipc/README.md), which execs a program with exactly the layout's physical memory behind its
// segments, heap and stack. One buffer: the 48-byte header, then the regions (LayoutRegion's own 32-byte
// encoding), so that one pinned array is the whole argument:
//
//     u64 heap start, heap length      the heap the break moves in (0, 0: none planned)
//     u64 stack top, stack length      the stack's committed part ends at the top (0, 0: none)
//     u64 region count
//     u64 address of the regions       user pointer: set by WriteRegionsAddress once the buffer is pinned
public static class KernelPlacement
{
    public const int HeaderSize = 48;
    public const long ExecPlaced = 1045;

    public static byte[] Encode(ImageRequest request, Layout layout)
    {
        List<VirtualRegion> regions = VirtualLayout.Place(request, out string? problem)
            ?? throw new ArgumentException($"the request has no layout: {problem}", nameof(request));
        VirtualRegion heap = regions.FirstOrDefault(region => region.Kind == RegionKind.Heap);
        VirtualRegion stack = regions.FirstOrDefault(region => region.Kind == RegionKind.Stack);
        var buffer = new byte[HeaderSize + layout.Regions.Count * LayoutRegion.EncodedSize];
        Span<byte> header = buffer;
        BinaryPrimitives.WriteUInt64LittleEndian(header, heap.Start);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], heap.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(header[16..], stack.Length == 0 ? 0 : stack.End);
        BinaryPrimitives.WriteUInt64LittleEndian(header[24..], stack.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(header[32..], (ulong)layout.Regions.Count);
        for (int i = 0; i < layout.Regions.Count; i++)
            layout.Regions[i].Encode(buffer.AsSpan(HeaderSize + i * LayoutRegion.EncodedSize));
        return buffer;
    }

    // The buffer's own address plus HeaderSize, once it cannot move (pinned).
    public static void WriteRegionsAddress(Span<byte> buffer, ulong bufferAddress)
        => BinaryPrimitives.WriteUInt64LittleEndian(buffer[40..], bufferAddress + HeaderSize);
}
