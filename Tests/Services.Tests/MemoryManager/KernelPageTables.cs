using System.Runtime.InteropServices;
using Kitten.Kernel.Arch.X64;
using Kitten.MemoryManager;
using PageSizes = Kitten.Kernel.Arch.X64.PageSizes;

namespace Kitten.Services.Tests.MemoryManager;

// Installs a layout with the kernel's own page-table code (Kernel/Arch/X64/PageTable.cs, compiled into
// this test project), region by region with exactly the region's page size, as the kernel will; the
// tables live in a buffer standing for physical memory. What the kernel then counts as PageTableBytes is
// the footprint the memory manager must have predicted.
internal sealed unsafe class KernelPageTables : IDisposable
{
    private const ulong PageSize = 4096;
    private const ulong TablesBase = 0x7000_0000_0000;   // where the simulated table memory "is"

    private readonly byte* _buffer;
    private readonly ulong _pages;
    private readonly Stack<ulong> _free = new();
    private GCHandle _self;
    private PageTable _table;

    public KernelPageTables(ulong maxTables)
    {
        _pages = maxTables;
        _buffer = (byte*)NativeMemory.AlignedAlloc((nuint)(_pages * PageSize), (nuint)PageSize);
        for (ulong i = _pages; i-- > 0;)
            _free.Push(i);
        _self = GCHandle.Alloc(this);
        var allocator = new PageTableAllocator
        {
            Context = (void*)GCHandle.ToIntPtr(_self),
            AllocateZeroedPage = &Allocate,
            FreePage = &Free,
            DirectMapBase = (ulong)_buffer - TablesBase,
        };
        if (_table.Create(allocator, noExecuteSupported: true) != PageTableResult.Ok)
            throw new InvalidOperationException("PageTable.Create failed");
    }

    public ulong PageTableBytes => _table.PageTableBytes;

    public PageTableResult Install(Layout layout)
    {
        foreach (var region in layout.Regions)
        {
            var flags = PageFlags.User
                | ((region.Permissions & Permissions.Write) != 0 ? PageFlags.Writable : 0)
                | ((region.Permissions & Permissions.Execute) != 0 ? PageFlags.Executable : 0);
            var size = region.PageSize switch
            {
                MemoryProtocol.Page1G => PageSizes.Size1G,
                MemoryProtocol.Page2M => PageSizes.Size2M,
                _ => PageSizes.Size4K,
            };
            PageTableResult result = _table.Map(region.VirtualStart, region.PhysicalStart, region.Length, flags, size);
            if (result != PageTableResult.Ok)
                return result;
        }
        return PageTableResult.Ok;
    }

    public void Dispose()
    {
        _table.Destroy();
        _self.Free();
        NativeMemory.AlignedFree(_buffer);
    }

    private static KernelPageTables From(void* context) => (KernelPageTables)GCHandle.FromIntPtr((nint)context).Target!;

    private static ulong Allocate(void* context)
    {
        var self = From(context);
        if (self._free.Count == 0)
            return 0;
        ulong index = self._free.Pop();
        new Span<byte>(self._buffer + index * PageSize, (int)PageSize).Clear();
        return TablesBase + index * PageSize;
    }

    private static void Free(void* context, ulong physical) => From(context)._free.Push((physical - TablesBase) / PageSize);
}
