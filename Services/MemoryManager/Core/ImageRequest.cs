using System.Buffers.Binary;
using Kitten.Ipc;

namespace Kitten.MemoryManager;

// A loadable segment of the program (an ELF PT_LOAD): where it goes in the address space, how long it is
// in memory (p_memsz) and its permissions (p_flags).
public readonly record struct Segment(ulong VirtualStart, ulong Length, Permissions Permissions)
{
    public const int EncodedSize = 24;

    public void Encode(Span<byte> output)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(output, VirtualStart);
        BinaryPrimitives.WriteUInt64LittleEndian(output[8..], Length);
        BinaryPrimitives.WriteUInt32LittleEndian(output[16..], (uint)Permissions);
        BinaryPrimitives.WriteUInt32LittleEndian(output[20..], 0);
    }

    public static Segment Decode(ReadOnlySpan<byte> input)
        => new(BinaryPrimitives.ReadUInt64LittleEndian(input), BinaryPrimitives.ReadUInt64LittleEndian(input[8..]),
            (Permissions)BinaryPrimitives.ReadUInt32LittleEndian(input[16..]));
}

// What a process image needs: its segments, a heap and a stack, and where it would like to run (a NUMA
// node, or a CPU whose node the free-memory view knows; -1: no preference).
public sealed record ImageRequest(IReadOnlyList<Segment> Segments, ulong HeapBytes, ulong StackBytes, int NumaNode = -1, int Cpu = -1)
{
    public Message ToMessage()
        => new((ulong)MemoryLabel.Plan, HeapBytes, StackBytes, (ulong)(NumaNode + 1), (ulong)(Cpu + 1));

    public int EncodeSegments(Span<byte> payload)
    {
        for (int i = 0; i < Segments.Count; i++)
            Segments[i].Encode(payload[(i * Segment.EncodedSize)..]);
        return Segments.Count * Segment.EncodedSize;
    }

    // Null if the payload is not a whole number of segments or has too many.
    public static ImageRequest? Decode(in Message message, ReadOnlySpan<byte> payload)
    {
        if (payload.Length % Segment.EncodedSize != 0 || payload.Length / Segment.EncodedSize > MemoryProtocol.MaxSegments)
            return null;
        var segments = new Segment[payload.Length / Segment.EncodedSize];
        for (int i = 0; i < segments.Length; i++)
            segments[i] = Segment.Decode(payload[(i * Segment.EncodedSize)..]);
        int node = message[2] == 0 || message[2] > int.MaxValue ? -1 : (int)message[2] - 1;
        int cpu = message[3] == 0 || message[3] > int.MaxValue ? -1 : (int)message[3] - 1;
        return new ImageRequest(segments, message[0], message[1], node, cpu);
    }
}
