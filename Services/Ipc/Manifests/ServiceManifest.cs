using System.Globalization;

namespace Kitten.Ipc.Manifests;

// What a service may do, declared next to its binary (NAME.manifest) and read by the supervisor (which
// starts the service from it and registers only the names it offers), by the library inside the service
// (which refuses IPC operations and look-ups it does not list), and by the kernel (Kernel/Services, which
// refuses IPC calls, names and Linux system calls outside it). The format is lines of words, so the kernel
// can read it without a parser library:
//
//     # comment
//     service memory-contiguous          the service's name
//     binary memory-contiguous           the program, relative to the manifest's folder
//     args --policy contiguous           arguments (optional; words, no quoting)
//     offers memory MemoryManager/1      a channel it offers: the name it registers and the contract served
//     peers supervisor                   names it may look up (the line may repeat)
//     calls ipc.receive ipc.register     IPC operations it may use (KernelCall)
//     syscalls runtime                   Linux system calls: names, or `runtime` for what .NET needs
//     device ioport 0x3f8-0x3ff          a device range it may touch: ioport, mmio or irq (none if absent)
//     heartbeat 250 2000                 ping every 250 ms; unanswered for 2000 ms means hung
//     restart 10 2000 1000               back-off 10 ms doubling to 2000 ms; reset after 1000 ms running
public sealed class ServiceManifest
{
    public const string Extension = ".manifest";

    private ServiceManifest(string path)
    {
        FilePath = path;
    }

    public string FilePath { get; }
    public string Service { get; private set; } = "";
    // Absolute path of the program.
    public string Binary { get; private set; } = "";
    public IReadOnlyList<string> Arguments { get; private set; } = Array.Empty<string>();
    public IReadOnlyList<OfferedChannel> Offers { get; private set; } = Array.Empty<OfferedChannel>();
    public IReadOnlyList<string> Peers { get; private set; } = Array.Empty<string>();
    public IReadOnlySet<KernelCall> Calls { get; private set; } = new HashSet<KernelCall>();
    public IReadOnlyList<string> Syscalls { get; private set; } = Array.Empty<string>();
    public IReadOnlyList<DeviceRange> Devices { get; private set; } = Array.Empty<DeviceRange>();
    public HeartbeatSettings Heartbeat { get; private set; } = HeartbeatSettings.Default;
    public RestartSettings Restart { get; private set; } = RestartSettings.Default;

    public bool Allows(KernelCall call) => Calls.Contains(call);

    public bool OffersName(string name) => Offers.Any(offer => offer.Name == name);

    public bool MayLookUp(string name) => Peers.Contains(name);

    public static ServiceManifest Load(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        return Parse(File.ReadAllText(full), full);
    }

    public static ServiceManifest Parse(string text, string path)
    {
        var manifest = new ServiceManifest(path);
        var offers = new List<OfferedChannel>();
        var peers = new List<string>();
        var calls = new HashSet<KernelCall>();
        var syscalls = new List<string>();
        var devices = new List<DeviceRange>();
        var seen = new HashSet<string>();
        string[] lines = text.Split('\n');
        for (int number = 1; number <= lines.Length; number++)
        {
            string line = lines[number - 1];
            int comment = line.IndexOf('#');
            if (comment >= 0)
                line = line[..comment];
            string[] words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
                continue;
            string key = words[0];
            string[] values = words[1..];
            ManifestException Error(string message) => new($"{path}:{number}: {message}");
            void Once()
            {
                if (!seen.Add(key))
                    throw Error($"'{key}' given twice");
            }
            switch (key)
            {
                case "service":
                    Once();
                    manifest.Service = Single(values, key, Error);
                    if (!NameRules.IsValid(manifest.Service))
                        throw Error($"service name '{manifest.Service}': {NameRules.Description}");
                    break;
                case "binary":
                    Once();
                    string binary = Single(values, key, Error);
                    manifest.Binary = System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path) ?? ".", binary));
                    break;
                case "args":
                    Once();
                    manifest.Arguments = values;
                    break;
                case "offers":
                    if (values.Length != 2)
                        throw Error("offers NAME CONTRACT/VERSION");
                    if (!NameRules.IsValid(values[0]))
                        throw Error($"channel name '{values[0]}': {NameRules.Description}");
                    if (!OfferedChannel.IsContractId(values[1]))
                        throw Error($"contract '{values[1]}': expected NAME/VERSION");
                    if (offers.Any(offer => offer.Name == values[0]))
                        throw Error($"channel '{values[0]}' offered twice");
                    offers.Add(new OfferedChannel(values[0], values[1]));
                    break;
                case "peers":
                    foreach (string peer in values)
                    {
                        if (!NameRules.IsValid(peer))
                            throw Error($"peer name '{peer}': {NameRules.Description}");
                        peers.Add(peer);
                    }
                    break;
                case "calls":
                    foreach (string call in values)
                    {
                        if (!KernelCalls.TryParse(call, out KernelCall parsed))
                            throw Error($"unknown kernel call '{call}' (known: {string.Join(", ", Enum.GetValues<KernelCall>().Select(KernelCalls.NameOf))})");
                        calls.Add(parsed);
                    }
                    break;
                case "syscalls":
                    syscalls.AddRange(values);
                    break;
                case "device":
                    devices.Add(DeviceRange.Parse(values, Error));
                    break;
                case "heartbeat":
                    Once();
                    manifest.Heartbeat = new HeartbeatSettings(Milliseconds(values, 0, key, Error), Milliseconds(values, 1, key, Error));
                    if (values.Length != 2 || manifest.Heartbeat.TimeoutMs < manifest.Heartbeat.IntervalMs)
                        throw Error("heartbeat INTERVAL_MS TIMEOUT_MS, with the timeout at least the interval");
                    break;
                case "restart":
                    Once();
                    manifest.Restart = new RestartSettings(Milliseconds(values, 0, key, Error), Milliseconds(values, 1, key, Error), Milliseconds(values, 2, key, Error));
                    if (values.Length != 3 || manifest.Restart.MaximumMs < manifest.Restart.InitialMs)
                        throw Error("restart INITIAL_MS MAXIMUM_MS STABLE_MS, with the maximum at least the initial delay");
                    break;
                default:
                    throw Error($"unknown key '{key}' (known: service, binary, args, offers, peers, calls, syscalls, device, heartbeat, restart)");
            }
        }
        if (manifest.Service.Length == 0)
            throw new ManifestException($"{path}: no 'service' line");
        if (manifest.Binary.Length == 0)
            throw new ManifestException($"{path}: no 'binary' line");
        manifest.Offers = offers;
        manifest.Peers = peers;
        manifest.Calls = calls;
        manifest.Syscalls = syscalls;
        manifest.Devices = devices;
        return manifest;
    }

    private static string Single(string[] values, string key, Func<string, ManifestException> error)
        => values.Length == 1 ? values[0] : throw error($"'{key}' takes one value");

    private static int Milliseconds(string[] values, int index, string key, Func<string, ManifestException> error)
    {
        if (index >= values.Length || !int.TryParse(values[index], NumberStyles.None, CultureInfo.InvariantCulture, out int ms) || ms <= 0)
            throw error($"'{key}': value {index + 1} must be a positive number of milliseconds");
        return ms;
    }
}

public sealed record OfferedChannel(string Name, string ContractId)
{
    internal static bool IsContractId(string text)
    {
        int slash = text.IndexOf('/');
        return slash > 0 && int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }
}

public sealed record HeartbeatSettings(int IntervalMs, int TimeoutMs)
{
    public static HeartbeatSettings Default { get; } = new(500, 3000);
}

public sealed record RestartSettings(int InitialMs, int MaximumMs, int StableMs)
{
    public static RestartSettings Default { get; } = new(50, 5000, 2000);
}

public enum DeviceKind
{
    IoPort,
    Mmio,
    Irq,
}

// A range of I/O ports, of physical MMIO addresses or of IRQ lines, inclusive.
public sealed record DeviceRange(DeviceKind Kind, ulong First, ulong Last)
{
    internal static DeviceRange Parse(string[] values, Func<string, ManifestException> error)
    {
        if (values.Length != 2)
            throw error("device KIND FIRST[-LAST], KIND one of ioport, mmio, irq");
        DeviceKind kind = values[0] switch
        {
            "ioport" => DeviceKind.IoPort,
            "mmio" => DeviceKind.Mmio,
            "irq" => DeviceKind.Irq,
            _ => throw error($"device kind '{values[0]}': ioport, mmio or irq"),
        };
        string[] bounds = values[1].Split('-');
        if (bounds.Length > 2 || !TryNumber(bounds[0], out ulong first) || !TryNumber(bounds[^1], out ulong last) || last < first)
            throw error($"device range '{values[1]}': FIRST or FIRST-LAST, numbers in decimal or 0x hex, FIRST <= LAST");
        ulong limit = kind switch { DeviceKind.IoPort => 0xFFFF, DeviceKind.Irq => 255, _ => ulong.MaxValue };
        if (last > limit)
            throw error($"device range '{values[1]}': beyond 0x{limit:x} for {values[0]}");
        return new DeviceRange(kind, first, last);
    }

    private static bool TryNumber(string text, out ulong value)
        => text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}

public sealed class ManifestException : Exception
{
    public ManifestException(string message) : base(message)
    {
    }
}
