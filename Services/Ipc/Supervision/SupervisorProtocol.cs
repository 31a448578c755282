using Kitten.Ipc.Contracts;

namespace Kitten.Ipc.Supervision;

public enum SupervisorLabel : ulong
{
    // A service asks to register a name for its endpoint: word 0 its process id, payload the name (UTF-8),
    // the endpoint as capability (kept for heartbeats). The service registers the name itself if approved.
    Register = 1,
    Approved,
    // The supervisor said no: payload the reason.
    Refused,
    // How a service is doing: payload its service name.
    Status,
    // Words: process id, restarts so far, ServiceState, the back-off delay now (ms).
    ServiceStatus,
    NoSuchService,
}

public enum ServiceState : ulong
{
    Starting = 1,   // started, not registered yet
    Running = 2,    // registered and answering heartbeats
    BackingOff = 3, // died; waiting out the back-off before the next start
}

// The supervisor's channel (Services/Supervisor): supervised services ask it before they register a name
// (approved only if the manifest the service was started with offers it; the endpoint is kept for the
// heartbeats), and tests and operators ask it how a service is doing.
public static class SupervisorProtocol
{
    public const string Name = "supervisor";

    public static readonly Contract Contract = new ContractBuilder<SupervisorLabel>("Supervisor", 1)
        .In("Serving")
            .On(SupervisorLabel.Register).Reply(SupervisorLabel.Approved, "Serving").Reply(SupervisorLabel.Refused, "Serving")
            .On(SupervisorLabel.Status).Reply(SupervisorLabel.ServiceStatus, "Serving").Reply(SupervisorLabel.NoSuchService, "Serving")
        .Build();
}
