// At boot, once the initial file system is up: every /services/*/*.manifest is read and its policy bound
// to its binary's inode (ServiceRegistry), one console line per service bound or manifest refused. Bound
// by identity, not by path, and only now: a file renamed, linked or written under /services later neither
// creates a policy nor changes one (and "/" is the read-only initial archive anyway).
using System;
using Kitten.Kernel.Arch.X64;
using Kitten.Kernel.FileSystem;
using Kitten.Kernel.LinuxAbi;
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.Services;

internal static unsafe class ServiceBinding
{
    private const int MaxManifestBytes = 16 * 1024;

    public static void BindAll()
    {
        bool interrupts = Vfs.Lock.Acquire();
        FileSystemNamespace space = Vfs.Namespace;
        if (PathResolver.Resolve(space, space.Root, "/services"u8, true, out Node top) == 0 && top is DirectoryNode services)
        {
            for (long cookie = DirectoryNode.FirstEntryCookie; services.ReadEntry(cookie, out DirectoryEntryView folder); cookie = folder.NextCookie)
            {
                if (folder.Node is DirectoryNode directory)
                    BindFolder(space, folder.Name, directory);
            }
        }
        Vfs.Lock.Release(interrupts);
    }

    private static void BindFolder(FileSystemNamespace space, ReadOnlySpan<byte> folderName, DirectoryNode directory)
    {
        for (long cookie = DirectoryNode.FirstEntryCookie; directory.ReadEntry(cookie, out DirectoryEntryView entry); cookie = entry.NextCookie)
        {
            if (!entry.Node.IsRegular || !EndsWith(entry.Name, ".manifest"))
                continue;
            var path = new TextBuilder(64);
            path.Append("/services/").Append(folderName).Append('/').Append(entry.Name);
            Bind(space, directory, path, entry.Node);
            path.Release();
        }
    }

    private static void Bind(FileSystemNamespace space, DirectoryNode directory, TextBuilder path, Node manifest)
    {
        if (manifest.Size > MaxManifestBytes)
        {
            Console.WriteLine($"services: {path.Text}: refused: larger than {MaxManifestBytes} bytes");
            return;
        }
        int size = (int)manifest.Size;
        byte[] text = new byte[size == 0 ? 1 : size];
        long read = manifest.Read(0, new Span<byte>(text).Slice(0, size));
        ServicePolicy policy = null;
        ManifestError error = default;
        if (read == size)
            policy = ManifestReader.Read(new ReadOnlySpan<byte>(text, 0, size), out error);
        if (policy == null)
        {
            if (read != size)
                Console.WriteLine($"services: {path.Text}: refused: cannot read it (error {-read})");
            else if (error.Line == 0)
                Console.WriteLine($"services: {path.Text}: refused: {error.Reason}");
            else if (error.WordLength == 0)
                Console.WriteLine($"services: {path.Text}:{error.Line}: refused: {error.Reason}");
            else
                Console.WriteLine($"services: {path.Text}:{error.Line}: refused: {error.Reason}: '{new ReadOnlySpan<byte>(text, error.WordStart, error.WordLength)}'");
            Runtime.ObjectMemory.Release(text);
            return;
        }
        Runtime.ObjectMemory.Release(text);
        int status = PathResolver.Resolve(space, directory, policy.Binary, true, out Node binary);
        string refusal = status != 0 ? "no such file" : !binary.IsRegular ? "not a regular file" : null;
        BoundService other = refusal == null ? ServiceRegistry.Find(binary.FileSystem.DeviceNumber, binary.Inode) : null;
        if (other != null)
            refusal = "already bound to another manifest";
        if (refusal != null)
        {
            Console.WriteLine($"services: {path.Text}: refused: binary '{policy.Binary}': {refusal}");
            policy.Release();
            return;
        }
        var service = new BoundService
        {
            Policy = policy,
            Device = binary.FileSystem.DeviceNumber,
            Inode = binary.Inode,
            Filter = (ulong*)KernelHeap.AllocateZeroed((ulong)(ServicePolicy.BitmapWords * sizeof(ulong))),
            ManifestPath = Bytes.ToArray(path.Text),
        };
        for (int i = 0; i < ServicePolicy.BitmapWords; i++)
            service.Filter[i] = policy.Allowed[i];
        service.Handlers = (delegate*<InterruptContext*, long>*)KernelHeap.AllocateZeroed((ulong)(SyscallTable.Size * sizeof(nint)));
        for (int number = 0; number < SyscallTable.Size; number++)
            service.Handlers[number] = policy.AllowsSyscall((ulong)number) ? SyscallTable.Handlers[(ulong)number] : &ServiceEnforcement.RefuseLinux;
        if (!ServiceRegistry.Add(service))
        {
            Console.WriteLine($"services: {path.Text}: refused: more than {ServiceRegistry.Capacity} services");
            return;
        }
        var where = new TextBuilder(64);
        PathName.OfFile(space, directory, policy.Binary, where);
        Console.WriteLine($"services: {policy.Service} bound to {where.Text}");
        where.Release();
    }

    private static bool EndsWith(ReadOnlySpan<byte> name, string suffix)
        => name.Length > suffix.Length && Bytes.Equal(name.Slice(name.Length - suffix.Length), suffix);
}
