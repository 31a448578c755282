// A process's memory areas, sorted by address and disjoint, in caller-provided storage: lookup by
// address, insertion, and the splitting that munmap, mprotect and madvise on part of an area need.
// Portable: unit-tested on the host.
namespace Kitten.Kernel.Processes;

internal unsafe struct VmaList
{
    private Vma* _items;
    private int _count;
    private int _capacity;

    public void Initialize(Vma* storage, int capacity)
    {
        _items = storage;
        _capacity = capacity;
        _count = 0;
    }

    public readonly int Count => _count;
    public readonly int Capacity => _capacity;
    public readonly Vma At(int index) => _items[index];
    public readonly Vma* Storage => _items;

    // Index of the area containing address, or -1.
    public readonly int Find(ulong address)
    {
        int low = 0, high = _count - 1;
        while (low <= high)
        {
            int middle = (low + high) >> 1;
            if (address < _items[middle].Start)
                high = middle - 1;
            else if (address >= _items[middle].End)
                low = middle + 1;
            else
                return middle;
        }
        return -1;
    }

    // Index of the first area ending after address (the one containing it or the next), or Count.
    public readonly int FirstEndingAfter(ulong address)
    {
        int low = 0, high = _count;
        while (low < high)
        {
            int middle = (low + high) >> 1;
            if (_items[middle].End <= address)
                low = middle + 1;
            else
                high = middle;
        }
        return low;
    }

    public readonly bool IsFree(ulong start, ulong end)
    {
        int i = FirstEndingAfter(start);
        return i == _count || _items[i].Start >= end;
    }

    // Inserts an area that overlaps none; false if full or overlapping.
    public bool Insert(Vma vma)
    {
        if (_count == _capacity || vma.End <= vma.Start || !IsFree(vma.Start, vma.End))
            return false;
        int position = FirstEndingAfter(vma.Start);
        for (int i = _count; i > position; i--)
            _items[i] = _items[i - 1];
        _items[position] = vma;
        _count++;
        return true;
    }

    public void RemoveAt(int index)
    {
        for (int i = index; i < _count - 1; i++)
            _items[i] = _items[i + 1];
        _count--;
    }

    // Makes `address` an area boundary by splitting the area that contains it (if any) in two. False if
    // no room for the extra area.
    public bool SplitAt(ulong address)
    {
        int index = Find(address);
        if (index < 0 || _items[index].Start == address)
            return true;
        if (_count == _capacity)
            return false;
        Vma upper = _items[index];
        upper.Start = address;
        _items[index].End = address;
        for (int i = _count; i > index + 1; i--)
            _items[i] = _items[i - 1];
        _items[index + 1] = upper;
        _count++;
        return true;
    }

    // After SplitAt(start) and SplitAt(end): the index range [first, last) of areas inside [start, end).
    public readonly void Range(ulong start, ulong end, out int first, out int last)
    {
        first = FirstEndingAfter(start);
        last = first;
        while (last < _count && _items[last].Start < end)
            last++;
    }

    public void Set(int index, Vma vma) => _items[index] = vma;

    // Joins neighbours that touch and agree in everything, to keep the list short.
    public void Coalesce()
    {
        int write = 0;
        for (int read = 0; read < _count; read++)
        {
            if (write > 0)
            {
                ref Vma previous = ref _items[write - 1];
                Vma current = _items[read];
                if (previous.End == current.Start && previous.Prot == current.Prot
                    && previous.Kind == current.Kind && previous.Committed == current.Committed
                    && previous.SharedImage == current.SharedImage && previous.GrowProt == current.GrowProt)
                {
                    previous.End = current.End;
                    continue;
                }
            }
            _items[write++] = _items[read];
        }
        _count = write;
    }

    // The highest free gap of `length` bytes (aligned) below `top` and at or above `bottom`; 0 if none.
    public readonly ulong FindGapBelow(ulong top, ulong bottom, ulong length, ulong alignment)
    {
        ulong ceiling = top;
        for (int i = _count - 1; i >= -1; i--)
        {
            ulong floor = i >= 0 ? _items[i].End : bottom;
            if (i >= 0 && _items[i].Start >= ceiling)
                continue;
            if (floor < bottom)
                floor = bottom;
            if (ceiling >= length + floor)
            {
                ulong candidate = (ceiling - length) & ~(alignment - 1);
                if (candidate >= floor)
                    return candidate;
            }
            if (i >= 0)
                ceiling = _items[i].Start < ceiling ? _items[i].Start : ceiling;
            if (ceiling <= bottom)
                break;
        }
        return 0;
    }

    public readonly string Validate()
    {
        for (int i = 0; i < _count; i++)
        {
            if (_items[i].End <= _items[i].Start || (_items[i].Start & 0xFFF) != 0 || (_items[i].End & 0xFFF) != 0)
                return "area empty or not page-aligned";
            if (i > 0 && _items[i - 1].End > _items[i].Start)
                return "areas overlap or are unsorted";
        }
        return null;
    }
}
