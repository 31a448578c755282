using System.Text;
using Kitten.Kernel.Boot;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Boot;

public class ServiceChoiceTests
{
    // The services a command line starts, by name, and the bad choice if any ("group=value").
    private static (string[] Started, string Bad) Choose(string commandLine, params string[] folders)
    {
        byte[][] names = folders.Select(Encoding.ASCII.GetBytes).ToArray();
        var chosen = new bool[names.Length];
        ServiceChoice.Choose(names, new CommandLine(Encoding.ASCII.GetBytes(commandLine)), chosen, out int badGroup, out byte[] badChoice);
        string bad = badGroup < 0 ? null
            : $"{Encoding.ASCII.GetString(ServiceChoice.GroupOf(names[badGroup]))}={Encoding.ASCII.GetString(badChoice)}";
        return (folders.Where((_, i) => chosen[i]).ToArray(), bad);
    }

    private static readonly string[] Image = { "supervisor", "memory-paged", "pct", "memory-contiguous" };

    [TestCase("memory=paged", new[] { "memory-paged", "pct" })]
    [TestCase("memory=contiguous", new[] { "pct", "memory-contiguous" })]
    [TestCase("services", new[] { "pct", "memory-contiguous" })]     // no choice: the first by name
    [TestCase("memory=none", new[] { "pct" })]
    [TestCase("memory=paged pct=none", new[] { "memory-paged" })]
    [TestCase("memory=paged memory=contiguous", new[] { "memory-paged", "pct" })]   // the first word counts
    public void OneServicePerGroupAndNeverTheSupervisor(string commandLine, string[] expected)
    {
        var (started, bad) = Choose(commandLine, Image);
        Assert.That(started, Is.EqualTo(expected));
        Assert.That(bad, Is.Null);
    }

    [TestCase("memory=bogus", "memory=bogus")]
    [TestCase("memory=", "memory=")]
    [TestCase("memory=pag", "memory=pag")]
    public void AChoiceNoFolderMatchesIsReportedAndStartsNothingInItsGroup(string commandLine, string expectedBad)
    {
        var (started, bad) = Choose(commandLine, Image);
        Assert.That(bad, Is.EqualTo(expectedBad));
        Assert.That(started, Is.EqualTo(new[] { "pct" }));
    }

    [Test]
    public void GroupIsTheNameUpToTheFirstDash()
    {
        Assert.That(Encoding.ASCII.GetString(ServiceChoice.GroupOf("memory-paged-huge"u8)), Is.EqualTo("memory"));
        Assert.That(Encoding.ASCII.GetString(ServiceChoice.GroupOf("pct"u8)), Is.EqualTo("pct"));
        Assert.That(Encoding.ASCII.GetString(ServiceChoice.GroupOf("-odd"u8)), Is.EqualTo("-odd"));
    }
}
