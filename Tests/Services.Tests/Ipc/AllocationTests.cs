using Kitten.Ipc;
using NUnit.Framework;

namespace Kitten.Services.Tests.Ipc;

// The hot path allocates nothing: a call with words and a payload, its receive and its reply, with the
// contracts checked on both ends, once the buffers exist.
public class AllocationTests : IpcTestBase
{
    [Test, CancelAfter(60_000)]
    public void CallReceiveAndReplyAllocateNothing()
    {
        const int Calls = 2000;
        IpcSystem system = OpenSystem();
        Endpoint endpoint = Own(system.CreateEndpoint(Contracts.ContractTests.Door));
        system.Register("door", endpoint, Second).ThrowIfFailed("register");
        system.Lookup("door", Second, out Channel? channel, Contracts.ContractTests.Door).ThrowIfFailed("lookup");
        Own(channel!);

        long serverAllocated = -1;
        var server = new Thread(() =>
        {
            var payload = new byte[256];
            var replyPayload = new byte[256];
            for (int i = 0; i < Calls + 2; i++)
            {
                if (i == 2)
                    serverAllocated = GC.GetAllocatedBytesForCurrentThread();
                endpoint.Receive(out Message request, payload, out int length, out Caller caller, Long).ThrowIfFailed("receive");
                payload.AsSpan(0, length).CopyTo(replyPayload);
                var label = (Contracts.DoorLabel)request.Label == Contracts.DoorLabel.Open ? Contracts.DoorLabel.Opened : Contracts.DoorLabel.Passed;
                endpoint.Reply(caller, new Message((ulong)label, request[0] + 1), replyPayload.AsSpan(0, length)).ThrowIfFailed("reply");
            }
            serverAllocated = GC.GetAllocatedBytesForCurrentThread() - serverAllocated;
        });
        server.Start();

        var request = new byte[64];
        var reply = new byte[256];
        channel!.Call(new Message((ulong)Contracts.DoorLabel.Open), request, out _, reply, out _, Long).ThrowIfFailed("open");
        channel.Call(new Message((ulong)Contracts.DoorLabel.Pass), request, out _, reply, out _, Long).ThrowIfFailed("warm up");
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Calls; i++)
        {
            channel.Call(new Message((ulong)Contracts.DoorLabel.Pass, (ulong)i), request, out Message answer, reply, out int length, Long).ThrowIfFailed("pass");
            if (answer[0] != (ulong)i + 1 || length != request.Length)
                Assert.Fail($"call {i}: reply {answer} with {length} bytes");
        }
        long clientAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        server.Join();

        Assert.That(clientAllocated, Is.EqualTo(0), "bytes the client allocated in its calls");
        Assert.That(serverAllocated, Is.EqualTo(0), "bytes the server allocated in its receives and replies");
    }
}
