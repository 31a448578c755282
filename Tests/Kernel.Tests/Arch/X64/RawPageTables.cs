using Kitten.Kernel.Arch.X64;

namespace Kitten.Kernel.Tests.Arch.X64;

// A test oracle that reads page tables straight from simulated memory, decoding entries per the Intel SDM
// (vol. 3A, 4.5) on its own rather than through PageTable, so that the tests check the bits themselves.
internal static unsafe class RawPageTables
{
    public readonly record struct Leaf(ulong Virtual, int Level, ulong Entry, ulong[] Path)
    {
        public ulong Size => 1UL << (12 + 9 * (Level - 1));
        public ulong Physical => Entry & 0x000F_FFFF_FFFF_F000 & ~(Size - 1);
    }

    public readonly record struct Table(ulong Physical, int Level, ulong Virtual, int PresentEntries);

    // Every leaf under the PML4 at root, in address order.
    public static List<Leaf> Leaves(SimulatedPhysicalMemory memory, ulong root)
    {
        var leaves = new List<Leaf>();
        Walk(memory, root, leaves.Add, null);
        return leaves;
    }

    // The same without collecting them: for hierarchies with hundreds of thousands of leaves.
    public static void ForEachLeaf(SimulatedPhysicalMemory memory, ulong root, Action<Leaf> visit) =>
        Walk(memory, root, visit, null);

    // Every table under (and including) the PML4 at root.
    public static List<Table> Tables(SimulatedPhysicalMemory memory, ulong root)
    {
        var tables = new List<Table>();
        Walk(memory, root, null, tables);
        return tables;
    }

    public static Dictionary<ulong, int> CountBySize(IEnumerable<Leaf> leaves)
    {
        var counts = new Dictionary<ulong, int> { [4096] = 0, [2UL << 20] = 0, [1UL << 30] = 0 };
        foreach (var leaf in leaves)
            counts[leaf.Size]++;
        return counts;
    }

    // The raw PML4 entry at an index.
    public static ulong Pml4Entry(SimulatedPhysicalMemory memory, ulong root, int index) => memory.Pointer(root)[index];

    private static void Walk(SimulatedPhysicalMemory memory, ulong root, Action<Leaf> leaves, List<Table> tables)
    {
        ulong* pml4 = memory.Pointer(root);
        tables?.Add(new Table(root, 4, 0, Count(pml4)));
        for (int i = 0; i < 512; i++)
        {
            if ((pml4[i] & 1) == 0)
                continue;
            ulong virt = (ulong)i << 39;
            if (i >= 256)
                virt |= 0xFFFF_0000_0000_0000;
            WalkTable(memory, pml4[i] & 0x000F_FFFF_FFFF_F000, 3, virt, new[] { pml4[i] }, leaves, tables);
        }
    }

    private static void WalkTable(SimulatedPhysicalMemory memory, ulong table, int level, ulong virt, ulong[] path,
        Action<Leaf> leaves, List<Table> tables)
    {
        ulong* entries = memory.Pointer(table);
        tables?.Add(new Table(table, level, virt, Count(entries)));
        int shift = 12 + 9 * (level - 1);
        for (int i = 0; i < 512; i++)
        {
            ulong entry = entries[i];
            if ((entry & 1) == 0)
                continue;
            ulong v = virt + ((ulong)i << shift);
            bool leaf = level == 1 || (entry & (1UL << 7)) != 0;
            if (leaf)
                leaves?.Invoke(new Leaf(v, level, entry, path));
            else
                WalkTable(memory, entry & 0x000F_FFFF_FFFF_F000, level - 1, v, path.Append(entry).ToArray(), leaves, tables);
        }
    }

    private static int Count(ulong* entries)
    {
        int n = 0;
        for (int i = 0; i < 512; i++)
            if ((entries[i] & 1) != 0)
                n++;
        return n;
    }
}
