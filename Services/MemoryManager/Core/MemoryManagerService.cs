using Kitten.Ipc;

namespace Kitten.MemoryManager;

// The program around a policy (each policy's Program.Main is one call to Run):
//
//     memory-contiguous [--name NAME]      serve NAME (default "memory") until SIGTERM or SIGINT
//
// IPC is set up from the environment (IpcOptions): the back end, the runtime directory on a host, the
// manifest and the supervisor. Exit status: 0 when stopped, 2 if the name could not be registered,
// 64 for bad arguments.
public static class MemoryManagerService
{
    public static int Run(string program, string[] args, IPlacementPolicy policy)
    {
        string name = MemoryProtocol.Name;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--name" && i + 1 < args.Length && NameRules.IsValid(args[i + 1]))
                name = args[++i];
            else
            {
                Console.Error.WriteLine($"{program}: unexpected argument '{args[i]}' (usage: {program} [--name NAME])");
                return 64;
            }
        }
        CancellationToken stop = ServiceHost.StopOnSignals();
        using IpcSystem system = IpcSystem.Open();
        var log = new PrefixedWriter(Console.Error, $"{program}[{Environment.ProcessId}]: ");
        var server = new MemoryManagerServer(system, policy);
        int status = ServiceHost.Run(system, name, MemoryProtocol.Contract, server, stop, log);
        log.WriteLine($"stopped after {server.Plans} plans");
        return status;
    }

    // Log lines that say who wrote them.
    private sealed class PrefixedWriter : TextWriter
    {
        private readonly TextWriter _inner;
        private readonly string _prefix;

        public PrefixedWriter(TextWriter inner, string prefix)
        {
            _inner = inner;
            _prefix = prefix;
        }

        public override System.Text.Encoding Encoding => _inner.Encoding;

        public override void WriteLine(string? value) => _inner.WriteLine(_prefix + value);
    }
}
