using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kitten.MemoryManager;

// A free physical extent: [Start, Start + Length) on NUMA node Node.
public readonly record struct FreeExtent(ulong Start, ulong Length, int Node)
{
    public ulong End => Start + Length;
}

// The free-memory view: how the owner of physical memory (the kernel; a test on the host) shows the
// memory manager what is free, in shared memory it grants read-only, so the manager holds no state of
// its own that a restart could lose. The owner updates it as it installs layouts; the manager reads a
// consistent copy for each request. Layout (little endian):
//
//     0    magic "KFREEMEM"
//     8    sequence: odd while the owner writes, +2 per update (a seqlock)
//     16   extent count (u32), CPU count (u32)
//     24   reserved
//     32   NUMA node of each CPU: 256 bytes (0xFF: unknown)
//     288  extents: { start u64, length u64, node u32, reserved u32 } each
public static class FreeMemoryView
{
    public static readonly ulong Magic = BinaryPrimitives.ReadUInt64LittleEndian("KFREEMEM"u8);
    public const int MaxCpus = 256;
    private const int SequenceOffset = 8, CountOffset = 16, CpuCountOffset = 20, CpuNodesOffset = 32, ExtentsOffset = 288;
    private const int ExtentSize = 24;

    public static int BytesFor(int extents) => ExtentsOffset + extents * ExtentSize;

    public static int Capacity(int bytes) => Math.Max(0, (bytes - ExtentsOffset) / ExtentSize);

    // The owner's side: writes (or rewrites) the view.
    public static void Write(Span<byte> memory, IReadOnlyList<FreeExtent> extents, ReadOnlySpan<byte> cpuNodes = default)
    {
        if (extents.Count > Capacity(memory.Length) || cpuNodes.Length > MaxCpus)
            throw new ArgumentException($"a {memory.Length}-byte view holds {Capacity(memory.Length)} extents and {MaxCpus} CPUs");
        ref ulong sequence = ref Word(memory, SequenceOffset);
        ulong writing = Volatile.Read(ref sequence) | 1;
        Volatile.Write(ref sequence, writing);          // odd: readers retry
        Interlocked.MemoryBarrier();
        BinaryPrimitives.WriteUInt64LittleEndian(memory, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(memory[CountOffset..], (uint)extents.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(memory[CpuCountOffset..], (uint)cpuNodes.Length);
        memory.Slice(CpuNodesOffset, MaxCpus).Fill(0xFF);
        cpuNodes.CopyTo(memory[CpuNodesOffset..]);
        for (int i = 0; i < extents.Count; i++)
        {
            Span<byte> entry = memory.Slice(ExtentsOffset + i * ExtentSize, ExtentSize);
            BinaryPrimitives.WriteUInt64LittleEndian(entry, extents[i].Start);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], extents[i].Length);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[16..], (uint)extents[i].Node);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[20..], 0);
        }
        Interlocked.MemoryBarrier();
        Volatile.Write(ref sequence, writing + 1);      // even again: consistent
    }

    // The reader's side: a consistent copy, or false if the view is not one or kept changing.
    public static bool TryRead(ReadOnlySpan<byte> memory, List<FreeExtent> extents, out byte[] cpuNodes)
    {
        cpuNodes = Array.Empty<byte>();
        if (memory.Length < ExtentsOffset)
            return false;
        ref ulong sequence = ref Word(memory, SequenceOffset);
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            ulong before = Volatile.Read(ref sequence);
            if ((before & 1) != 0)
            {
                Thread.SpinWait(64);
                continue;
            }
            extents.Clear();
            bool valid = BinaryPrimitives.ReadUInt64LittleEndian(memory) == Magic;
            uint count = BinaryPrimitives.ReadUInt32LittleEndian(memory[CountOffset..]);
            uint cpus = BinaryPrimitives.ReadUInt32LittleEndian(memory[CpuCountOffset..]);
            valid &= count <= Capacity(memory.Length) && cpus <= MaxCpus;
            if (valid)
            {
                cpuNodes = memory.Slice(CpuNodesOffset, (int)cpus).ToArray();
                for (int i = 0; i < count; i++)
                {
                    ReadOnlySpan<byte> entry = memory.Slice(ExtentsOffset + i * ExtentSize, ExtentSize);
                    extents.Add(new FreeExtent(BinaryPrimitives.ReadUInt64LittleEndian(entry), BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]),
                        (int)BinaryPrimitives.ReadUInt32LittleEndian(entry[16..])));
                }
            }
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref sequence) == before)
                return valid;
        }
        return false;
    }

    private static ref ulong Word(ReadOnlySpan<byte> memory, int offset)
        => ref Unsafe.As<byte, ulong>(ref MemoryMarshal.GetReference(memory[offset..]));
}
