using Kitten.Ipc;

namespace Kitten.MemoryManager;

// A client of the memory manager (the PCT's side, the launcher's, the tests'): gets a grant of the
// free-memory view, attaches it on every new channel (so a restarted manager is attached again without the
// caller noticing), and
// turns a plan into a whole Layout however many messages it takes. Failures are IpcStatus values, as the
// library's; a refusal is Ok with a MemoryRefusal.
public sealed class MemoryManagerClient : IDisposable
{
    private readonly Func<Grant> _viewGrant;
    private readonly ServiceClient _service;
    private readonly byte[] _payload;
    private Grant? _grant;

    // freeMemoryView: a view this process writes (a host test's), granted read-only on each attach.
    public MemoryManagerClient(IpcSystem system, SharedRegion freeMemoryView, string name = MemoryProtocol.Name)
        : this(system, () => freeMemoryView.Grant(GrantAccess.ReadOnly), name)
    {
    }

    // viewGrant: a new read-only grant of the view for each attach (on the kernel, the kernel's own view).
    public MemoryManagerClient(IpcSystem system, Func<Grant> viewGrant, string name = MemoryProtocol.Name)
    {
        _viewGrant = viewGrant;
        _payload = new byte[system.MaxPayload];
        _service = new ServiceClient(system, name, MemoryProtocol.Contract) { Opening = Attach };
    }

    // What the manager said when attached last: its policy and page sizes.
    public PolicyKind Policy { get; private set; }
    public PageSizes PageSizes { get; private set; }

    public int Connections => _service.Connections;

    private IpcStatus Attach(Channel channel, TimeSpan timeout)
    {
        _grant?.Dispose();
        _grant = _viewGrant();
        var attach = new Message((ulong)MemoryLabel.Attach) { Capability = _grant.Capability };
        IpcStatus status = channel.Call(attach, out Message reply, timeout);
        if (status != IpcStatus.Ok)
            return status;
        if (reply.Label != (ulong)MemoryLabel.Attached)
            throw new IpcException($"the memory manager refused the view: {(MemoryRefusal)reply[0]}");
        Policy = (PolicyKind)reply[0];
        PageSizes = (PageSizes)reply[1];
        return IpcStatus.Ok;
    }

    public IpcStatus Plan(ImageRequest request, TimeSpan timeout, out Layout? layout, out MemoryRefusal refusal)
    {
        layout = null;
        refusal = 0;
        var deadline = DateTime.UtcNow + timeout;
        TimeSpan Left() => timeout == Timeout.InfiniteTimeSpan ? timeout : TimeSpan.FromTicks(Math.Max(0, (deadline - DateTime.UtcNow).Ticks));

        int length = request.EncodeSegments(_payload);
        IpcStatus status = _service.Call(request.ToMessage(), _payload.AsSpan(0, length), out Message reply, _payload, out int replyLength, Left());
        if (status != IpcStatus.Ok)
            return status;
        if (reply.Label == (ulong)MemoryLabel.Refused)
        {
            refusal = (MemoryRefusal)reply[0];
            return IpcStatus.Ok;
        }
        int total = (int)reply[0];
        ulong reportedTables = reply[1], reportedBytes = reply[2];
        var regions = new List<LayoutRegion>(total);
        Decode(_payload.AsSpan(0, replyLength), (int)reply[3], regions);
        while (regions.Count < total)
        {
            status = _service.Call(new Message((ulong)MemoryLabel.ReadRegions, (ulong)regions.Count), default, out reply, _payload, out replyLength, Left());
            if (status != IpcStatus.Ok)
                return status;
            if (reply.Label != (ulong)MemoryLabel.Regions || reply[0] == 0)
                throw new IpcException($"the memory manager sent {reply} for regions from {regions.Count} of {total}");
            Decode(_payload.AsSpan(0, replyLength), (int)reply[0], regions);
        }
        status = _service.Call(new Message((ulong)MemoryLabel.Release), out _, Left());
        if (status != IpcStatus.Ok)
            return status;
        layout = new Layout(regions);
        if (layout.PageTableBytes != reportedTables || layout.PhysicalBytes != reportedBytes)
            throw new IpcException($"the memory manager reported {reportedTables} page-table and {reportedBytes} physical bytes, its regions make {layout.PageTableBytes} and {layout.PhysicalBytes}");
        return IpcStatus.Ok;
    }

    public IpcStatus Status(TimeSpan timeout, out ulong freeBytes, out ulong largestExtent)
    {
        freeBytes = largestExtent = 0;
        IpcStatus status = _service.Call(new Message((ulong)MemoryLabel.Status), out Message reply, timeout);
        if (status == IpcStatus.Ok && reply.Label == (ulong)MemoryLabel.StatusReport)
        {
            freeBytes = reply[0];
            largestExtent = reply[1];
        }
        return status;
    }

    private static void Decode(ReadOnlySpan<byte> payload, int count, List<LayoutRegion> regions)
    {
        for (int i = 0; i < count; i++)
            regions.Add(LayoutRegion.Decode(payload[(i * LayoutRegion.EncodedSize)..]));
    }

    public void Dispose()
    {
        _service.Dispose();
        _grant?.Dispose();
    }
}
