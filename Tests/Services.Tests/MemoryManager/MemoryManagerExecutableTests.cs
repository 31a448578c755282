using Kitten.Ipc;
using Kitten.Ipc.Contracts;
using Kitten.MemoryManager;
using NUnit.Framework;
using static Kitten.Services.Tests.MemoryManager.Images;

namespace Kitten.Services.Tests.MemoryManager;

// The two memory managers as the real programs (memory-contiguous, memory-paged: NativeAOT static
// executables published by ./kitten build-services), each a child process run under its own manifest,
// against the MemoryManager/1 contract through the host back end.
public class MemoryManagerExecutableTests : IpcTestBase
{
    private const int Fragments = 1000;

    [OneTimeSetUp]
    public void Build() => ServicePrograms.EnsureBuilt();

    // A thousand free 64 KiB pieces from 1 GiB up (what a long-running node's low memory looks like),
    // then 64 GiB in one extent from 4 GiB.
    private static List<FreeExtent> FragmentedThenLarge()
        => Enumerable.Range(0, Fragments).Select(i => new FreeExtent(GiB + (ulong)i * 128 * KiB, 64 * KiB, 0))
            .Append(new FreeExtent(4 * GiB, 64 * GiB, 0)).ToList();

    private ServiceProcess StartService(string service, string? manifest = null)
    {
        var process = Own(ServiceProcess.Start(ServicePrograms.PathOf(service), RuntimeDirectory, manifest ?? ServicePrograms.ManifestOf(service)));
        Assert.That(process.WaitForLog($"serving '{MemoryProtocol.Name}' (MemoryManager/1)", Long), Is.True, $"{service} registers '{MemoryProtocol.Name}':\n{process.Log}");
        return process;
    }

    private SharedRegion View(IpcSystem system, IReadOnlyList<FreeExtent> free)
    {
        SharedRegion region = Own(system.CreateSharedRegion(FreeMemoryView.BytesFor(free.Count)));
        FreeMemoryView.Write(region.Span, free);
        return region;
    }

    // Plans `request` with the program `service`, then stops it (SIGTERM: status 0, one plan logged).
    private Layout PlanWith(string service, ImageRequest request, IReadOnlyList<FreeExtent> free, PolicyKind policy)
    {
        ServiceProcess process = StartService(service);
        IpcSystem system = OpenSystem();
        Layout? layout;
        using (var client = new MemoryManagerClient(system, View(system, free)))
        {
            Assert.That(client.Plan(request, Long, out layout, out MemoryRefusal refusal), Is.EqualTo(IpcStatus.Ok));
            Assert.That(refusal, Is.EqualTo((MemoryRefusal)0));
            Assert.That(client.Policy, Is.EqualTo(policy), $"{service} says which policy it is");
        }
        Assert.That(process.Stop(Long), Is.EqualTo(0), process.Log);
        Assert.That(process.Log, Does.Contain("stopped after 1 plans"));
        return layout!;
    }

    [Test]
    public void ContiguousGivesOneBlockWithTheLargestPages()
    {
        var free = FragmentedThenLarge();
        var regions = VirtualLayout.Place(HpcRank(), out _)!;
        Layout layout = PlanWith("memory-contiguous", HpcRank(), free, PolicyKind.Contiguous);

        LayoutChecks.Verify(layout, regions, free);
        LayoutChecks.VerifyContiguous(layout, regions, free);
        Assert.That(layout.Regions.All(piece => piece.PhysicalStart >= 4 * GiB), "the block skips the fragments: it is in the one extent that holds it");
        var heap = layout.Regions.Where(piece => piece.VirtualStart >= GiB && piece.VirtualStart < 5 * GiB);
        Assert.That(heap.Select(piece => (piece.Length, piece.PageSize)), Is.EqualTo(new[] { (4 * GiB, GiB) }), "the 4 GiB heap in 1 GiB pages");
        Assert.That(layout.Regions.Single(piece => piece.VirtualStart == 511 * GiB - 8 * MiB).PageSize, Is.EqualTo(2 * MiB), "the stack in 2 MiB pages");
    }

    [Test]
    public void PagedScattersSmallPages()
    {
        var free = FragmentedThenLarge();
        var regions = VirtualLayout.Place(HpcRank(), out _)!;
        Layout layout = PlanWith("memory-paged", HpcRank(), free, PolicyKind.Paged);

        LayoutChecks.Verify(layout, regions, free);
        Assert.That(layout.Regions.All(piece => piece.PageSize == 4 * KiB), "4 KiB pages only");
        int extentsUsed = free.Count(extent => layout.Regions.Any(piece => piece.PhysicalStart >= extent.Start && piece.PhysicalStart < extent.End));
        Assert.That(extentsUsed, Is.EqualTo(Fragments + 1), "frames from every fragment, then the large extent");
        Assert.That(layout.Regions.Count, Is.GreaterThan(Fragments), "more pieces than one message holds: read in several");
    }

    // The TLB experiment of the 2009 talk as a test of the policies: the same program, the same free
    // memory; each program's layout installed with the kernel's own page-table code costs what the
    // program said, and contiguous needs at least 100 times fewer bytes of page tables than paged.
    [Test]
    public void ContiguousNeedsAHundredTimesFewerPageTablesForTheSameProgram()
    {
        var free = FragmentedThenLarge();
        Layout contiguous = PlanWith("memory-contiguous", HpcRank(), free, PolicyKind.Contiguous);
        Layout paged = PlanWith("memory-paged", HpcRank(), free, PolicyKind.Paged);

        ulong contiguousTables = LayoutChecks.InstallWithKernelCode(contiguous);
        ulong pagedTables = LayoutChecks.InstallWithKernelCode(paged);
        Assert.That(contiguousTables, Is.EqualTo(contiguous.PageTableBytes), "memory-contiguous's footprint is the kernel's");
        Assert.That(pagedTables, Is.EqualTo(paged.PageTableBytes), "memory-paged's footprint is the kernel's");
        double ratio = (double)pagedTables / contiguousTables;
        TestContext.Out.WriteLine($"page tables for a rank with a 4 GiB heap: memory-contiguous {contiguousTables} bytes, memory-paged {pagedTables} bytes: {ratio:F0}x");
        Assert.That(ratio, Is.GreaterThanOrEqualTo(100));
    }

    [TestCase("memory-contiguous")]
    [TestCase("memory-paged")]
    public void TheProgramKeepsItsContractAndRefusesBadRequests(string service)
    {
        StartService(service);
        IpcSystem system = OpenSystem();

        // The server's own check: a client without the contract is refused Plan before Attach.
        system.Lookup(MemoryProtocol.Name, Long, out Channel? raw).ThrowIfFailed("lookup");
        Own(raw!);
        var violation = Assert.Throws<ContractViolationException>(() => raw!.Call(HpcRank().ToMessage(), out _, Long))!;
        Assert.That((violation.StateName, violation.MessageName), Is.EqualTo(("Detached", "Plan")));

        using var client = new MemoryManagerClient(system, View(system, LargeFreeMemory()));
        var overlapping = new ImageRequest(new[] { new Segment(0x400000, 0x1800, Permissions.Read), new Segment(0x401000, 0x1000, Permissions.Read) }, 0, 0);
        Assert.That(client.Plan(overlapping, Long, out Layout? none, out MemoryRefusal refusal), Is.EqualTo(IpcStatus.Ok));
        Assert.That((none, refusal), Is.EqualTo(((Layout?)null, MemoryRefusal.BadRequest)));
        var tooBig = HpcRank(heap: 100 * GiB);
        Assert.That(client.Plan(tooBig, Long, out none, out refusal), Is.EqualTo(IpcStatus.Ok));
        Assert.That(refusal, Is.EqualTo(service == "memory-paged" ? MemoryRefusal.NoMemory : MemoryRefusal.NoContiguousBlock));
        Assert.That(client.Plan(HpcRank(), Long, out Layout? layout, out _), Is.EqualTo(IpcStatus.Ok), "a refusal leaves the conversation usable");
        Assert.That(layout, Is.Not.Null);
        Assert.That(client.Status(Long, out ulong freeBytes, out _), Is.EqualTo(IpcStatus.Ok));
        Assert.That(freeBytes, Is.EqualTo(64 * GiB));
    }

    // Run under a manifest that does not allow it, the program cannot register its name: it says so
    // and exits with status 2 (the kernel will refuse the same from the same manifest).
    [TestCase("offers memory MemoryManager/1", "offers memory-test MemoryManager/1")]
    [TestCase("ipc.register", "")]
    public void ARegistrationOutsideTheManifestIsRefused(string line, string replacement)
    {
        string shipped = File.ReadAllText(ServicePrograms.ManifestOf("memory-paged"));
        Assert.That(shipped, Does.Contain(line));
        string manifest = Path.Combine(RuntimeDirectory, "memory-paged.manifest");
        File.WriteAllText(manifest, shipped.Replace(line, replacement)
            .Replace("binary memory-paged", $"binary {ServicePrograms.PathOf("memory-paged")}"));

        var process = Own(ServiceProcess.Start(ServicePrograms.PathOf("memory-paged"), RuntimeDirectory, manifest));
        Assert.That(process.WaitForExit(Long), Is.True);
        Assert.That(process.ExitCode, Is.EqualTo(2), process.Log);
        Assert.That(process.Log, Does.Contain($"cannot register '{MemoryProtocol.Name}': Refused"));
        Assert.That(Directory.EnumerateFileSystemEntries(Path.Combine(RuntimeDirectory, "names")), Is.Empty, "nothing registered");
    }
}
