using Kitten.Ipc;
using NUnit.Framework;

namespace Kitten.Services.Tests.Ipc;

// Notifications: a word of bits that signals OR into and a wait reads and clears.
public class NotificationTests : IpcTestBase
{
    [Test]
    public void SignalsAccumulateAndAWaitReadsAndClearsThem()
    {
        IpcSystem system = OpenSystem();
        Notification notification = Own(system.CreateNotification());
        notification.Signal(0b0001).ThrowIfFailed("signal");
        notification.Signal(0b0100).ThrowIfFailed("signal");
        notification.Signal(0b0100).ThrowIfFailed("signal");

        Assert.That(notification.Wait(out ulong bits, Second), Is.EqualTo(IpcStatus.Ok));
        Assert.That(bits, Is.EqualTo(0b0101UL));
        Assert.That(notification.Poll(), Is.EqualTo(0UL), "cleared by the wait");
        Assert.Throws<ArgumentException>(() => notification.Signal(0));
    }

    [Test, CancelAfter(30_000)]
    public void ASignalFromAnotherProcessWakesTheWaiter()
    {
        IpcSystem waiterSide = OpenSystem(), signallerSide = OpenSystem();
        Notification notification = Own(waiterSide.CreateNotification());
        // The capability travels in a message, as it would between processes.
        Endpoint endpoint = Own(signallerSide.CreateEndpoint());
        signallerSide.Register("signaller", endpoint, Second).ThrowIfFailed("register");
        Notification? opened = null;
        var receiving = Task.Run(() =>
        {
            endpoint.Receive(out Message request, default, out _, out Caller caller, Long).ThrowIfFailed("receive");
            Assert.That(signallerSide.OpenNotification(request.Capability, out opened), Is.EqualTo(IpcStatus.Ok));
            endpoint.Reply(caller, new Message(2)).ThrowIfFailed("reply");
        });
        waiterSide.Lookup("signaller", Second, out Channel? channel).ThrowIfFailed("lookup");
        Own(channel!).Call(new Message(1) { Capability = notification.Capability }, out _, Long).ThrowIfFailed("call");
        receiving.Wait();
        Own(opened!);
        Assert.That(opened!.IsWaiter, Is.False);

        var waiting = Task.Run(() => (notification.Wait(out ulong bits, Long), bits));
        Thread.Sleep(100);
        Assert.That(waiting.IsCompleted, Is.False, "nothing signalled yet");
        Assert.That(opened.Signal(1UL << 63), Is.EqualTo(IpcStatus.Ok));
        Assert.That(waiting.Result, Is.EqualTo((IpcStatus.Ok, 1UL << 63)));

        Assert.That(opened.Wait(out _, TimeSpan.Zero), Is.EqualTo(IpcStatus.Refused), "only the creator waits");
        notification.Dispose();
        Assert.That(opened.Signal(1), Is.EqualTo(IpcStatus.PeerDied), "the waiter is gone");
    }

    [Test, CancelAfter(60_000)]
    public void NoSignalIsLostBetweenManySignallersAndOneWaiter()
    {
        IpcSystem system = OpenSystem();
        Notification notification = Own(system.CreateNotification());
        const int Signallers = 4, Rounds = 2000;
        var signallers = Enumerable.Range(0, Signallers).Select(index => Task.Run(() =>
        {
            for (int round = 0; round < Rounds; round++)
                notification.Signal(1UL << index).ThrowIfFailed("signal");
        })).ToArray();
        ulong seen = 0;
        while (seen != (1UL << Signallers) - 1 || !signallers.All(task => task.IsCompleted))
        {
            if (notification.Wait(out ulong bits, TimeSpan.FromMilliseconds(100)) == IpcStatus.Ok)
                seen |= bits;
        }
        Task.WaitAll(signallers);
        Assert.That(seen, Is.EqualTo((1UL << Signallers) - 1));
        Assert.That(notification.Poll() & ~((1UL << Signallers) - 1), Is.EqualTo(0UL), "no stray bits");
    }
}
