// Turns an executable file into a fresh address space ready to run: the ELF segments copied into
// contiguous memory with their own protections, the brk heap right after them, and a committed stack
// holding argv, envp and the auxiliary vector glibc reads (Kernel/Exec does the parsing and the stack
// layout; this file puts them into a process's memory).
using System;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Devices;
using Kitten.Kernel.Exec;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.Processes;

internal unsafe struct LoadedProgram
{
    public ProcessMemory Memory;
    public ulong Entry;
    public ulong StackPointer;
}

internal static unsafe class ProgramLoader
{
    // argv and envp strings, pointers and the auxiliary vector must fit in this much (Linux allows a
    // quarter of the stack limit; see execve(2), "Limits on size of arguments and environment").
    public const ulong ArgumentSpace = 256 * 1024;

    // Returns 0, or -errno with a one-line reason in `reason` (a refused ELF says why).
    // The stack's reservation for a RLIMIT_STACK soft limit: the limit, page-aligned, at most 1 GiB (an
    // unlimited stack is a gigabyte of address space, still nothing of memory).
    private static ulong StackReservation(ulong limit)
    {
        const ulong Most = 1UL << 30;
        ulong reserve = limit > Most ? Most : limit;
        return reserve & ~(ProcessMemory.PageSize - 1);
    }

    // A planned stack's reservation (the committed part included): as much of `reserve` as fits below it
    // without reaching the area under it (the heap, the program) or into the IPC grant window.
    private static ulong PlannedStackReservation(ProcessMemory memory, ulong top, ulong commit, ulong reserve)
    {
        ulong bottom = top - commit;
        int below = memory.Areas.FirstEndingAfter(bottom) - 1;
        ulong floor = below >= 0 ? memory.Areas.At(below).End : 0;
        if (bottom >= ProcessMemory.GrantWindowEnd && floor < ProcessMemory.GrantWindowEnd)
            floor = ProcessMemory.GrantWindowEnd;
        if (reserve <= commit)
            return commit;
        ulong room = bottom - floor;
        return reserve - commit < room ? reserve : commit + room;
    }

    // Returns 0, or -errno with a one-line reason in `reason` (a refused ELF says why). stackLimit: the
    // RLIMIT_STACK soft limit the program starts with. shareable: the file's bytes never change nor move
    // (a file of the initial archive), so its read-only pages may come from the image cache. placement:
    // null, or where in physical memory the program goes (Placement.cs, checked): then every page comes
    // from this process's own planned frames (no image cache), the brk heap is the planned one,
    // preallocated, and the stack's committed part is the planned one.
    public static int Load(byte* file, ulong length, ReadOnlySpan<ByteString> arguments, ReadOnlySpan<ByteString> environment,
        ByteString executableName, ulong stackLimit, bool shareable, Placement* placement, out LoadedProgram program, out string reason)
    {
        program = default;
        reason = null;
        if (!ElfImage.TryParse(file, length, out ElfImage image, out ElfRefusal refusal))
        {
            reason = refusal.Reason;
            return -Errno.ENOEXEC;
        }
        ulong bias = image.IsPositionIndependent ? ProcessMemory.PieBase - image.SpanStart : 0;
        reason = image.CheckLoadBias(bias);
        if (reason != null)
            return -Errno.ENOEXEC;

        ProcessMemory memory = ProcessMemory.Create();
        if (memory == null)
        {
            reason = "out of memory for page tables";
            return -Errno.ENOMEM;
        }
        int status = 0;
        if (placement != null)
        {
            shareable = false;
            status = memory.BeginPlacement(placement);
            if (status != 0)
                reason = status == -Errno.EBUSY ? "some planned physical memory is in use" : "the planned physical memory cannot be claimed";
        }
        if (status == 0)
            status = LoadSegments(memory, in image, bias, shareable, out reason);
        if (status == 0 && placement != null && placement->Header.HasHeap)
            status = AddHeap(memory, in placement->Header, out reason);
        if (status == 0)
            status = BuildStack(memory, in image, bias, arguments, environment, executableName, stackLimit,
                placement != null ? &placement->Header : null, out program.StackPointer, out reason);
        memory.EndPlacement();
        if (status != 0)
        {
            memory.Destroy();
            return status;
        }
        program.Memory = memory;
        program.Entry = image.Entry + bias;
        return 0;
    }

    private static int LoadSegments(ProcessMemory memory, in ElfImage image, ulong bias, bool shareable, out string reason)
    {
        reason = null;
        ulong spanStart = image.SpanStart + bias, spanEnd = image.SpanEnd + bias;
        // The pages before the first writable one are the same in every process that runs this file:
        // those of an unchangeable file come from the image cache, mapped with their final protections.
        ulong sharedEnd = shareable ? ReadOnlyPrefixEnd(in image, bias) : spanStart;
        if (sharedEnd > spanStart)
        {
            ImageCacheEntry cached = CachedCopy(in image, bias, spanStart, sharedEnd);
            if (cached == null)
            {
                reason = "no memory for the program image";
                return -Errno.ENOMEM;
            }
            memory.AttachImage(cached);
            for (ulong at = spanStart, runEnd; at < sharedEnd; at = runEnd)
            {
                int prot = PageProtection(in image, bias, at, sharedEnd, out runEnd);
                if (!memory.AddSharedImageArea(at, runEnd, prot))
                {
                    reason = "no memory for the program image";
                    return -Errno.ENOMEM;
                }
            }
        }
        if (sharedEnd == spanEnd)
            return FinishImage(memory, spanEnd);

        // The rest is this process's own: one contiguous piece of memory, writable while it is filled.
        if (!memory.AddArea(sharedEnd, spanEnd, Vma.ProtRead | Vma.ProtWrite, VmaKind.Image, zero: false))
        {
            reason = "no memory for the program image";
            return -Errno.ENOMEM;
        }
        for (ulong at = sharedEnd; at < spanEnd;)
        {
            ulong run = memory.Tables.ContiguousRun(at, spanEnd - at, out ulong physical);
            if (run == 0)
            {
                reason = "image segment outside its area";
                return -Errno.ENOEXEC;
            }
            WriteImageBytes(in image, bias, at, at + run, (byte*)PhysicalMemory.ToVirtual(physical));
            at += run;
        }
        for (ulong at = sharedEnd, runEnd; at < spanEnd; at = runEnd)
        {
            int prot = PageProtection(in image, bias, at, spanEnd, out runEnd);
            if (prot != (Vma.ProtRead | Vma.ProtWrite))
                memory.Protect(at, runEnd, prot);
        }
        return FinishImage(memory, spanEnd);
    }

    private static int FinishImage(ProcessMemory memory, ulong spanEnd)
    {
        memory.BrkStart = memory.Brk = spanEnd;
        return 0;
    }

    // A placement's heap: committed now (zeroed, from its planned frames), with the break at its start;
    // brk moves inside it without mapping anything (MemorySyscalls.Brk).
    private static int AddHeap(ProcessMemory memory, in PlacementHeader plan, out string reason)
    {
        reason = null;
        if (!memory.Areas.IsFree(plan.HeapStart, plan.HeapEnd))
        {
            reason = "the planned heap overlaps the program";
            return -Errno.EINVAL;
        }
        if (!memory.AddArea(plan.HeapStart, plan.HeapEnd, Vma.ProtRead | Vma.ProtWrite, VmaKind.Anonymous))
        {
            reason = "no memory for the heap";
            return -Errno.ENOMEM;
        }
        memory.BrkStart = memory.Brk = plan.HeapStart;
        memory.HeapEnd = plan.HeapEnd;
        return 0;
    }

    // The protection of the page at `at` and of those after it up to runEnd (at most limit): the union of
    // the protections of the segments on each page. A page no segment touches (a gap between them) is
    // read-only: it holds nothing but zeros.
    private static int PageProtection(in ElfImage image, ulong bias, ulong at, ulong limit, out ulong runEnd)
    {
        int prot = 0;
        runEnd = limit;
        for (int i = 0; i < image.SegmentCount; i++)
        {
            ElfSegment segment = image.GetSegment(i);
            ulong start = segment.PageStart + bias, end = segment.PageEnd + bias;
            if (start <= at && at < end)
            {
                prot |= ProtOf(segment);
                if (end < runEnd)
                    runEnd = end;
            }
            else if (start > at && start < runEnd)
            {
                runEnd = start;
            }
        }
        return prot != 0 ? prot : Vma.ProtRead;
    }

    // Where the read-only pages at the start of the image end: the page of the first writable segment
    // (its first page may hold the end of a read-only one, and then is writable too).
    private static ulong ReadOnlyPrefixEnd(in ElfImage image, ulong bias)
    {
        ulong end = image.SpanEnd + bias;
        for (int i = 0; i < image.SegmentCount; i++)
        {
            ElfSegment segment = image.GetSegment(i);
            if (segment.IsWritable && segment.PageStart + bias < end)
                end = segment.PageStart + bias;
        }
        ulong start = image.SpanStart + bias;
        return end > start ? end : start;
    }

    // The cache's copy of [start, end) of this program, built now if it has none; null if memory is short.
    private static ImageCacheEntry CachedCopy(in ElfImage image, ulong bias, ulong start, ulong end)
    {
        ImageCacheEntry entry = ImageCache.Lookup(image.FileData, image.FileLength, start, end);
        if (entry != null)
            return entry;
        ulong physical = ImageCache.AllocateCopy(start, end);
        if (physical == 0)
            return null;
        WriteImageBytes(in image, bias, start, end, (byte*)PhysicalMemory.ToVirtual(physical));
        return ImageCache.Insert(image.FileData, image.FileLength, start, end, physical);
    }

    // What the program's memory holds in [from, to) when it starts, written to `destination`: the file's
    // bytes where a segment has them, zeros elsewhere (bss, gaps and page tails). Each byte is written
    // once: segments come in address order without overlapping (ElfImage checks).
    private static void WriteImageBytes(in ElfImage image, ulong bias, ulong from, ulong to, byte* destination)
    {
        ulong cursor = from; // everything below is written
        for (int i = 0; i < image.SegmentCount; i++)
        {
            ElfSegment segment = image.GetSegment(i);
            ulong start = segment.VirtualAddress + bias, end = start + segment.FileSize;
            ulong copyStart = start > cursor ? start : cursor, copyEnd = end < to ? end : to;
            if (copyStart >= copyEnd)
                continue;
            if (cursor < copyStart)
                Runtime.MemoryOps.Zero(destination + (cursor - from), (nuint)(copyStart - cursor));
            Runtime.MemoryOps.Move(destination + (copyStart - from), image.FileData + segment.FileOffset + (copyStart - start), (nuint)(copyEnd - copyStart));
            cursor = copyEnd;
        }
        if (cursor < to)
            Runtime.MemoryOps.Zero(destination + (cursor - from), (nuint)(to - cursor));
    }

    private static int ProtOf(ElfSegment segment)
        => (segment.IsReadable ? Vma.ProtRead : 0) | (segment.IsWritable ? Vma.ProtWrite : 0) | (segment.IsExecutable ? Vma.ProtExec : 0);

    // plan: null, or a placement whose stack (if it has one) is the committed part, at its planned place.
    private static int BuildStack(ProcessMemory memory, in ElfImage image, ulong bias, ReadOnlySpan<ByteString> arguments,
        ReadOnlySpan<ByteString> environment, ByteString executableName, ulong limit, PlacementHeader* plan, out ulong stackPointer, out string reason)
    {
        stackPointer = 0;
        bool planned = plan != null && plan->HasStack;
        ulong top = planned ? plan->StackTop : ProcessMemory.DefaultStackTop;
        int prot = Vma.ProtRead | Vma.ProtWrite | (image.ExecutableStack ? Vma.ProtExec : 0);
        byte* buffer = (byte*)KernelHeap.Allocate(ArgumentSpace);
        if (buffer == null)
        {
            reason = "no kernel memory for the arguments";
            return -Errno.ENOMEM;
        }
        byte* random = stackalloc byte[InitialStack.RandomSize];
        Entropy.Fill(random, InitialStack.RandomSize);
        AuxiliaryValues values = AuxiliaryValues.ForImage(in image, bias);
        values.HardwareCapabilities = Cpu.Cpuid(1).Edx;
        bool built = InitialStack.TryBuild(buffer + ArgumentSpace, top, ArgumentSpace, arguments, environment, executableName,
            InitialStack.Platform, new ReadOnlySpan<byte>(random, InitialStack.RandomSize), in values, out InitialStackLayout layout, out reason);
        int status = 0;
        if (built)
        {
            // The stack reserves RLIMIT_STACK and commits what the arguments need plus the usual start.
            ulong used = top - layout.StackPointer;
            ulong reserve = StackReservation(limit);
            ulong commit = (used + ProcessMemory.InitialStackCommit + ProcessMemory.PageSize - 1) & ~(ProcessMemory.PageSize - 1);
            if (planned)
            {
                commit = plan->StackLength;
                reserve = PlannedStackReservation(memory, top, commit, reserve);
            }
            if (planned && used > commit)
            {
                reason = "the planned stack is too small for the arguments and environment";
                status = -Errno.E2BIG;
            }
            else if (planned && !memory.Areas.IsFree(top - commit, top))
            {
                reason = "the planned stack overlaps the program or its heap";
                status = -Errno.EINVAL;
            }
            else if (!memory.AddStack(top, reserve > commit ? reserve : commit, commit, prot))
            {
                reason = "no memory for the stack";
                status = -Errno.ENOMEM;
            }
            else
            {
                memory.StackTop = top;
                memory.Write(layout.StackPointer, buffer + ArgumentSpace - used, used);
                stackPointer = layout.StackPointer;
                memory.StartStack = layout.StackPointer;
                memory.ArgumentsStart = layout.ArgumentsStart;
                memory.EnvironmentStart = layout.EnvironmentStart;
                memory.EnvironmentEnd = layout.EnvironmentEnd;
            }
        }
        else
        {
            status = -Errno.E2BIG;
        }
        KernelHeap.Free(buffer);
        return status;
    }
}
