using Kitten.Ipc;
using Kitten.Ipc.Manifests;
using NUnit.Framework;

namespace Kitten.Services.Tests.Ipc.Manifests;

public class ManifestTests : IpcTestBase
{
    private const string Example = """
        # a comment line
        service memory-contiguous       # trailing comment
        binary memory-contiguous
        args --verbose 2
        offers memory MemoryManager/1
        peers supervisor
        peers pct
        calls ipc.receive ipc.register ipc.map
        calls ipc.call
        syscalls runtime
        device ioport 0x3f8-0x3ff
        device irq 4
        device mmio 0xfee00000-0xfee00fff
        heartbeat 250 2000
        restart 10 2000 1000
        """;

    [Test]
    public void AManifestReadsBack()
    {
        var manifest = ServiceManifest.Parse(Example, "/services/memory/memory-contiguous.manifest");
        Assert.That(manifest.Service, Is.EqualTo("memory-contiguous"));
        Assert.That(manifest.Binary, Is.EqualTo("/services/memory/memory-contiguous"));
        Assert.That(manifest.Arguments, Is.EqualTo(new[] { "--verbose", "2" }));
        Assert.That(manifest.Offers, Is.EqualTo(new[] { new OfferedChannel("memory", "MemoryManager/1") }));
        Assert.That(manifest.Peers, Is.EqualTo(new[] { "supervisor", "pct" }));
        Assert.That(manifest.Calls, Is.EquivalentTo(new[] { KernelCall.Receive, KernelCall.Register, KernelCall.Map, KernelCall.Call }));
        Assert.That(manifest.Syscalls, Is.EqualTo(new[] { "runtime" }));
        Assert.That(manifest.Devices, Is.EqualTo(new[]
        {
            new DeviceRange(DeviceKind.IoPort, 0x3f8, 0x3ff),
            new DeviceRange(DeviceKind.Irq, 4, 4),
            new DeviceRange(DeviceKind.Mmio, 0xfee00000, 0xfee00fff),
        }));
        Assert.That(manifest.Heartbeat, Is.EqualTo(new HeartbeatSettings(250, 2000)));
        Assert.That(manifest.Restart, Is.EqualTo(new RestartSettings(10, 2000, 1000)));
    }

    [TestCase("binary x", "no 'service' line")]
    [TestCase("service x", "no 'binary' line")]
    [TestCase("service x\nservice y", ":2: 'service' given twice")]
    [TestCase("service x\nbinary x\ncolour blue", ":3: unknown key 'colour'")]
    [TestCase("service x\nbinary x\ncalls ipc.teleport", ":3: unknown kernel call 'ipc.teleport'")]
    [TestCase("service x\nbinary x\noffers memory", ":3: offers NAME CONTRACT/VERSION")]
    [TestCase("service x\nbinary x\noffers memory MemoryManager", ":3: contract 'MemoryManager': expected NAME/VERSION")]
    [TestCase("service x\nbinary x\noffers a C/1\noffers a D/1", ":4: channel 'a' offered twice")]
    [TestCase("service x\nbinary x\ndevice ioport 0x3ff-0x3f8", ":3: device range '0x3ff-0x3f8'")]
    [TestCase("service x\nbinary x\ndevice irq 256", ":3: device range '256': beyond 0xff")]
    [TestCase("service x\nbinary x\nheartbeat 100 50", ":3: heartbeat INTERVAL_MS TIMEOUT_MS")]
    [TestCase("service x\nbinary x\nrestart 10 0 5", ":3: 'restart': value 2 must be a positive number")]
    [TestCase("service bad/name\nbinary x", ":1: service name 'bad/name'")]
    public void MistakesAreNamedWithTheirLine(string text, string expected)
    {
        var error = Assert.Throws<ManifestException>(() => ServiceManifest.Parse(text, "m.manifest"))!;
        Assert.That(error.Message, Does.StartWith("m.manifest").And.Contain(expected));
    }

    private ServiceManifest Manifest(string lines) => ServiceManifest.Parse($"service test\nbinary test\n{lines}", Path.Combine(RuntimeDirectory, "test.manifest"));

    [Test]
    public void TheLibraryRefusesWhatTheManifestDoesNotList()
    {
        IpcSystem open = OpenSystem();
        IpcSystem service = OpenSystem(Manifest("offers memory MemoryManager/1\npeers memory\ncalls ipc.receive ipc.register ipc.call ipc.lookup"));
        Endpoint endpoint = Own(service.CreateEndpoint());
        Assert.That(service.Register("other", endpoint, Second), Is.EqualTo(IpcStatus.Refused), "not offered");
        Assert.That(service.Register("memory", endpoint, Second), Is.EqualTo(IpcStatus.Ok));
        Endpoint foreign = Own(open.CreateEndpoint());
        open.Register("pct", foreign, Second).ThrowIfFailed("register");
        Assert.That(service.Lookup("pct", Second, out _), Is.EqualTo(IpcStatus.Refused), "not a peer");
        Assert.That(service.Lookup("memory", Second, out Channel? channel), Is.EqualTo(IpcStatus.Ok));
        channel!.Dispose();

        Assert.That(() => service.CreateNotification(), Throws.TypeOf<IpcException>().With.Message.Contains("does not allow ipc.notify"));
        Assert.That(() => service.CreateSharedRegion(4096), Throws.TypeOf<IpcException>().With.Message.Contains("does not allow ipc.grant"));
        SharedRegion region = Own(open.CreateSharedRegion(4096));
        Grant grant = Own(region.Grant(GrantAccess.ReadOnly));
        Assert.That(service.MapGrant(grant.Capability with { Handle = Kitten.Ipc.Host.Posix.Dup((int)grant.Capability.Handle) }, out _), Is.EqualTo(IpcStatus.Refused), "no ipc.map");
    }

    // The kernel's free-memory view: under a manifest, only with memory.view; and a host has none at all
    // (its owner of memory writes a view into a shared region instead).
    [Test]
    public void FreeMemoryViewNeedsMemoryViewAndAKernel()
    {
        IpcSystem client = OpenSystem(Manifest("peers memory\ncalls ipc.call ipc.lookup"));
        Assert.That(() => client.FreeMemoryView(), Throws.TypeOf<IpcException>().With.Message.Contains("does not allow memory.view"));
        IpcSystem allowed = OpenSystem(Manifest("peers memory\ncalls ipc.call ipc.lookup memory.view"));
        Assert.That(allowed.Allows(KernelCall.MemoryView), Is.True);
        Assert.That(() => allowed.FreeMemoryView(), Throws.TypeOf<NotSupportedException>().With.Message.Contains("Host"));
        Assert.That(() => OpenSystem().FreeMemoryView(), Throws.TypeOf<NotSupportedException>());
    }

    [Test]
    public void WithoutIpcCallNoCallLeaves()
    {
        IpcSystem open = OpenSystem();
        IpcSystem mute = OpenSystem(Manifest("peers echo\ncalls ipc.lookup"));
        Endpoint endpoint = Own(open.CreateEndpoint());
        open.Register("echo", endpoint, Second).ThrowIfFailed("register");
        Assert.That(mute.Lookup("echo", Second, out _), Is.EqualTo(IpcStatus.Refused));
        Assert.That(() => mute.CreateEndpoint(), Throws.TypeOf<IpcException>().With.Message.Contains("does not allow ipc.receive"));
    }
}
