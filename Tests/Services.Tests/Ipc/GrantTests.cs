using System.Runtime.InteropServices;
using Kitten.Ipc;
using NUnit.Framework;

namespace Kitten.Services.Tests.Ipc;

// Shared-memory grants: the grantee sees the owner's memory with the access granted, until revoked.
public class GrantTests : IpcTestBase
{
    // Sends a capability from one system to another through a call, as between two processes.
    private Capability Pass(IpcSystem from, IpcSystem to, Capability capability)
    {
        Endpoint endpoint = Own(to.CreateEndpoint());
        string name = $"receiver-{Guid.NewGuid():N}"[..20];
        to.Register(name, endpoint, Second).ThrowIfFailed("register");
        Capability received = default;
        var receiving = Task.Run(() =>
        {
            endpoint.Receive(out Message request, default, out _, out Caller caller, Long).ThrowIfFailed("receive");
            received = request.Capability;
            endpoint.Reply(caller, new Message(2)).ThrowIfFailed("reply");
        });
        from.Lookup(name, Second, out Channel? channel).ThrowIfFailed("lookup");
        using (channel)
            channel!.Call(new Message(1) { Capability = capability }, out _, Long).ThrowIfFailed("call");
        receiving.Wait();
        return received;
    }

    [Test]
    public void AReadWriteGrantSharesTheMemoryBothWays()
    {
        IpcSystem owner = OpenSystem(), grantee = OpenSystem();
        SharedRegion region = Own(owner.CreateSharedRegion(10_000));
        Grant grant = Own(region.Grant(GrantAccess.ReadWrite));
        Capability received = Pass(owner, grantee, grant.Capability);
        Assert.That((received.Kind, received.Access, received.Length), Is.EqualTo((CapabilityKind.Grant, GrantAccess.ReadWrite, 10_000L)));
        Assert.That(grantee.MapGrant(received, out GrantView? view), Is.EqualTo(IpcStatus.Ok));
        Own(view!);

        region.Span[9_999] = 0x5A;
        Assert.That(view!.TryWrite(out Span<byte> memory), Is.EqualTo(IpcStatus.Ok));
        Assert.That(memory.Length, Is.EqualTo(10_000));
        Assert.That(memory[9_999], Is.EqualTo(0x5A), "the grantee sees the owner's write");
        memory[0] = 0xA5;
        Assert.That(region.Span[0], Is.EqualTo(0xA5), "the owner sees the grantee's write");
    }

    [Test]
    public unsafe void AReadOnlyGrantRefusesWritesThroughTheLibraryAndTheKernel()
    {
        IpcSystem owner = OpenSystem(), grantee = OpenSystem();
        SharedRegion region = Own(owner.CreateSharedRegion(4096));
        Grant grant = Own(region.Grant(GrantAccess.ReadOnly));
        grantee.MapGrant(Pass(owner, grantee, grant.Capability), out GrantView? view).ThrowIfFailed("map");
        Own(view!);

        region.Span[100] = 7;
        Assert.That(view!.TryRead(out ReadOnlySpan<byte> memory), Is.EqualTo(IpcStatus.Ok));
        Assert.That(memory[100], Is.EqualTo(7));
        Assert.That(view.TryWrite(out _), Is.EqualTo(IpcStatus.Refused));

        // Behind the library's back: the pages come from a read-only descriptor, so the kernel will not
        // make them writable (mprotect(2): EACCES for a MAP_SHARED mapping of a file not opened for writing).
        nint address = ((Kitten.Ipc.Host.HostGrantView)view).DataAddress;
        Assert.That(Mprotect(address, 4096, 1 | 2), Is.EqualTo(-1));
        Assert.That(Marshal.GetLastPInvokeError(), Is.EqualTo(13), "EACCES");
        Assert.That(memory[100], Is.EqualTo(7), "still readable");
    }

    [Test]
    public void RevokingAGrantEndsTheGranteesAccessAndOnlyThatGrants()
    {
        IpcSystem owner = OpenSystem(), grantee = OpenSystem();
        SharedRegion region = Own(owner.CreateSharedRegion(4096));
        Grant first = Own(region.Grant(GrantAccess.ReadWrite)), second = Own(region.Grant(GrantAccess.ReadOnly));
        grantee.MapGrant(Pass(owner, grantee, first.Capability), out GrantView? firstView).ThrowIfFailed("map");
        grantee.MapGrant(Pass(owner, grantee, second.Capability), out GrantView? secondView).ThrowIfFailed("map");
        Own(firstView!);
        Own(secondView!);

        first.Revoke();
        Assert.That(first.IsRevoked, Is.True);
        Assert.That(firstView!.TryRead(out _), Is.EqualTo(IpcStatus.Revoked));
        Assert.That(firstView.TryWrite(out _), Is.EqualTo(IpcStatus.Revoked));
        Assert.That(firstView.IsRevoked, Is.True);
        Assert.That(secondView!.TryRead(out _), Is.EqualTo(IpcStatus.Ok), "the other grant of the region stands");

        region.Dispose();
        Assert.That(secondView.TryRead(out _), Is.EqualTo(IpcStatus.Revoked), "the region's end revokes every grant");
    }

    [Test]
    public void AGrantWhoseOwnerIsGoneIsRevoked()
    {
        IpcSystem owner = OpenSystem(), grantee = OpenSystem();
        SharedRegion region = owner.CreateSharedRegion(4096);
        Grant grant = region.Grant(GrantAccess.ReadOnly);
        Capability received = Pass(owner, grantee, grant.Capability);
        grantee.MapGrant(received, out GrantView? view).ThrowIfFailed("map");
        Own(view!);
        Assert.That(view!.TryRead(out _), Is.EqualTo(IpcStatus.Ok));
        // The owner's process ending closes its descriptors; here, without revoking, only the one whose lock
        // says the owner lives.
        Kitten.Ipc.Host.Posix.Close(((Kitten.Ipc.Host.HostSharedRegion)region).OwnerLockDescriptor);
        Assert.That(view.TryRead(out _), Is.EqualTo(IpcStatus.Revoked));
    }

    // A client that grants a fresh view to each new server (the memory manager's, after every restart)
    // grants one region many times in its life: grant numbers are never reused, each has its own bit.
    [Test]
    public void ARegionCanBeGrantedThousandsOfTimesEachGrantRevokedOnItsOwn()
    {
        IpcSystem owner = OpenSystem(), grantee = OpenSystem();
        SharedRegion region = Own(owner.CreateSharedRegion(4096));
        region.Span[0] = 42;
        Grant? early = null, late = null;
        for (int i = 0; i < Kitten.Ipc.Host.HostSharedRegion.MaxGrants; i++)
        {
            Grant grant = region.Grant(GrantAccess.ReadOnly);
            if (i == 130)
                early = grant;
            else if (i == Kitten.Ipc.Host.HostSharedRegion.MaxGrants - 1)
                late = grant;
            else
                grant.Dispose();
        }
        Assert.Throws<IpcException>(() => region.Grant(GrantAccess.ReadOnly), "the bitmap is full");

        grantee.MapGrant(Pass(owner, grantee, early!.Capability), out GrantView? earlyView).ThrowIfFailed("map the early grant");
        grantee.MapGrant(Pass(owner, grantee, late!.Capability), out GrantView? lateView).ThrowIfFailed("map the late grant");
        Own(earlyView!);
        Own(lateView!);
        early.Revoke();
        Assert.That(earlyView!.TryRead(out _), Is.EqualTo(IpcStatus.Revoked));
        Assert.That(lateView!.TryRead(out ReadOnlySpan<byte> memory), Is.EqualTo(IpcStatus.Ok), "another word of the bitmap");
        Assert.That(memory[0], Is.EqualTo(42));
        late.Dispose();
        Assert.That(lateView.TryRead(out _), Is.EqualTo(IpcStatus.Revoked), "disposing a grant revokes it");
        early.Dispose();
    }

    [Test]
    public void AGrantIsNoEndpoint()
    {
        IpcSystem system = OpenSystem();
        SharedRegion region = Own(system.CreateSharedRegion(4096));
        Grant grant = Own(region.Grant(GrantAccess.ReadOnly));
        Assert.That(system.Connect(grant.Capability, out _), Is.EqualTo(IpcStatus.InvalidArgument));
        Assert.That(system.MapGrant(default, out _), Is.EqualTo(IpcStatus.InvalidArgument));
        Assert.Throws<ArgumentOutOfRangeException>(() => system.CreateSharedRegion(0));
    }

    [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static extern int Mprotect(nint address, nuint length, int protection);
}
