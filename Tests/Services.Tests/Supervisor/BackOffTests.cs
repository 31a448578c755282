using Kitten.Supervisor;
using NUnit.Framework;

namespace Kitten.Services.Tests.Supervisor;

// The supervisor's restart delays (Services/Supervisor/BackOff.cs, compiled into this project).
public class BackOffTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(5);

    [Test]
    public void DeathsAfterShortLivesDoubleTheDelayUpToTheMaximum()
    {
        var backOff = new BackOff(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(160), TimeSpan.FromSeconds(1));
        var delays = Enumerable.Range(0, 8).Select(_ => backOff.NextDelay(Short).TotalMilliseconds).ToList();
        Assert.That(delays, Is.EqualTo(new double[] { 10, 20, 40, 80, 160, 160, 160, 160 }));
        Assert.That(backOff.ConsecutiveFailures, Is.EqualTo(8));
    }

    [Test]
    public void ALifeAsLongAsStableStartsTheCountAgain()
    {
        var backOff = new BackOff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2));
        backOff.NextDelay(Short);
        backOff.NextDelay(Short);
        Assert.That(backOff.NextDelay(TimeSpan.FromMilliseconds(1999)).TotalMilliseconds, Is.EqualTo(200), "just short of stable: still failing");
        Assert.That(backOff.NextDelay(TimeSpan.FromSeconds(2)).TotalMilliseconds, Is.EqualTo(50), "stable: the first delay again");
        Assert.That(backOff.ConsecutiveFailures, Is.EqualTo(1));
        Assert.That(backOff.NextDelay(Short).TotalMilliseconds, Is.EqualTo(100));
    }

    [Test]
    public void ManyDeathsNeitherOverflowNorPassTheMaximum()
    {
        var backOff = new BackOff(TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1));
        TimeSpan last = TimeSpan.Zero;
        for (int i = 0; i < 200; i++)
            last = backOff.NextDelay(Short);
        Assert.That(last, Is.EqualTo(TimeSpan.FromMinutes(1)));
    }
}
