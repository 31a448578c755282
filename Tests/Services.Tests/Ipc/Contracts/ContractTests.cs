using Kitten.Ipc;
using Kitten.Ipc.Contracts;
using NUnit.Framework;

namespace Kitten.Services.Tests.Ipc.Contracts;

public enum DoorLabel : ulong
{
    Open = 1,
    Opened,
    Locked,
    Pass,
    Passed,
    Close,
    Closed,
    Wrong,
}

// Contracts: the declaration is checked when built, and both ends of a channel check every message.
public class ContractTests : IpcTestBase
{
    // A door: Open (Opened -> Inside, or Locked -> Outside); inside, Pass any number of times, then Close.
    internal static readonly Contract Door = new ContractBuilder<DoorLabel>("Door", 2)
        .In("Outside")
            .On(DoorLabel.Open).Reply(DoorLabel.Opened, "Inside").Reply(DoorLabel.Locked, "Outside")
        .In("Inside")
            .On(DoorLabel.Pass).Reply(DoorLabel.Passed, "Inside")
            .On(DoorLabel.Close).Reply(DoorLabel.Closed, "Outside")
        .Build();

    [Test]
    public void TheDeclarationReadsBack()
    {
        Assert.That(Door.Id, Is.EqualTo("Door/2"));
        Assert.That(Door.Describe(), Is.EqualTo(string.Join('\n',
            "contract Door/2",
            "  state Outside (initial)",
            "    Open? Opened -> Inside | Locked -> Outside",
            "  state Inside",
            "    Pass? Passed -> Inside",
            "    Close? Closed -> Outside")));
    }

    [Test]
    public void BadDeclarationsAreRefusedWhenBuilt()
    {
        Assert.That(() => new ContractBuilder<DoorLabel>("Door", 1).In("A").On(DoorLabel.Open).Reply(DoorLabel.Opened, "Nowhere").Build(),
            Throws.InvalidOperationException.With.Message.Contains("undeclared state 'Nowhere'"));
        Assert.That(() => new ContractBuilder<DoorLabel>("Door", 1).In("A").On(DoorLabel.Open).Reply(DoorLabel.Opened, "A").In("B").Build(),
            Throws.InvalidOperationException.With.Message.Contains("state B cannot be reached"));
        Assert.That(() => new ContractBuilder<DoorLabel>("Door", 1).In("A").On(DoorLabel.Open).On(DoorLabel.Open),
            Throws.InvalidOperationException.With.Message.Contains("lists request Open twice"));
        Assert.That(() => new ContractBuilder<DoorLabel>("Door", 1).In("A").On(DoorLabel.Open).Build(),
            Throws.InvalidOperationException.With.Message.Contains("has no reply"));
        Assert.That(() => new ContractBuilder<BadLabel>("Bad", 1).In("A").On(BadLabel.Reserved),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("the rest is the library's"));
        Assert.That(() => new ContractBuilder<DoorLabel>("two words", 1), Throws.ArgumentException);
    }

    public enum BadLabel : ulong
    {
        Reserved = 0xFF01,
    }

    [Test]
    public void ASessionFollowsTheStatesAndNamesWhatBrokeThem()
    {
        var session = new ContractSession();
        session.Request(Door, (ulong)DoorLabel.Open, ContractSide.Client);
        session.Reply(Door, (ulong)DoorLabel.Locked, ContractSide.Server);
        Assert.That(Door.StateName(session.State), Is.EqualTo("Outside"));

        var violation = Assert.Throws<ContractViolationException>(() => session.Request(Door, (ulong)DoorLabel.Pass, ContractSide.Client))!;
        Assert.That((violation.ContractName, violation.StateName, violation.MessageName), Is.EqualTo(("Door/2", "Outside", "Pass")));
        Assert.That(violation.Message, Is.EqualTo("contract Door/2, state Outside: the client sent Pass, which is not allowed here (allowed: Open, Ping)"));

        session.Request(Door, (ulong)DoorLabel.Open, ContractSide.Client);
        var reply = Assert.Throws<ContractViolationException>(() => session.Reply(Door, (ulong)DoorLabel.Passed, ContractSide.Server))!;
        Assert.That(reply.Message, Is.EqualTo("contract Door/2, state Outside: the server answered Open with Passed, which is not allowed (allowed: Opened, Locked)"));
        Assert.That(reply.Side, Is.EqualTo(ContractSide.Server));

        session.Request(Door, ReservedLabels.Ping, ContractSide.Client);
        session.Reply(Door, ReservedLabels.Pong, ContractSide.Server);
        Assert.That(Door.StateName(session.State), Is.EqualTo("Outside"), "Ping is allowed anywhere and changes nothing");
    }

    // A door server that follows the contract (Open succeeds the second time).
    private EchoServer DoorServer(Endpoint endpoint)
    {
        int opens = 0;
        return new EchoServer(endpoint, (in Caller caller, in Message request, ReadOnlySpan<byte> payload, Span<byte> reply, out int length) =>
        {
            length = 0;
            return (DoorLabel)request.Label switch
            {
                DoorLabel.Open => new Message((ulong)(++opens % 2 == 0 ? DoorLabel.Opened : DoorLabel.Locked)),
                DoorLabel.Pass => new Message((ulong)DoorLabel.Passed),
                DoorLabel.Close => new Message((ulong)DoorLabel.Closed),
                _ => throw new InvalidOperationException($"the endpoint let {request.Label} through"),
            };
        });
    }

    [Test]
    public void AClientThatChecksItselfIsStoppedBeforeSending()
    {
        IpcSystem system = OpenSystem();
        Endpoint endpoint = Own(system.CreateEndpoint(Door));
        system.Register("door", endpoint, Second).ThrowIfFailed("register");
        using var server = DoorServer(endpoint);
        system.Lookup("door", Second, out Channel? channel, Door).ThrowIfFailed("lookup");
        Own(channel!);

        var violation = Assert.Throws<ContractViolationException>(() => channel!.Call(new Message((ulong)DoorLabel.Close), out _, Long))!;
        Assert.That(violation.Message, Does.Contain("state Outside").And.Contain("sent Close"));
        Assert.That(server.Served, Is.EqualTo(0), "nothing was sent");
        Assert.That(endpoint.ViolationsRefused, Is.EqualTo(0));

        Assert.That(Call(channel!, DoorLabel.Open), Is.EqualTo(DoorLabel.Locked));
        Assert.That(Call(channel!, DoorLabel.Open), Is.EqualTo(DoorLabel.Opened));
        Assert.That(channel!.ContractState, Is.EqualTo("Inside"));
        Assert.That(Call(channel!, DoorLabel.Pass), Is.EqualTo(DoorLabel.Passed));
        Assert.That(Call(channel!, DoorLabel.Close), Is.EqualTo(DoorLabel.Closed));
    }

    [Test]
    public void TheServerRefusesAClientThatDoesNotCheckAndTheClientLearnsWhy()
    {
        IpcSystem system = OpenSystem();
        Endpoint endpoint = Own(system.CreateEndpoint(Door));
        system.Register("door", endpoint, Second).ThrowIfFailed("register");
        using var server = DoorServer(endpoint);
        system.Lookup("door", Second, out Channel? raw).ThrowIfFailed("lookup");   // no contract on this end
        Own(raw!);

        var violation = Assert.Throws<ContractViolationException>(() => raw!.Call(new Message((ulong)DoorLabel.Pass), out _, Long))!;
        Assert.That((violation.ContractName, violation.StateName, violation.MessageName), Is.EqualTo(("Door/2", "Outside", "Pass")));
        Assert.That(violation.Message, Does.StartWith("contract Door/2, state Outside: the client sent Pass, which is not allowed here (allowed: Open, Ping)"));
        Assert.That(violation.Message, Does.Contain("refused by the server of door"));
        Assert.That(endpoint.ViolationsRefused, Is.EqualTo(1));
        Assert.That(endpoint.LastViolation, Does.Contain("sent Pass"));

        var unknown = Assert.Throws<ContractViolationException>(() => raw!.Call(new Message(999), out _, Long))!;
        Assert.That(unknown.MessageName, Is.EqualTo("unknown message 0x3e7"));
        Assert.That(server.Served, Is.EqualTo(0), "the server code saw neither");

        // The refused requests changed nothing: the conversation goes on from where it was.
        Assert.That(Call(raw!, DoorLabel.Open), Is.EqualTo(DoorLabel.Locked));
        Assert.That(server.Failure, Is.Null);
    }

    [Test]
    public void AServerThatAnswersWrongIsStoppedBeforeReplying()
    {
        IpcSystem system = OpenSystem();
        Endpoint endpoint = Own(system.CreateEndpoint(Door));
        system.Register("door", endpoint, Second).ThrowIfFailed("register");
        system.Lookup("door", Second, out Channel? channel).ThrowIfFailed("lookup");
        Own(channel!);
        var call = Task.Run(() => channel!.Call(new Message((ulong)DoorLabel.Open), out _, TimeSpan.FromSeconds(2)));

        endpoint.Receive(out _, default, out _, out Caller caller, Long).ThrowIfFailed("receive");
        var violation = Assert.Throws<ContractViolationException>(() => endpoint.Reply(caller, new Message((ulong)DoorLabel.Closed)))!;
        Assert.That(violation.Message, Is.EqualTo("contract Door/2, state Outside: the server answered Open with Closed, which is not allowed (allowed: Opened, Locked)"));
        Assert.That(call.Result, Is.EqualTo(IpcStatus.TimedOut), "nothing was sent to the client");
    }

    [Test]
    public void EachChannelHasItsOwnPlaceInTheContract()
    {
        IpcSystem system = OpenSystem();
        Endpoint endpoint = Own(system.CreateEndpoint(Door));
        system.Register("door", endpoint, Second).ThrowIfFailed("register");
        using var server = DoorServer(endpoint);
        system.Lookup("door", Second, out Channel? first).ThrowIfFailed("lookup");
        system.Lookup("door", Second, out Channel? second).ThrowIfFailed("lookup");
        Own(first!);
        Own(second!);

        Assert.That(Call(first!, DoorLabel.Open), Is.EqualTo(DoorLabel.Locked));
        Assert.That(Call(second!, DoorLabel.Open), Is.EqualTo(DoorLabel.Opened), "second is inside now");
        Assert.That(Call(second!, DoorLabel.Pass), Is.EqualTo(DoorLabel.Passed));
        Assert.Throws<ContractViolationException>(() => Call(first!, DoorLabel.Pass), "first is still outside");
    }

    private static DoorLabel Call(Channel channel, DoorLabel label)
    {
        channel.Call(new Message((ulong)label), out Message reply, Long).ThrowIfFailed($"call {label}");
        return (DoorLabel)reply.Label;
    }
}
