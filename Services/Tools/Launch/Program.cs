using System.Runtime.InteropServices;
using Kitten.Ipc;
using Kitten.Launch;
using Kitten.MemoryManager;

// launch: starts a program in the memory the memory manager plans for it, the way Kitten's user-space
// launchers build a process's address space (README.md). It reads the program's loadable segments, asks
// the service named `memory` for a layout of them plus a heap and a stack, and execs the program with
// kitten_exec_placed, so that the program runs as this process (same PID) in exactly that physical memory.
//
//   launch [--heap SIZE] [--stack SIZE] [--cpu N] [--or-plain] [--show] PROGRAM [ARG...]
//
// SIZE: bytes, or with K, M or G. --or-plain: if the manager cannot be reached or refuses, exec the program
// the ordinary way (with one line saying so) instead of failing; the kernel starts its first program so.
// --show: one line with the layout on standard error before the exec.
// Exit status (when the program could not be started): 1 the manager refused, 64 bad arguments, 69 the
// manager did not answer, 126 the kernel refused the exec, 127 no such program.
var options = LaunchOptions.Parse(args, out string? usage);
if (options == null)
    return Fail(64, $"launch: {usage}");
string? path = LaunchOptions.Resolve(options.Program);
if (path == null)
    return Fail(127, $"launch: {options.Program}: no such program");

byte[] file;
try
{
    file = File.ReadAllBytes(path);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    return Fail(126, $"launch: {path}: {e.Message}");
}
List<Segment>? segments = ProgramSegments.Read(file, out string? problem);
if (segments == null)
    return Fail(126, $"launch: {path}: {problem}");
var request = new ImageRequest(segments, options.HeapBytes, options.StackBytes, Cpu: options.Cpu);

if (!IpcSystem.RunningOnKitten())
    return options.OrPlain ? ExecPlain(path, $"launch: not on Kitten.Cosmos: {path} runs in the kernel's own placement")
        : Fail(69, "launch: runs only on Kitten.Cosmos (the memory manager's layouts are installed by its kernel)");

// The frames a layout names may be taken by another process between the plan and the exec (the kernel
// then says EBUSY): plan again, from a fresh view.
const int Attempts = 8;
for (int attempt = 1; attempt <= Attempts; attempt++)
{
    Layout? layout;
    MemoryRefusal refusal;
    IpcStatus status;
    using (IpcSystem system = IpcSystem.Open())
    using (var client = new MemoryManagerClient(system, () => system.FreeMemoryView()))
    {
        // Planning changes nothing, so a plan cut short by the manager's death is asked again of its
        // replacement (the client looks the name up again), until the time allowed is up.
        var deadline = DateTime.UtcNow + options.Timeout;
        do
            status = client.Plan(request, Left(deadline), out layout, out refusal);
        while (status == IpcStatus.PeerDied && DateTime.UtcNow < deadline);
        if (status == IpcStatus.Ok && layout != null && options.Show)
            Console.Error.WriteLine($"launch: {path}: {client.Policy} layout, {layout.Regions.Count} regions, {layout.PhysicalBytes} bytes, {layout.PageTableBytes} bytes of page tables");
    }
    if (status != IpcStatus.Ok)
    {
        string reason = $"the memory manager did not answer ({status})";
        return options.OrPlain ? ExecPlain(path, $"launch: {reason}: {path} runs in the kernel's own placement") : Fail(69, $"launch: {path}: {reason}");
    }
    if (layout == null)
    {
        string reason = $"the memory manager refused it: {refusal}";
        return options.OrPlain ? ExecPlain(path, $"launch: {reason}: {path} runs in the kernel's own placement") : Fail(1, $"launch: {path}: {reason}");
    }
    int error = Exec.Placed(path, options.Arguments, KernelPlacement.Encode(request, layout));
    if (error != Exec.EBUSY)
        return Fail(error == Exec.ENOENT ? 127 : 126, $"launch: {path}: the kernel refused the layout: {Marshal.GetPInvokeErrorMessage(error)}");
}
return Fail(126, $"launch: {path}: the planned memory was taken {Attempts} times in a row");

int ExecPlain(string path, string warning)
{
    Console.Error.WriteLine(warning);
    int error = Exec.Plain(path, options.Arguments);
    return Fail(error == Exec.ENOENT ? 127 : 126, $"launch: {path}: {Marshal.GetPInvokeErrorMessage(error)}");
}

static TimeSpan Left(DateTime deadline) => TimeSpan.FromTicks(Math.Max(0, (deadline - DateTime.UtcNow).Ticks));

static int Fail(int status, string message)
{
    Console.Error.WriteLine(message);
    return status;
}
