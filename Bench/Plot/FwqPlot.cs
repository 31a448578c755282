using ScottPlot;

namespace Kitten.Bench.Plot;

// The classic FWQ picture: every quantum's duration against its index, one colour per CPU, one panel per
// kernel side by side, all panels on the same y scale so that their noise compares by eye.
public static class FwqPlot
{
    public sealed record Panel(string Title, IReadOnlyList<FwqRecord> Cpus);

    public static void Save(IReadOnlyList<Panel> panels, string path, int width, int height)
    {
        if (panels.Count == 0 || panels.Any(panel => panel.Cpus.Count == 0))
            throw new ArgumentException("every panel needs the quanta of at least one CPU");

        long low = panels.SelectMany(panel => panel.Cpus).Min(cpu => cpu.Ticks.Min());
        long high = panels.SelectMany(panel => panel.Cpus).Max(cpu => cpu.Ticks.Max());
        long quanta = panels.SelectMany(panel => panel.Cpus).Max(cpu => cpu.Ticks.Count);
        // Some room above and below, and never a zero-height range (a noiseless run is one flat line).
        double margin = Math.Max((high - low) * 0.05, 50);

        var plots = new List<ScottPlot.Plot>();
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var panel in panels)
        {
            var plot = new ScottPlot.Plot();
            foreach (var cpu in panel.Cpus)
            {
                double[] xs = Enumerable.Range(0, cpu.Ticks.Count).Select(i => (double)i).ToArray();
                double[] ys = cpu.Ticks.Select(t => (double)t).ToArray();
                var scatter = plot.Add.ScatterPoints(xs, ys, palette.GetColor(cpu.Cpu));
                scatter.MarkerSize = 3;
                scatter.LegendText = $"CPU {cpu.Cpu}";
            }
            long maxDetour = panel.Cpus.Max(cpu => cpu.MaxDetour);
            plot.Title($"{panel.Title}: max detour {maxDetour:N0} ticks");
            plot.XLabel("quantum");
            plot.YLabel("ticks per quantum (other CPUs' work taken out)");
            plot.Axes.SetLimits(-quanta * 0.01, quanta * 1.01, low - margin, high + margin);
            plot.ShowLegend(Alignment.UpperRight);
            plots.Add(plot);
        }
        // A new Multiplot starts with one plot of its own: start from the first panel's instead.
        var multiplot = new Multiplot(plots[0]) { Layout = new ScottPlot.MultiplotLayouts.Columns() };
        foreach (var plot in plots.Skip(1))
            multiplot.AddPlot(plot);
        multiplot.SavePng(path, width, height);
    }
}
