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

    // Returns 0, or -errno with a one-line reason in `reason` (a refused ELF says why). stackLimit: the
    // RLIMIT_STACK soft limit the program starts with.
    public static int Load(byte* file, ulong length, ReadOnlySpan<ByteString> arguments, ReadOnlySpan<ByteString> environment,
        ByteString executableName, ulong stackLimit, out LoadedProgram program, out string reason)
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
        int status = LoadSegments(memory, in image, bias, out reason);
        if (status == 0)
            status = BuildStack(memory, in image, bias, arguments, environment, executableName, stackLimit, out program.StackPointer, out reason);
        if (status != 0)
        {
            memory.Destroy();
            return status;
        }
        program.Memory = memory;
        program.Entry = image.Entry + bias;
        return 0;
    }

    private static int LoadSegments(ProcessMemory memory, in ElfImage image, ulong bias, out string reason)
    {
        reason = null;
        ulong spanStart = image.SpanStart + bias, spanEnd = image.SpanEnd + bias;
        // One area, one contiguous piece of memory for the whole image, writable while we fill it. Every
        // byte is written below: the file's bytes, and zeros for the bss, the gaps and the page tails.
        if (!memory.AddArea(spanStart, spanEnd, Vma.ProtRead | Vma.ProtWrite, VmaKind.Image, zero: false))
        {
            reason = "no memory for the program image";
            return -Errno.ENOMEM;
        }
        ulong cursor = spanStart;
        for (int i = 0; i < image.SegmentCount; i++)
        {
            ElfSegment segment = image.GetSegment(i);
            ulong start = segment.VirtualAddress + bias;
            if (cursor < start)
                memory.ZeroMapped(cursor, start);
            if (!memory.Write(start, image.FileData + segment.FileOffset, segment.FileSize))
            {
                reason = "image segment outside its area";
                return -Errno.ENOEXEC;
            }
            if (start + segment.FileSize > cursor)
                cursor = start + segment.FileSize;
        }
        if (cursor < spanEnd)
            memory.ZeroMapped(cursor, spanEnd);
        // Then each page gets the union of the protections of the segments on it.
        for (int i = 0; i < image.SegmentCount; i++)
        {
            ElfSegment segment = image.GetSegment(i);
            ulong start = segment.PageStart + bias, end = segment.PageEnd + bias;
            int prot = ProtOf(segment);
            if (i > 0 && image.GetSegment(i - 1).PageEnd + bias > start)
            {
                // The first page is shared with the previous segment.
                memory.Protect(start, start + ProcessMemory.PageSize, prot | ProtOf(image.GetSegment(i - 1)));
                start += ProcessMemory.PageSize;
            }
            if (start < end)
                memory.Protect(start, end, prot);
        }
        memory.BrkStart = memory.Brk = spanEnd;
        return 0;
    }

    private static int ProtOf(ElfSegment segment)
        => (segment.IsReadable ? Vma.ProtRead : 0) | (segment.IsWritable ? Vma.ProtWrite : 0) | (segment.IsExecutable ? Vma.ProtExec : 0);

    private static int BuildStack(ProcessMemory memory, in ElfImage image, ulong bias, ReadOnlySpan<ByteString> arguments,
        ReadOnlySpan<ByteString> environment, ByteString executableName, ulong limit, out ulong stackPointer, out string reason)
    {
        stackPointer = 0;
        ulong top = ProcessMemory.StackTop;
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
            if (!memory.AddStack(top, reserve > commit ? reserve : commit, commit, prot))
            {
                reason = "no memory for the stack";
                status = -Errno.ENOMEM;
            }
            else
            {
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
