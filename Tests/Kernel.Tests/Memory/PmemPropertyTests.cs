using CsCheck;
using Kitten.Kernel.Memory;
using NUnit.Framework;
using static Kitten.Kernel.Tests.Memory.PmemHarness;

namespace Kitten.Kernel.Tests.Memory;

// Random workloads against a plain model of free memory (a sorted list of merged intervals, updated by
// brute force). Every sample builds its own Pmem and model: CsCheck runs samples on several threads.
public class PmemPropertyTests
{
    private const int Slots = 24;

    // Where AddFree puts slot i: twelve slots 256 MiB apart below 3 GiB (neighbours can touch and merge),
    // twelve 64 GiB apart from 4 GiB up.
    private static (ulong Base, ulong Length) SlotRange(int slot, int lengthSeed, int offsetSeed)
    {
        ulong offset = (ulong)(offsetSeed % 4) * 4 * KiB;
        if (slot < 12)
            return ((ulong)slot * 256 * MiB + offset, (ulong)(lengthSeed % 64 + 1) * 4 * MiB - offset);
        return (4 * GiB + (ulong)(slot - 12) * 64 * GiB + offset, (ulong)(lengthSeed % 40 + 1) * 512 * MiB);
    }

    private sealed class Model
    {
        public readonly List<(ulong Base, ulong End)> Free = new();
        public readonly Dictionary<ulong, ulong> Live = new(); // region base -> end

        public void Add(ulong b, ulong e)
        {
            Free.Add((b, e));
            Free.Sort();
            for (int i = Free.Count - 1; i > 0; i--)
                if (Free[i - 1].End >= Free[i].Base)
                {
                    Free[i - 1] = (Free[i - 1].Base, Math.Max(Free[i - 1].End, Free[i].End));
                    Free.RemoveAt(i);
                }
        }

        public void Remove(ulong b, ulong e)
        {
            var kept = new List<(ulong, ulong)>();
            foreach (var (fb, fe) in Free)
            {
                if (fe <= b || fb >= e) { kept.Add((fb, fe)); continue; }
                if (fb < b) kept.Add((fb, b));
                if (fe > e) kept.Add((e, fe));
            }
            Free.Clear();
            Free.AddRange(kept);
        }

        public bool OverlapsLive(ulong b, ulong e) => Live.Any(r => r.Key < e && b < r.Value);
    }

    private static bool Fits((ulong Base, ulong End) x, ulong size, ulong alignment, out ulong start)
    {
        start = (x.Base + alignment - 1) & ~(alignment - 1);
        return start >= x.Base && start <= x.End && x.End - start >= size;
    }

    // Property: AddFree, TryAllocate, Reserve and Free in any order (with few or many nodes) keep Validate
    // null, leave free memory exactly as the model says (so nothing overlaps and nothing is lost), follow
    // the best-fit rule, and change nothing when they fail. Freeing everything at the end gives back every
    // byte.
    [Test]
    public void RandomWorkloadsMatchTheModel()
    {
        var op = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1 << 20], Gen.Int[0, 1 << 20], Gen.Int[0, 1 << 20]);
        Gen.Select(Gen.Int[2, 120], op.Array[1, 150]).Sample((capacity, ops) =>
        {
            string problem = Run(capacity, ops);
            if (problem != null)
                throw new AssertionException(problem);
        }, iter: 250);
    }

    private static string Run(int capacity, (int Kind, int A, int B, int C)[] ops)
    {
        var h = new PmemHarness(capacity);
        var model = new Model();
        foreach (var (kind, a, b, c) in ops)
        {
            string before = h.Snapshot();
            int nodes = h.Pmem.AvailableNodes;
            string problem = kind switch
            {
                0 => StepAddFree(h, model, a % Slots, b, c),
                1 => StepAllocate(h, model, b, c),
                2 => StepFree(h, model, a, b),
                _ => StepReserve(h, model, a, b),
            };
            if (problem == "unchanged")
                problem = h.Snapshot() == before ? null : "a failed call changed the state";
            if (problem != null && problem.StartsWith("needs nodes:"))
                problem = h.Snapshot() == before && nodes < problem[^1] - '0' ? null : "failed with nodes to spare, or changed the state";
            problem ??= h.Pmem.Validate();
            if (problem == null && !h.FreeExtents().SequenceEqual(model.Free))
                problem = "free extents differ from the model";
            if (problem == null && h.Pmem.UsedBytes != (ulong)model.Live.Sum(r => (decimal)(r.Value - r.Key)))
                problem = "used bytes differ from the live regions";
            if (problem != null)
                return $"op {kind} {a} {b} {c}: {problem}";
        }
        ulong total = h.Pmem.TotalBytes;
        foreach (ulong regionBase in model.Live.Keys)
            if (!h.Pmem.Free(regionBase))
                return "freeing a live region failed";
        if (h.Pmem.FreeBytes != total || h.Pmem.UsedBytes != 0 || h.Pmem.RegionCount != 0)
            return "memory lost after freeing everything";
        if (h.Pmem.AvailableNodes + h.Pmem.FreeExtentCount != capacity)
            return "nodes lost after freeing everything";
        return h.Pmem.Validate();
    }

    private static string StepAddFree(PmemHarness h, Model model, int slot, int lengthSeed, int offsetSeed)
    {
        var (b, length) = SlotRange(slot, lengthSeed, offsetSeed);
        ulong e = b + length;
        bool overlaps = model.Free.Any(f => f.Base < e && b < f.End) || model.OverlapsLive(b, e);
        bool ok = h.Pmem.AddFree(b, length);
        if (overlaps)
            return ok ? "AddFree accepted an overlap" : "unchanged";
        if (!ok)
            return "needs nodes:1";
        model.Add(b, e);
        return null;
    }

    private static string StepAllocate(PmemHarness h, Model model, int sizeSeed, int alignSeed)
    {
        // Sizes from one page to 8 GiB; alignments 4 KiB to 1 GiB.
        ulong size = (ulong)(sizeSeed % 4096 + 1) * 4 * KiB << (sizeSeed >> 12) % 10;
        ulong alignment = 1UL << (12 + alignSeed % 19);
        bool ok = h.Pmem.TryAllocate(size, alignment, RegionType.UserMemory, Name("p"), out ulong start);
        var expected = BestFit(model.Free, size, alignment);
        if (!ok)
            return expected == null ? "unchanged" : "needs nodes:2";
        if (expected == null)
            return "allocated where the best-fit rule finds nothing";
        if (!Fits(expected.Value, size, alignment, out ulong lowest) || start != lowest)
            return "not at the lowest aligned address of the best-fitting extent";
        model.Remove(start, start + size);
        model.Live.Add(start, start + size);
        return null;
    }

    // The rule FreeExtents documents, by brute force: extents of at least size bytes by (length, base); the
    // first of the first eight that fits; past eight, the first of at least size + alignment - 4 KiB bytes.
    private static (ulong Base, ulong End)? BestFit(List<(ulong Base, ulong End)> free, ulong size, ulong alignment)
    {
        var bySize = free.Where(f => f.End - f.Base >= size).OrderBy(f => (f.End - f.Base, f.Base)).ToList();
        foreach (var f in bySize.Take(8))
            if (Fits(f, size, alignment, out _))
                return f;
        if (bySize.Count <= 8)
            return null;
        foreach (var f in bySize)
            if (f.End - f.Base >= size + alignment - 4 * KiB)
                return f;
        return null;
    }

    private static string StepFree(PmemHarness h, Model model, int pick, int how)
    {
        if (model.Live.Count == 0 || how % 8 == 0)
        {
            // A bad free: inside a region, free memory, or nowhere.
            ulong address = model.Live.Count > 0 && how % 16 == 0 ? model.Live.Keys.First() + 4 * KiB : (ulong)pick * 64 * KiB;
            if (model.Live.ContainsKey(address))
                return null;
            return h.Pmem.Free(address) ? "Free accepted an address that is no region's base" : "unchanged";
        }
        var (b, e) = model.Live.ElementAt(pick % model.Live.Count);
        if (!h.Pmem.Free(b))
            return "Free refused a live region";
        model.Live.Remove(b);
        model.Add(b, e);
        return null;
    }

    private static string StepReserve(PmemHarness h, Model model, int where, int lengthSeed)
    {
        ulong b = (ulong)where * 4 * KiB % (3 * GiB);
        ulong length = (ulong)(lengthSeed % 2048 + 1) * 4 * KiB;
        bool ok = h.Pmem.Reserve(b, length, RegionType.BootModule, Name("r"));
        if (model.OverlapsLive(b, b + length))
            return ok ? "Reserve accepted an overlap with a region" : "unchanged";
        if (!ok)
            return "needs nodes:2";
        model.Remove(b, b + length);
        model.Live.Add(b, b + length);
        return null;
    }

    // Property: from any layout of free memory, allocations (any sizes, alignments) then frees in any order
    // restore exactly the extents there were at the start.
    [Test]
    public void AllocatingThenFreeingEverythingRestoresTheFreeExtents()
    {
        var layout = Gen.Select(Gen.Int[0, Slots - 1], Gen.Int[0, 1 << 20], Gen.Int[0, 1 << 20]).Array[1, 12];
        var requests = Gen.Select(Gen.Int[0, 1 << 20], Gen.Int[0, 1 << 20]).Array[1, 100];
        Gen.Select(layout, requests, Gen.Int).Sample((ranges, asks, seed) =>
        {
            var h = new PmemHarness(512);
            foreach (var (slot, lengthSeed, offsetSeed) in ranges)
            {
                var (b, length) = SlotRange(slot, lengthSeed, offsetSeed);
                h.Pmem.AddFree(b, length); // a repeated slot overlaps and is refused
            }
            var initial = h.FreeExtents();
            ulong freeBefore = h.Pmem.FreeBytes;
            var taken = new List<ulong>();
            foreach (var (sizeSeed, alignSeed) in asks)
            {
                ulong size = (ulong)(sizeSeed % 4096 + 1) * 4 * KiB << (sizeSeed >> 12) % 10;
                if (h.Pmem.TryAllocate(size, 1UL << (12 + alignSeed % 19), RegionType.UserMemory, Name("t"), out ulong b))
                    taken.Add(b);
            }
            var random = new Random(seed);
            foreach (ulong b in taken.OrderBy(_ => random.Next()))
                if (!h.Pmem.Free(b)) return false;
            return h.Pmem.FreeBytes == freeBefore && h.FreeExtents().SequenceEqual(initial) && h.Pmem.Validate() == null;
        }, iter: 200);
    }
}
