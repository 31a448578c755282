using System.Runtime.InteropServices;
using System.Text;
using Kitten.Kernel.Memory;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Memory;

// One Pmem over its own pinned node array (so that CsCheck samples on several threads share nothing), with
// helpers that read its state back as plain lists.
internal sealed unsafe class PmemHarness
{
    public const ulong KiB = 1 << 10;
    public const ulong MiB = 1 << 20;
    public const ulong GiB = 1 << 30;

    private readonly PmemNode[] _nodes;
    public Pmem Pmem;

    public PmemHarness(int capacity)
    {
        _nodes = GC.AllocateArray<PmemNode>(Math.Max(capacity, 1), pinned: true);
        Pmem.Initialize((PmemNode*)Marshal.UnsafeAddrOfPinnedArrayElement(_nodes, 0), capacity);
    }

    public ref PmemNode Node(int index) => ref _nodes[index];

    public int IndexOf(PmemNodeKind kind) => Array.FindIndex(_nodes, n => n.Kind == kind);

    public static byte[] Name(string name) => Encoding.ASCII.GetBytes(name);

    public static string NameOf(in PmemRegion region)
    {
        var bytes = new byte[PmemRegion.MaxNameLength];
        int n = region.CopyName(bytes);
        return Encoding.ASCII.GetString(bytes, 0, n);
    }

    public ulong Allocate(ulong size, ulong alignment = 4096, RegionType type = RegionType.UserMemory, string name = "test")
    {
        Assert.That(Pmem.TryAllocate(size, alignment, type, Name(name), out ulong regionBase), Is.True,
            $"allocation of {size:x} aligned {alignment:x} failed");
        Assert.That(Pmem.Validate(), Is.Null);
        return regionBase;
    }

    public List<(ulong Base, ulong End)> FreeExtents()
    {
        var list = new List<(ulong, ulong)>();
        for (ulong a = 0; Pmem.NextRegion(a, RegionType.Free, out PmemRegion r); a = r.End)
        {
            list.Add((r.Base, r.End));
            if (r.End == 0) break;
        }
        return list;
    }

    public List<PmemRegion> Regions()
    {
        var list = new List<PmemRegion>();
        for (ulong a = 0; Pmem.NextRegion(a, out PmemRegion r); a = r.End)
            list.Add(r);
        return list;
    }

    // Everything a failed call must leave as it was.
    public string Snapshot() =>
        $"{Pmem.FreeBytes} {Pmem.UsedBytes} {Pmem.AvailableNodes} "
        + string.Join(",", FreeExtents().Select(e => $"{e.Base:x}-{e.End:x}")) + " | "
        + string.Join(",", Regions().Select(r => $"{r.Base:x}-{r.End:x}:{r.Type}:{NameOf(r)}"));
}
