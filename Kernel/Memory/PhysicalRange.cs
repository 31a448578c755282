// A half-open range [Base, End) of physical addresses.
namespace Kitten.Kernel.Memory;

internal struct PhysicalRange
{
    public ulong Base;
    public ulong End;

    public PhysicalRange(ulong start, ulong end)
    {
        Base = start;
        End = end;
    }

    public readonly ulong Length => End - Base;
    public readonly bool IsEmpty => End <= Base;
    public readonly bool Overlaps(PhysicalRange other) => Base < other.End && other.Base < End;
    public readonly bool Contains(ulong address) => address >= Base && address < End;
}
