using Kitten.Ipc;
using NUnit.Framework;

namespace Kitten.Services.Tests.Ipc;

// A peer that goes away gives PeerDied: the call waiting for it, every later call on the channel, and a
// server's reply to a caller that left. (Real process deaths: Supervisor/ and MemoryManager/ tests.)
public class PeerDeathTests : IpcTestBase
{
    [Test]
    public void APendingCallAndEveryLaterOneSeeTheServerDie()
    {
        IpcSystem server = OpenSystem(), client = OpenSystem();
        Endpoint endpoint = server.CreateEndpoint();
        server.Register("mortal", endpoint, Second).ThrowIfFailed("register");
        client.Lookup("mortal", Second, out Channel? channel).ThrowIfFailed("lookup");
        Own(channel!);

        // The server takes the request and dies before answering.
        var dying = Task.Run(() =>
        {
            endpoint.Receive(out _, default, out _, out _, Long).ThrowIfFailed("receive");
            endpoint.Dispose();
        });
        IpcStatus pending = channel!.Call(new Message(1), out _, Long);
        dying.Wait();

        Assert.That(pending, Is.EqualTo(IpcStatus.PeerDied));
        Assert.That(channel.PeerDied, Is.True);
        for (int i = 0; i < 3; i++)
            Assert.That(channel.Call(new Message(1), out _, Long), Is.EqualTo(IpcStatus.PeerDied), "later calls");
    }

    [Test]
    public void ACallToAServerThatDiedBeforeItGetsPeerDied()
    {
        IpcSystem server = OpenSystem(), client = OpenSystem();
        Endpoint endpoint = server.CreateEndpoint();
        server.Register("mortal", endpoint, Second).ThrowIfFailed("register");
        client.Lookup("mortal", Second, out Channel? channel).ThrowIfFailed("lookup");
        Own(channel!);
        endpoint.Dispose();

        var started = DateTime.UtcNow;
        Assert.That(channel!.Call(new Message(1), out _, Long), Is.EqualTo(IpcStatus.PeerDied));
        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(5)), "at once, not at the timeout");
    }

    [Test]
    public void AReplyToACallerThatLeftIsPeerDiedAndTheServerGoesOn()
    {
        IpcSystem server = OpenSystem(), client = OpenSystem();
        Endpoint endpoint = Own(server.CreateEndpoint());
        var gone = new List<Caller>();
        endpoint.CallerGone = caller => gone.Add(caller);
        server.Register("patient", endpoint, Second).ThrowIfFailed("register");
        client.Lookup("patient", Second, out Channel? leaving).ThrowIfFailed("lookup");

        var call = Task.Run(() => leaving!.Call(new Message(1), out _, TimeSpan.FromMilliseconds(100)));
        endpoint.Receive(out _, default, out _, out Caller caller, Long).ThrowIfFailed("receive");
        Assert.That(call.Result, Is.EqualTo(IpcStatus.TimedOut));
        leaving!.Dispose();
        Thread.Sleep(50);

        Assert.That(endpoint.Reply(caller, new Message(2)), Is.EqualTo(IpcStatus.PeerDied));
        Assert.That(gone.Select(c => c.Badge), Is.EqualTo(new[] { caller.Badge }), "CallerGone told the server");

        client.Lookup("patient", Second, out Channel? staying).ThrowIfFailed("lookup");
        Own(staying!);
        using var serving = new EchoServer(endpoint);
        Assert.That(staying!.Call(new Message(5), out Message reply, Long), Is.EqualTo(IpcStatus.Ok));
        Assert.That(reply.Label, Is.EqualTo(6));
    }
}
