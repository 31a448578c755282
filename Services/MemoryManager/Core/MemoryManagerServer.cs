using Kitten.Ipc;

namespace Kitten.MemoryManager;

// The memory manager's server code, one policy plugged in. Per channel it keeps the free-memory view
// that channel attached and the last layout planned, until the channel goes; nothing else, so a restarted
// manager loses nothing a client cannot give it again (README.md).
public sealed class MemoryManagerServer : IRequestHandler
{
    private sealed class Conversation
    {
        public GrantView? View;
        public Layout? Layout;
    }

    private readonly IpcSystem _system;
    private readonly IPlacementPolicy _policy;
    private readonly Dictionary<ulong, Conversation> _conversations = new();
    private readonly List<FreeExtent> _free = new();

    public MemoryManagerServer(IpcSystem system, IPlacementPolicy policy)
    {
        _system = system;
        _policy = policy;
    }

    // Layouts planned so far (for the log and tests).
    public long Plans { get; private set; }

    public void Handle(in Caller caller, in Message request, ReadOnlySpan<byte> payload, out Message reply, Span<byte> replyPayload, out int replyLength)
    {
        replyLength = 0;
        if (!_conversations.TryGetValue(caller.Badge, out Conversation? conversation))
            _conversations[caller.Badge] = conversation = new Conversation();
        reply = (MemoryLabel)request.Label switch
        {
            MemoryLabel.Attach => Attach(conversation, request.Capability),
            MemoryLabel.Plan => Plan(conversation, request, payload, replyPayload, out replyLength),
            MemoryLabel.ReadRegions => ReadRegions(conversation, request[0], replyPayload, out replyLength),
            MemoryLabel.Release => Release(conversation),
            MemoryLabel.Status => Status(conversation),
            // The endpoint's contract lets nothing else through.
            _ => throw new InvalidOperationException($"request {request.Label} passed the contract"),
        };
    }

    public void CallerGone(in Caller caller)
    {
        if (_conversations.Remove(caller.Badge, out Conversation? conversation))
            conversation.View?.Dispose();
    }

    private static Message Refuse(MemoryRefusal refusal, ulong detail = 0) => new((ulong)MemoryLabel.Refused, (ulong)refusal, detail);

    private Message Attach(Conversation conversation, Capability grant)
    {
        if (grant.Kind != CapabilityKind.Grant || grant.Access != GrantAccess.ReadOnly)
        {
            _system.Discard(grant);
            return Refuse(MemoryRefusal.BadGrant);
        }
        if (_system.MapGrant(grant, out GrantView? view) != IpcStatus.Ok)
            return Refuse(MemoryRefusal.BadGrant);
        if (view!.TryRead(out ReadOnlySpan<byte> memory) != IpcStatus.Ok || !FreeMemoryView.TryRead(memory, _free, out _))
        {
            view.Dispose();
            return Refuse(MemoryRefusal.ViewUnreadable);
        }
        conversation.View?.Dispose();
        conversation.View = view;
        return new Message((ulong)MemoryLabel.Attached, (ulong)_policy.Kind, (ulong)_policy.PageSizes, MemoryProtocol.MaxSegments);
    }

    // Reads the view; a refusal if it cannot.
    private Message? ReadView(Conversation conversation, out byte[] cpuNodes)
    {
        cpuNodes = Array.Empty<byte>();
        IpcStatus status = conversation.View!.TryRead(out ReadOnlySpan<byte> memory);
        if (status != IpcStatus.Ok)
            return Refuse(MemoryRefusal.Revoked);
        return FreeMemoryView.TryRead(memory, _free, out cpuNodes) ? null : Refuse(MemoryRefusal.ViewUnreadable);
    }

    private Message Plan(Conversation conversation, in Message request, ReadOnlySpan<byte> payload, Span<byte> replyPayload, out int replyLength)
    {
        replyLength = 0;
        conversation.Layout = null;
        ImageRequest? image = ImageRequest.Decode(request, payload);
        if (image == null)
            return Refuse(MemoryRefusal.BadRequest);
        List<VirtualRegion>? regions = VirtualLayout.Place(image, out _);
        if (regions == null)
            return Refuse(MemoryRefusal.BadRequest);
        if (ReadView(conversation, out byte[] cpuNodes) is Message refused)
            return refused;
        int node = image.NumaNode >= 0 ? image.NumaNode
            : image.Cpu >= 0 && image.Cpu < cpuNodes.Length && cpuNodes[image.Cpu] != 0xFF ? cpuNodes[image.Cpu]
            : -1;
        Placement placement = _policy.Place(regions, _free, node);
        if (placement.Layout == null)
            return Refuse(placement.Refusal, placement.Detail);
        Plans++;
        Layout layout = placement.Layout;
        conversation.Layout = layout;
        int written = WriteRegions(layout, 0, replyPayload, out replyLength);
        return new Message((ulong)MemoryLabel.Planned, (ulong)layout.Regions.Count, layout.PageTableBytes, layout.PhysicalBytes, (ulong)written);
    }

    private Message ReadRegions(Conversation conversation, ulong first, Span<byte> replyPayload, out int replyLength)
    {
        replyLength = 0;
        Layout layout = conversation.Layout!;
        if (first >= (ulong)layout.Regions.Count)
            return Refuse(MemoryRefusal.BadIndex, (ulong)layout.Regions.Count);
        int written = WriteRegions(layout, (int)first, replyPayload, out replyLength);
        return new Message((ulong)MemoryLabel.Regions, (ulong)written, first);
    }

    private static int WriteRegions(Layout layout, int first, Span<byte> payload, out int length)
    {
        int count = Math.Min(layout.Regions.Count - first, payload.Length / LayoutRegion.EncodedSize);
        for (int i = 0; i < count; i++)
            layout.Regions[first + i].Encode(payload[(i * LayoutRegion.EncodedSize)..]);
        length = count * LayoutRegion.EncodedSize;
        return count;
    }

    private static Message Release(Conversation conversation)
    {
        conversation.Layout = null;
        return new Message((ulong)MemoryLabel.Released);
    }

    private Message Status(Conversation conversation)
    {
        if (ReadView(conversation, out _) is Message refused)
            return refused;
        ulong free = 0, largest = 0;
        foreach (var extent in _free)
        {
            free += extent.Length;
            largest = Math.Max(largest, extent.Length);
        }
        return new Message((ulong)MemoryLabel.StatusReport, free, largest, (ulong)_free.Count, (ulong)_policy.Kind);
    }
}
