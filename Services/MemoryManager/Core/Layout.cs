using System.Buffers.Binary;

namespace Kitten.MemoryManager;

// One piece of a layout: [VirtualStart, VirtualStart + Length) mapped to [PhysicalStart, ...) with pages of
// PageSize bytes (both starts and the length are multiples of it), with the given permissions. This is
// what the kernel will install: one PageTable.Map(virtual, physical, length, flags, that page size).
public readonly record struct LayoutRegion(ulong VirtualStart, ulong Length, ulong PhysicalStart, ulong PageSize, Permissions Permissions)
{
    public const int EncodedSize = 32;

    public ulong VirtualEnd => VirtualStart + Length;

    public void Encode(Span<byte> output)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(output, VirtualStart);
        BinaryPrimitives.WriteUInt64LittleEndian(output[8..], Length);
        BinaryPrimitives.WriteUInt64LittleEndian(output[16..], PhysicalStart);
        BinaryPrimitives.WriteUInt32LittleEndian(output[24..], (uint)PageSize);
        BinaryPrimitives.WriteUInt32LittleEndian(output[28..], (uint)Permissions);
    }

    public static LayoutRegion Decode(ReadOnlySpan<byte> input)
        => new(BinaryPrimitives.ReadUInt64LittleEndian(input), BinaryPrimitives.ReadUInt64LittleEndian(input[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(input[16..]), BinaryPrimitives.ReadUInt32LittleEndian(input[24..]),
            (Permissions)BinaryPrimitives.ReadUInt32LittleEndian(input[28..]));

    public override string ToString()
        => $"{VirtualStart:x12}+{Length:x} -> {PhysicalStart:x12} {PageSize / 1024}K {Permissions}";
}

// Where a process image goes: its regions in virtual order, and what installing them costs.
public sealed class Layout
{
    public Layout(IReadOnlyList<LayoutRegion> regions)
    {
        Regions = regions;
        PageTableBytes = PageTableFootprint.Bytes(regions);
        PhysicalBytes = regions.Aggregate(0UL, (sum, region) => sum + region.Length);
    }

    public IReadOnlyList<LayoutRegion> Regions { get; }

    // Bytes of page tables (PML4, PDPTs, page directories, page tables) the regions need when mapped.
    public ulong PageTableBytes { get; }

    public ulong PhysicalBytes { get; }

    public override string ToString() => string.Join('\n', Regions);
}
