using System.Text.RegularExpressions;

namespace Kitten.Boot.Tests;

// The lines the kernel prints when its first program has ended (Kernel/Boot), which the leak checks of many
// boot tests read.
internal static partial class KernelReports
{
    // "kitten: pmem free N bytes at exit (M before init started); kernel heap A allocations (B)": groups 1
    // and 2 the free bytes, 3 the kernel heap's live allocations at exit.
    [GeneratedRegex(@"kitten: pmem free (\d+) bytes at exit \((\d+) before init started\)(?:; kernel heap (\d+) allocations)?")]
    public static partial Regex MemoryAtExit();

    // "ipc: N objects left, M names": what the IPC layer still holds at exit.
    [GeneratedRegex(@"^ipc: (\d+) objects left, (\d+) names\r?$", RegexOptions.Multiline)]
    public static partial Regex IpcLeftovers();
}
