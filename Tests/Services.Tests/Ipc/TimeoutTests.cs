using System.Diagnostics;
using Kitten.Ipc;
using NUnit.Framework;

namespace Kitten.Services.Tests.Ipc;

// Every blocking operation ends by its timeout; the bounds are generous (shared CI machine) but a missing
// timeout would hang the test, which NUnit's [CancelAfter] turns into a failure.
public class TimeoutTests : IpcTestBase
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(150);

    private static TimeSpan Timed(Func<IpcStatus> operation, out IpcStatus status)
    {
        var watch = Stopwatch.StartNew();
        status = operation();
        return watch.Elapsed;
    }

    [Test, CancelAfter(30_000)]
    public void ACallNobodyAnswersTimesOut()
    {
        IpcSystem server = OpenSystem(), client = OpenSystem();
        Endpoint endpoint = Own(server.CreateEndpoint());
        server.Register("silent", endpoint, Second).ThrowIfFailed("register");
        client.Lookup("silent", Second, out Channel? channel).ThrowIfFailed("lookup");
        Own(channel!);

        TimeSpan took = Timed(() => channel!.Call(new Message(1), out _, Short), out IpcStatus status);
        Assert.That(status, Is.EqualTo(IpcStatus.TimedOut));
        Assert.That(took, Is.GreaterThanOrEqualTo(Short).And.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That(channel!.PeerDied, Is.False, "a timeout is not a death");
    }

    [Test, CancelAfter(30_000)]
    public void AfterATimeoutTheLateReplyIsNotTakenForTheNextCallsAndTheChannelWorks()
    {
        IpcSystem server = OpenSystem(), client = OpenSystem();
        Endpoint endpoint = Own(server.CreateEndpoint());
        server.Register("slow", endpoint, Second).ThrowIfFailed("register");
        client.Lookup("slow", Second, out Channel? channel).ThrowIfFailed("lookup");
        Own(channel!);

        var slow = Task.Run(() =>
        {
            endpoint.Receive(out Message request, default, out _, out Caller caller, Long).ThrowIfFailed("receive");
            Thread.Sleep(400);
            return endpoint.Reply(caller, new Message(1000 + request[0]));
        });
        Assert.That(channel!.Call(new Message(1, 1), out _, Short), Is.EqualTo(IpcStatus.TimedOut));
        Assert.That(slow.Result, Is.EqualTo(IpcStatus.PeerDied), "the timed-out caller's conversation is over: its late reply goes nowhere");

        using var echo = new EchoServer(endpoint);
        Assert.That(channel.Call(new Message(2, 2), out Message reply, Long), Is.EqualTo(IpcStatus.Ok));
        Assert.That((reply.Label, reply[0]), Is.EqualTo((3UL, 2UL)), "the second call's own reply");
    }

    [Test, CancelAfter(30_000)]
    public void ReceiveWithNothingToReceiveTimesOut()
    {
        IpcSystem server = OpenSystem();
        Endpoint endpoint = Own(server.CreateEndpoint());
        TimeSpan took = Timed(() => endpoint.Receive(out _, default, out _, out _, Short), out IpcStatus status);
        Assert.That(status, Is.EqualTo(IpcStatus.TimedOut));
        Assert.That(took, Is.GreaterThanOrEqualTo(Short).And.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That(endpoint.Receive(out _, default, out _, out _, TimeSpan.Zero), Is.EqualTo(IpcStatus.TimedOut), "a zero timeout does not wait");
    }

    [Test, CancelAfter(30_000)]
    public void LookupWaitsForTheNameUntilItsTimeout()
    {
        IpcSystem server = OpenSystem(), client = OpenSystem();
        TimeSpan took = Timed(() => client.Lookup("absent", Short, out _), out IpcStatus status);
        Assert.That(status, Is.EqualTo(IpcStatus.NoSuchName));
        Assert.That(took, Is.GreaterThanOrEqualTo(Short).And.LessThan(TimeSpan.FromSeconds(10)));

        Endpoint endpoint = Own(server.CreateEndpoint());
        var late = Task.Run(() =>
        {
            Thread.Sleep(200);
            return server.Register("late", endpoint, Second);
        });
        Assert.That(client.Lookup("late", Long, out Channel? channel), Is.EqualTo(IpcStatus.Ok), "found once registered");
        Own(channel!);
        Assert.That(late.Result, Is.EqualTo(IpcStatus.Ok));
    }

    [Test, CancelAfter(30_000)]
    public void AWaitWithNoSignalTimesOut()
    {
        IpcSystem system = OpenSystem();
        Notification notification = Own(system.CreateNotification());
        TimeSpan took = Timed(() => notification.Wait(out _, Short), out IpcStatus status);
        Assert.That(status, Is.EqualTo(IpcStatus.TimedOut));
        Assert.That(took, Is.GreaterThanOrEqualTo(Short).And.LessThan(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public void ANegativeTimeoutIsAnError()
    {
        IpcSystem system = OpenSystem();
        Endpoint endpoint = Own(system.CreateEndpoint());
        Assert.Throws<ArgumentOutOfRangeException>(() => endpoint.Receive(out _, default, out _, out _, TimeSpan.FromSeconds(-1)));
    }
}
