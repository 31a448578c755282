using Kitten.Ipc.Manifests;

namespace Kitten.Ipc;

public enum IpcBackend
{
    // Kitten.Cosmos's IPC system calls (Kernel/Ipc/README.md).
    Kernel,
    // An ordinary Linux host: Unix-domain sockets, memfd, futexes (README.md).
    Host,
}

// How IpcSystem.Open sets itself up. Every field left null is taken from the environment, which is how a
// supervisor configures the services it starts:
//   KITTEN_IPC_BACKEND       host or kernel (default: kernel when uname says Kitten, else host)
//   KITTEN_IPC_DIR           the host back end's runtime directory (default /tmp/kitten-ipc-UID)
//   KITTEN_SERVICE_MANIFEST  the manifest this process runs under (default: none, nothing refused)
//   KITTEN_SUPERVISOR        the supervisor's endpoint address (default: not supervised)
public sealed class IpcOptions
{
    public IpcBackend? Backend { get; init; }
    public string? Directory { get; init; }
    public ServiceManifest? Manifest { get; init; }
    public string? SupervisorAddress { get; init; }
    // Ignore the environment (tests that run several "processes" in one).
    public bool IgnoreEnvironment { get; init; }

    public const string BackendVariable = "KITTEN_IPC_BACKEND";
    public const string DirectoryVariable = "KITTEN_IPC_DIR";
    public const string ManifestVariable = "KITTEN_SERVICE_MANIFEST";
    public const string SupervisorVariable = "KITTEN_SUPERVISOR";
}
