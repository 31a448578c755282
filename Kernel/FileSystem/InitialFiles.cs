// The initial file system: the cpio archive GRUB loads as the boot module named "initrd" (`./kitten iso
// --add HOST:PATH` puts files in it), then every boot module named "services" (archives holding
// /services/NAME/NAME and its manifest: Build/iso.sh, Services/README.md), applied in that order so that a
// services module can add or replace a service without rebuilding the initrd. The kernel lists them at
// boot; CreateNamespace turns them into the read-only "/" with a tmpfs on /tmp, for user space.
using Kitten.Kernel.Boot;
using Kitten.Kernel.Memory;

namespace Kitten.Kernel.FileSystem;

internal static unsafe class InitialFiles
{
    public static byte* Archive { get; private set; }
    public static ulong ArchiveLength { get; private set; }
    public static int FileCount { get; private set; }
    public static int ServiceModuleCount { get; private set; }

    private const int MaxServiceModules = 8;
    private static BootModule[] s_serviceModules;

    public static void Load()
    {
        s_serviceModules = new BootModule[MaxServiceModules];
        for (int i = 0; i < BootInfo.Modules.Length; i++)
        {
            BootModule module = BootInfo.Modules[i];
            if (module.CommandLine == null)
                continue;
            if (IsName(module.CommandLine, "initrd"))
            {
                Archive = (byte*)PhysicalMemory.ToVirtual(module.Start);
                ArchiveLength = module.End - module.Start;
            }
            else if (IsName(module.CommandLine, "services"))
            {
                if (ServiceModuleCount < MaxServiceModules)
                    s_serviceModules[ServiceModuleCount++] = module;
                else
                    Console.WriteLine($"services: module {i} ignored: more than {MaxServiceModules} services modules");
            }
        }
        if (Archive == null)
            Console.WriteLine("initrd: none (no boot module named initrd)");
        else
            FileCount = Count("initrd", Archive, ArchiveLength);
        for (int i = 0; i < ServiceModuleCount; i++)
            Count("services", (byte*)PhysicalMemory.ToVirtual(s_serviceModules[i].Start), s_serviceModules[i].End - s_serviceModules[i].Start);
    }

    // Prints what an archive holds; returns its number of files.
    private static int Count(string what, byte* start, ulong length)
    {
        var archive = new CpioArchive(start, length);
        int files = 0, directories = 0;
        ulong bytes = 0;
        while (archive.Next(out CpioEntry entry, out _))
        {
            if (entry.IsDirectory)
            {
                directories++;
                continue;
            }
            files++;
            bytes += entry.Size;
        }
        Console.WriteLine($"{what}: {files} files, {directories} directories, {bytes} bytes");
        return files;
    }

    // The data of the regular file at an absolute path, following symbolic links in the archive. (The
    // file system proper, with directories and /tmp, builds on the same archive.)
    public static bool Find(System.ReadOnlySpan<byte> path, out byte* data, out ulong length)
    {
        data = null;
        length = 0;
        if (Archive == null)
            return false;
        System.Span<byte> current = stackalloc byte[256];
        int currentLength = 0;
        for (int i = 0; i < path.Length && currentLength < current.Length; i++)
            current[currentLength++] = path[i];
        for (int hops = 0; hops < 8; hops++)
        {
            int start = 0;
            while (start < currentLength && current[start] == '/')
                start++;
            var archive = new CpioArchive(Archive, ArchiveLength);
            bool found = false;
            while (archive.Next(out CpioEntry entry, out _))
            {
                if (entry.NameLength != currentLength - start || !SameBytes(entry.Name, current.Slice(start, currentLength - start)))
                    continue;
                if ((entry.Mode & CpioEntry.TypeMask) == CpioEntry.TypeSymlink && entry.Size < 200)
                {
                    // A relative target is relative to the link's directory.
                    int directoryEnd = currentLength;
                    while (directoryEnd > 0 && current[directoryEnd - 1] != '/')
                        directoryEnd--;
                    int newLength = entry.Data[0] == '/' ? 0 : directoryEnd;
                    for (ulong k = 0; k < entry.Size && newLength < current.Length; k++)
                        current[newLength++] = entry.Data[k];
                    currentLength = newLength;
                    found = true;
                    break;
                }
                if (!entry.IsRegularFile)
                    return false;
                data = entry.Data;
                length = entry.Size;
                return true;
            }
            if (!found)
                return false;
        }
        return false;
    }

    private static bool SameBytes(byte* a, System.ReadOnlySpan<byte> b)
    {
        for (int i = 0; i < b.Length; i++)
            if (a[i] != b[i])
                return false;
        return true;
    }
    // "/" from the archive (read-only), a tmpfs of `tmpCapacity` bytes and `tmpNodes` nodes on /tmp
    // (the directory is made if the archive has none). Refused archive entries are printed, one a line.
    public static FileSystemNamespace CreateNamespace(ulong tmpCapacity, long tmpNodes, out InitialFileSystemReport report)
    {
        report = default;
        FileSystemInstance root = InitialFileSystem.Create(DeviceNumber.Make(0, 1));
        InitialFileSystem.Unpack(root, Archive, ArchiveLength, ref report, &PrintRefusal);
        for (int i = 0; i < ServiceModuleCount; i++)
        {
            BootModule module = s_serviceModules[i];
            InitialFileSystem.Unpack(root, (byte*)PhysicalMemory.ToVirtual(module.Start), module.End - module.Start,
                ref report, &PrintRefusal);
        }
        root.ReadOnly = true;
        if (report.ArchiveError != null)
            Console.WriteLine($"initrd: unpacking stopped at a bad entry: {report.ArchiveError}");
        var space = new FileSystemNamespace(root);
        FileSystemInstance tmp = FileSystemInstance.CreateTmpfs(space.NewAnonymousDevice(), tmpCapacity, tmpNodes);
        int error = space.MountAt("/tmp"u8, tmp);
        if (error != 0)
            Console.WriteLine($"initrd: no tmpfs on /tmp (error {error})");
        return space;
    }

    private static void PrintRefusal(System.ReadOnlySpan<byte> name, string reason)
        => Console.WriteLine($"initrd: /{name} refused: {reason}");

    private static bool IsName(byte* text, string name)
    {
        for (int i = 0; i < name.Length; i++)
            if (text[i] != name[i])
                return false;
        return text[name.Length] == 0 || text[name.Length] == ' ';
    }
}
