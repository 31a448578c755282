using System.Runtime.InteropServices;
using System.Text;
using Kitten.Ipc;
using Kitten.Ipc.Supervision;
using Kitten.MemoryManager;
using Kitten.Userland;

// servicectl: the operator's view of the services, over the same IPC they use (README.md).
//   servicectl status SERVICE                 the supervisor's view: pid, restarts, state
//   servicectl ping NAME                      look NAME up and ping it; prints the round trip in ticks
//   servicectl restart SERVICE NAME [COUNT [SETTLE]]
//                                             kill SERVICE (SIGKILL) COUNT times (default 1); each time,
//                                             ticks from the kill until NAME answers a ping from a new
//                                             process (that includes one supervisor status call); SETTLE:
//                                             milliseconds the service runs before each kill (default 1000)
//   servicectl view NAME                      attach the kernel's free-memory view to the memory manager
//                                             registered as NAME (Kitten only) and print what it sees free,
//                                             and /proc/meminfo's MemFree read just before the view
// Exit status: 0 done, 1 a service did not answer or the supervisor said no, 64 bad arguments.
const int Usage = 64;
const int DefaultSettleMilliseconds = 1000;
var timeout = TimeSpan.FromSeconds(30);
if (args.Length < 2)
    return Fail(Usage, "usage: servicectl status SERVICE | ping NAME | restart SERVICE NAME [COUNT [SETTLE]] | view NAME");

using IpcSystem system = IpcSystem.Open();
switch (args[0])
{
    case "status":
        {
            if (!TryStatus(args[1], out ServiceStatus status, out string? problem))
                return Fail(1, problem!);
            Console.WriteLine($"{args[1]}: pid {status.Pid}, restarts {status.Restarts}, {status.State}");
            return 0;
        }
    case "ping":
        {
            if (!TryPing(args[1], out ulong ticks, out string? problem))
                return Fail(1, problem!);
            Console.WriteLine($"{args[1]}: answered in {ticks} ticks");
            return 0;
        }
    case "restart" when args.Length is >= 3 and <= 5:
        {
            int count = 1, settle = DefaultSettleMilliseconds;
            if (args.Length >= 4 && (!int.TryParse(args[3], out count) || count < 1))
                return Fail(Usage, $"servicectl: COUNT must be a positive number, not '{args[3]}'");
            if (args.Length == 5 && (!int.TryParse(args[4], out settle) || settle < 0))
                return Fail(Usage, $"servicectl: SETTLE must be milliseconds, not '{args[4]}'");
            return Restart(args[1], args[2], count, settle);
        }
    case "view":
        return View(args[1]);
    default:
        return Fail(Usage, $"servicectl: unknown command '{args[0]}'");
}

// As a client of the memory manager does: the kernel's view, passed in Attach; then the manager's Status,
// which it computes from the view it mapped.
int View(string name)
{
    string? memFree = File.ReadLines("/proc/meminfo").FirstOrDefault(line => line.StartsWith("MemFree:", StringComparison.Ordinal));
    using Grant view = system.FreeMemoryView();
    IpcStatus status = system.Lookup(name, timeout, out Channel? channel, MemoryProtocol.Contract);
    if (status != IpcStatus.Ok)
        return Fail(1, $"servicectl: lookup {name}: {status}");
    using (channel)
    {
        status = channel!.Call(new Message((ulong)MemoryLabel.Attach) { Capability = view.Capability }, out Message reply, timeout);
        if (status != IpcStatus.Ok)
            return Fail(1, $"servicectl: attach to {name}: {status}");
        if (reply.Label != (ulong)MemoryLabel.Attached)
            return Fail(1, $"servicectl: {name} refused the kernel's view: {(MemoryRefusal)reply[0]}");
        status = channel.Call(new Message((ulong)MemoryLabel.Status), out reply, timeout);
        if (status != IpcStatus.Ok || reply.Label != (ulong)MemoryLabel.StatusReport)
            return Fail(1, $"servicectl: status of {name}: {status} {reply}");
        Console.WriteLine($"{name}: the kernel's view shows {reply[0]} bytes free in {reply[2]} extents, the largest {reply[1]} bytes ({memFree ?? "no MemFree"} just before)");
    }
    return 0;
}

int Restart(string service, string name, int count, int settle)
{
    var times = new List<ulong>();
    for (int i = 1; i <= count; i++)
    {
        // Killed only once it is running and answering, so every round measures a whole restart, and (with
        // the default SETTLE) once it has been up longer than the supervisor's back-off reset (500 ms in the
        // manifests), so every restart is a first one (the shortest back-off) rather than the policy's
        // growing delays.
        if (!TryPing(name, out _, out string? problem) || !TryStatus(service, out ServiceStatus before, out problem))
            return Fail(1, problem!);
        Thread.Sleep(settle);
        ulong killed = Tsc.Read();
        if (Kill(before.Pid, 9) != 0)
            return Fail(1, $"servicectl: kill {before.Pid}: errno {Marshal.GetLastPInvokeError()}");
        // Answered, and by a new process: until the old one is gone, a look-up may still find it.
        ServiceStatus after;
        ulong answered;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (!TryPing(name, out _, out problem))
                return Fail(1, $"servicectl: {name} did not answer after kill {i}: {problem}");
            answered = Tsc.Read();
            if (!TryStatus(service, out after, out problem))
                return Fail(1, problem!);
            if (after.Pid != before.Pid)
                break;
            if (DateTime.UtcNow > deadline)
                return Fail(1, $"servicectl: pid {before.Pid} still answers as '{name}' {timeout.TotalSeconds} s after SIGKILL");
            Thread.Sleep(1);
        }
        times.Add(answered - killed);
        Console.WriteLine($"restart {i}: {service} pid {before.Pid} killed, pid {after.Pid} answered as '{name}' after {answered - killed} ticks");
    }
    times.Sort();
    Console.WriteLine($"restart: {count} kills, {count} answered; median {times[times.Count / 2]} ticks, max {times[^1]} ticks");
    return 0;
}

// The name is looked up afresh: after a death the kernel (or host) drops the dead server's name, and the
// look-up waits for the replacement to register it.
bool TryPing(string name, out ulong ticks, out string? problem)
{
    ticks = 0;
    problem = null;
    ulong start = Tsc.Read();
    var deadline = DateTime.UtcNow + timeout;
    IpcStatus status;
    do
    {
        // A server that dies between the look-up and the ping: look again (its replacement registers).
        status = system.Lookup(name, timeout, out Channel? channel);
        if (status == IpcStatus.Ok)
        {
            using (channel)
                status = channel!.Ping(timeout);
        }
    }
    while (status == IpcStatus.PeerDied && DateTime.UtcNow < deadline);
    ticks = Tsc.Read() - start;
    if (status != IpcStatus.Ok)
        problem = $"servicectl: ping {name}: {status}";
    return status == IpcStatus.Ok;
}

bool TryStatus(string service, out ServiceStatus status, out string? problem)
{
    status = default;
    problem = null;
    var deadline = DateTime.UtcNow + timeout;
    while (true)
    {
        IpcStatus result = system.Lookup(SupervisorProtocol.Name, timeout, out Channel? channel, SupervisorProtocol.Contract);
        if (result != IpcStatus.Ok)
        {
            problem = $"servicectl: no supervisor: {result}";
            return false;
        }
        using (channel)
        {
            result = channel!.Call(new Message((ulong)SupervisorLabel.Status), Encoding.UTF8.GetBytes(service), out Message answer, default, out _, timeout);
            // A supervisor that died between the look-up and the call: look again (the kernel starts another).
            if (result == IpcStatus.PeerDied && DateTime.UtcNow < deadline)
                continue;
            if (result != IpcStatus.Ok)
                problem = $"servicectl: status {service}: {result}";
            else if (answer.Label != (ulong)SupervisorLabel.ServiceStatus)
                problem = $"servicectl: the supervisor runs no service '{service}'";
            else
                status = new ServiceStatus((int)answer[0], (int)answer[1], (ServiceState)answer[2]);
        }
        break;
    }
    return problem == null;
}

static int Fail(int code, string message)
{
    Console.Error.WriteLine(message);
    return code;
}

[DllImport("libc", EntryPoint = "kill", SetLastError = true)]
static extern int Kill(int pid, int signal);

internal readonly record struct ServiceStatus(int Pid, int Restarts, ServiceState State);
