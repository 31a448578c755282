using System.Globalization;
using System.Text.RegularExpressions;

namespace Kitten.Bench.Plot;

// The per-quantum data of Userland/Bench/fwq.c's `-r` output: for each CPU, every counted quantum's ticks.
// fwq prints them as detours from the fastest undisturbed quantum (min), run-length encoded, up to 32 runs
// a line:
//
//   fwq-raw cpu=C min=T first=I detour=0*523,1021,-3,0*77,...
//
// I is the index of the line's first quantum; VALUE*COUNT is COUNT quanta of that detour in a row. A
// quantum's ticks are min + detour.
public sealed partial record FwqRecord(int Cpu, long Min, IReadOnlyList<long> Ticks)
{
    [GeneratedRegex(@"^fwq-raw cpu=(\d+) min=(\d+) first=(\d+) detour=(\S+)\r?$", RegexOptions.Multiline)]
    private static partial Regex RawLine();

    public long MaxDetour => Ticks.Count == 0 ? 0 : Ticks.Max() - Min;

    // Every CPU found in the output, in CPU order. Lines of one CPU must continue each other (first = the
    // number of quanta so far); anything else is an error, so that a lost line cannot go unnoticed.
    public static IReadOnlyList<FwqRecord> Parse(string output)
    {
        var ticks = new SortedDictionary<int, List<long>>();
        var mins = new Dictionary<int, long>();
        foreach (Match line in RawLine().Matches(output))
        {
            int cpu = int.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);
            long min = long.Parse(line.Groups[2].Value, CultureInfo.InvariantCulture);
            int first = int.Parse(line.Groups[3].Value, CultureInfo.InvariantCulture);
            if (!ticks.TryGetValue(cpu, out var list))
            {
                list = new List<long>();
                ticks[cpu] = list;
                mins[cpu] = min;
            }
            if (mins[cpu] != min)
                throw new FormatException($"fwq-raw: CPU {cpu} has two values of min ({mins[cpu]} and {min})");
            if (first != list.Count)
                throw new FormatException($"fwq-raw: CPU {cpu}: a line starts at quantum {first}, but {list.Count} came before it");
            foreach (var run in line.Groups[4].Value.Split(','))
            {
                var parts = run.Split('*');
                long detour = long.Parse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                int count = parts.Length == 2 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 1;
                if (parts.Length > 2 || count < 1)
                    throw new FormatException($"fwq-raw: CPU {cpu}: bad run '{run}'");
                for (int i = 0; i < count; i++)
                    list.Add(min + detour);
            }
        }
        return ticks.Select(pair => new FwqRecord(pair.Key, mins[pair.Key], pair.Value)).ToList();
    }
}
