// The first user program, named on the kernel command line after a lone `--`, with its arguments:
//     selftest=... -- /bin/busybox sh -c seq%201%2010
// Words are separated by spaces, so `./kitten boot --exec` percent-encodes every byte outside a safe set
// (RFC 3986, section 2.1); the kernel decodes them. argv[0] is the path.
using System;
using Kitten.Kernel.Exec;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.Boot;

internal static unsafe class InitProgram
{
    private const int MaxArguments = 256;

    public static bool HasProgram(CommandLine commandLine) => FindSeparator(commandLine.Text) >= 0;

    // Start of the first word after a lone "--", or -1.
    private static int FindSeparator(ReadOnlySpan<byte> text)
    {
        for (int i = 0; i + 1 < text.Length; i++)
        {
            bool startsWord = i == 0 || text[i - 1] == ' ';
            bool endsWord = i + 2 == text.Length || text[i + 2] == ' ';
            if (startsWord && endsWord && text[i] == '-' && text[i + 1] == '-')
                return i + 2;
        }
        return -1;
    }

    public static bool Start(CommandLine commandLine)
    {
        ReadOnlySpan<byte> text = commandLine.Text;
        int position = FindSeparator(text);
        // The decoded words go into one buffer; decoding only shrinks them.
        byte* storage = (byte*)Memory.KernelHeap.AllocateZeroed((ulong)text.Length + 1);
        // Two slots in front for the launcher (below).
        var slots = stackalloc ByteString[MaxArguments + LauncherWords];
        var arguments = slots + LauncherWords;
        int count = 0;
        int used = 0;
        while (position < text.Length && count < MaxArguments)
        {
            while (position < text.Length && text[position] == ' ')
                position++;
            if (position >= text.Length)
                break;
            int start = used;
            while (position < text.Length && text[position] != ' ')
            {
                byte c = text[position++];
                if (c == '%' && position + 1 < text.Length && Hex(text[position]) >= 0 && Hex(text[position + 1]) >= 0)
                {
                    c = (byte)(Hex(text[position]) * 16 + Hex(text[position + 1]));
                    position += 2;
                }
                storage[used++] = c;
            }
            storage[used++] = 0;
            arguments[count++] = new ByteString(storage + start, used - start - 1);
        }
        if (count == 0)
        {
            Console.WriteLine("init: nothing after -- on the command line");
            return false;
        }
        if (ThroughMemoryManager(arguments[0]))
        {
            arguments -= LauncherWords;
            count += LauncherWords;
            arguments[0] = Literal(Launcher);
            arguments[1] = Literal("--or-plain");
        }
        var environment = stackalloc ByteString[4];
        environment[0] = Literal("HOME=/");
        environment[1] = Literal("PATH=/bin:/sbin:/usr/bin:/usr/sbin");
        environment[2] = Literal("TERM=vt100");
        environment[3] = Literal("SHELL=/bin/sh");
        return ProcessLifecycle.StartInit(new ReadOnlySpan<byte>(arguments[0].Bytes, arguments[0].Length),
            new ReadOnlySpan<ByteString>(arguments, count), new ReadOnlySpan<ByteString>(environment, 4));
    }

    // With a memory manager serving (`services`, `memory=...`), the first program gets its memory through it
    // (issue 6): the kernel starts it under the launcher, which asks the manager for a layout and execs the
    // program in it with kitten_exec_placed (Services/Tools/Launch). --or-plain: should the manager refuse
    // or not answer, the launcher says so and execs the program the ordinary way, so the machine stays
    // usable. A program that is the launcher already is started as it is.
    private const string Launcher = "/sbin/launch";
    private const int LauncherWords = 2;

    private static bool ThroughMemoryManager(ByteString program)
    {
        if (!BootServices.MemoryManagerServing)
            return false;
        if (FileSystem.Bytes.Equal(new ReadOnlySpan<byte>(program.Bytes, program.Length), Launcher))
            return false;
        if (FileSystem.Vfs.Namespace.Root.Lookup("sbin"u8) is not FileSystem.DirectoryNode sbin || sbin.Lookup("launch"u8) == null)
        {
            Console.WriteLine("init: a memory manager is serving but the boot image has no /sbin/launch: the first program runs in the kernel's own placement");
            return false;
        }
        return true;
    }

    private static ByteString Literal(string text)
    {
        byte* bytes = (byte*)Memory.KernelHeap.AllocateZeroed((ulong)text.Length + 1);
        for (int i = 0; i < text.Length; i++)
            bytes[i] = (byte)text[i];
        return new ByteString(bytes, text.Length);
    }

    private static int Hex(byte c)
    {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
}
