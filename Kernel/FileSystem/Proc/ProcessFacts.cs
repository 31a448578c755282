// What /proc/<pid> shows of a real process, read from the kernel's Process and its memory, threads,
// signals and files. Callers hold the process table's lock (the Process cannot be reaped meanwhile, and
// exit and execve swap its memory and file table only under that lock) and the file-system lock.
// Another process's memory areas may still change while they are read (mmap on another CPU): the text
// is then a mixture of before and after, as a read of Linux's maps without the mmap lock would be.
using System;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Processes;
using Kitten.Kernel.Signals;
using Kitten.Kernel.Tasks;

namespace Kitten.Kernel.FileSystem.Proc;

internal static unsafe class ProcessFacts
{
    private const ulong NanosecondsPerTick = 1_000_000_000 / ProcessInfo.TicksPerSecond;

    // tid: the PID for the process as a whole (its main thread's state, every thread's time), or one
    // thread's id for task/<tid>. False if there is no such thread.
    public static bool Collect(Process process, int tid, out ProcessInfo info)
    {
        info = default;
        info.Pid = process.Pid;
        info.Tid = tid;
        info.ParentPid = process.Parent != null ? process.Parent.Pid : 0;
        info.ProcessGroup = process.ProcessGroup;
        info.Session = process.Session;
        info.TerminalGroup = -1;
        info.Umask = process.Umask;
        info.Service = process.Service?.Name;
        info.Processor = process.Cpu;
        info.CpusAllowed = CpuListFormat.FirstCpus(Smp.CpuCount);
        info.StartTicks = TicksOf(TimeSyscalls.MonotonicNanoseconds - TimeBase.TscToNanoseconds(Cpu.ReadTsc() - process.StartTsc));
        FileTable files = process.Files;
        info.FileTableSize = files != null ? files.Capacity : 0;
        bool wholeProcess = tid == process.Pid;
        bool zombie = process.State == ProcessState.Zombie;
        if (zombie)
        {
            info.State = (byte)'Z';
            info.ExitCode = process.WaitStatus;
        }
        ulong now = Cpu.ReadTsc(), ticks = 0;
        Thread* chosen = null;
        bool threads = process.ThreadLock.Acquire();
        info.ThreadCount = process.ThreadCount;
        for (Thread* thread = process.FirstThread; thread != null && !zombie; thread = thread->GroupNext)
        {
            bool counted = wholeProcess || thread->Tid == tid;
            if (counted)
                ticks += thread->CpuTicks + (thread->State == ThreadState.Running ? now - thread->LastStart : 0);
            if ((wholeProcess && thread == process.MainThread) || (!wholeProcess && thread->Tid == tid))
                chosen = thread;
        }
        if (chosen != null)
        {
            info.State = chosen->State == ThreadState.Running || chosen->State == ThreadState.Ready ? (byte)'R' : (byte)'S';
            info.Processor = chosen->Cpu;
            info.PendingSignals = chosen->Signals.Pending.Set;
            info.BlockedSignals = chosen->Signals.Blocked;
        }
        process.ThreadLock.Release(threads);
        if (!zombie && chosen == null && !wholeProcess)
            return false;
        if (!zombie && chosen == null)
            info.State = (byte)'Z';     // every thread has left: the process is ending
        info.UserTicks = TicksOf(TimeBase.TscToNanoseconds(ticks));
        info.SharedPendingSignals = process.Signals.Shared.Set;
        info.PendingSignals |= process.Signals.Shared.Set;
        for (int signal = 1; signal <= Signal.Count; signal++)
        {
            SignalAction action = process.Signals.Action(signal);
            if (action.IsIgnore)
                info.IgnoredSignals |= 1UL << (signal - 1);
            else if (action.HasHandler)
                info.CaughtSignals |= 1UL << (signal - 1);
        }
        ProcessMemory memory = process.Memory;
        if (memory != null && info.State != (byte)'Z')
            CollectMemory(memory, ref info);
        return true;
    }

    private static void CollectMemory(ProcessMemory memory, ref ProcessInfo info)
    {
        info.HasMemory = true;
        info.ResidentBytes = memory.CommittedBytes;
        info.PageTableBytes = memory.PageTableBytes;
        info.PlacedBytes = memory.PlacedBytes;
        info.StartBrk = memory.BrkStart;
        info.StartStack = memory.StartStack;
        info.ArgumentsStart = memory.ArgumentsStart;
        info.ArgumentsEnd = memory.EnvironmentStart;
        info.EnvironmentStart = memory.EnvironmentStart;
        info.EnvironmentEnd = memory.EnvironmentEnd;
        for (int i = 0; i < memory.Areas.Count; i++)
        {
            Vma area = memory.Areas.At(i);
            info.VirtualBytes += area.Length;
            if (area.Kind == VmaKind.Stack)
                info.StackBytes += area.Length;
            else if ((area.Prot & Vma.ProtWrite) != 0)
                info.DataBytes += area.Length;
            if (area.Kind != VmaKind.Image)
                continue;
            if ((area.Prot & Vma.ProtExec) != 0)
            {
                info.TextBytes += area.Length;
                if (info.StartCode == 0)
                    info.StartCode = area.Start;
                info.EndCode = area.End;
            }
            else if ((area.Prot & Vma.ProtWrite) != 0)
            {
                if (info.StartData == 0)
                    info.StartData = area.Start;
                info.EndData = area.End;
            }
        }
    }

    private static ulong TicksOf(ulong nanoseconds) => nanoseconds / NanosecondsPerTick;

    // The areas of maps: the program image under its path (offsets from the image's first page), the
    // brk area as [heap], the stack as [stack].
    public static void Maps(ProcessMemory memory, TextBuilder output)
    {
        int count = memory.Areas.Count;
        if (count == 0)
            return;
        var entries = new MapEntry[count];
        ulong imageStart = 0;
        // The brk area: up to the break, or the whole preallocated heap a placement gave (HeapEnd).
        ulong heapEnd = memory.Brk > memory.HeapEnd ? memory.Brk : memory.HeapEnd;
        for (int i = 0; i < count; i++)
        {
            Vma area = memory.Areas.At(i);
            ref MapEntry entry = ref entries[i];
            entry.Start = area.Start;
            entry.End = area.End;
            entry.Prot = area.Prot | area.GrowProt; // a stack's growable reservation is as good as mapped
            if (area.Kind == VmaKind.Image && memory.ExecutablePath != null)
            {
                if (imageStart == 0)
                    imageStart = area.Start;
                entry.Name = MapName.Executable;
                entry.Offset = area.Start - imageStart;
                entry.Major = DeviceNumber.Major(memory.ExecutableDevice);
                entry.Minor = DeviceNumber.Minor(memory.ExecutableDevice);
                entry.Inode = memory.ExecutableInode;
            }
            else if (area.Kind == VmaKind.Stack)
            {
                // Linux names the area holding the initial stack pointer; the reservation the stack may
                // still grow into below it is not named.
                if (area.Contains(memory.StartStack))
                    entry.Name = MapName.Stack;
            }
            else if (heapEnd > memory.BrkStart && area.Start < heapEnd && area.End > memory.BrkStart)
            {
                entry.Name = MapName.Heap;
            }
        }
        MapsFormat.Write(entries, memory.ExecutablePath, output);
        NodeMemory.Release(entries);
    }

    // The bytes of [start, end) of the process's memory (cmdline, environ), as far as they are mapped.
    public static void CopyMemory(ProcessMemory memory, ulong start, ulong end, TextBuilder output)
    {
        byte* chunk = stackalloc byte[256];
        for (ulong at = start; at < end;)
        {
            ulong length = end - at < 256 ? end - at : 256;
            if (!memory.Read(at, chunk, length))
                return;
            output.Append(new ReadOnlySpan<byte>(chunk, (int)length));
            at += length;
        }
    }

    // The target of fd/N: a path for a file of the file system, "pipe:[inode]" for a pipe.
    public static int DescribeFile(FileDescription file, TextBuilder output)
    {
        int start = output.Length;
        Node node = file is NodeFile nodeFile ? nodeFile.Node : file is PipeEnd pipeEnd ? pipeEnd.Pipe.Fifo : null;
        if (node != null && PathName.OfNode(Vfs.Namespace, node, output) == 0)
            return 0;
        output.Truncate(start);
        if (file is PipeEnd pipe)
            output.Append("pipe:[").Unsigned(pipe.Pipe.Inode).Append(']');
        else if (node != null)
            output.Append("/ (deleted)");
        else
            output.Append("anon_inode:[unknown]");
        return 0;
    }
}
