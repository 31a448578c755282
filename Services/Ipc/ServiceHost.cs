using System.Runtime.InteropServices;
using Kitten.Ipc.Contracts;

namespace Kitten.Ipc;

// What a service's server code implements: one reply per request. Requests that break the contract never
// get here (the endpoint refuses them), nor do heartbeats.
public interface IRequestHandler
{
    // Fills the reply (label, words, capability) and its payload (replyPayload[..replyLength]).
    void Handle(in Caller caller, in Message request, ReadOnlySpan<byte> payload, out Message reply, Span<byte> replyPayload, out int replyLength);

    // The caller is gone: forget what was kept for it.
    void CallerGone(in Caller caller);
}

// A service's main loop: make the endpoint, register the name, receive, handle, reply, until stopped
// (SIGTERM or SIGINT when run as a program, the token in tests). Used by every service's Program.Main.
public static class ServiceHost
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(200);

    // Returns the process's exit status: 0 after a stop, 2 if the name could not be registered.
    public static int Run(IpcSystem system, string name, Contract contract, IRequestHandler handler,
        CancellationToken stop, TextWriter? log = null, TimeSpan? registerTimeout = null)
    {
        using Endpoint endpoint = system.CreateEndpoint(contract);
        endpoint.CallerGone = caller => handler.CallerGone(caller);
        IpcStatus registered = system.Register(name, endpoint, registerTimeout ?? TimeSpan.FromSeconds(10));
        if (registered != IpcStatus.Ok)
        {
            log?.WriteLine($"cannot register '{name}': {registered}{(system.LastRefusal != null ? $" ({system.LastRefusal})" : "")}");
            return 2;
        }
        log?.WriteLine($"serving '{name}' ({contract.Id}) at {endpoint.Address}");
        var payload = new byte[system.MaxPayload];
        var replyPayload = new byte[system.MaxPayload];
        long violations = 0;
        while (!stop.IsCancellationRequested)
        {
            IpcStatus status = endpoint.Receive(out Message request, payload, out int length, out Caller caller, s_poll);
            if (endpoint.ViolationsRefused != violations)
            {
                violations = endpoint.ViolationsRefused;
                log?.WriteLine($"refused: {endpoint.LastViolation}");
            }
            if (status == IpcStatus.TimedOut)
                continue;
            status.ThrowIfFailed($"receive on {name}");
            handler.Handle(caller, request, payload.AsSpan(0, length), out Message reply, replyPayload, out int replyLength);
            endpoint.Reply(caller, reply, replyPayload.AsSpan(0, replyLength));
        }
        system.Unregister(name, endpoint);
        return 0;
    }

    // For Program.Main: stops on SIGTERM or SIGINT.
    public static CancellationToken StopOnSignals()
    {
        var source = new CancellationTokenSource();
        s_registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; source.Cancel(); }));
        s_registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; source.Cancel(); }));
        return source.Token;
    }

    private static readonly List<PosixSignalRegistration> s_registrations = new();
}
