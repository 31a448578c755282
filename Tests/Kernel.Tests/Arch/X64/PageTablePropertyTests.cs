using CsCheck;
using Kitten.Kernel.Arch.X64;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Arch.X64;

// Property: any sequence of Map, Unmap and Protect (with page sizes restricted at random and allocation
// failures injected) keeps Translate in agreement with a simple model, a list of mapped intervals; the
// allocator's count of pages in use always equals PageTableBytes; no table is left empty; and Destroy
// returns every page. CsCheck runs samples on several threads: each sample has its own memory and model.
public class PageTablePropertyTests
{
    private const ulong K4 = 1UL << 12;
    private const ulong M2 = 1UL << 21;
    private const ulong G1 = 1UL << 30;
    private const ulong Ram = 64UL << 30;

    internal enum Kind { Map, Unmap, Protect }

    internal readonly record struct Op(Kind Kind, ulong Virt, ulong Length, ulong PhysSkew, PageFlags Flags, PageSizes Sizes, int FailAfter)
    {
        public override string ToString() =>
            $"{Kind} 0x{Virt:X}+0x{Length:X} skew 0x{PhysSkew:X} {Flags} {Sizes} failAfter {FailAfter}";
    }

    private record struct Interval(ulong Start, ulong End, ulong Phys, PageFlags Flags);

    // Addresses built from 1G, 2M and 4K steps so that every page size and every kind of edge comes up, in
    // two windows: the first GiBs, and around 512 GiB where PML4 entry 0 ends and entry 1 begins.
    private static readonly Gen<ulong> Address =
        Gen.Select(Gen.OneOfConst(0UL, 510 * G1), Gen.Int[0, 3], Gen.OneOfConst(0, 1, 255, 511), Gen.OneOfConst(0, 1, 511))
            .Select((window, g, m, k) => window + (ulong)g * G1 + (ulong)m * M2 + (ulong)k * K4);

    private static readonly Gen<ulong> Length =
        Gen.Select(Gen.OneOfConst(0, 0, 0, 1), Gen.OneOfConst(0, 1, 3, 511), Gen.OneOfConst(0, 1, 2, 511))
            .Select((g, m, k) => Math.Max(K4, (ulong)g * G1 + (ulong)m * M2 + (ulong)k * K4));

    private static readonly Gen<Op> Operation =
        Gen.Select(
            Gen.Frequency((5, Gen.Const(Kind.Map)), (3, Gen.Const(Kind.Unmap)), (2, Gen.Const(Kind.Protect))),
            Address,
            Length,
            Gen.OneOfConst(0UL, 0UL, K4, M2, G1 + M2),
            Gen.Int[0, 31].Select(f => (PageFlags)f),
            Gen.OneOfConst(PageSizes.All, PageSizes.All, PageSizes.Size4K, PageSizes.Size4K | PageSizes.Size2M,
                PageSizes.Size2M | PageSizes.Size1G, PageSizes.Size1G | PageSizes.Size4K, PageSizes.Size2M),
            Gen.Frequency((4, Gen.Const(-1)), (1, Gen.Int[0, 3])))
        .Select((kind, virt, length, skew, flags, sizes, failAfter) => new Op(kind, virt, length, skew, flags, sizes, failAfter));

    [Test]
    public void RandomOperationsAgreeWithAModelAndNeverLeak()
    {
        Gen.Select(Gen.Bool, Operation.Array[1, 25]).Sample((noExecute, ops) => Run(noExecute, ops), iter: 100);
    }

    private static void Run(bool noExecute, Op[] ops)
    {
        using var memory = new SimulatedPhysicalMemory(64UL << 20);
        var pt = new PageTable();
        Check(pt.Create(memory.Allocator, noExecute) == PageTableResult.Ok, "create");
        var model = new List<Interval>();
        var probes = new HashSet<ulong>();
        foreach (var op in ops)
        {
            ulong start = op.Virt, end = op.Virt + op.Length, phys = Ram + op.Virt + op.PhysSkew;
            memory.FailAfter = op.FailAfter;
            PageTableResult result;
            switch (op.Kind)
            {
                case Kind.Map:
                    result = pt.Map(start, phys, op.Length, op.Flags, op.Sizes);
                    PageTableResult expected = !Fits(start, phys, op.Length, op.Sizes) ? PageTableResult.Misaligned
                        : Overlaps(model, start, end) ? PageTableResult.AlreadyMapped : PageTableResult.Ok;
                    Check(result == expected || (expected == PageTableResult.Ok && op.FailAfter >= 0 && result == PageTableResult.OutOfMemory),
                        $"{op}: {result}, expected {expected}");
                    if (result == PageTableResult.Ok)
                        model.Add(new Interval(start, end, phys, op.Flags));
                    break;
                case Kind.Unmap:
                    result = pt.Unmap(start, op.Length);
                    Check(result == PageTableResult.Ok || (op.FailAfter >= 0 && result == PageTableResult.OutOfMemory), $"{op}: {result}");
                    if (result == PageTableResult.Ok)
                        Remove(model, start, end);
                    break;
                default:
                    result = pt.Protect(start, op.Length, op.Flags);
                    bool covered = Covered(model, start, end);
                    Check(covered ? result == PageTableResult.Ok || (op.FailAfter >= 0 && result == PageTableResult.OutOfMemory)
                        : result == PageTableResult.NotMapped, $"{op}: {result}, covered {covered}");
                    if (result == PageTableResult.Ok)
                    {
                        var inside = Remove(model, start, end);
                        foreach (var piece in inside)
                            model.Add(piece with { Flags = op.Flags });
                    }
                    break;
            }
            memory.FailAfter = -1;
            Check(memory.Errors.Count == 0, $"{op}: {string.Join(", ", memory.Errors)}");
            Check((ulong)memory.PagesInUse * K4 == pt.PageTableBytes, $"{op}: {memory.PagesInUse} pages in use, PageTableBytes {pt.PageTableBytes}");

            foreach (ulong p in new[] { start - K4, start, start + (op.Length / 2 & ~(K4 - 1)), end - K4, end, end + K4 - 1 })
                probes.Add(p);
            foreach (var interval in model)
            {
                probes.Add(interval.Start);
                probes.Add(interval.End - 1);
            }
            foreach (ulong probe in probes)
                CheckTranslation(pt, model, probe, noExecute, op);
        }

        CheckLeavesMatchModel(memory, pt, model, noExecute);
        foreach (var table in RawPageTables.Tables(memory, pt.RootPhysical))
        {
            int pml4Index = (int)((table.Virtual >> 39) & 511);
            bool pinned = table.Level == 4 || (table.Level == 3 && (pml4Index == 0 || pml4Index >= 256));
            Check(pinned || table.PresentEntries > 0, $"an empty level-{table.Level} table for 0x{table.Virtual:X} was not freed");
        }
        pt.Destroy();
        Check(memory.PagesInUse == 0, $"{memory.PagesInUse} pages leaked");
        Check(memory.Errors.Count == 0, string.Join(", ", memory.Errors));
    }

    private static void CheckTranslation(in PageTable pt, List<Interval> model, ulong virt, bool noExecute, Op after)
    {
        bool mapped = pt.Translate(virt, out ulong phys, out PageFlags flags, out _);
        var hit = model.FirstOrDefault(i => virt >= i.Start && virt < i.End);
        bool expected = hit.End != 0;
        Check(mapped == expected, $"after {after}: 0x{virt:X} mapped {mapped}, model says {expected}");
        if (!expected)
            return;
        Check(phys == hit.Phys + (virt - hit.Start), $"after {after}: 0x{virt:X} -> 0x{phys:X}, model says 0x{hit.Phys + (virt - hit.Start):X}");
        PageFlags want = noExecute ? hit.Flags : hit.Flags | PageFlags.Executable;
        Check(flags == want, $"after {after}: 0x{virt:X} has {flags}, model says {want}");
    }

    // Every leaf lies inside one model interval and agrees with it; together they cover exactly the model.
    // Leaves come in address order, so one pass over the sorted model finds each leaf's interval.
    private static void CheckLeavesMatchModel(SimulatedPhysicalMemory memory, in PageTable pt, List<Interval> model, bool noExecute)
    {
        var sorted = model.OrderBy(i => i.Start).ToList();
        int next = 0;
        ulong mapped = 0;
        // Messages are built only on failure: there can be half a million leaves.
        RawPageTables.ForEachLeaf(memory, pt.RootPhysical, leaf =>
        {
            while (next < sorted.Count && sorted[next].End <= leaf.Virtual)
                next++;
            if (next == sorted.Count || sorted[next].Start > leaf.Virtual || leaf.Virtual + leaf.Size > sorted[next].End)
                throw new InvalidOperationException($"leaf 0x{leaf.Virtual:X}+0x{leaf.Size:X} is not inside one mapping");
            var hit = sorted[next];
            if (leaf.Physical != hit.Phys + (leaf.Virtual - hit.Start))
                throw new InvalidOperationException($"leaf 0x{leaf.Virtual:X} maps the wrong address");
            var flags = PageFlags.None;
            if ((leaf.Entry & 2) != 0) flags |= PageFlags.Writable;
            if ((leaf.Entry & 4) != 0) flags |= PageFlags.User;
            if ((leaf.Entry & 0x18) == 0x18) flags |= PageFlags.NoCache;
            if ((leaf.Entry & 0x100) != 0) flags |= PageFlags.Global;
            bool xd = (leaf.Entry & (1UL << 63)) != 0;
            if (!xd) flags |= PageFlags.Executable;
            if (xd && !noExecute)
                throw new InvalidOperationException($"leaf 0x{leaf.Virtual:X} has XD set without NX");
            if (flags != (noExecute ? hit.Flags : hit.Flags | PageFlags.Executable))
                throw new InvalidOperationException($"leaf 0x{leaf.Virtual:X} has {flags}, model says {hit.Flags}");
            mapped += leaf.Size;
        });
        ulong modelled = model.Aggregate(0UL, (sum, i) => sum + (i.End - i.Start));
        Check(mapped == modelled, $"leaves map 0x{mapped:X} bytes, the model 0x{modelled:X}");
    }

    // The same choice as the page-table builder's, written out step by step: can the range be cut into
    // allowed pages, each aligned in both address spaces?
    private static bool Fits(ulong virt, ulong phys, ulong length, PageSizes sizes)
    {
        while (length > 0)
        {
            ulong step = 0;
            foreach (var (size, flag) in new[] { (G1, PageSizes.Size1G), (M2, PageSizes.Size2M), (K4, PageSizes.Size4K) })
            {
                if ((sizes & flag) != 0 && virt % size == 0 && phys % size == 0 && length >= size)
                {
                    step = size;
                    break;
                }
            }
            if (step == 0)
                return false;
            virt += step;
            phys += step;
            length -= step;
        }
        return true;
    }

    private static bool Overlaps(List<Interval> model, ulong start, ulong end) => model.Any(i => i.Start < end && start < i.End);

    private static bool Covered(List<Interval> model, ulong start, ulong end) =>
        model.Aggregate(0UL, (sum, i) => sum + (Math.Min(end, i.End) > Math.Max(start, i.Start) ? Math.Min(end, i.End) - Math.Max(start, i.Start) : 0)) == end - start;

    // Cuts [start, end) out of the model; returns the pieces that were inside it.
    private static List<Interval> Remove(List<Interval> model, ulong start, ulong end)
    {
        var inside = new List<Interval>();
        var kept = new List<Interval>();
        foreach (var i in model)
        {
            if (i.End <= start || end <= i.Start)
            {
                kept.Add(i);
                continue;
            }
            if (i.Start < start)
                kept.Add(i with { End = start });
            if (end < i.End)
                kept.Add(i with { Start = end, Phys = i.Phys + (end - i.Start) });
            ulong s = Math.Max(start, i.Start), e = Math.Min(end, i.End);
            inside.Add(new Interval(s, e, i.Phys + (s - i.Start), i.Flags));
        }
        model.Clear();
        model.AddRange(kept);
        return inside;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
            throw new InvalidOperationException(message);
    }
}
