using System.Runtime.InteropServices;
using CsCheck;
using Kitten.Kernel.Memory;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Memory;

public unsafe class AvlTreeTests
{
    // Two trees over one array, with a payload between the links, so that the stride matters.
    private struct Element
    {
        public AvlNode First;
        public long Payload;
        public AvlNode Second;
    }

    private sealed class Harness
    {
        public readonly Element[] Elements;
        public AvlTree First;
        public AvlTree Second;

        public Harness(int capacity)
        {
            Elements = GC.AllocateArray<Element>(capacity, pinned: true);
            var p = (Element*)Marshal.UnsafeAddrOfPinnedArrayElement(Elements, 0);
            First.Initialize(&p->First, sizeof(Element));
            Second.Initialize(&p->Second, sizeof(Element));
        }

        public void Insert(int index, ulong major, ulong minor)
        {
            Elements[index].First.Major = major;
            Elements[index].First.Minor = minor;
            Elements[index].Payload = -1; // between the two AvlNodes: a write through a wrong stride would show
            First.Insert(index);
        }

        public List<int> InOrder()
        {
            var order = new List<int>();
            for (int n = First.First(); n != AvlTree.Nil; n = First.Next(n))
                order.Add(n);
            return order;
        }
    }

    [Test]
    public void EmptyTreeFindsNothing()
    {
        var h = new Harness(4);
        Assert.That(h.First.Count, Is.Zero);
        Assert.That(h.First.First(), Is.EqualTo(AvlTree.Nil));
        Assert.That(h.First.Last(), Is.EqualTo(AvlTree.Nil));
        Assert.That(h.First.Find(1, 0), Is.EqualTo(AvlTree.Nil));
        Assert.That(h.First.LowerBound(0, 0), Is.EqualTo(AvlTree.Nil));
        Assert.That(h.First.Floor(ulong.MaxValue, ulong.MaxValue), Is.EqualTo(AvlTree.Nil));
        Assert.That(h.First.Validate(4), Is.Null);
    }

    [Test]
    public void AscendingInsertsStayBalancedAndOrdered()
    {
        const int N = 1000;
        var h = new Harness(N);
        for (int i = 0; i < N; i++)
            h.Insert(i, (ulong)i * 10, 0);
        Assert.That(h.First.Validate(N), Is.Null);
        Assert.That(h.Elements[h.First.Root].First.Height, Is.LessThanOrEqualTo(15), "1.44 log2(1002) is about 14.4");
        Assert.That(h.InOrder(), Is.EqualTo(Enumerable.Range(0, N).ToList()));
    }

    [Test]
    public void BoundsFindNeighbours()
    {
        var h = new Harness(8);
        h.Insert(0, 10, 0);
        h.Insert(1, 20, 5);
        h.Insert(2, 20, 7);
        h.Insert(3, 30, 0);
        Assert.That(h.First.LowerBound(20, 6), Is.EqualTo(2));
        Assert.That(h.First.LowerBound(20, 0), Is.EqualTo(1));
        Assert.That(h.First.LowerBound(31, 0), Is.EqualTo(AvlTree.Nil));
        Assert.That(h.First.Floor(20, 6), Is.EqualTo(1));
        Assert.That(h.First.Floor(9, 0), Is.EqualTo(AvlTree.Nil));
        Assert.That(h.First.Find(20, 7), Is.EqualTo(2));
        Assert.That(h.First.Find(20, 6), Is.EqualTo(AvlTree.Nil));
        Assert.That(h.First.Last(), Is.EqualTo(3));
    }

    [Test]
    public void KeysAtTheTopOfTheRangeHaveNoSuccessor()
    {
        var h = new Harness(3);
        h.Insert(0, ulong.MaxValue, ulong.MaxValue);
        h.Insert(1, ulong.MaxValue - 1, ulong.MaxValue);
        h.Insert(2, 0, 0);
        Assert.That(h.InOrder(), Is.EqualTo(new[] { 2, 1, 0 }));
    }

    // Previous walks the tree backwards, across keys whose minor or major is 0 (where it must not wrap).
    [Test]
    public void PreviousWalksBackwards()
    {
        var h = new Harness(6);
        h.Insert(0, 5, 0);
        h.Insert(1, 4, ulong.MaxValue);
        h.Insert(2, 5, 1);
        h.Insert(3, 0, 0);
        h.Insert(4, 0, 7);
        h.Insert(5, ulong.MaxValue, ulong.MaxValue);
        var backwards = new List<int>();
        for (int n = h.First.Last(); n != AvlTree.Nil; n = h.First.Previous(n))
            backwards.Add(n);
        Assert.That(backwards, Is.EqualTo(Enumerable.Reverse(h.InOrder())));
        Assert.That(backwards, Is.EqualTo(new[] { 5, 2, 0, 1, 4, 3 }));
    }

    [Test]
    public void TwoTreesShareOneArray()
    {
        var h = new Harness(10);
        for (int i = 0; i < 10; i++)
        {
            h.Insert(i, (ulong)i, 0);
            h.Elements[i].Second.Major = (ulong)(100 - i); // the opposite order
            h.Second.Insert(i);
        }
        Assert.That(h.First.Validate(10), Is.Null);
        Assert.That(h.Second.Validate(10), Is.Null);
        Assert.That(h.First.First(), Is.EqualTo(0));
        Assert.That(h.Second.First(), Is.EqualTo(9));
        Assert.That(h.Second.Remove(4), Is.True);
        Assert.That(h.Second.Find(96, 0), Is.EqualTo(AvlTree.Nil));
        Assert.That(h.First.Find(4, 0), Is.EqualTo(4), "removing from one tree must not touch the other");
        Assert.That(h.Elements.All(e => e.Payload == -1), Is.True, "a tree wrote outside its AvlNode");
    }

    [Test]
    public void ValidateReportsBrokenOrderAndHeights()
    {
        var h = new Harness(3);
        h.Insert(0, 10, 0);
        h.Insert(1, 20, 0);
        h.Insert(2, 30, 0);
        h.Elements[1].First.Major = 5; // the root's key, now smaller than its left child's
        Assert.That(h.First.Validate(3), Does.Contain("order"));
        h.Elements[1].First.Major = 20;
        h.Elements[1].First.Height = 7;
        Assert.That(h.First.Validate(3), Does.Contain("height"));
        h.Elements[1].First.Height = 2;
        h.Elements[0].First.Left = 1; // a cycle
        Assert.That(h.First.Validate(3), Is.Not.Null);
    }

    [Test]
    public void RemovingAMissingKeyChangesNothing()
    {
        var h = new Harness(3);
        h.Insert(0, 10, 0);
        h.Insert(1, 20, 0);
        h.Elements[2].First.Major = 15;
        Assert.That(h.First.Remove(2), Is.False);
        Assert.That(h.First.Count, Is.EqualTo(2));
        Assert.That(h.First.Validate(3), Is.Null);
    }

    // Property: random inserts and removes agree with a sorted set at every step, on membership, order,
    // lower bounds and floors, and keep the tree valid.
    [Test]
    public void RandomInsertsAndRemovesMatchASortedSet()
    {
        var op = Gen.Select(Gen.Int[0, 63], Gen.ULong[0, 40], Gen.ULong[0, 3]);
        op.Array[1, 400].Sample(ops =>
        {
            var h = new Harness(64);
            var model = new SortedSet<(ulong, ulong)>();
            var keyOf = new (ulong, ulong)?[64];
            foreach (var (slot, major, minor) in ops)
            {
                if (keyOf[slot] is { } key)
                {
                    if (!h.First.Remove(slot)) return false;
                    model.Remove(key);
                    keyOf[slot] = null;
                }
                else if (!model.Contains((major, minor)))
                {
                    h.Insert(slot, major, minor);
                    model.Add((major, minor));
                    keyOf[slot] = (major, minor);
                }
                if (h.First.Validate(64) != null || h.First.Count != model.Count) return false;
                var lower = model.GetViewBetween((major, minor), (ulong.MaxValue, ulong.MaxValue));
                int lb = h.First.LowerBound(major, minor);
                if (lower.Count == 0 ? lb != AvlTree.Nil : lb == AvlTree.Nil || KeyOf(h, lb) != lower.Min) return false;
                var upper = model.GetViewBetween((0, 0), (major, minor));
                int fl = h.First.Floor(major, minor);
                if (upper.Count == 0 ? fl != AvlTree.Nil : fl == AvlTree.Nil || KeyOf(h, fl) != upper.Max) return false;
            }
            return h.InOrder().Select(n => KeyOf(h, n)).SequenceEqual(model);
        }, iter: 300);
    }

    private static (ulong, ulong) KeyOf(Harness h, int n) => (h.Elements[n].First.Major, h.Elements[n].First.Minor);
}
