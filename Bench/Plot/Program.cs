// Plots benchmark results (Build/bench.sh runs it; nothing here boots or measures):
//
//   Plot fwq OUTPUT.png TITLE=FILE [TITLE=FILE...]
//
// reads the `fwq-raw` lines of each FILE (the output of Userland/Bench/fwq.c -r, one file per kernel) and
// writes OUTPUT.png: one panel per FILE, side by side, quantum index against ticks, on one y scale.
// Exit status 0 if the picture was written, 1 if an input was unusable, 2 for bad arguments.
using Kitten.Bench.Plot;

if (args.Length < 3 || args[0] != "fwq")
{
    Console.Error.WriteLine("usage: Plot fwq OUTPUT.png TITLE=FILE [TITLE=FILE...]");
    return 2;
}

var panels = new List<FwqPlot.Panel>();
foreach (var argument in args.Skip(2))
{
    int equals = argument.IndexOf('=');
    if (equals <= 0)
    {
        Console.Error.WriteLine($"Plot: expected TITLE=FILE, got '{argument}'");
        return 2;
    }
    string title = argument[..equals], file = argument[(equals + 1)..];
    try
    {
        var cpus = FwqRecord.Parse(File.ReadAllText(file));
        if (cpus.Count == 0)
        {
            Console.Error.WriteLine($"Plot: {file} has no fwq-raw lines");
            return 1;
        }
        panels.Add(new FwqPlot.Panel(title, cpus));
    }
    catch (Exception error) when (error is IOException or FormatException or OverflowException)
    {
        Console.Error.WriteLine($"Plot: {file}: {error.Message}");
        return 1;
    }
}

FwqPlot.Save(panels, args[1], 800 * panels.Count, 600);
Console.WriteLine(args[1]);
return 0;
