// The ELF loader and the initial stack builder in ring 0, compiled by ILC: a small hand-made executable is
// parsed, copied and given a stack. The host tests cover the rules; these show the same code runs here.
using System;
using Kitten.Kernel.Memory;
using Kitten.Kernel.SelfTest;

namespace Kitten.Kernel.Exec;

internal static unsafe class ExecSelfTests
{
    private const int FileSize = 0x200;

    public static void Register(SelfTestList tests)
    {
        tests.Add("exec.elf_parse_and_load", &ParseAndLoad);
        tests.Add("exec.elf_refuses_dynamic", &RefusesDynamic);
        tests.Add("exec.initial_stack_layout", &InitialStackLayout);
    }

    // A static program in one read-execute PT_LOAD at 0x400000 (headers included, 0x1800 bytes in memory
    // of which 0x200 from the file) and a PT_GNU_STACK; interpreter: PT_INTERP first, path at 0x180.
    private static byte* MakeExecutable(bool withInterpreter)
    {
        byte* file = (byte*)KernelHeap.AllocateZeroed(FileSize);
        if (file == null)
            return null;
        for (int i = 0xC0; i < FileSize; i++)
            file[i] = (byte)(i * 7 + 1);
        file[0] = 0x7F; file[1] = (byte)'E'; file[2] = (byte)'L'; file[3] = (byte)'F';
        file[4] = 2; file[5] = 1; file[6] = 1;
        *(ushort*)(file + 16) = 2;              // ET_EXEC
        *(ushort*)(file + 18) = 62;             // EM_X86_64
        *(uint*)(file + 20) = 1;
        *(ulong*)(file + 24) = 0x400100;        // entry
        *(ulong*)(file + 32) = 64;              // e_phoff
        *(ushort*)(file + 54) = 56;
        *(ushort*)(file + 56) = (ushort)(withInterpreter ? 3 : 2);
        byte* header = file + 64;
        if (withInterpreter)
        {
            string path = "/lib64/ld-linux-x86-64.so.2";
            Ascii(path, file + 0x180);
            ProgramHeader(header, 3, 4, 0x180, 0x400180, (ulong)path.Length + 1, (ulong)path.Length + 1, 1);
            header += 56;
        }
        ProgramHeader(header, 1, 5, 0, 0x400000, FileSize, 0x1800, 0x1000);
        ProgramHeader(header + 56, 0x6474E551, 6, 0, 0, 0, 0, 16);
        return file;
    }

    // Copies an ASCII literal and a NUL.
    private static void Ascii(string text, byte* destination)
    {
        for (int i = 0; i < text.Length; i++)
            destination[i] = (byte)text[i];
        destination[text.Length] = 0;
    }

    private static void ProgramHeader(byte* header, uint type, uint flags, ulong offset, ulong address, ulong fileSize,
        ulong memorySize, ulong alignment)
    {
        *(uint*)header = type;
        *(uint*)(header + 4) = flags;
        *(ulong*)(header + 8) = offset;
        *(ulong*)(header + 16) = address;
        *(ulong*)(header + 24) = address;
        *(ulong*)(header + 32) = fileSize;
        *(ulong*)(header + 40) = memorySize;
        *(ulong*)(header + 48) = alignment;
    }

    private static void ParseAndLoad(ref TestContext t)
    {
        byte* file = MakeExecutable(false);
        if (!t.Check(file != null, "no memory for the file"))
            return;
        if (t.Check(ElfImage.TryParse(file, FileSize, out ElfImage image, out ElfRefusal refusal), refusal.Reason ?? "refused"))
        {
            t.Equal(1, image.SegmentCount, "segments");
            t.Equal(0x400100UL, image.Entry, "entry");
            t.Equal(0x400040UL, image.ProgramHeaderAddress, "AT_PHDR");
            t.Equal(0x2000UL, image.SpanSize, "span");
            t.Check(image.GetSegment(0).IsExecutable && !image.GetSegment(0).IsWritable, "segment flags");
            byte* region = (byte*)KernelHeap.AllocateZeroed(image.SpanSize);
            if (t.Check(region != null, "no memory for the image"))
            {
                for (ulong i = 0; i < image.SpanSize; i++)
                    region[i] = 0xEE;
                t.Check(ElfLoader.TryLoad(image, 0, region, image.SpanSize, out string error), error ?? "load failed");
                t.Equal(file[0x1FF], region[0x1FF], "last file byte copied");
                t.Equal(0UL, region[0x200], "bss zeroed");
                t.Equal(0UL, region[0x1FFF], "page tail zeroed");
                KernelHeap.Free(region);
            }
        }
        KernelHeap.Free(file);
    }

    private static void RefusesDynamic(ref TestContext t)
    {
        byte* file = MakeExecutable(true);
        if (!t.Check(file != null, "no memory for the file"))
            return;
        t.Check(!ElfImage.TryParse(file, FileSize, out _, out ElfRefusal refusal), "a dynamic program was accepted");
        Span<byte> line = stackalloc byte[80];
        int length = refusal.WriteMessage(line);
        string expected = "dynamically linked (needs /lib64/ld-linux-x86-64.so.2)";
        bool same = length == expected.Length;
        for (int i = 0; same && i < length; i++)
            same = line[i] == expected[i];
        t.Check(same, "the refusal does not name the interpreter");
        KernelHeap.Free(file);
    }

    private static void InitialStackLayout(ref TestContext t)
    {
        const ulong Size = 4096;
        const ulong UserTop = 0x7F_FFFF_F000;
        byte* stack = (byte*)KernelHeap.AllocateZeroed(Size);
        if (!t.Check(stack != null, "no memory for the stack"))
            return;
        {
            byte* init = stackalloc byte[8];
            byte* verbose = stackalloc byte[8];
            byte* rank = stackalloc byte[16];
            Ascii("/init", init);
            Ascii("-v", verbose);
            Ascii("PMI_RANK=0", rank);
            ByteString* arguments = stackalloc ByteString[2];
            arguments[0] = new ByteString(init, 5);
            arguments[1] = new ByteString(verbose, 2);
            ByteString environment = new ByteString(rank, 10);
            byte* random = stackalloc byte[InitialStack.RandomSize];
            for (int i = 0; i < InitialStack.RandomSize; i++)
                random[i] = (byte)i;
            var values = new AuxiliaryValues { PageSize = 4096, ClockTicks = 100, Entry = 0x400100 };
            bool built = InitialStack.TryBuild(stack + Size, UserTop, Size, new ReadOnlySpan<ByteString>(arguments, 2),
                new ReadOnlySpan<ByteString>(&environment, 1), arguments[0], InitialStack.Platform,
                new ReadOnlySpan<byte>(random, InitialStack.RandomSize), values, out InitialStackLayout layout, out string error);
            if (t.Check(built, error ?? "not built"))
            {
                ulong* sp = (ulong*)(stack + Size - (UserTop - layout.StackPointer));
                t.Equal(0UL, layout.StackPointer & 15, "RSP alignment");
                t.Equal(2UL, sp[0], "argc");
                t.Equal(layout.ArgumentsStart, sp[1], "argv[0]");
                t.Equal(0UL, sp[3], "argv NULL");
                t.Equal(layout.EnvironmentStart, sp[4], "envp[0]");
                t.Equal(0UL, sp[5], "envp NULL");
                t.Equal(layout.AuxiliaryVector, layout.StackPointer + 6 * 8, "auxv position");
                ulong* last = sp + 6 + 2 * (layout.AuxiliaryVectorLength - 1);
                t.Equal(0UL, last[0] | last[1], "AT_NULL ends the vector");
                t.Equal((ulong)'/', stack[Size - (UserTop - sp[1])], "argv[0] text");
            }
        }
        KernelHeap.Free(stack);
    }
}
