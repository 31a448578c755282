// The services of the boot image (issue 6; Services/README.md). With the word `services`, or a service
// choice such as `memory=paged`, on the command line, the kernel starts the supervisor
// (/services/supervisor/supervisor) before the first program and gives it the manifests of the services
// chosen (ServiceChoice); the supervisor starts them and keeps them running. The kernel waits until each
// service's name is registered, so that the first program finds them, then goes on to it. The services
// come from the boot modules named "services" (and the initrd), unpacked under /services (InitialFiles).
using System;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.Exec;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.Ipc;
using Kitten.Kernel.Processes;

namespace Kitten.Kernel.Boot;

internal static unsafe partial class BootServices
{
    private const int MaxServices = 16;
    private const int EnvironmentCount = 2;
    // Long enough for two .NET programs to start under TCG on a loaded machine.
    private const ulong DefaultWaitSeconds = 60;

    // Whether a service serves the name `memory`: then programs the kernel starts get their memory through
    // it (InitProgram).
    public static bool MemoryManagerServing { get; private set; }

    public static bool Wanted(CommandLine commandLine)
        => commandLine.HasWord("services") || commandLine.TryGetValue("memory", out _);

    // False if the services could not be started (the reason is printed).
    public static bool Start(CommandLine commandLine)
    {
        if (Vfs.Namespace.Root.Lookup("services"u8) is not DirectoryNode folder)
        {
            Console.WriteLine("services: none in the boot image (no /services: the boot modules named \"services\" are missing)");
            return false;
        }
        byte[][] names = ServiceFolders(folder, out bool haveSupervisor);
        if (!haveSupervisor)
        {
            Console.WriteLine("services: no /services/supervisor/supervisor in the boot image");
            return false;
        }
        var chosen = new bool[names.Length];
        ServiceChoice.Choose(names, commandLine, chosen, out int badGroup, out byte[] badChoice);
        if (badGroup >= 0)
        {
            ReadOnlySpan<byte> group = ServiceChoice.GroupOf(names[badGroup]);
            Console.WriteLine($"services: {group}={(ReadOnlySpan<byte>)badChoice}: the boot image has no service /services/{group}-{(ReadOnlySpan<byte>)badChoice}");
            return false;
        }

        // argv: the supervisor, then one manifest path per service chosen.
        // Kept for the supervisor's restarts (BootServices.Keeper.cs).
        var arguments = (ByteString*)Memory.KernelHeap.AllocateZeroed((ulong)((MaxServices + 1) * sizeof(ByteString)));
        int count = 0;
        arguments[count++] = Join("/services/supervisor/supervisor"u8, default);
        for (int i = 0; i < names.Length; i++)
            if (chosen[i])
                arguments[count++] = ManifestPath(names[i]);
        var environment = (ByteString*)Memory.KernelHeap.AllocateZeroed((ulong)(EnvironmentCount * sizeof(ByteString)));
        environment[0] = Join("HOME=/"u8, default);
        environment[1] = Join("PATH=/bin:/sbin:/usr/bin:/usr/sbin"u8, default);

        ProcessTable.KeepPidOneForInit();
        ulong started = Cpu.ReadTsc();
        if (!StartSupervisor(arguments, count, environment, EnvironmentCount))
            return false;

        ulong seconds = DefaultWaitSeconds;
        if (commandLine.TryGetValue("services.wait", out ReadOnlySpan<byte> text))
            ParseSeconds(text, ref seconds);
        if (!WaitForName("supervisor"u8, started, seconds))
            return false;
        for (int i = 0; i < names.Length; i++)
        {
            if (!chosen[i])
                continue;
            ReadOnlySpan<byte> name = ServiceChoice.GroupOf(names[i]);
            if (!WaitForName(name, started, seconds))
                return false;
            if (FileSystem.Bytes.Equal(name, "memory"u8))
                MemoryManagerServing = true;
            Console.WriteLine($"services: '{name}' served by {(ReadOnlySpan<byte>)names[i]}, {TimeBase.TscToNanoseconds(Cpu.ReadTsc() - started) / 1_000_000} ms after the supervisor started");
        }
        return true;
    }

    // The subfolders of /services, and whether the supervisor is among them.
    private static byte[][] ServiceFolders(DirectoryNode folder, out bool haveSupervisor)
    {
        haveSupervisor = false;
        int count = 0;
        for (int i = 0; i < folder.EntryCount; i++)
            if (folder.NodeAt(i) is DirectoryNode && count < MaxServices)
                count++;
        var names = new byte[count][];
        count = 0;
        for (int i = 0; i < folder.EntryCount && count < names.Length; i++)
        {
            if (folder.NodeAt(i) is not DirectoryNode)
                continue;
            names[count] = folder.NameAt(i);
            if (ServiceChoice.IsSupervisor(names[count]))
                haveSupervisor = true;
            count++;
        }
        return names;
    }

    // Polls the registry (a registration is rare and the wait is once, at boot).
    private static bool WaitForName(ReadOnlySpan<byte> name, ulong since, ulong seconds)
    {
        ulong deadline = since + seconds * TimeBase.TscHz;
        while (true)
        {
            IpcLock.Acquire();
            bool registered;
            fixed (byte* bytes = name)
                registered = NameRegistry.Lookup(bytes, name.Length) != null;
            IpcLock.Release();
            if (registered)
                return true;
            if (Cpu.ReadTsc() > deadline)
            {
                Console.WriteLine($"services: '{name}' was not registered within {seconds} s of the supervisor starting");
                return false;
            }
            Tasks.Scheduler.Sleep(1_000_000);
        }
    }

    private static void ParseSeconds(ReadOnlySpan<byte> text, ref ulong seconds)
    {
        ulong value = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] < '0' || text[i] > '9')
                return;
            value = value * 10 + (ulong)(text[i] - '0');
        }
        if (text.Length > 0)
            seconds = value;
    }

    // /services/NAME/NAME.manifest
    private static ByteString ManifestPath(byte[] name)
    {
        Span<byte> path = stackalloc byte[2 * name.Length + 32];
        int length = Append(path, 0, "/services/"u8);
        length = Append(path, length, name);
        length = Append(path, length, "/"u8);
        length = Append(path, length, name);
        length = Append(path, length, ".manifest"u8);
        return Join(path.Slice(0, length), default);
    }

    private static int Append(Span<byte> buffer, int at, ReadOnlySpan<byte> text)
    {
        for (int i = 0; i < text.Length; i++)
            buffer[at + i] = text[i];
        return at + text.Length;
    }

    // a + b, NUL-terminated, on the kernel heap (kept: the arguments of a process the kernel starts).
    private static ByteString Join(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        byte* bytes = (byte*)Memory.KernelHeap.AllocateZeroed((ulong)(a.Length + b.Length) + 1);
        for (int i = 0; i < a.Length; i++)
            bytes[i] = a[i];
        for (int i = 0; i < b.Length; i++)
            bytes[a.Length + i] = b[i];
        return new ByteString(bytes, a.Length + b.Length);
    }
}
