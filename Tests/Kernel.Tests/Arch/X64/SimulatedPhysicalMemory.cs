using System.Runtime.InteropServices;
using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Tests.Arch.X64;

// A buffer standing for the physical range [Base, Base + size), with a page allocator that counts pages in
// use, refuses double and foreign frees, and can be told to fail. Page tables built over it are reached
// through DirectMapBase = buffer - Base, as the kernel reaches real ones through its direct map. Not thread
// safe: one per test or per CsCheck sample.
internal sealed unsafe class SimulatedPhysicalMemory : IDisposable
{
    public const ulong PageSize = 4096;

    private readonly byte* _buffer;
    private readonly ulong _pageCount;
    private readonly bool[] _inUse;
    private readonly Stack<ulong> _free = new();
    private GCHandle _self;

    public ulong Base { get; }
    public ulong Size => _pageCount * PageSize;
    public int PagesInUse { get; private set; }
    public int PeakPagesInUse { get; private set; }
    public int Allocations { get; private set; }
    public List<string> Errors { get; } = new();

    // Allocations left before AllocateZeroedPage returns 0; negative: never fail.
    public int FailAfter { get; set; } = -1;

    public SimulatedPhysicalMemory(ulong size = 16UL << 20, ulong physicalBase = 0x40_0000_0000)
    {
        _pageCount = size / PageSize;
        Base = physicalBase;
        _buffer = (byte*)NativeMemory.AlignedAlloc((nuint)(_pageCount * PageSize), (nuint)PageSize);
        _inUse = new bool[_pageCount];
        // Hand out low addresses first, which makes dumps easier to read.
        for (ulong i = _pageCount; i-- > 0;)
            _free.Push(i);
        _self = GCHandle.Alloc(this);
    }

    public PageTableAllocator Allocator => new()
    {
        Context = (void*)GCHandle.ToIntPtr(_self),
        AllocateZeroedPage = &AllocateThunk,
        FreePage = &FreeThunk,
        DirectMapBase = (ulong)_buffer - Base,
    };

    public ulong AllocatePage()
    {
        if (FailAfter == 0 || _free.Count == 0)
            return 0;
        if (FailAfter > 0)
            FailAfter--;
        ulong index = _free.Pop();
        _inUse[index] = true;
        PagesInUse++;
        Allocations++;
        if (PagesInUse > PeakPagesInUse)
            PeakPagesInUse = PagesInUse;
        // Dirty the page first so that a caller relying on anything but our zeroing would notice.
        new Span<byte>(_buffer + index * PageSize, (int)PageSize).Fill(0xCC);
        new Span<byte>(_buffer + index * PageSize, (int)PageSize).Clear();
        return Base + index * PageSize;
    }

    public void FreePage(ulong physical)
    {
        ulong offset = physical - Base;
        if (physical < Base || offset >= Size || offset % PageSize != 0)
        {
            Errors.Add($"free of a foreign page 0x{physical:X}");
            return;
        }
        ulong index = offset / PageSize;
        if (!_inUse[index])
        {
            Errors.Add($"double free of 0x{physical:X}");
            return;
        }
        // Poison freed tables: a later walk through a dangling entry reads garbage and fails loudly.
        new Span<byte>(_buffer + index * PageSize, (int)PageSize).Fill(0xFF);
        _inUse[index] = false;
        _free.Push(index);
        PagesInUse--;
    }

    public bool IsInUse(ulong physical) => physical >= Base && physical - Base < Size && _inUse[(physical - Base) / PageSize];

    // The simulated memory at a physical address (which must lie in the buffer).
    public ulong* Pointer(ulong physical)
    {
        if (physical < Base || physical - Base >= Size)
            throw new ArgumentOutOfRangeException(nameof(physical), $"0x{physical:X} is outside the simulated memory");
        return (ulong*)(_buffer + (physical - Base));
    }

    public void Dispose()
    {
        if (_self.IsAllocated)
        {
            _self.Free();
            NativeMemory.AlignedFree(_buffer);
        }
    }

    private static SimulatedPhysicalMemory From(void* context) => (SimulatedPhysicalMemory)GCHandle.FromIntPtr((nint)context).Target;

    private static ulong AllocateThunk(void* context) => From(context).AllocatePage();

    private static void FreeThunk(void* context, ulong physical) => From(context).FreePage(physical);
}
