using Kitten.Ipc;

namespace Kitten.Services.Tests.Ipc;

// A server on its own thread for the library tests: answers each request with what `answer` makes of it,
// until disposed. Counts what it served.
internal sealed class EchoServer : IDisposable
{
    public delegate Message Answer(in Caller caller, in Message request, ReadOnlySpan<byte> payload, Span<byte> replyPayload, out int replyLength);

    private readonly Endpoint _endpoint;
    private readonly Answer _answer;
    private readonly Thread _thread;
    private readonly int _payloadCapacity;
    private volatile bool _stop;

    public EchoServer(Endpoint endpoint, Answer? answer = null, int payloadCapacity = 4096)
    {
        _endpoint = endpoint;
        _answer = answer ?? Echo;
        _payloadCapacity = payloadCapacity;
        _thread = new Thread(Serve) { IsBackground = true, Name = "echo server" };
        _thread.Start();
    }

    public int Served;
    public Exception? Failure;

    // The request's label + 1, its words, its payload.
    public static Message Echo(in Caller caller, in Message request, ReadOnlySpan<byte> payload, Span<byte> replyPayload, out int replyLength)
    {
        payload.CopyTo(replyPayload);
        replyLength = payload.Length;
        var reply = new Message(request.Label + 1);
        for (int i = 0; i < request.WordCount; i++)
            reply[i] = request[i];
        return reply;
    }

    private void Serve()
    {
        var payload = new byte[_payloadCapacity];
        var replyPayload = new byte[65536];
        try
        {
            while (!_stop)
            {
                IpcStatus status = _endpoint.Receive(out Message request, payload, out int length, out Caller caller, TimeSpan.FromMilliseconds(50));
                if (status == IpcStatus.TimedOut)
                    continue;
                status.ThrowIfFailed("receive");
                Message reply = _answer(caller, request, payload.AsSpan(0, length), replyPayload, out int replyLength);
                _endpoint.Reply(caller, reply, replyPayload.AsSpan(0, replyLength));
                Interlocked.Increment(ref Served);
            }
        }
        catch (Exception exception)
        {
            Failure = exception;
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
