using System.Text;
using Kitten.Kernel.Boot;
using NUnit.Framework;

namespace Kitten.Kernel.Tests.Boot;

public class CommandLineTests
{
    private static bool Has(string line, string word) => new CommandLine(Encoding.ASCII.GetBytes(line)).HasWord(word);

    [TestCase("selftest", "selftest", true)]
    [TestCase("  selftest  crashtest ", "crashtest", true)]
    [TestCase("selftests", "selftest", false)]
    [TestCase("selftest=mem", "selftest", false)]
    [TestCase("", "selftest", false)]
    [TestCase("a\tb", "b", true)]
    public void FindsWholeWords(string line, string word, bool expected) => Assert.That(Has(line, word), Is.EqualTo(expected));

    [TestCase("selftest=memory. x", "selftest", "memory.")]
    [TestCase("memory=paged", "memory", "paged")]
    [TestCase("a=1 a=2", "a", "1")]
    [TestCase("key=", "key", "")]
    public void ReadsValues(string line, string key, string expected)
    {
        var commandLine = new CommandLine(Encoding.ASCII.GetBytes(line));
        Assert.That(commandLine.TryGetValue(key, out var value), Is.True);
        Assert.That(Encoding.ASCII.GetString(value), Is.EqualTo(expected));
    }

    [Test]
    public void KeyPrefixIsNotAKey()
    {
        var commandLine = new CommandLine(Encoding.ASCII.GetBytes("memoryx=1"));
        Assert.That(commandLine.TryGetValue("memory", out _), Is.False);
    }

    [TestCase("", 0)]
    [TestCase("one", 1)]
    [TestCase(" one  two three ", 3)]
    public void CountsWords(string line, int count)
        => Assert.That(new CommandLine(Encoding.ASCII.GetBytes(line)).WordCount, Is.EqualTo(count));
}
