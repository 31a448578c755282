// One process (or thread) as /proc/<pid>/stat, statm and status describe it: plain figures, collected by
// the kernel under the process table's lock (KernelProcSource) and formatted by ProcessStatFormat and
// ProcessStatusFormat. Times are in clock ticks (USER_HZ, sysconf(_SC_CLK_TCK) = 100), sizes in bytes,
// signal sets as 64-bit masks (bit n-1 for signal n).
namespace Kitten.Kernel.FileSystem.Proc;

internal struct ProcessInfo
{
    public const ulong TicksPerSecond = 100;   // USER_HZ

    public int Pid;             // the thread group (Tgid)
    public int Tid;             // the thread; equal to Pid for the process's own files
    public int ParentPid;
    public int ProcessGroup;
    public int Session;
    public int ThreadCount;
    public byte State;          // 'R' running or ready, 'S' sleeping, 'Z' zombie
    public int TerminalDevice;  // tty_nr, encoded as the kernel's new_encode_dev; 0 without a terminal
    public int TerminalGroup;   // tpgid: the terminal's foreground group, -1 without a terminal
    public ulong UserTicks, SystemTicks;
    public ulong StartTicks;    // since boot
    public int Processor;
    public int ExitCode;        // the wait status once a zombie
    public int Umask;
    public int FileTableSize;   // FDSize
    public ulong CpusAllowed;   // bit n for CPU n
    public ulong ContextSwitches;
    public byte[] Service;      // the service manifest it runs under (Kernel/Services), or null

    public ulong PendingSignals, SharedPendingSignals, BlockedSignals, IgnoredSignals, CaughtSignals;

    // The address space; all zero for a zombie, which has none.
    public bool HasMemory;
    public ulong VirtualBytes;      // every area, reserved or not (VmSize, vsize)
    public ulong ResidentBytes;     // committed: backed by physical memory (VmRSS, rss)
    public ulong DataBytes;         // private writable areas that are not the stack (VmData)
    public ulong StackBytes;        // VmStk
    public ulong TextBytes;         // the program's executable segments (VmExe)
    public ulong PageTableBytes;    // VmPTE
    public ulong PlacedBytes;       // VmPlaced (Kitten's): installed from a placement at exec
    public ulong StartCode, EndCode, StartData, EndData, StartBrk, StartStack;
    public ulong ArgumentsStart, ArgumentsEnd, EnvironmentStart, EnvironmentEnd;
}
