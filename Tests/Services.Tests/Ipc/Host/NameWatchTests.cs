using Kitten.Ipc.Host;
using NUnit.Framework;

namespace Kitten.Services.Tests.Ipc.Host;

// The watch a look-up waits on (Services/Ipc/Host/NameWatch.cs): a registration is a rename into the
// names folder, and the look-up must not miss one that lands between its look and its wait. Each wait
// here has no time limit, so a missed event hangs the test, which [CancelAfter] turns into a failure.
public class NameWatchTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("kitten-namewatch-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    // What HostIpcSystem.RegisterCore does: a symbolic link made beside the name, renamed over it.
    private void Register(string name)
    {
        string temporary = Path.Combine(_folder, $".{name}.tmp");
        File.CreateSymbolicLink(temporary, "/nowhere");
        File.Move(temporary, Path.Combine(_folder, name), overwrite: true);
    }

    [Test, CancelAfter(30_000)]
    public void ARegistrationAfterTheDrainIsNotMissed()
    {
        using NameWatch? watch = NameWatch.Open(_folder);
        Assert.That(watch, Is.Not.Null, "inotify on a temporary folder");
        Register("memory");
        watch!.Drain();
        Register("memory");
        watch.Wait(-1);
    }

    [Test, CancelAfter(30_000)]
    public void AReRegistrationWakesAWaitInProgress()
    {
        Register("memory");
        using NameWatch? watch = NameWatch.Open(_folder);
        Assert.That(watch, Is.Not.Null, "inotify on a temporary folder");
        var waiting = Task.Run(() => watch!.Wait(-1));
        Thread.Sleep(100);
        Register("memory");
        Assert.That(waiting.Wait(TimeSpan.FromSeconds(20)), Is.True, "the rename over the old name woke the wait");
    }

    // What the drain is for: events of registrations a look-up has already seen do not end its wait.
    [Test]
    public void ADrainedWatchWaitsItsWholeTimeout()
    {
        using NameWatch? watch = NameWatch.Open(_folder);
        Register("memory");
        watch!.Drain();
        var took = System.Diagnostics.Stopwatch.StartNew();
        watch.Wait(100);
        Assert.That(took.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(90)));
    }

    [Test]
    public void AWatchOnAMissingFolderIsNone()
    {
        Assert.That(NameWatch.Open(Path.Combine(_folder, "absent")), Is.Null, "the look-up then polls");
    }
}
