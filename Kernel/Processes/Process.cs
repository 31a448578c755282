// A process (Linux's thread group): an address space, its threads, its open files and working directory,
// its place in the process tree, and what it leaves for its parent when it ends.
using System.Runtime.CompilerServices;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Processes;

internal enum ProcessState
{
    Running,
    Zombie,     // ended; the parent has not collected its status with wait4 yet
}

internal sealed unsafe class Process
{
    public int Pid;
    public Process Parent;
    public ProcessState State;
    public ProcessMemory Memory;
    public Sync.Mutex MemoryLock;           // mapping calls, fork's copy: one at a time per address space

    // Its live threads, linked through Thread.GroupNext, under ThreadLock. MainThread is the first one
    // (TID = PID) while it lives, then any live one: the thread that process-wide work is aimed at.
    public Thread* MainThread;
    public Thread* FirstThread;
    public int ThreadCount;
    public Sync.SpinLock ThreadLock;
    // exit_group(2) or a fatal signal: every thread is on its way out and the process ends with this status.
    public bool GroupExiting;
    public int GroupExitStatus;
    // execve(2) from one of several threads waits here for the others to end.
    public WaitQueue ThreadsGone;
    public FileSystem.FileTable Files;
    public FileSystem.DirectoryNode Cwd;      // held open (Node.Open) while it is the working directory
    public Kitten.Kernel.Signals.ProcessSignals Signals;
    public Sync.SpinLock SignalLock;
    public Ipc.ProcessIpc* Ipc;             // its IPC handles and held calls (Kernel/Ipc); null until its first IPC call
    public int ProcessGroup;
    public int Session;
    public int Cpu;
    public byte[] Name = new byte[16];      // comm: the executable's base name, as Linux keeps it

    // What wait4 reports: the encoded status (exit code << 8, or the terminating signal).
    public int WaitStatus;

    // Children, linked through SiblingNext; under ProcessTable's lock.
    public Process FirstChild;
    public Process SiblingNext;

    // The parent waits here for children to change state (wait4), and for a vfork child to let go.
    public WaitQueue ChildEvents;

    // vfork(2): the parent sleeps until the child execs or exits (VforkChild is that child's PID until
    // then); the child knows whom to release.
    public int VforkChild;
    public Process VforkParent;

    // System calls without a handler already reported for this process (one line each).
    public ulong[] ReportedUnknownSyscalls = new ulong[8];

    // The service policy it runs under (Kernel/Services): null if it never exec'd a bound binary. Its
    // threads point at the policy's bitmap (Thread.SyscallFilter); refusals already reported, one bit each.
    public Services.BoundService Service;
    public ulong[] RefusalsReported;

    public bool MembarrierRegistered;   // membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED)

    public ulong StartTsc;
    public int Umask = 0x12;                           // 022
    public ulong[] Limits = LinuxAbi.SystemSyscalls.DefaultLimits();

    public static Process Current
    {
        get
        {
            Thread* thread = CpuLocal.Current->Running;
            return thread->Owner == 0 ? null : Of(thread);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Process Of(Thread* thread) => System.Runtime.CompilerServices.Unsafe.As<Process>(System.Runtime.RuntimeHelpersEx.ToObject((void*)thread->Owner));

    public nint Handle => (nint)System.Runtime.RuntimeHelpersEx.AddressOf(this);

    public void SetName(System.ReadOnlySpan<byte> path)
    {
        int start = 0;
        for (int i = 0; i < path.Length; i++)
            if (path[i] == '/')
                start = i + 1;
        int length = 0;
        for (int i = start; i < path.Length && length < 15; i++)
            Name[length++] = path[i];
        for (int i = length; i < 16; i++)
            Name[i] = 0;
    }

    public System.ReadOnlySpan<byte> NameText
    {
        get
        {
            int length = 0;
            while (length < 16 && Name[length] != 0)
                length++;
            return new System.ReadOnlySpan<byte>(Name, 0, length);
        }
    }
}
