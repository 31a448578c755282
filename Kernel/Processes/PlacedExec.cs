// kitten_exec_placed(path, argv, envp, placement), Kitten's call 1045 (Kernel/Ipc/README.md): execve(2)
// with the new program's memory where a placement says, physically. The memory-policy service
// (Services/MemoryManager) decides where each region of a process image goes in physical memory and with
// which page size; a launcher asks it for a plan, then execs the program in exactly that placement:
//  - The placement (Placement.cs: layout and rules) is copied in and checked before anything else: a
//    malformed one is EINVAL (one console line says which rule), an unreadable one EFAULT, and the caller
//    goes on.
//  - Then path, argv and envp are handled as execve's (ProcessSyscalls.Execve, the same code); the program
//    is loaded with the placement (ProgramLoader): every planned physical run is claimed from pmem at its
//    exact address (EBUSY if another owner took some frame since the plan was made: nothing is kept, and
//    the launcher plans again), each planned virtual range is mapped from its frames with pages no larger
//    than the region's page size (ProcessMemory.Placement.cs), the brk heap is the planned heap,
//    preallocated, and the main stack's committed part is the planned stack (E2BIG if the arguments do not
//    fit in it). What the plan does not cover (gaps between segments, brk beyond the planned heap, mmap,
//    stack growth below the planned part) comes from the process's pool as for any program.
//  - On success the process (same PID) runs the new program and the call does not return.
// A process under a service manifest needs the word `exec_placed` in its `calls` line; others may call it.
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Memory;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.Processes;

internal static unsafe class PlacedExec
{
    // The Kitten-range handler: these run with interrupts off and return the context to resume. An exec
    // blocks (memory, other threads ending), so it runs as a Linux call does, with interrupts on and the
    // call's number kept for a restart (execve's wait for the other threads may be interrupted).
    public static InterruptContext* Call(InterruptContext* context)
    {
        Thread* thread = CpuLocal.Current->Running;
        thread->SyscallNumber = Ipc.IpcSyscalls.ExecPlaced;
        Cpu.EnableInterrupts();
        long result = Run(context);
        context->Rax = (ulong)result;
        Cpu.DisableInterrupts();
        if (Signals.RestartErrno.IsRestartCode(result))
            return UserReturn.Prepare(context);     // restarts the call (or ends the thread)
        thread->SyscallNumber = -1;
        return context;
    }

    private static long Run(InterruptContext* context)
    {
        PlacementHeader header;
        if (UserMemory.CopyIn(&header, context->R10, PlacementHeader.Size) != 0)
            return -Errno.EFAULT;
        string problem = Placement.CheckCount(header.RegionCount);
        if (problem != null)
            return Refuse(problem);
        int count = (int)header.RegionCount;
        byte* buffer = (byte*)KernelHeap.Allocate(Placement.BufferBytes(count));
        if (buffer == null)
            return -Errno.ENOMEM;
        var placement = new Placement { Header = header };
        placement.Attach(buffer, count);
        long result;
        if (UserMemory.CopyIn(placement.Regions, header.Regions, (ulong)count * PlacedRegion.Size) != 0)
            result = -Errno.EFAULT;
        else if ((problem = placement.Check(Limits)) != null)
            result = Refuse(problem);
        else
            result = ProcessSyscalls.Execve(context, &placement);
        KernelHeap.Free(buffer);
        return result;
    }

    private static PlacementLimits Limits => new PlacementLimits
    {
        UserEnd = UserMemory.End,
        GrantWindowStart = ProcessMemory.GrantWindowStart,
        GrantWindowEnd = ProcessMemory.GrantWindowEnd,
        PhysicalEnd = PageTableEntry.MaxPhysicalAddress,
        GigabytePages = KernelPageTables.HasGigabytePages,
    };

    private static long Refuse(string problem)
    {
        Process process = Process.Current;
        Console.WriteLine($"kitten: pid {process.Pid} ({process.NameText}): kitten_exec_placed: {problem}: EINVAL");
        return -Errno.EINVAL;
    }
}
