using System.Text.RegularExpressions;

namespace Kitten.Boot.Tests;

public sealed record KtapResult(int Number, string Name, bool Passed, string Reason);

// Reads the KTAP output of the kernel's self-tests (Documentation/dev-tools/ktap.rst in Linux):
// "KTAP version 1", a plan "1..N", then "ok N name" or "not ok N name # reason" lines.
public sealed partial class KtapReport
{
    public bool HasHeader { get; private init; }
    public int? Plan { get; private init; }
    public IReadOnlyList<KtapResult> Results { get; private init; } = Array.Empty<KtapResult>();

    [GeneratedRegex(@"^(not ok|ok) (\d+) (\S+)(?: # (.*))?$")]
    private static partial Regex ResultLine();

    [GeneratedRegex(@"^1\.\.(\d+)$")]
    private static partial Regex PlanLine();

    public static KtapReport Parse(string console)
    {
        var results = new List<KtapResult>();
        int? plan = null;
        bool header = false;
        foreach (var raw in console.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line == "KTAP version 1")
                header = true;
            var planMatch = PlanLine().Match(line);
            if (planMatch.Success)
                plan = int.Parse(planMatch.Groups[1].Value);
            var match = ResultLine().Match(line);
            if (match.Success)
            {
                results.Add(new KtapResult(int.Parse(match.Groups[2].Value), match.Groups[3].Value,
                    match.Groups[1].Value == "ok", match.Groups[4].Value));
            }
        }
        return new KtapReport { HasHeader = header, Plan = plan, Results = results };
    }
}
