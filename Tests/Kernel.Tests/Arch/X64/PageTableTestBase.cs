using Kitten.Kernel.Arch.X64;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Arch.X64;

// One simulated physical memory per test, checked for bad frees at the end.
public abstract class PageTableTestBase
{
    protected const ulong K4 = 1UL << 12;
    protected const ulong M2 = 1UL << 21;
    protected const ulong G1 = 1UL << 30;
    protected const ulong G512 = 1UL << 39;
    protected const ulong DirectMapBase = 0xFFFF_8000_0000_0000;
    protected const ulong KernelImageBase = 0xFFFF_FFFF_8000_0000;

    // Mapped "physical" memory far from the simulated tables: leaves are never dereferenced.
    protected const ulong Ram = 64UL << 30;

    private protected SimulatedPhysicalMemory Memory { get; private set; }

    [SetUp]
    public void CreateMemory() => Memory = new SimulatedPhysicalMemory();

    [TearDown]
    public void DisposeMemory()
    {
        var errors = Memory.Errors.ToList();
        Memory.Dispose();
        Assert.That(errors, Is.Empty, "the allocator saw bad frees");
    }

    private protected PageTable NewPageTable(bool noExecute = true)
    {
        var table = new PageTable();
        Assert.That(table.Create(Memory.Allocator, noExecute), Is.EqualTo(PageTableResult.Ok));
        return table;
    }

    private protected List<RawPageTables.Leaf> Leaves(in PageTable table) => RawPageTables.Leaves(Memory, table.RootPhysical);

    // The leaves as comparable values: to check that a refused operation changed nothing.
    private protected List<(ulong Virtual, int Level, ulong Entry)> Snapshot(in PageTable table) =>
        Leaves(table).Select(l => (l.Virtual, l.Level, l.Entry)).ToList();

    private protected Dictionary<ulong, int> Sizes(in PageTable table) => RawPageTables.CountBySize(Leaves(table));

    private protected static void AssertTranslates(in PageTable table, ulong virt, ulong phys, ulong pageSize, PageFlags flags)
    {
        Assert.That(table.Translate(virt, out ulong p, out PageFlags f, out ulong s), Is.True, $"0x{virt:X} is not mapped");
        Assert.That(p, Is.EqualTo(phys), $"physical address of 0x{virt:X}");
        Assert.That(s, Is.EqualTo(pageSize), $"page size at 0x{virt:X}");
        Assert.That(f, Is.EqualTo(flags), $"flags at 0x{virt:X}");
    }

    private protected static void AssertUnmapped(in PageTable table, ulong virt) =>
        Assert.That(table.Translate(virt, out _, out _, out _), Is.False, $"0x{virt:X} is mapped");
}
