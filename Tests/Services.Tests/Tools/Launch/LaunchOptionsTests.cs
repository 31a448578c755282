using Kitten.Launch;
using NUnit.Framework;

namespace Kitten.Services.Tests.Tools.Launch;

// launch's command line.
public class LaunchOptionsTests
{
    [TestCase("4096", 4096UL)]
    [TestCase("64K", 64UL << 10)]
    [TestCase("2m", 2UL << 20)]
    [TestCase("3G", 3UL << 30)]
    public void SizesTakeBinarySuffixes(string text, ulong bytes)
    {
        Assert.That(LaunchOptions.TryParseSize(text, out ulong parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(bytes));
    }

    [TestCase("")]
    [TestCase("G")]
    [TestCase("-1")]
    [TestCase("1T")]
    [TestCase("99999999999999999999G")]
    public void BadSizesAreRefused(string text) => Assert.That(LaunchOptions.TryParseSize(text, out _), Is.False);

    [Test]
    public void OptionsComeBeforeTheProgramAndEverythingAfterItIsItsArguments()
    {
        var options = LaunchOptions.Parse(new[] { "--heap", "1G", "--show", "--cpu", "1", "/bin/cat", "--heap", "x" }, out string? problem);
        Assert.That(problem, Is.Null);
        Assert.That(options!.HeapBytes, Is.EqualTo(1UL << 30));
        Assert.That(options.StackBytes, Is.EqualTo(LaunchOptions.DefaultStack));
        Assert.That((options.Show, options.OrPlain, options.Cpu), Is.EqualTo((true, false, 1)));
        Assert.That(options.Arguments, Is.EqualTo(new[] { "/bin/cat", "--heap", "x" }));

        options = LaunchOptions.Parse(new[] { "--", "--odd-name" }, out _);
        Assert.That(options!.Program, Is.EqualTo("--odd-name"));
    }

    [TestCase("--heap")]
    [TestCase("--heap", "lots", "/bin/true")]
    [TestCase("--stack", "0", "/bin/true")]
    [TestCase("--frobnicate", "1", "/bin/true")]
    [TestCase("--show")]
    public void BadCommandLinesSayWhy(params string[] args)
    {
        Assert.That(LaunchOptions.Parse(args, out string? problem), Is.Null);
        Assert.That(problem, Is.Not.Empty);
    }
}
