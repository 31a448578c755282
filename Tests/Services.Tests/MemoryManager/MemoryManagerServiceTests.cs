using Kitten.Ipc;
using Kitten.Ipc.Contracts;
using Kitten.MemoryManager;
using NUnit.Framework;
using static Kitten.Services.Tests.MemoryManager.Images;

namespace Kitten.Services.Tests.MemoryManager;

// The memory manager's server against its contract, hosted in this process (ServiceHost on a thread);
// MemoryManagerExecutableTests runs the real programs.
public class MemoryManagerServiceTests : IpcTestBase
{
    private CancellationTokenSource _stop = new();
    private Thread? _server;
    private IpcSystem _client = null!;

    private void StartServer(IPlacementPolicy policy)
    {
        IpcSystem serverSystem = OpenSystem();
        _stop = new CancellationTokenSource();
        _server = new Thread(() => ServiceHost.Run(serverSystem, MemoryProtocol.Name, MemoryProtocol.Contract,
            new MemoryManagerServer(serverSystem, policy), _stop.Token))
        { IsBackground = true };
        _server.Start();
        _client = OpenSystem();
    }

    [TearDown]
    public void StopServer()
    {
        _stop.Cancel();
        _server?.Join();
    }

    // The owner's side of the free-memory view.
    private SharedRegion View(IReadOnlyList<FreeExtent> free, byte[]? cpuNodes = null)
    {
        SharedRegion region = Own(_client.CreateSharedRegion(FreeMemoryView.BytesFor(Math.Max(free.Count, 16))));
        FreeMemoryView.Write(region.Span, free, cpuNodes);
        return region;
    }

    private Channel RawChannel()
    {
        _client.Lookup(MemoryProtocol.Name, Long, out Channel? channel).ThrowIfFailed("lookup");
        return Own(channel!);
    }

    [Test]
    public void AClientPlansThroughTheWholeConversation()
    {
        StartServer(new ContiguousPolicy());
        using var client = new MemoryManagerClient(_client, View(LargeFreeMemory()));
        Assert.That(client.Plan(HpcRank(), Long, out Layout? layout, out MemoryRefusal refusal), Is.EqualTo(IpcStatus.Ok));
        Assert.That(refusal, Is.EqualTo((MemoryRefusal)0));
        Assert.That(client.Policy, Is.EqualTo(PolicyKind.Contiguous));
        Assert.That(client.PageSizes, Is.EqualTo(PageSizes.Size4K | PageSizes.Size2M | PageSizes.Size1G));
        var regions = VirtualLayout.Place(HpcRank(), out _)!;
        LayoutChecks.Verify(layout!, regions, LargeFreeMemory());
        LayoutChecks.VerifyContiguous(layout!, regions, LargeFreeMemory());

        Assert.That(client.Status(Long, out ulong freeBytes, out ulong largest), Is.EqualTo(IpcStatus.Ok));
        Assert.That((freeBytes, largest), Is.EqualTo((64 * GiB, 64 * GiB)));
    }

    [Test]
    public void ALayoutLongerThanOneMessageComesInSeveral()
    {
        StartServer(new PagedPolicy());
        // 3000 separate free pages, then plenty: the paged layout has over 3000 pieces, more than one
        // 64 KiB message holds (2048).
        var free = Enumerable.Range(0, 3000).Select(i => new FreeExtent(GiB + (ulong)i * 2 * 4096, 4096, 0))
            .Append(new FreeExtent(2 * GiB, GiB, 0)).ToList();
        using var client = new MemoryManagerClient(_client, View(free));
        var request = HpcRank(heap: 64 * MiB);
        Assert.That(client.Plan(request, Long, out Layout? layout, out _), Is.EqualTo(IpcStatus.Ok));
        Assert.That(layout!.Regions.Count, Is.GreaterThan(3000));
        LayoutChecks.Verify(layout, VirtualLayout.Place(request, out _)!, free);
    }

    [Test]
    public void TheContractIsEnforcedWithTheStateAndMessageNamed()
    {
        StartServer(new ContiguousPolicy());
        Channel raw = RawChannel();     // no contract on the client: the server's check alone

        var violation = Assert.Throws<ContractViolationException>(() => raw.Call(HpcRank().ToMessage(), out _, Long))!;
        Assert.That(violation.Message, Does.StartWith("contract MemoryManager/1, state Detached: the client sent Plan, which is not allowed here (allowed: Attach, Ping)"));

        SharedRegion view = View(LargeFreeMemory());
        using Grant grant = view.Grant(GrantAccess.ReadOnly);
        raw.Call(new Message((ulong)MemoryLabel.Attach) { Capability = grant.Capability }, out Message attached, Long).ThrowIfFailed("attach");
        Assert.That(attached.Label, Is.EqualTo((ulong)MemoryLabel.Attached));
        violation = Assert.Throws<ContractViolationException>(() => raw.Call(new Message((ulong)MemoryLabel.ReadRegions), out _, Long))!;
        Assert.That((violation.StateName, violation.MessageName), Is.EqualTo(("Ready", "ReadRegions")));
        violation = Assert.Throws<ContractViolationException>(() => raw.Call(new Message((ulong)MemoryLabel.Release), out _, Long))!;
        Assert.That(violation.Allowed, Is.EqualTo("Plan, Status, Ping"));

        // A client with the contract is stopped before it sends.
        _client.Lookup(MemoryProtocol.Name, Long, out Channel? checkedChannel, MemoryProtocol.Contract).ThrowIfFailed("lookup");
        Own(checkedChannel!);
        Assert.Throws<ContractViolationException>(() => checkedChannel!.Call(new Message((ulong)MemoryLabel.Release), out _, Long));
    }

    [Test]
    public void TheViewMustBeAReadOnlyGrantAndARevokedViewIsSaidSo()
    {
        StartServer(new PagedPolicy());
        Channel channel = RawChannel();
        channel.Contract = MemoryProtocol.Contract;
        SharedRegion view = View(LargeFreeMemory());

        using (Grant writable = view.Grant(GrantAccess.ReadWrite))
        {
            channel.Call(new Message((ulong)MemoryLabel.Attach) { Capability = writable.Capability }, out Message refused, Long).ThrowIfFailed("attach");
            Assert.That((refused.Label, refused[0]), Is.EqualTo(((ulong)MemoryLabel.Refused, (ulong)MemoryRefusal.BadGrant)), "the manager takes no write access it does not need");
        }
        Assert.That(channel.ContractState, Is.EqualTo("Detached"));

        Grant grant = view.Grant(GrantAccess.ReadOnly);
        channel.Call(new Message((ulong)MemoryLabel.Attach) { Capability = grant.Capability }, out Message attached, Long).ThrowIfFailed("attach");
        Assert.That(attached.Label, Is.EqualTo((ulong)MemoryLabel.Attached));
        grant.Revoke();
        var request = HpcRank();
        var payload = new byte[1024];
        int length = request.EncodeSegments(payload);
        channel.Call(request.ToMessage(), payload.AsSpan(0, length), out Message answer, Long).ThrowIfFailed("plan");
        Assert.That((answer.Label, answer[0]), Is.EqualTo(((ulong)MemoryLabel.Refused, (ulong)MemoryRefusal.Revoked)));
        grant.Dispose();
    }

    [Test]
    public void TheOwnersUpdatesToTheViewAreSeenAtTheNextPlan()
    {
        StartServer(new ContiguousPolicy());
        SharedRegion view = View(LargeFreeMemory());
        using var client = new MemoryManagerClient(_client, view);
        client.Plan(HpcRank(), Long, out Layout? first, out _).ThrowIfFailed("plan");

        // The owner installs the first layout: its block is no longer free.
        ulong end = first!.Regions.Max(piece => piece.PhysicalStart + piece.Length);
        FreeMemoryView.Write(view.Span, new[] { new FreeExtent(end, 68 * GiB - end, 0) });
        client.Plan(HpcRank(), Long, out Layout? second, out _).ThrowIfFailed("plan");
        Assert.That(second!.Regions.Min(piece => piece.PhysicalStart), Is.GreaterThanOrEqualTo(end), "the second rank goes after the first");

        FreeMemoryView.Write(view.Span, new[] { new FreeExtent(end, GiB, 0) });
        Assert.That(client.Plan(HpcRank(), Long, out Layout? none, out MemoryRefusal refusal), Is.EqualTo(IpcStatus.Ok));
        Assert.That((none, refusal), Is.EqualTo(((Layout?)null, MemoryRefusal.NoContiguousBlock)));
    }

    [Test]
    public void TheCpuHintFindsItsNodeThroughTheView()
    {
        StartServer(new ContiguousPolicy());
        var free = new List<FreeExtent> { new(4 * GiB, 8 * GiB, 0), new(16 * GiB, 8 * GiB, 1) };
        using var client = new MemoryManagerClient(_client, View(free, cpuNodes: new byte[] { 0, 0, 1, 1 }));
        var onCpu3 = HpcRank(heap: 64 * MiB) with { Cpu = 3 };
        client.Plan(onCpu3, Long, out Layout? layout, out _).ThrowIfFailed("plan");
        Assert.That(layout!.Regions.All(piece => piece.PhysicalStart >= 16 * GiB), "CPU 3 is on node 1");
        client.Plan(onCpu3 with { Cpu = 1 }, Long, out layout, out _).ThrowIfFailed("plan");
        Assert.That(layout!.Regions.All(piece => piece.PhysicalStart < 16 * GiB), "CPU 1 is on node 0");
    }
}
