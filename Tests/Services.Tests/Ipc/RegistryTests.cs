using Kitten.Ipc;
using NUnit.Framework;

namespace Kitten.Services.Tests.Ipc;

// The name registry, with the kernel's rules (Kernel/Ipc/README.md, NAME_REGISTER): a name is registered
// once while its endpoint lives, and is free again when the endpoint dies.
public class RegistryTests : IpcTestBase
{
    [Test]
    public void ANameOfALiveEndpointIsTakenAndFreeAgainWhenItDies()
    {
        IpcSystem first = OpenSystem(), second = OpenSystem(), client = OpenSystem();
        Endpoint old = first.CreateEndpoint();
        Endpoint replacement = Own(second.CreateEndpoint());
        Assert.That(first.Register("memory", old, Second), Is.EqualTo(IpcStatus.Ok));
        Assert.That(second.Register("memory", replacement, Second), Is.EqualTo(IpcStatus.NameTaken));
        Assert.That(first.Register("memory", old, Second), Is.EqualTo(IpcStatus.Ok), "registering the same endpoint again is harmless");

        old.Dispose();
        Assert.That(second.Register("memory", replacement, Second), Is.EqualTo(IpcStatus.Ok), "the old endpoint died: the name is free");
        using var server = new EchoServer(replacement, (in Caller caller, in Message request, ReadOnlySpan<byte> payload, Span<byte> reply, out int length) =>
        {
            length = 0;
            return new Message(42);
        });
        client.Lookup("memory", Second, out Channel? channel).ThrowIfFailed("lookup");
        Own(channel!).Call(new Message(1), out Message answer, Long).ThrowIfFailed("call");
        Assert.That(answer.Label, Is.EqualTo(42), "the lookup found the new endpoint");
    }

    [Test]
    public void UnregisterRemovesOnlyOnesOwnRegistration()
    {
        IpcSystem system = OpenSystem(), client = OpenSystem();
        Endpoint mine = Own(system.CreateEndpoint()), other = Own(system.CreateEndpoint());
        system.Register("name", mine, Second).ThrowIfFailed("register");
        Assert.That(system.Unregister("name", other), Is.EqualTo(IpcStatus.NoSuchName));
        Assert.That(client.Lookup("name", TimeSpan.Zero, out Channel? channel), Is.EqualTo(IpcStatus.Ok));
        channel!.Dispose();
        Assert.That(system.Unregister("name", mine), Is.EqualTo(IpcStatus.Ok));
        Assert.That(client.Lookup("name", TimeSpan.Zero, out _), Is.EqualTo(IpcStatus.NoSuchName));
    }

    [TestCase("")]
    [TestCase(".hidden")]
    [TestCase("a/b")]
    [TestCase("with space")]
    [TestCase("thirty-three-characters-long-name")]
    public void BadNamesAreRefusedBeforeAnythingHappens(string name)
    {
        IpcSystem system = OpenSystem();
        Endpoint endpoint = Own(system.CreateEndpoint());
        Assert.Throws<ArgumentException>(() => system.Register(name, endpoint, Second));
        Assert.Throws<ArgumentException>(() => system.Lookup(name, Second, out _));
    }

    [Test]
    public void TheLongestNameWorks()
    {
        IpcSystem system = OpenSystem();
        Endpoint endpoint = Own(system.CreateEndpoint());
        string name = new('n', NameRules.MaxLength);
        Assert.That(system.Register(name, endpoint, Second), Is.EqualTo(IpcStatus.Ok));
        Assert.That(system.Lookup(name, Second, out Channel? channel), Is.EqualTo(IpcStatus.Ok));
        channel!.Dispose();
    }
}
