using System.Text;
using Kitten.Ipc;
using NUnit.Framework;

namespace Kitten.Services.Tests.Ipc;

// Call, Receive and Reply on the host back end: words, payloads and capabilities arrive as sent.
public class CallReplyTests : IpcTestBase
{
    [Test]
    public void ACallGetsTheReplyItsServerSent()
    {
        IpcSystem server = OpenSystem(), client = OpenSystem();
        Endpoint endpoint = Own(server.CreateEndpoint());
        Assert.That(server.Register("echo", endpoint, Second), Is.EqualTo(IpcStatus.Ok));
        Assert.That(client.Lookup("echo", Second, out Channel? channel), Is.EqualTo(IpcStatus.Ok));
        Own(channel!);

        var serving = Task.Run(() =>
        {
            var buffer = new byte[256];
            Assert.That(endpoint.Receive(out Message request, buffer, out int length, out Caller caller, Long), Is.EqualTo(IpcStatus.Ok));
            string text = Encoding.UTF8.GetString(buffer, 0, length);
            var reply = new Message(request.Label + 1, request[0] + request[1], request[2] * 2, (ulong)length);
            return endpoint.Reply(caller, reply, Encoding.UTF8.GetBytes(text.ToUpperInvariant()));
        });

        var replyBuffer = new byte[256];
        IpcStatus status = channel!.Call(new Message(7, 40, 2, 21), "hello"u8, out Message answer, replyBuffer, out int replyLength, Long);

        Assert.That(status, Is.EqualTo(IpcStatus.Ok));
        Assert.That(serving.Result, Is.EqualTo(IpcStatus.Ok));
        Assert.That(answer.Label, Is.EqualTo(8));
        Assert.That(answer.WordCount, Is.EqualTo(3));
        Assert.That((answer[0], answer[1], answer[2]), Is.EqualTo((42UL, 42UL, 5UL)));
        Assert.That(Encoding.UTF8.GetString(replyBuffer, 0, replyLength), Is.EqualTo("HELLO"));
    }

    [Test]
    public void EveryWordCountAndTheLongestPayloadGoThrough()
    {
        IpcSystem system = OpenSystem();
        Endpoint endpoint = Own(system.CreateEndpoint());
        using var server = new EchoServer(endpoint, payloadCapacity: system.MaxPayload);
        Assert.That(system.Connect(endpoint.Capability, out Channel? own), Is.EqualTo(IpcStatus.Ok), "a channel to one's own endpoint");
        Own(own!).Call(new Message(1), out _, Long).ThrowIfFailed("call through it");
        own!.Dispose();
        system.Register("echo", endpoint, Second).ThrowIfFailed("register: the endpoint outlived the channel");
        system.Lookup("echo", Second, out Channel? channel).ThrowIfFailed("lookup");
        Own(channel!);

        var payload = new byte[system.MaxPayload];
        new Random(6).NextBytes(payload);
        var replyBuffer = new byte[system.MaxPayload];
        for (int words = 0; words <= Message.MaxWords; words++)
        {
            var request = new Message(100);
            for (int i = 0; i < words; i++)
                request[i] = ulong.MaxValue - (ulong)i;
            int length = words * 1000 + (words == Message.MaxWords ? payload.Length - words * 1000 : 0);
            Assert.That(channel!.Call(request, payload.AsSpan(0, length), out Message reply, replyBuffer, out int replyLength, Long), Is.EqualTo(IpcStatus.Ok));
            Assert.That(reply.WordCount, Is.EqualTo(words));
            for (int i = 0; i < words; i++)
                Assert.That(reply[i], Is.EqualTo(ulong.MaxValue - (ulong)i));
            Assert.That(replyBuffer.AsSpan(0, replyLength).SequenceEqual(payload.AsSpan(0, length)), $"{length}-byte payload came back intact");
        }
        Assert.That(channel!.Call(new Message(1), new byte[system.MaxPayload + 1], out _, Long), Is.EqualTo(IpcStatus.TooLarge));
    }

    [Test]
    public void PayloadsLongerThanTheReceiversBufferAreTooLargeAndHarmNothing()
    {
        IpcSystem system = OpenSystem();
        Endpoint endpoint = Own(system.CreateEndpoint());
        system.Register("echo", endpoint, Second).ThrowIfFailed("register");
        using var server = new EchoServer(endpoint, payloadCapacity: 16);
        system.Lookup("echo", Second, out Channel? channel).ThrowIfFailed("lookup");
        Own(channel!);

        Assert.That(channel!.Call(new Message(1), new byte[17], out _, Long), Is.EqualTo(IpcStatus.TooLarge), "the server's buffer holds 16");
        var small = new byte[4];
        Assert.That(channel.Call(new Message(1), new byte[8], out _, small, out _, Long), Is.EqualTo(IpcStatus.TooLarge), "the reply does not fit the client's buffer");
        Assert.That(channel.Call(new Message(1, 5), new byte[3], out Message reply, small, out int length, Long), Is.EqualTo(IpcStatus.Ok), "the channel still works");
        Assert.That((reply.Label, reply[0], length), Is.EqualTo((2UL, 5UL, 3)));
        Assert.That(server.Failure, Is.Null);
    }

    [Test]
    public void EachChannelIsItsOwnCallerAndTheServerSeesTheProcess()
    {
        IpcSystem system = OpenSystem();
        Endpoint endpoint = Own(system.CreateEndpoint());
        system.Register("echo", endpoint, Second).ThrowIfFailed("register");
        var callers = new List<Caller>();
        using var server = new EchoServer(endpoint, (in Caller caller, in Message request, ReadOnlySpan<byte> payload, Span<byte> reply, out int length) =>
        {
            lock (callers)
                callers.Add(caller);
            length = 0;
            return new Message(1, caller.Badge);
        });
        var channels = Enumerable.Range(0, 3).Select(_ =>
        {
            system.Lookup("echo", Second, out Channel? channel).ThrowIfFailed("lookup");
            return Own(channel!);
        }).ToList();

        var badges = new List<ulong>();
        foreach (var channel in channels.Concat(channels))
        {
            channel.Call(new Message(9), out Message reply, Long).ThrowIfFailed("call");
            badges.Add(reply[0]);
        }
        Assert.That(badges.Take(3).Distinct().Count(), Is.EqualTo(3), "three channels, three badges");
        Assert.That(badges.Skip(3), Is.EqualTo(badges.Take(3)), "a channel keeps its badge");
        Assert.That(callers.Select(caller => caller.ProcessId).Distinct(), Is.EqualTo(new[] { Environment.ProcessId }));
    }

    [Test]
    public void AnEndpointPassedInAMessageCanBeCalled()
    {
        IpcSystem registrar = OpenSystem(), other = OpenSystem(), client = OpenSystem();
        Endpoint directory = Own(registrar.CreateEndpoint());
        Endpoint hidden = Own(other.CreateEndpoint());
        registrar.Register("directory", directory, Second).ThrowIfFailed("register");
        using var hiddenServer = new EchoServer(hidden, (in Caller caller, in Message request, ReadOnlySpan<byte> payload, Span<byte> reply, out int length) =>
        {
            length = 0;
            return new Message(77, request[0] * 3);
        });
        // The directory answers with a capability for the hidden endpoint, which has no name.
        using var directoryServer = new EchoServer(directory, (in Caller caller, in Message request, ReadOnlySpan<byte> payload, Span<byte> reply, out int length) =>
        {
            length = 0;
            return new Message(2) { Capability = hidden.Capability };
        });

        client.Lookup("directory", Second, out Channel? channel).ThrowIfFailed("lookup");
        Own(channel!).Call(new Message(1), out Message answer, Long).ThrowIfFailed("call");
        Assert.That(answer.Capability.Kind, Is.EqualTo(CapabilityKind.Endpoint));
        Assert.That(client.Connect(answer.Capability, out Channel? direct), Is.EqualTo(IpcStatus.Ok));
        Own(direct!).Call(new Message(5, 14), out Message reply, Long).ThrowIfFailed("call through the passed endpoint");
        Assert.That((reply.Label, reply[0]), Is.EqualTo((77UL, 42UL)));
    }

    [Test]
    public void LabelsAbove16BitsAndTheLibrarysOwnAreRefused()
    {
        IpcSystem system = OpenSystem();
        Endpoint endpoint = Own(system.CreateEndpoint());
        system.Register("echo", endpoint, Second).ThrowIfFailed("register");
        system.Lookup("echo", Second, out Channel? channel).ThrowIfFailed("lookup");
        Own(channel!);
        Assert.Throws<ArgumentException>(() => channel!.Call(new Message(0x10000), out _, Second));
        Assert.Throws<ArgumentException>(() => channel!.Call(new Message(Kitten.Ipc.Contracts.ReservedLabels.ProtocolViolation), out _, Second));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var message = new Message(1);
            message[Message.MaxWords] = 1;
        });
    }
}
