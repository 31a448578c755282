using Kitten.Ipc;
using NUnit.Framework;

namespace Kitten.Services.Tests.Ipc;

// A client of a named service across the service's deaths (the real processes: Supervisor/ tests).
public class ServiceClientTests : IpcTestBase
{
    private const ulong Hello = 100, Work = 200;

    // A server that answers the opening (Hello) and Work, counting the Work it saw.
    private static EchoServer Serve(Endpoint endpoint, ulong tag, Action? onWork = null)
        => new(endpoint, (in Caller caller, in Message request, ReadOnlySpan<byte> payload, Span<byte> reply, out int length) =>
        {
            length = 0;
            if (request.Label == Work)
                onWork?.Invoke();
            return new Message(request.Label + 1, tag);
        });

    private static ServiceClient Client(IpcSystem system)
        => new(system, "svc") { Opening = (channel, timeout) => channel.Call(new Message(Hello), out _, timeout) };

    [Test]
    public void ACallThatTheServersDeathInterruptsIsNotRepeatedAndTheNextOneReachesTheNewServer()
    {
        IpcSystem first = OpenSystem(), second = OpenSystem(), client = OpenSystem();
        Endpoint old = first.CreateEndpoint();
        first.Register("svc", old, Second).ThrowIfFailed("register");
        using var service = Client(client);

        // The old server takes the request and dies without answering.
        var dying = Task.Run(() =>
        {
            old.Receive(out _, default, out _, out Caller opening, Long).ThrowIfFailed("receive the opening");
            old.Reply(opening, new Message(Hello + 1));
            old.Receive(out Message work, default, out _, out _, Long).ThrowIfFailed("receive the work");
            old.Dispose();
            return work.Label;
        });
        Assert.That(service.Call(new Message(Work), out _, Long), Is.EqualTo(IpcStatus.PeerDied));
        Assert.That(dying.Result, Is.EqualTo(Work), "the request reached the server that died");

        Endpoint replacement = Own(second.CreateEndpoint());
        second.Register("svc", replacement, Second).ThrowIfFailed("register again");
        int served = 0;
        using var server = Serve(replacement, tag: 2, () => Interlocked.Increment(ref served));
        Assert.That(service.Call(new Message(Work), out Message reply, Long), Is.EqualTo(IpcStatus.Ok));
        Assert.That((reply.Label, reply[0]), Is.EqualTo((Work + 1, 2UL)), "the new server answered");
        Assert.That(served, Is.EqualTo(1), "the interrupted call was not sent again");
        Assert.That(service.Connections, Is.EqualTo(2));
        Assert.That(service.OpenedConnections, Is.EqualTo(2));
    }

    [Test]
    public void AServerThatDiesDuringTheOpeningIsLookedUpAgainWithinTheDeadline()
    {
        IpcSystem first = OpenSystem(), second = OpenSystem(), client = OpenSystem();
        Endpoint old = first.CreateEndpoint();
        first.Register("svc", old, Second).ThrowIfFailed("register");
        Endpoint replacement = Own(second.CreateEndpoint());
        EchoServer? server = null;

        // The old server dies on the opening; its successor registers then.
        var dying = Task.Run(() =>
        {
            old.Receive(out Message opening, default, out _, out _, Long).ThrowIfFailed("receive the opening");
            old.Dispose();
            second.Register("svc", replacement, Second).ThrowIfFailed("register again");
            server = Serve(replacement, tag: 2);
            return opening.Label;
        });
        using var service = Client(client);
        Assert.That(service.Call(new Message(Work), out Message reply, Long), Is.EqualTo(IpcStatus.Ok), "the request was not sent yet: safe to look again");
        Assert.That(dying.Result, Is.EqualTo(Hello));
        Assert.That((reply.Label, reply[0]), Is.EqualTo((Work + 1, 2UL)));
        // The dying server's channel, the replacement's, and (when the look-up came before the registry
        // saw the death) one to the dead registration: only the replacement's got through the opening.
        Assert.That(service.Connections, Is.InRange(2, 3));
        Assert.That(service.OpenedConnections, Is.EqualTo(1));
        server!.Dispose();
    }

    [Test]
    public void WithNothingRegisteredACallEndsAtItsDeadline()
    {
        IpcSystem client = OpenSystem();
        using var service = Client(client);
        var started = DateTime.UtcNow;
        Assert.That(service.Call(new Message(Work), out _, TimeSpan.FromMilliseconds(200)), Is.EqualTo(IpcStatus.NoSuchName));
        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(service.Connections, Is.Zero);
    }
}
