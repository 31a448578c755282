using Kitten.Kernel.Arch.X64;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Arch.X64;

public unsafe class PageTableSharingTests : PageTableTestBase
{
    private const PageFlags UserData = PageFlags.Writable | PageFlags.User;
    private const ulong Heap = 0x1000_0000;   // the same user address in every source

    // A load through the viewer: translate, then read the simulated physical memory there.
    private ulong Load(in PageTable viewer, ulong virt)
    {
        Assert.That(viewer.Translate(virt, out ulong phys, out _, out _), Is.True, $"0x{virt:X} is not mapped in the viewer");
        return *Memory.Pointer(phys);
    }

    [Test]
    public void SmartMapShowsSeveralSourcesAtOnce()
    {
        const int sourceCount = 4;
        var sources = new PageTable[sourceCount];
        var pages = new ulong[sourceCount];
        for (int i = 0; i < sourceCount; i++)
        {
            sources[i] = NewPageTable();
            pages[i] = Memory.AllocatePage();
            *Memory.Pointer(pages[i]) = 0xCAFE_0000UL + (ulong)i;
            Assert.That(sources[i].Map(Heap, pages[i], K4, UserData, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
            // Large pages too, and something at the very top of the user half.
            Assert.That(sources[i].Map(G1, Ram + (ulong)i * G1, G1, UserData, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
            Assert.That(sources[i].Map(G512 - K4, Ram + (ulong)i * K4, K4, UserData, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        }
        var viewer = NewPageTable();
        int[] slots = { 0, 1, 2, 254 };   // Kitten: slot 0 the PCT, slot i + 1 rank i; 254 is the last
        for (int i = 0; i < sourceCount; i++)
            Assert.That(viewer.SetSmartMapSlot(slots[i], sources[i]), Is.EqualTo(PageTableResult.Ok));
        Assert.That(viewer.PageTableBytes, Is.EqualTo(8192), "a viewer owns none of the tables it shows");

        for (int i = 0; i < sourceCount; i++)
        {
            Assert.That(PageTable.SmartMapAddress(slots[i], Heap), Is.EqualTo(((ulong)slots[i] + 1) * G512 + Heap));
            Assert.That(Load(viewer, PageTable.SmartMapAddress(slots[i], Heap)), Is.EqualTo(0xCAFE_0000UL + (ulong)i));
            AssertTranslates(viewer, PageTable.SmartMapAddress(slots[i], G1 + 12345), Ram + (ulong)i * G1 + 12345, G1, UserData);
            AssertTranslates(viewer, PageTable.SmartMapAddress(slots[i], G512 - 1), Ram + (ulong)i * K4 + K4 - 1, K4, UserData);
            Assert.That(viewer.IsSmartMapSlotSet(slots[i]), Is.True);
        }
        AssertUnmapped(viewer, Heap);
        AssertUnmapped(viewer, PageTable.SmartMapAddress(3, Heap));

        // Clearing one slot leaves the others.
        Assert.That(viewer.ClearSmartMapSlot(1), Is.EqualTo(PageTableResult.Ok));
        AssertUnmapped(viewer, PageTable.SmartMapAddress(1, Heap));
        Assert.That(Load(viewer, PageTable.SmartMapAddress(0, Heap)), Is.EqualTo(0xCAFE_0000UL));
        Assert.That(Load(viewer, PageTable.SmartMapAddress(2, Heap)), Is.EqualTo(0xCAFE_0002UL));
        Assert.That(Load(viewer, PageTable.SmartMapAddress(254, Heap)), Is.EqualTo(0xCAFE_0003UL));
        Assert.That(viewer.IsSmartMapSlotSet(1), Is.False);

        // Later changes to a source show through at once: the slot points at the source's own tables.
        Assert.That(sources[2].Map(Heap + K4, pages[0], K4, UserData, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(Load(viewer, PageTable.SmartMapAddress(2, Heap + K4)), Is.EqualTo(0xCAFE_0000UL));
        Assert.That(sources[2].Unmap(0, G512), Is.EqualTo(PageTableResult.Ok), "empties the source's user half");
        AssertUnmapped(viewer, PageTable.SmartMapAddress(2, Heap));
        Assert.That(sources[2].Map(Heap, pages[2], K4, UserData, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(Load(viewer, PageTable.SmartMapAddress(2, Heap)), Is.EqualTo(0xCAFE_0002UL), "the emptied user PDPT was kept");

        // The viewer's Destroy frees only its own two tables.
        int before = Memory.PagesInUse;
        viewer.Destroy();
        Assert.That(Memory.PagesInUse, Is.EqualTo(before - 2));
        for (int i = 0; i < sourceCount; i++)
        {
            Assert.That(sources[i].Translate(Heap, out ulong phys, out _, out _) && phys == pages[i], Is.True);
            sources[i].Destroy();
            Memory.FreePage(pages[i]);
        }
        Assert.That(Memory.PagesInUse, Is.Zero);
    }

    [Test]
    public void ASpaceCanShowItself()
    {
        var pt = NewPageTable();
        Assert.That(pt.Map(Heap, Ram, M2, UserData, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(pt.SetSmartMapSlot(5, pt), Is.EqualTo(PageTableResult.Ok));
        AssertTranslates(pt, PageTable.SmartMapAddress(5, Heap + 7), Ram + 7, M2, UserData);
        Assert.That(pt.Map(PageTable.SmartMapAddress(5, 0), Ram, K4, UserData, PageSizes.All), Is.EqualTo(PageTableResult.NotOwned));
        pt.Destroy();
        Assert.That(Memory.PagesInUse, Is.Zero, "the self slot must not be freed twice");
    }

    [Test]
    public void SlotsAreCheckedAndNotWritableThroughTheViewer()
    {
        var source = NewPageTable();
        var viewer = NewPageTable();
        Assert.That(viewer.SetSmartMapSlot(-1, source), Is.EqualTo(PageTableResult.InvalidSlot));
        Assert.That(viewer.SetSmartMapSlot(255, source), Is.EqualTo(PageTableResult.InvalidSlot));
        Assert.That(viewer.ClearSmartMapSlot(255), Is.EqualTo(PageTableResult.InvalidSlot));
        Assert.That(viewer.ClearSmartMapSlot(3), Is.EqualTo(PageTableResult.NotMapped));
        Assert.That(viewer.SetSmartMapSlot(3, source), Is.EqualTo(PageTableResult.Ok));
        Assert.That(viewer.SetSmartMapSlot(3, source), Is.EqualTo(PageTableResult.SlotInUse));
        Assert.That(viewer.SetSmartMapSlot(0, new PageTable()), Is.EqualTo(PageTableResult.NotCreated));

        // The viewer cannot change the source's memory through the slot.
        ulong inSlot = PageTable.SmartMapAddress(3, Heap);
        Assert.That(viewer.Map(inSlot, Ram, K4, UserData, PageSizes.All), Is.EqualTo(PageTableResult.NotOwned));
        Assert.That(viewer.Map(inSlot - G512, Ram, G512 + K4, UserData, PageSizes.All), Is.EqualTo(PageTableResult.NotOwned), "range reaching into a slot");
        Assert.That(viewer.Unmap(inSlot, K4), Is.EqualTo(PageTableResult.NotOwned));
        Assert.That(viewer.Protect(inSlot, K4, PageFlags.None), Is.EqualTo(PageTableResult.NotOwned));

        // A slot whose PML4 entry the viewer uses for its own mappings is taken.
        Assert.That(viewer.Map(PageTable.SmartMapAddress(7, 0), Ram, K4, UserData, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(viewer.SetSmartMapSlot(7, source), Is.EqualTo(PageTableResult.SlotInUse));
        Assert.That(viewer.Unmap(PageTable.SmartMapAddress(7, 0), K4), Is.EqualTo(PageTableResult.Ok));
        Assert.That(viewer.SetSmartMapSlot(7, source), Is.EqualTo(PageTableResult.Ok), "the emptied PDPT was freed");

        viewer.Destroy();
        source.Destroy();
        Assert.That(Memory.PagesInUse, Is.Zero);
    }

    [Test]
    public void TheKernelHalfIsSharedAndStaysTheKernels()
    {
        var kernel = NewPageTable();
        Assert.That(kernel.PreallocateKernelHalf(), Is.EqualTo(PageTableResult.Ok));
        Assert.That(kernel.PageTableBytes, Is.EqualTo((2 + 256) * 4096UL));
        PageFlags kernelData = PageFlags.Writable | PageFlags.Global;
        Assert.That(kernel.Map(DirectMapBase, 0, 4 * G1, kernelData, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(kernel.Map(KernelImageBase, 0, 2 * G1, kernelData | PageFlags.Executable, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(kernel.PageTableBytes, Is.EqualTo((2 + 256) * 4096UL), "1G pages straight into the preallocated PDPTs");

        var user = NewPageTable();
        Assert.That(user.Map(Heap, Ram, K4, UserData, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(user.ShareKernelHalf(kernel), Is.EqualTo(PageTableResult.Ok));
        ulong userTables = user.PageTableBytes;
        Assert.That(userTables, Is.EqualTo(4 * 4096UL), "PML4, PDPT, PD, PT: the kernel's tables are not the user's");
        AssertTranslates(user, DirectMapBase + 0x1234_5678, 0x1234_5678, G1, kernelData);
        AssertTranslates(user, KernelImageBase + 0x10_0000, 0x10_0000, G1, kernelData | PageFlags.Executable);
        AssertTranslates(user, Heap, Ram, K4, UserData);

        // Mapped later by the kernel, in its own hierarchy, needing new tables below the shared PDPT.
        ulong mmio = 0xFFFF_C000_0000_0000;
        Assert.That(kernel.Map(mmio, 0xFEE0_0000, K4, PageFlags.Writable | PageFlags.NoCache, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        AssertTranslates(user, mmio, 0xFEE0_0000, K4, PageFlags.Writable | PageFlags.NoCache);
        Assert.That(user.PageTableBytes, Is.EqualTo(userTables));

        // The user hierarchy cannot touch the kernel half.
        Assert.That(user.Map(mmio + K4, 0, K4, PageFlags.Writable, PageSizes.All), Is.EqualTo(PageTableResult.NotOwned));
        Assert.That(user.Unmap(DirectMapBase, G1), Is.EqualTo(PageTableResult.NotOwned));
        Assert.That(user.PreallocateKernelHalf(), Is.EqualTo(PageTableResult.NotOwned));

        // Unmapping in the kernel keeps the shared PDPT even when it empties.
        Assert.That(kernel.Unmap(mmio, K4), Is.EqualTo(PageTableResult.Ok));
        AssertUnmapped(user, mmio);
        Assert.That(kernel.PageTableBytes, Is.EqualTo((2 + 256) * 4096UL));
        Assert.That(kernel.Map(mmio, 0xFEC0_0000, K4, PageFlags.Writable | PageFlags.NoCache, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        AssertTranslates(user, mmio, 0xFEC0_0000, K4, PageFlags.Writable | PageFlags.NoCache);

        int before = Memory.PagesInUse;
        user.Destroy();
        Assert.That(Memory.PagesInUse, Is.EqualTo(before - 4));
        kernel.Destroy();
        Assert.That(Memory.PagesInUse, Is.Zero);
    }

    [Test]
    public void SharingTheKernelHalfIsRefusedOverOwnUpperMappings()
    {
        var kernel = NewPageTable();
        Assert.That(kernel.PreallocateKernelHalf(), Is.EqualTo(PageTableResult.Ok));
        var other = NewPageTable();
        Assert.That(other.Map(DirectMapBase, 0, K4, PageFlags.Writable, PageSizes.All), Is.EqualTo(PageTableResult.Ok));
        Assert.That(other.ShareKernelHalf(kernel), Is.EqualTo(PageTableResult.AlreadyMapped));
        AssertTranslates(other, DirectMapBase, 0, K4, PageFlags.Writable);
        other.Destroy();
        kernel.Destroy();
        Assert.That(Memory.PagesInUse, Is.Zero);
    }

    [Test]
    public void PreallocatingTheKernelHalfCanRunOutOfMemory()
    {
        var kernel = NewPageTable();
        Memory.FailAfter = 100;
        Assert.That(kernel.PreallocateKernelHalf(), Is.EqualTo(PageTableResult.OutOfMemory));
        Memory.FailAfter = -1;
        Assert.That(kernel.PreallocateKernelHalf(), Is.EqualTo(PageTableResult.Ok), "picks up where it stopped");
        Assert.That(kernel.PageTableBytes, Is.EqualTo((2 + 256) * 4096UL));
        kernel.Destroy();
        Assert.That(Memory.PagesInUse, Is.Zero);
    }
}
